#include "storage/db_open.h"

#include <glog/logging.h>

#include <algorithm>
#include <array>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "storage/status.h"

namespace parley::storage {
namespace {

namespace fs = std::filesystem;

// A RocksDB WAL file is named by its number: "000012.log".
bool IsWalName(absl::string_view name) {
  if (!absl::ConsumeSuffix(&name, ".log") || name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return absl::ascii_isdigit(c); });
}

bool IsDatabaseFile(absl::string_view name) {
  return name == "CURRENT" || name == "IDENTITY" || absl::StartsWith(name, "MANIFEST-") ||
         absl::StartsWith(name, "OPTIONS-") || absl::EndsWith(name, ".sst") ||
         absl::EndsWith(name, ".blob") || IsWalName(name);
}

// CRC-32C (Castagnoli), as RocksDB checksums log records.
uint32_t Crc32c(const char* data, size_t n) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    crc = table[(crc ^ static_cast<uint8_t>(data[i])) & 0xFF] ^ (crc >> 8);
  }
  return crc ^ 0xFFFFFFFFu;
}

// RocksDB stores checksums masked (a checksum of data that holds checksums is otherwise weak).
uint32_t UnmaskCrc(uint32_t masked) {
  const uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}

uint32_t DecodeFixed32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint32_t>(u[0]) | (static_cast<uint32_t>(u[1]) << 8) |
         (static_cast<uint32_t>(u[2]) << 16) | (static_cast<uint32_t>(u[3]) << 24);
}

// RocksDB's log format (db/log_format.h): the file is cut into 32 KiB blocks; a record never
// spans a block boundary but is split into fragments. Header: masked crc32c (4), length (2,
// little-endian), type (1); the "recyclable" types 5-8 add the log number (4). The checksum
// covers the type byte, the log number if any, and the payload. A block's last < header bytes
// are zero padding.
constexpr size_t kBlockSize = 32768;
constexpr size_t kHeaderSize = 7;
constexpr size_t kRecyclableHeaderSize = 11;

// Returns the first damage of one file's bytes, or nullopt-as-empty `what`.
WalDamage FirstDamage(const std::string& bytes) {
  WalDamage damage;
  damage.file_bytes = bytes.size();
  size_t pos = 0;
  while (pos < bytes.size()) {
    const size_t in_block = kBlockSize - pos % kBlockSize;
    if (in_block < kHeaderSize) {  // trailer padding
      pos += in_block;
      continue;
    }
    if (bytes.size() - pos < kHeaderSize) break;  // a header cut short at the end: torn tail
    const char* header = bytes.data() + pos;
    const uint32_t length = static_cast<uint8_t>(header[4]) |
                            (static_cast<uint32_t>(static_cast<uint8_t>(header[5])) << 8);
    const uint8_t type = static_cast<uint8_t>(header[6]);
    if (type == 0 && length == 0) {
      // Zeroes: preallocated space past the last record, or padding. Nothing more in this block.
      pos += in_block;
      continue;
    }
    const size_t header_size = (type >= 5 && type <= 8) ? kRecyclableHeaderSize : kHeaderSize;
    const size_t end = pos + header_size + length;
    if (header_size + length > in_block) {
      damage.offset = pos;
      damage.what = "bad record length";
      return damage;
    }
    if (end > bytes.size()) break;  // the last record, cut short: never acknowledged
    const uint32_t expected = UnmaskCrc(DecodeFixed32(header));
    const uint32_t actual = Crc32c(header + 6, header_size - 6 + length);
    if (expected != actual) {
      damage.offset = pos;
      damage.what = "checksum mismatch";
      return damage;
    }
    pos = end;
  }
  return damage;
}

}  // namespace

absl::StatusOr<StoreDirectory> InspectStoreDirectory(const std::string& path) {
  StoreDirectory dir;
  std::error_code error;
  if (!fs::exists(path, error)) return dir;
  fs::directory_iterator it(path, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("store directory ", path, ": ", error.message()));
  }
  for (; it != fs::directory_iterator(); it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (name == "CURRENT") dir.has_current = true;
    if (IsDatabaseFile(name)) {
      dir.database_files.push_back(name);
    } else if (name != "lost+found" && name != "LOCK" && !absl::StartsWith(name, "LOG")) {
      // LOCK and LOG are what a RocksDB leaves even when it failed to create a database.
      dir.other_files.push_back(name);
    }
  }
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("store directory ", path, ": ", error.message()));
  }
  std::sort(dir.database_files.begin(), dir.database_files.end());
  std::sort(dir.other_files.begin(), dir.other_files.end());
  return dir;
}

