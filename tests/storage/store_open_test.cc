// Opening: durability across restarts, the format version and column-family checks.
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "storage/key_codec.h"
#include "storage/store.h"
#include "tests/storage/store_fixture.h"

namespace parley::storage {
namespace {

using ::testing::HasSubstr;

// Opens the store's database with plain RocksDB (all its column families), runs `body`, closes.
template <typename Body>
void WithRawDb(const std::string& path, Body body) {
  rocksdb::DBOptions options;
  std::vector<std::string> names;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(options, path, &names).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : names)
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, path, descriptors, &handles, &db).ok());
  body(db, names, handles);
  for (rocksdb::ColumnFamilyHandle* h : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
  ASSERT_TRUE(db->Close().ok());
  delete db;
}

rocksdb::ColumnFamilyHandle* Find(const std::vector<std::string>& names,
                                  const std::vector<rocksdb::ColumnFamilyHandle*>& handles,
                                  absl::string_view name) {
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return handles[i];
  }
  return nullptr;
}

TEST_F(StoreTest, EverythingSurvivesReopenAndIdsContinue) {
  const uint64_t community = NewCommunity();
  const uint64_t event = NewEvent(community);
  ASSERT_TRUE(store_->UpsertAttendees(event, {Row("x1", "Ada"), Row("x2", "Grace")}).ok());
  v1::TokenInfo token;
  token.set_token_id("tok1");
  token.set_role(v1::TokenInfo::ORGANIZER);
  token.set_community_id(community);
  ASSERT_TRUE(store_->PutToken(std::string(32, 'h'), token).ok());

  Reopen();

  EXPECT_EQ(store_->GetCommunity(community)->name(), "Rust Meetup");
  EXPECT_EQ(store_->GetEvent(event)->community_id(), community);
  EXPECT_EQ(store_->ListAttendees(event, 0, 10)->size(), 2u);
  EXPECT_EQ(store_->GetAttendeeByExternalId(event, "x2")->display_name(), "Grace");
  EXPECT_EQ(store_->LookupToken(std::string(32, 'h'))->token_id(), "tok1");
  // Counters were persisted with the records: no id is handed out twice.
  EXPECT_EQ(NewCommunity(), community + 1);
  EXPECT_EQ(NewEvent(community), event + 1);
  absl::StatusOr<std::vector<UpsertResult>> more =
      store_->UpsertAttendees(event, {Row("x3", "Lin")});
  ASSERT_TRUE(more.ok());
  EXPECT_EQ((*more)[0].attendee_id, 3u);
}

TEST_F(StoreTest, ReopenWithoutCloseAfterDestructorKeepsData) {
  NewCommunity("kept");
  store_.reset();  // the destructor closes
  Open();
  EXPECT_EQ(store_->GetCommunity(1)->name(), "kept");
}

TEST_F(StoreTest, NewerFormatVersionRefusesToOpen) {
  NewCommunity();
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  WithRawDb(Options().path, [](rocksdb::DB* db, const auto& names, const auto& handles) {
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), Find(names, handles, "meta"),
                        std::string(kMetaFormatVersion), EncodeU64(kKeyFormatVersion + 1))
                    .ok());
  });
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(Options());
  ASSERT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("key format version 2"));
  EXPECT_THAT(store.status().message(), HasSubstr("reads version 1"));
  EXPECT_THAT(store.status().message(), HasSubstr("upgrade Parley"));
}

TEST_F(StoreTest, UnreadableFormatVersionRefusesToOpen) {
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  WithRawDb(Options().path, [](rocksdb::DB* db, const auto& names, const auto& handles) {
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), Find(names, handles, "meta"),
                        std::string(kMetaFormatVersion), "v1")
                    .ok());
  });
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(Options());
  ASSERT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("<unreadable>"));
}

TEST_F(StoreTest, UnknownColumnFamilyRefusesToOpen) {
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  WithRawDb(Options().path, [](rocksdb::DB* db, const auto&, const auto&) {
    rocksdb::ColumnFamilyHandle* added = nullptr;
    ASSERT_TRUE(
        db->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), "proposals_v9", &added).ok());
    ASSERT_TRUE(db->DestroyColumnFamilyHandle(added).ok());
  });
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(Options());
  ASSERT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("proposals_v9"));
}

TEST_F(StoreTest, DataWithoutFormatVersionRefusesToOpen) {
  NewCommunity();
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  WithRawDb(Options().path, [](rocksdb::DB* db, const auto& names, const auto& handles) {
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), Find(names, handles, "meta"),
                           std::string(kMetaFormatVersion))
                    .ok());
  });
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(Options());
  ASSERT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("no key format version"));
}

TEST_F(StoreTest, EmptyDatabaseWithoutFormatVersionIsAdopted) {
  // As after a crash between creating the database and writing the version.
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  WithRawDb(Options().path, [](rocksdb::DB* db, const auto& names, const auto& handles) {
    ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), Find(names, handles, "meta"),
                           std::string(kMetaFormatVersion))
                    .ok());
  });
  Open();
  EXPECT_EQ(NewCommunity(), 1u);
  Reopen();
  EXPECT_EQ(NewCommunity(), 2u);
}

TEST_F(StoreTest, StoreWritesTheCurrentFormatVersionAndAllColumnFamilies) {
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  WithRawDb(Options().path, [](rocksdb::DB* db, const auto& names, const auto& handles) {
    EXPECT_THAT(names, ::testing::UnorderedElementsAreArray(
                           std::vector<std::string>(kCfNames.begin(), kCfNames.end())));
    std::string value;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), Find(names, handles, "meta"),
                        std::string(kMetaFormatVersion), &value)
                    .ok());
    EXPECT_EQ(value, EncodeU64(kKeyFormatVersion));
  });
}

TEST(StoreOpenTest, CreatesMissingParentDirectories) {
  testutil::ScopedTempDir dir;
  StoreOptions options;
  options.path = dir.Sub("a/b/c/db");
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
}

TEST(StoreOpenTest, EmptyPathIsInvalid) {
  EXPECT_EQ(Store::Open(StoreOptions()).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(StoreOpenTest, SecondOpenOfTheSameDirectoryFailsWhileTheFirstIsOpen) {
  testutil::ScopedTempDir dir;
  StoreOptions options;
  options.path = dir.Sub("db");
  absl::StatusOr<std::unique_ptr<Store>> first = Store::Open(options);
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<std::unique_ptr<Store>> second = Store::Open(options);
  EXPECT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(), HasSubstr(options.path));
}

}  // namespace
}  // namespace parley::storage
