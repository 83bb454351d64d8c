#ifndef PARLEY_STORAGE_DB_OPEN_H_
#define PARLEY_STORAGE_DB_OPEN_H_

// What happens around DB::Open so that damage is never passed over in silence: the checks that
// recognise an existing store, RocksDB's log routed into parleyd's (glog), the write-ahead-log
// recovery mode, and the WAL scan that names the file and offset of damage.
//
// Thread-safety: the functions are thread-compatible (they touch only the directory they are
// given); the logger and listener are thread-safe, as RocksDB requires.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rocksdb/env.h"
#include "rocksdb/listener.h"
#include "rocksdb/options.h"

namespace parley::storage {

// What a directory holds, as far as opening a store is concerned.
struct StoreDirectory {
  bool has_current = false;  // RocksDB's CURRENT file (it names the live MANIFEST)
  // Files that belong to a RocksDB database (SST, MANIFEST, OPTIONS, WAL, IDENTITY), by name.
  std::vector<std::string> database_files;
  // Anything else but lost+found (a fresh file system has one), by name.
  std::vector<std::string> other_files;
};

// Lists `path` (which may not exist: then everything is empty). FAILED_PRECONDITION if it exists
// but cannot be read or is not a directory.
absl::StatusOr<StoreDirectory> InspectStoreDirectory(const std::string& path);

// Decides whether Store::Open may go ahead on `dir` (as listed from `path`), and sets `*existed`
// to whether it holds a database. A database is recognised by any of its files, not by CURRENT
// alone, because RocksDB given create_if_missing and no CURRENT creates a new database and
// deletes the old one's files:
//  - CURRENT present: an existing store (OK, *existed = true);
//  - database files but no CURRENT: DATA_LOSS naming what is there and the MANIFEST to restore
//    CURRENT from;
//  - other files only: FAILED_PRECONDITION (not a store; parleyd does not write into a directory
//    that holds somebody else's data);
//  - empty or missing: a new store (OK, *existed = false).
absl::Status CheckStoreDirectory(const std::string& path, const StoreDirectory& dir, bool* existed);

// The first damaged record of a write-ahead log file.
struct WalDamage {
  std::string file;         // base name, e.g. "000012.log"
  uint64_t offset = 0;      // of the damaged record's header
  uint64_t file_bytes = 0;  // size of the file
  std::string what;         // "checksum mismatch", "bad record length", ...
};

// Reads every write-ahead log in `path` (RocksDB's log format: 32 KiB blocks of checksummed
// records) and returns the first damaged record of each damaged file, oldest file first. A
// record cut short at the very end of a file is not damage: it is a write that never completed,
// so it was never acknowledged (RocksDB's kTolerateCorruptedTailRecords drops it the same way).
// UNAVAILABLE if a file cannot be read.
absl::StatusOr<std::vector<WalDamage>> ScanWriteAheadLogs(const std::string& path);

// "000012.log at offset 40960 (checksum mismatch; 20675 bytes from there to its end)".
std::string DescribeWalDamage(const WalDamage& damage);

// RocksDB's info log, routed into glog with a "rocksdb: " prefix, so that its warnings and errors
// reach parleyd's log and RocksDB never writes a LOG file of its own (which, on a full disk,
// aborted the process inside RocksDB: Debian's librocksdb keeps its assertions). Levels below
// `level` are dropped; FATAL and HEADER become glog ERROR (never glog FATAL, which aborts).
class GlogInfoLogger : public rocksdb::Logger {
 public:
  explicit GlogInfoLogger(rocksdb::InfoLogLevel level) : rocksdb::Logger(level) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override;
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override;
};

// Logs RocksDB's background errors (a failed flush or compaction, a full disk) and turns off
// RocksDB's own recovery from them: the store resumes by itself, on the next write after the
// cause is gone (see Store), which keeps recovery deterministic and visible.
class BackgroundErrorListener : public rocksdb::EventListener {
 public:
  void OnBackgroundError(rocksdb::BackgroundErrorReason reason, rocksdb::Status* error) override;
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason reason, rocksdb::Status error,
                            bool* auto_recovery) override;
};

// Sets the options of DB::Open that this file is about: the info log (glog), the listener, and
// the WAL recovery mode: kTolerateCorruptedTailRecords by default (a damaged record anywhere
// fails the open; only a record cut short at a file's end, never acknowledged, is dropped), or
// kPointInTimeRecovery when `salvage_wal` (replay up to the first damage and drop the rest).
void ConfigureRecovery(bool salvage_wal, rocksdb::DBOptions* options);

// The status for a failed DB::Open of the store at `path`: for corruption, DATA_LOSS naming the
// damaged WAL file and offset when a WAL is damaged, with what the operator can do.
absl::Status ExplainOpenFailure(const rocksdb::Status& status, const std::string& path);

// Logs (ERROR) what a salvaging open is about to drop: the damage of each WAL in `path`.
// Returns how many damaged files there are.
int LogWalSalvage(const std::string& path);

}  // namespace parley::storage

#endif  // PARLEY_STORAGE_DB_OPEN_H_
