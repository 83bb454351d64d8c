// Fault suite: a full disk fails writes with RESOURCE_EXHAUSTED ("disk full: N bytes free"),
// never the process; reads keep working; writes resume by themselves once space is freed; a
// restart on a full disk serves reads. Each test fills its own small tmpfs (skipped, with the
// reason, where mounting is not allowed).
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/disk_space.h"
#include "storage/store.h"
#include "tests/testing/fault_helpers.h"
#include "tests/testing/temp_dir.h"

namespace parley::storage {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr uint64_t kDiskBytes = 16u << 20;
constexpr int kRowsPerBatch = 20;
constexpr int kMaxBatches = 5000;  // far more than fit: the loop ends at the full disk

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mount_ = std::make_unique<testutil::TmpfsMount>(dir_.Sub("mnt"), kDiskBytes);
    if (!mount_->ok()) GTEST_SKIP() << mount_->why();
  }
  void TearDown() override {
    store_.reset();  // closed before the unmount
    mount_.reset();
  }
  StoreOptions Options(uint64_t floor) const {
    StoreOptions options;
    options.path = dir_.Sub("mnt/db");
    options.sync_writes = true;
    options.block_cache_bytes = 8u << 20;
    options.min_free_bytes = floor;
    options.erasure_delay = absl::ZeroDuration();
    return options;
  }
  void Open(uint64_t floor) {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(Options(floor));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }
  void CreateEvent() {
    absl::StatusOr<v1::Community> community = store_->CreateCommunity(v1::Community());
    ASSERT_TRUE(community.ok()) << community.status();
    v1::Event event;
    event.set_community_id(community->id());
    ASSERT_TRUE(store_->CreateEvent(event).ok());
  }
  // A file whose removal frees `bytes`: the space an operator would free.
  void PlaceBallast(uint64_t bytes) {
    std::ofstream out(Ballast(), std::ios::binary);
    out << std::string(bytes, 'b');
  }
  std::string Ballast() const { return dir_.Sub("mnt/ballast"); }
  absl::Status ImportBatch() {
    std::vector<v1::Attendee> rows(kRowsPerBatch);
    for (v1::Attendee& row : rows) {
      row.set_external_id(absl::StrCat("x", next_row_++));
      row.set_bio(std::string(1000, 'b'));
    }
    absl::Status s = store_->UpsertAttendees(1, std::move(rows)).status();
    if (s.ok()) last_acked_ = absl::StrCat("x", next_row_ - 1);
    return s;
  }
  // Imports until a write fails; returns that failure.
  absl::Status ImportUntilFull() {
    for (int b = 0; b < kMaxBatches; ++b) {
      absl::Status s = ImportBatch();
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  }
  void ExpectReadsWork() {
    absl::StatusOr<v1::Attendee> last = store_->GetAttendeeByExternalId(1, last_acked_);
    EXPECT_TRUE(last.ok()) << last.status();
    absl::StatusOr<std::vector<v1::Attendee>> listed = store_->ListAttendees(1, 0, 100);
    EXPECT_TRUE(listed.ok()) << listed.status();
  }
  static void ExpectDiskFull(const absl::Status& s) {
    EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted) << s;
    EXPECT_THAT(s.message(), HasSubstr("disk full: "));
    EXPECT_THAT(s.message(), HasSubstr(" bytes free"));
  }

  testutil::ScopedTempDir dir_;
  std::unique_ptr<testutil::TmpfsMount> mount_;
  std::unique_ptr<Store> store_;
  int next_row_ = 0;
  std::string last_acked_;
};

TEST_F(DiskFullTest, FloorRefusesWritesKeepsReadsAndWritesResumeWhenSpaceIsFreed) {
  PlaceBallast(4u << 20);
  Open(/*floor=*/2u << 20);
  CreateEvent();
  ExpectDiskFull(ImportUntilFull());
  ASSERT_FALSE(last_acked_.empty());
  ExpectReadsWork();
  EXPECT_GE(*FreeDiskBytes(dir_.Sub("mnt")), 1u << 20) << "the floor was not kept";

  fs::remove(Ballast());
  EXPECT_TRUE(ImportBatch().ok()) << "writes did not resume after space was freed";
  ExpectReadsWork();
}

TEST_F(DiskFullTest, DiskFilledByAnotherProcessFailsWritesNotTheProcess) {
  Open(/*floor=*/1u << 20);
  CreateEvent();
  ASSERT_TRUE(ImportBatch().ok());
  testutil::FillDisk(Ballast());
  ASSERT_EQ(*FreeDiskBytes(dir_.Sub("mnt")), 0u);
  ExpectDiskFull(ImportBatch());
  ExpectDiskFull(ImportBatch());
  ExpectReadsWork();
  fs::remove(Ballast());
  EXPECT_TRUE(ImportBatch().ok());
  ExpectReadsWork();
}

TEST_F(DiskFullTest, WithoutAFloorRocksDbMeetsTheFullDiskAndWritesStillResume) {
  // The floor is what keeps RocksDB away from ENOSPC; without it, RocksDB's own error path runs.
  PlaceBallast(2u << 20);
  Open(/*floor=*/0);
  CreateEvent();
  ExpectDiskFull(ImportUntilFull());
  ASSERT_FALSE(last_acked_.empty());
  ExpectReadsWork();
  ExpectDiskFull(ImportBatch());
  fs::remove(Ballast());
  absl::Status resumed = ImportBatch();
  EXPECT_TRUE(resumed.ok()) << resumed;
  ExpectReadsWork();
}

TEST_F(DiskFullTest, RestartOnAFullDiskServesReadsThenWritesAfterSpaceAndRestart) {
  Open(/*floor=*/1u << 20);
  CreateEvent();
  ASSERT_TRUE(ImportBatch().ok());
  ASSERT_TRUE(ImportBatch().ok());
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  testutil::FillDisk(Ballast());

  Open(/*floor=*/1u << 20);
  ExpectReadsWork();
  absl::Status write = ImportBatch();
  ExpectDiskFull(write);
  EXPECT_THAT(write.message(), HasSubstr("read-only"));
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();

  fs::remove(Ballast());
  Open(/*floor=*/1u << 20);
  EXPECT_TRUE(ImportBatch().ok());
  ExpectReadsWork();
}

}  // namespace
}  // namespace parley::storage
