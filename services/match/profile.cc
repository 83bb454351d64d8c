#include "services/match/profile.h"

#include <string>

#include "absl/strings/ascii.h"

namespace parley::match {

std::string NormalizeTag(absl::string_view tag) {
  std::string out;
  out.reserve(tag.size());
  bool pending_space = false;
  for (char ch : tag) {
    if (absl::ascii_isspace(static_cast<unsigned char>(ch))) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(absl::ascii_tolower(static_cast<unsigned char>(ch)));
  }
  return out;
}

}  // namespace parley::match