absl::Status CheckStoreDirectory(const std::string& path, const StoreDirectory& dir,
                                 bool* existed) {
  *existed = dir.has_current;
  if (dir.has_current) return absl::OkStatus();
  if (!dir.database_files.empty()) {
    std::string manifest;
    for (const std::string& name : dir.database_files) {
      if (absl::StartsWith(name, "MANIFEST-")) manifest = name;  // sorted: the newest wins
    }
    constexpr size_t kShown = 8;
    std::vector<std::string> shown(
        dir.database_files.begin(),
        dir.database_files.begin() + std::min(kShown, dir.database_files.size()));
    if (dir.database_files.size() > kShown) {
      shown.push_back(absl::StrCat("and ", dir.database_files.size() - kShown, " more"));
    }
    return absl::DataLossError(absl::StrCat(
        "store at ", path, " holds a database (", absl::StrJoin(shown, ", "),
        ") but its CURRENT file is missing: refusing to create a new store over it. ",
        manifest.empty()
            ? "No MANIFEST is left: restore the directory from a backup."
            : absl::StrCat("If ", manifest, " is intact, restore CURRENT with `printf '", manifest,
                           "\\n' > ", path, "/CURRENT`; otherwise restore from a backup.")));
  }
  if (!dir.other_files.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "directory ", path, " is not empty (", absl::StrJoin(dir.other_files, ", "),
        ") and holds no Parley store: refusing to create one there; give an empty or new "
        "directory"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<WalDamage>> ScanWriteAheadLogs(const std::string& path) {
  std::vector<std::string> names;
  std::error_code error;
  for (fs::directory_iterator it(path, error); !error && it != fs::directory_iterator();
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (IsWalName(name)) names.push_back(name);
  }
  if (error) return absl::UnavailableError(absl::StrCat("list ", path, ": ", error.message()));
  std::sort(names.begin(), names.end());  // zero-padded numbers: oldest first
  std::vector<WalDamage> damaged;
  for (const std::string& name : names) {
    std::ifstream in(fs::path(path) / name, std::ios::binary);
    if (!in) return absl::UnavailableError(absl::StrCat("read ", path, "/", name));
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    WalDamage damage = FirstDamage(bytes);
    if (damage.what.empty()) continue;
    damage.file = name;
    damaged.push_back(std::move(damage));
  }
  return damaged;
}

std::string DescribeWalDamage(const WalDamage& damage) {
  return absl::StrCat(damage.file, " at offset ", damage.offset, " (", damage.what, "; ",
                      damage.file_bytes - damage.offset, " bytes from there to its end)");
}

void GlogInfoLogger::Logv(const char* format, va_list ap) {
  Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
}

void GlogInfoLogger::Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) {
  if (level < GetInfoLogLevel()) return;
  char buffer[1024];
  va_list copy;
  va_copy(copy, ap);
  const int n = std::vsnprintf(buffer, sizeof(buffer), format, copy);
  va_end(copy);
  if (n < 0) return;
  std::string message(buffer, std::min<size_t>(static_cast<size_t>(n), sizeof(buffer) - 1));
  if (static_cast<size_t>(n) >= sizeof(buffer)) message += "...";
  switch (level) {
    case rocksdb::InfoLogLevel::DEBUG_LEVEL:
    case rocksdb::InfoLogLevel::INFO_LEVEL:
      LOG(INFO) << "rocksdb: " << message;
      break;
    case rocksdb::InfoLogLevel::WARN_LEVEL:
      LOG(WARNING) << "rocksdb: " << message;
      break;
    default:  // ERROR, FATAL, HEADER: never glog FATAL, which would abort the server
      LOG(ERROR) << "rocksdb: " << message;
      break;
  }
}

namespace {

const char* ReasonName(rocksdb::BackgroundErrorReason reason) {
  using Reason = rocksdb::BackgroundErrorReason;
  switch (reason) {
    case Reason::kFlush:
    case Reason::kFlushNoWAL:
      return "flush";
    case Reason::kCompaction:
      return "compaction";
    case Reason::kWriteCallback:
      return "write";
    case Reason::kMemTable:
      return "memtable";
    case Reason::kManifestWrite:
    case Reason::kManifestWriteNoWAL:
      return "MANIFEST write";
  }
  return "background work";
}

}  // namespace

void BackgroundErrorListener::OnBackgroundError(rocksdb::BackgroundErrorReason reason,
                                                rocksdb::Status* error) {
  LOG(ERROR) << "store: " << ReasonName(reason) << " failed: " << error->ToString()
             << "; writes fail until it is resolved";
}

void BackgroundErrorListener::OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status,
                                                   bool* auto_recovery) {
  *auto_recovery = false;  // the store calls DB::Resume itself (see the header)
}

void ConfigureRecovery(bool salvage_wal, rocksdb::DBOptions* options) {
  options->info_log = std::make_shared<GlogInfoLogger>(rocksdb::InfoLogLevel::WARN_LEVEL);
  options->listeners.push_back(std::make_shared<BackgroundErrorListener>());
  options->wal_recovery_mode = salvage_wal
                                   ? rocksdb::WALRecoveryMode::kPointInTimeRecovery
                                   : rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  // A recycled log file would keep old records (an erased attendee's) in its unused tail.
  options->recycle_log_file_num = 0;
}

absl::Status ExplainOpenFailure(const rocksdb::Status& status, const std::string& path) {
  absl::Status converted = FromRocksDb(status, absl::StrCat("open store at ", path));
  if (!status.IsCorruption()) return converted;
  absl::StatusOr<std::vector<WalDamage>> damaged = ScanWriteAheadLogs(path);
  if (!damaged.ok() || damaged->empty()) return converted;
  std::vector<std::string> described;
  for (const WalDamage& d : *damaged) described.push_back(DescribeWalDamage(d));
  return absl::DataLossError(absl::StrCat(
      "store at ", path, ": write-ahead log damaged: ", absl::StrJoin(described, "; "),
      ". The writes recorded from there on were acknowledged and would be lost: refusing to "
      "open. Restore from a backup, or start once with --salvage_wal to keep what precedes the "
      "damage and drop the rest (RocksDB said: ",
      status.ToString(), ")"));
}

int LogWalSalvage(const std::string& path) {
  absl::StatusOr<std::vector<WalDamage>> damaged = ScanWriteAheadLogs(path);
  if (!damaged.ok()) {
    LOG(ERROR) << "salvage: cannot scan the write-ahead logs: " << damaged.status();
    return 0;
  }
  for (const WalDamage& d : *damaged) {
    LOG(ERROR) << "salvage: store at " << path << ": dropping the writes of "
               << DescribeWalDamage(d) << " and of every later write-ahead log";
  }
  if (damaged->empty()) LOG(WARNING) << "salvage: no damaged write-ahead log in " << path;
  return static_cast<int>(damaged->size());
}

}  // namespace parley::storage
