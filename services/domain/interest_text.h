#ifndef PARLEY_SERVICES_DOMAIN_INTEREST_TEXT_H_
#define PARLEY_SERVICES_DOMAIN_INTEREST_TEXT_H_

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"

// How a person writes one interest: "tag" or "tag:N" with a weight N of 1-3. Only a trailing
// ":1", ":2" or ":3" (spaces allowed around it) is a weight, since real keywords hold colons
// ("n:m sparsity", "in-context learning: large language model") and a file with them must
// import. The one statement of that rule: the server's CSV import (import_csv.h) and the CLI's
// flags (clients/attendee_fields.h) both read interests through it. Header-only so that the
// client library uses it without linking the server's domain library. Pure; thread-safe.
namespace parley::domain {

struct InterestText {
  // Trimmed; empty if the item held only a weight (the caller's error to report).
  absl::string_view tag;
  // 0 when the item names no weight.
  uint32_t weight = 0;
};

// `item` is one list item, already trimmed.
inline InterestText SplitInterestWeight(absl::string_view item) {
  InterestText out{item, 0};
  const size_t colon = item.rfind(':');
  if (colon == absl::string_view::npos) return out;
  const absl::string_view after = absl::StripAsciiWhitespace(item.substr(colon + 1));
  if (after.size() == 1 && after[0] >= '1' && after[0] <= '3') {
    out.weight = static_cast<uint32_t>(after[0] - '0');
    out.tag = absl::StripAsciiWhitespace(item.substr(0, colon));
  }
  return out;
}

}  // namespace parley::domain

#endif  // PARLEY_SERVICES_DOMAIN_INTEREST_TEXT_H_
