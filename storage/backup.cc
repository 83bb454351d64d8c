#include "storage/backup.h"

#include <filesystem>
#include <memory>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "rocksdb/utilities/checkpoint.h"
#include "storage/status.h"

namespace parley::storage {

absl::StatusOr<CheckpointInfo> WriteCheckpoint(rocksdb::DB* db, const std::string& dir) {
  namespace fs = std::filesystem;
  if (dir.empty() || dir.front() != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("backup directory must be an absolute path, got \"", dir, "\""));
  }
  std::error_code error;
  if (fs::exists(dir, error)) {
    return absl::AlreadyExistsError(
        absl::StrCat("backup directory ", dir, " exists: give a new one"));
  }
  rocksdb::Checkpoint* raw = nullptr;
  absl::Status s = FromRocksDb(rocksdb::Checkpoint::Create(db, &raw), "create checkpoint");
  if (!s.ok()) return s;
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  // log_size_for_flush 0: always flush, so the copy is all SST files and needs no WAL.
  s = FromRocksDb(checkpoint->CreateCheckpoint(dir, /*log_size_for_flush=*/0),
                  absl::StrCat("checkpoint into ", dir));
  if (!s.ok()) return s;
  CheckpointInfo info;
  info.dir = dir;
  for (fs::directory_iterator it(dir, error); !error && it != fs::directory_iterator();
       it.increment(error)) {
    ++info.files;
    info.bytes += it->file_size(error);
  }
  return info;
}

}  // namespace parley::storage
