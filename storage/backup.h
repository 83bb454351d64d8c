#ifndef PARLEY_STORAGE_BACKUP_H_
#define PARLEY_STORAGE_BACKUP_H_

// Online backups of the store's database: a RocksDB checkpoint, taken while the store serves.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "rocksdb/db.h"

namespace parley::storage {

// What a checkpoint holds.
struct CheckpointInfo {
  std::string dir;     // the checkpoint: a complete database, openable in place
  int files = 0;       // its files
  uint64_t bytes = 0;  // their total size
};

// Writes a consistent copy of `db` into `dir`, which must not exist (its parent must): every
// write acknowledged before the call is in it. Memtables are flushed first, so the copy needs
// no WAL replay. SST files are hard-linked when `dir` is on the same file system (instant, no
// extra space until compaction replaces them), copied otherwise.
// Thread-safe (RocksDB serialises checkpoints with flushes and file deletions).
// ALREADY_EXISTS if `dir` exists; INVALID_ARGUMENT if it is not absolute; RocksDB's errors
// (RESOURCE_EXHAUSTED when the disk is full) otherwise, leaving no partial `dir`.
absl::StatusOr<CheckpointInfo> WriteCheckpoint(rocksdb::DB* db, const std::string& dir);

}  // namespace parley::storage

#endif  // PARLEY_STORAGE_BACKUP_H_
