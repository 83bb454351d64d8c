#include "services/api/paging.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace parley::services {
namespace {
constexpr absl::string_view kPrefix = "p1:";
}  // namespace

absl::StatusOr<int> PageSize(int32_t requested) {
  if (requested == 0) return kDefaultPageSize;
  if (requested < 0 || requested > kMaxPageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: must be 1..", kMaxPageSize, " (0 = ", kDefaultPageSize, ")"));
  }
  return requested;
}

std::string EncodePageToken(absl::string_view last_key) {
  return absl::WebSafeBase64Escape(absl::StrCat(kPrefix, last_key));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view token) {
  if (token.empty()) return std::string();
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw) || !absl::StartsWith(raw, kPrefix)) {
    return absl::InvalidArgumentError("page_token: malformed; pass next_page_token unchanged");
  }
  return raw.substr(kPrefix.size());
}

absl::StatusOr<uint64_t> DecodeIdPageToken(absl::string_view token) {
  absl::StatusOr<std::string> key = DecodePageToken(token);
  if (!key.ok()) return key.status();
  if (key->empty()) return 0;
  uint64_t id;
  if (!absl::SimpleAtoi(*key, &id)) {
    return absl::InvalidArgumentError("page_token: malformed; pass next_page_token unchanged");
  }
  return id;
}

}  // namespace parley::services
