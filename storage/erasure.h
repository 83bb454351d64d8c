#ifndef PARLEY_STORAGE_ERASURE_H_
#define PARLEY_STORAGE_ERASURE_H_

// Erasure that reaches the disk. Deleting a record in RocksDB writes a tombstone; the record's
// bytes stay in older SST files and in the write-ahead log until compaction and a WAL switch
// drop them. ErasureCompactor remembers the keys an erasure touched and, within a bounded delay
// (and on demand, e.g. at shutdown), flushes every memtable (so the WALs holding the records
// become obsolete and are deleted) and compacts the touched key ranges with bottommost
// compaction forced (so the tombstones meet the records and both are dropped).
//
// A snapshot older than the erasure keeps the old versions alive through a compaction, so a
// pass that finds one (a long scan still running) is retried after the delay.
// Thread-safe. Not owned: `db` and the handles, which must outlive the compactor (Stop it first).

#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace parley::storage {

class ErasureCompactor {
 public:
  // `delay`: how long after an erasure its pass runs (more erasures meanwhile share it); a
  // pass that fails or meets an older snapshot is retried after another `delay`. Zero or less:
  // no background thread, only CompactNow.
  ErasureCompactor(rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> handles,
                   absl::Duration delay);
  // Stops the thread; pending ranges are not compacted (call CompactNow first for that).
  ~ErasureCompactor();
  ErasureCompactor(const ErasureCompactor&) = delete;
  ErasureCompactor& operator=(const ErasureCompactor&) = delete;

  // Notes every key `batch` puts or deletes (an erasure's batch: its deletes remove the person,
  // its puts overwrite records that named them) as to be compacted. Call after the batch was
  // committed, with the database's latest sequence number then.
  void Add(const rocksdb::WriteBatch& batch, uint64_t sequence);

  // Compacts every pending range now and returns when done. FAILED_PRECONDITION (ranges kept for
  // the next pass) if a snapshot older than a pending erasure is still open; RocksDB's errors
  // otherwise.
  absl::Status CompactNow();

  // Stops the background thread (idempotent). CompactNow still works afterwards.
  void Stop();

  // Key ranges (first, last) per column family id, waiting for a pass. For tests.
  size_t PendingRanges() const;

 private:
  void Run();

  rocksdb::DB* const db_;
  const std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  const absl::Duration delay_;

  // Serialises passes (the thread's and CompactNow's).
  absl::Mutex pass_mu_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<uint32_t, std::vector<std::pair<std::string, std::string>>> pending_
      ABSL_GUARDED_BY(mu_);
  uint64_t pending_sequence_ ABSL_GUARDED_BY(mu_) = 0;  // the newest erasure pending
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace parley::storage

#endif  // PARLEY_STORAGE_ERASURE_H_
