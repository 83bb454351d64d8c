#include "storage/status.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace parley::storage {
namespace {

absl::StatusCode CodeOf(const rocksdb::Status& status) {
  using rocksdb::Status;
  if (status.subcode() == Status::kNoSpace || status.subcode() == Status::kMemoryLimit ||
      status.subcode() == Status::kSpaceLimit) {
    return absl::StatusCode::kResourceExhausted;
  }
  switch (status.code()) {
    case Status::kOk:
      return absl::StatusCode::kOk;
    case Status::kNotFound:
      return absl::StatusCode::kNotFound;
    case Status::kCorruption:
      return absl::StatusCode::kDataLoss;
    case Status::kNotSupported:
      return absl::StatusCode::kUnimplemented;
    case Status::kIOError:
    case Status::kIncomplete:
    case Status::kShutdownInProgress:
    case Status::kBusy:
      return absl::StatusCode::kUnavailable;
    case Status::kTryAgain:
    case Status::kAborted:
      return absl::StatusCode::kAborted;
    case Status::kTimedOut:
    case Status::kExpired:
      return absl::StatusCode::kDeadlineExceeded;
    case Status::kCompactionTooLarge:
      return absl::StatusCode::kResourceExhausted;
    default:
      return absl::StatusCode::kInternal;
  }
}

}  // namespace

absl::Status FromRocksDb(const rocksdb::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(CodeOf(status), absl::StrCat(what, ": ", status.ToString()));
}

}  // namespace parley::storage
