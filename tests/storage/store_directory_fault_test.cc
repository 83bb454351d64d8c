// Fault suite: a store is recognised by more than its CURRENT file. Without CURRENT, Open refuses
// (DATA_LOSS) instead of creating a new database over the old one's files, and says how to
// restore CURRENT; a directory holding somebody else's files is not turned into a store.
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/storage/store_fixture.h"
#include "tests/testing/fault_helpers.h"

namespace parley::storage {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::vector<std::string> Listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string Manifest(const std::string& dir) {
  std::ifstream in(fs::path(dir) / "CURRENT");
  std::string name;
  std::getline(in, name);
  return name;
}

TEST_F(StoreTest, MissingCurrentWithSstFilesRefusesAndKeepsEveryFile) {
  const uint64_t event = NewEvent(NewCommunity());
  ASSERT_TRUE(store_->UpsertAttendees(event, {Row("x1", "Ada"), Row("x2", "Grace")}).ok());
  Reopen();  // Close flushed: the records are in SST files now
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  const std::string path = Options().path;
  ASSERT_FALSE(testutil::FilesEndingIn(path, ".sst").empty());
  const std::string manifest = Manifest(path);
  fs::remove(fs::path(path) / "CURRENT");
  const std::vector<std::string> before = Listing(path);

  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(Options());
  ASSERT_EQ(store.status().code(), absl::StatusCode::kDataLoss) << store.status();
  EXPECT_THAT(store.status().message(), HasSubstr("CURRENT file is missing"));
  EXPECT_THAT(store.status().message(), HasSubstr(".sst"));
  EXPECT_THAT(store.status().message(), HasSubstr(manifest));
  EXPECT_EQ(Listing(path), before) << "the refused open changed the directory";

  // Following the message's advice brings every record back.
  std::ofstream(fs::path(path) / "CURRENT") << manifest << "\n";
  Open();
  EXPECT_EQ(store_->GetAttendeeByExternalId(event, "x2")->display_name(), "Grace");
}

TEST_F(StoreTest, MissingCurrentWithOnlyTheWalRefuses) {
  const uint64_t event = NewEvent(NewCommunity());
  ASSERT_TRUE(store_->UpsertAttendees(event, {Row("x1", "Ada")}).ok());
  const std::string copy = dir_.Sub("crashed");
  testutil::CopyDirectory(Options().path, copy);  // as a crash leaves it: records in the WAL
  ASSERT_FALSE(testutil::FilesEndingIn(copy, ".log").empty());
  fs::remove(fs::path(copy) / "CURRENT");
  StoreOptions options = Options();
  options.path = copy;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  ASSERT_EQ(store.status().code(), absl::StatusCode::kDataLoss) << store.status();
  EXPECT_THAT(store.status().message(), HasSubstr(".log"));
  EXPECT_THAT(store.status().message(), HasSubstr("CURRENT file is missing"));
}

TEST(StoreDirectoryTest, DirectoryWithOtherFilesIsNotTurnedIntoAStore) {
  testutil::ScopedTempDir dir;
  const std::string path = dir.Sub("home");
  fs::create_directories(path);
  std::ofstream(fs::path(path) / "notes.txt") << "mine";
  StoreOptions options;
  options.path = path;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  ASSERT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << store.status();
  EXPECT_THAT(store.status().message(), HasSubstr("notes.txt"));
  EXPECT_EQ(Listing(path), std::vector<std::string>{"notes.txt"});
}

TEST(StoreDirectoryTest, EmptyDirectoryAndLostAndFoundMakeANewStore) {
  testutil::ScopedTempDir dir;
  const std::string path = dir.Sub("volume");
  fs::create_directories(fs::path(path) / "lost+found");  // a freshly made file system
  StoreOptions options;
  options.path = path;
  options.block_cache_bytes = 8u << 20;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE((*store)->CreateCommunity(v1::Community()).ok());
}

}  // namespace
}  // namespace parley::storage
