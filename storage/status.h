#ifndef PARLEY_STORAGE_STATUS_H_
#define PARLEY_STORAGE_STATUS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "rocksdb/status.h"

namespace parley::storage {

// The one place where RocksDB statuses become abseil statuses. `what` says what failed, with
// ids ("read attendee 17 of event 3"); the message is "<what>: <RocksDB's message>".
//
//   NotFound                     NOT_FOUND
//   Corruption                   DATA_LOSS
//   IOError(NoSpace), other      RESOURCE_EXHAUSTED
//   *(MemoryLimit/SpaceLimit)
//   IOError, Incomplete,         UNAVAILABLE (retry the call)
//   ShutdownInProgress, Busy
//   TryAgain, Aborted            ABORTED (retry the read-modify-write)
//   TimedOut, Expired            DEADLINE_EXCEEDED
//   NotSupported                 UNIMPLEMENTED
//   CompactionTooLarge           RESOURCE_EXHAUSTED
//   InvalidArgument, others      INTERNAL (our misuse of RocksDB, not the caller's input)
absl::Status FromRocksDb(const rocksdb::Status& status, absl::string_view what);

}  // namespace parley::storage

#endif  // PARLEY_STORAGE_STATUS_H_
