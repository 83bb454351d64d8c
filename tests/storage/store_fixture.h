#ifndef PARLEY_TESTS_STORAGE_STORE_FIXTURE_H_
#define PARLEY_TESTS_STORAGE_STORE_FIXTURE_H_

#include <memory>
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/testing/temp_dir.h"

namespace parley::storage {

// A Store on a real RocksDB in a fresh temp dir, with a Reopen() for durability tests.
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  StoreOptions Options() const {
    StoreOptions options;
    options.path = dir_.Sub("db");
    options.sync_writes = false;  // a process crash loses nothing; tests need no fsync
    options.block_cache_bytes = 8u << 20;
    return options;
  }
  void Open() {
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(Options());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }
  // Closes the store and opens it again from disk.
  void Reopen() {
    ASSERT_TRUE(store_->Close().ok());
    store_.reset();
    Open();
  }

  uint64_t NewCommunity(const std::string& name = "Rust Meetup") {
    v1::Community community;
    community.set_name(name);
    absl::StatusOr<v1::Community> created = store_->CreateCommunity(community);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->id() : 0;
  }
  uint64_t NewEvent(uint64_t community_id, const std::string& name = "RustConf") {
    v1::Event event;
    event.set_community_id(community_id);
    event.set_name(name);
    absl::StatusOr<v1::Event> created = store_->CreateEvent(event);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->id() : 0;
  }
  static v1::TokenInfo AttendeeTokenInfo(const std::string& token_id, uint64_t community_id,
                                         uint64_t event_id, uint64_t attendee_id) {
    v1::TokenInfo token;
    token.set_token_id(token_id);
    token.set_role(v1::TokenInfo::ATTENDEE);
    token.set_community_id(community_id);
    token.set_event_id(event_id);
    token.set_attendee_id(attendee_id);
    return token;
  }
  static v1::Attendee Row(const std::string& external_id, const std::string& name) {
    v1::Attendee row;
    row.set_external_id(external_id);
    row.set_display_name(name);
    return row;
  }

  // Members are destroyed bottom-up: store, then dir.
  testutil::ScopedTempDir dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace parley::storage

#endif  // PARLEY_TESTS_STORAGE_STORE_FIXTURE_H_
