// Fault suite: a damaged write-ahead log never passes silently. A flipped byte refuses the open
// with DATA_LOSS naming the file and offset; a record cut short at the end (a write that never
// completed) is dropped; --salvage_wal keeps what precedes the damage and logs what it dropped;
// RocksDB's own warnings reach glog, and RocksDB writes no LOG file of its own.
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/db_open.h"
#include "storage/store.h"
#include "tests/storage/store_fixture.h"
#include "tests/testing/fault_helpers.h"
#include "tests/testing/log_capture.h"

namespace parley::storage {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr int kBatches = 40;
constexpr int kRowsPerBatch = 10;

using testutil::LogCapture;

class WalFaultTest : public StoreTest {
 protected:
  // Imports kBatches batches (one WAL record each) and copies the live database, whose WAL then
  // holds every batch (nothing was flushed), as a crash would leave it. Returns the copy's path.
  std::string CrashedCopy() {
    const uint64_t event = NewEvent(NewCommunity());
    for (int b = 0; b < kBatches; ++b) {
      std::vector<v1::Attendee> rows;
      for (int i = 0; i < kRowsPerBatch; ++i) {
        v1::Attendee row = Row(absl::StrCat("b", b, "/", i), std::string(200, 'n'));
        rows.push_back(row);
      }
      EXPECT_TRUE(store_->UpsertAttendees(event, std::move(rows)).ok());
    }
    const std::string copy = dir_.Sub("crashed");
    testutil::CopyDirectory(Options().path, copy);
    return copy;
  }
  StoreOptions OptionsAt(const std::string& path, bool salvage = false) const {
    StoreOptions options = Options();
    options.path = path;
    options.salvage_wal = salvage;
    return options;
  }
  static std::string OnlyWal(const std::string& path) {
    std::vector<std::string> wals = testutil::FilesEndingIn(path, ".log");
    EXPECT_EQ(wals.size(), 1u);
    return wals.empty() ? "" : wals.back();
  }
  static void FlipByte(const std::string& file, uint64_t offset) {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(offset);
    char c = 0;
    f.get(c);
    f.seekp(offset);
    f.put(static_cast<char>(c ^ 0x20));
  }
  static int CountAttendees(Store* store, uint64_t event) {
    int n = 0;
    EXPECT_TRUE(store->ScanAttendees(event, [&](const v1::Attendee&) { return ++n, true; }).ok());
    return n;
  }
};

TEST_F(WalFaultTest, FlippedByteRefusesToOpenNamingFileAndOffset) {
  const std::string copy = CrashedCopy();
  const std::string wal = OnlyWal(copy);
  const uint64_t size = fs::file_size(fs::path(copy) / wal);
  FlipByte(absl::StrCat(copy, "/", wal), size / 10);

  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(OptionsAt(copy));
  ASSERT_EQ(store.status().code(), absl::StatusCode::kDataLoss) << store.status();
  EXPECT_THAT(store.status().message(), HasSubstr(absl::StrCat(wal, " at offset ")));
  EXPECT_THAT(store.status().message(), HasSubstr("checksum mismatch"));
  EXPECT_THAT(store.status().message(), HasSubstr("--salvage_wal"));
  // The open changed nothing: it still refuses.
  EXPECT_EQ(Store::Open(OptionsAt(copy)).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(WalFaultTest, ScanNamesTheDamagedRecord) {
  const std::string copy = CrashedCopy();
  const std::string wal = OnlyWal(copy);
  const uint64_t size = fs::file_size(fs::path(copy) / wal);
  ASSERT_TRUE(ScanWriteAheadLogs(copy)->empty());
  FlipByte(absl::StrCat(copy, "/", wal), size / 2);
  absl::StatusOr<std::vector<WalDamage>> damaged = ScanWriteAheadLogs(copy);
  ASSERT_TRUE(damaged.ok()) << damaged.status();
  ASSERT_EQ(damaged->size(), 1u);
  EXPECT_EQ((*damaged)[0].file, wal);
  // The damaged record starts at or before the flipped byte, within one batch's size of it.
  EXPECT_LE((*damaged)[0].offset, size / 2);
  EXPECT_GT((*damaged)[0].offset + 2 * size / kBatches, size / 2);
  EXPECT_EQ((*damaged)[0].file_bytes, size);
}

TEST_F(WalFaultTest, RecordCutShortAtTheEndIsDroppedAndTheRestOpens) {
  const std::string copy = CrashedCopy();
  const fs::path wal = fs::path(copy) / OnlyWal(copy);
  fs::resize_file(wal, fs::file_size(wal) - 100);  // the last batch was being written

  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(OptionsAt(copy));
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(CountAttendees(store->get(), 1), (kBatches - 1) * kRowsPerBatch);
}

TEST_F(WalFaultTest, SalvageKeepsThePrefixAndLogsWhatItDropped) {
  const std::string copy = CrashedCopy();
  const std::string wal = OnlyWal(copy);
  const uint64_t size = fs::file_size(fs::path(copy) / wal);
  FlipByte(absl::StrCat(copy, "/", wal), size / 2);

  LogCapture log;
  {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(OptionsAt(copy, true));
    ASSERT_TRUE(store.ok()) << store.status();
    const int kept = CountAttendees(store->get(), 1);
    EXPECT_GT(kept, 0);
    EXPECT_LT(kept, kBatches * kRowsPerBatch);
    EXPECT_EQ(kept % kRowsPerBatch, 0) << "a batch was half kept";
    // What is kept is a prefix: batch b is there only if every earlier batch is.
    for (int b = 0; b < kept / kRowsPerBatch; ++b) {
      EXPECT_TRUE((*store)->GetAttendeeByExternalId(1, absl::StrCat("b", b, "/0")).ok()) << b;
    }
  }
  EXPECT_TRUE(log.Contains("ERROR", absl::StrCat("salvage: store at ", copy)));
  EXPECT_TRUE(log.Contains("ERROR", absl::StrCat(wal, " at offset ")));
  EXPECT_TRUE(log.Contains("WARNING", "rocksdb: ")) << "RocksDB's own warning did not reach glog";
  // Once salvaged, the store opens normally.
  absl::StatusOr<std::unique_ptr<Store>> again = Store::Open(OptionsAt(copy));
  EXPECT_TRUE(again.ok()) << again.status();
}

TEST_F(WalFaultTest, RocksDbWritesNoLogFileOfItsOwn) {
  NewCommunity();
  Reopen();
  EXPECT_FALSE(fs::exists(fs::path(Options().path) / "LOG"));
  EXPECT_TRUE(testutil::FilesEndingIn(Options().path, ".old").empty());
}

}  // namespace
}  // namespace parley::storage
