#ifndef PARLEY_SERVICES_PAGING_H_
#define PARLEY_SERVICES_PAGING_H_

#include <google/protobuf/repeated_ptr_field.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace parley::services {

inline constexpr int kDefaultPageSize = 100;
inline constexpr int kMaxPageSize = 1000;

// page_size 0 -> kDefaultPageSize; 1..kMaxPageSize as given; anything else INVALID_ARGUMENT.
absl::StatusOr<int> PageSize(int32_t requested);

// Page tokens are opaque to callers: the last key of the previous page, base64url-encoded with
// a version prefix so the format can change. Empty token = first page.
std::string EncodePageToken(absl::string_view last_key);
// INVALID_ARGUMENT ("page_token: malformed") for anything EncodePageToken did not make.
absl::StatusOr<std::string> DecodePageToken(absl::string_view token);
absl::StatusOr<uint64_t> DecodeIdPageToken(absl::string_view token);

// Moves at most `size` of `rows` (fetched with limit size + 1) into `out` and returns the next
// page token, empty when no row was left over. `key(row)` gives the key a token resumes after.
template <typename Row, typename KeyFn>
std::string TakePage(std::vector<Row> rows, int size, google::protobuf::RepeatedPtrField<Row>* out,
                     KeyFn key) {
  const bool more = static_cast<int>(rows.size()) > size;
  if (more) rows.resize(size);
  for (Row& row : rows) *out->Add() = std::move(row);
  return more && !out->empty() ? EncodePageToken(key(*out->rbegin())) : std::string();
}

}  // namespace parley::services

#endif  // PARLEY_SERVICES_PAGING_H_
