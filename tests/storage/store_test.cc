// Communities, events, and the store's lifecycle.
#include "storage/store.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/storage/store_fixture.h"
#include "tests/testing/log_capture.h"

namespace parley::storage {
namespace {

std::vector<uint64_t> Ids(const std::vector<v1::Community>& records) {
  std::vector<uint64_t> ids;
  for (const auto& r : records) ids.push_back(r.id());
  return ids;
}
std::vector<uint64_t> Ids(const std::vector<v1::Event>& records) {
  std::vector<uint64_t> ids;
  for (const auto& r : records) ids.push_back(r.id());
  return ids;
}

// What parleyd's log says when a live change's budget goes to the store: with a threshold of 0
// every write, WAL fsync and hold of the write lock counts as slow, and each line names the
// store and, for writes and holds, what was written.
TEST_F(StoreTest, SlowWritesFsyncsAndWriteLockHoldsAreLogged) {
  for (const absl::Duration threshold : {absl::ZeroDuration(), absl::Hours(1)}) {
    SCOPED_TRACE(absl::FormatDuration(threshold));
    StoreOptions options = Options();
    options.path = dir_.Sub(threshold == absl::ZeroDuration() ? "every" : "none");
    options.sync_writes = true;
    options.slow_threshold = threshold;
    absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    testutil::LogCapture log;
    v1::Community community;
    community.set_name("Rust Meetup");
    ASSERT_TRUE((*store)->CreateCommunity(community).ok());
    const bool logged = threshold == absl::ZeroDuration();
    const std::string at = "store at " + options.path + ": ";
    EXPECT_EQ(log.Contains(at + "slow write (community 1), "), logged);
    EXPECT_EQ(log.Contains(at + "slow fsync of the write-ahead log, "), logged);
    EXPECT_EQ(log.Contains(at + "write lock held ", " ms (community 1)"), logged);
    if (logged) {
      EXPECT_TRUE(log.Contains("WARNING", "write lock held"));
    }
    ASSERT_TRUE((*store)->Close().ok());
  }
}

TEST_F(StoreTest, CreateCommunityAssignsIdsFromOneAndCreateTime) {
  v1::Community community;
  community.set_name("Rust Meetup");
  community.set_id(99);  // ignored: the store assigns ids
  absl::StatusOr<v1::Community> first = store_->CreateCommunity(community);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->id(), 1u);
  EXPECT_GT(first->create_time(), 1600000000);
  absl::StatusOr<v1::Community> second = store_->CreateCommunity(community);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->id(), 2u);

  absl::StatusOr<v1::Community> got = store_->GetCommunity(1);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->name(), "Rust Meetup");
  EXPECT_EQ(got->create_time(), first->create_time());
}

TEST_F(StoreTest, GetMissingCommunityIsNotFoundNamingTheId) {
  absl::StatusOr<v1::Community> got = store_->GetCommunity(17);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(got.status().message(), "community 17 not found");
}

TEST_F(StoreTest, ZeroIdsAreInvalidArguments) {
  EXPECT_EQ(store_->GetCommunity(0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetEvent(0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetAttendee(0, 1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->GetAttendee(1, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->CreateEvent(v1::Event()).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->ListEvents(0, 0, 10).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->RemoveAttendee(1, 0).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, NonPositiveLimitIsInvalidArgument) {
  EXPECT_EQ(store_->ListCommunities(0, 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->ListAttendees(1, 0, -1).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, ListCommunitiesPagesAtTheBoundaries) {
  for (int i = 0; i < 7; ++i) NewCommunity();
  absl::StatusOr<std::vector<v1::Community>> page = store_->ListCommunities(0, 3);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(Ids(*page), (std::vector<uint64_t>{1, 2, 3}));
  page = store_->ListCommunities(3, 3);
  EXPECT_EQ(Ids(*page), (std::vector<uint64_t>{4, 5, 6}));
  page = store_->ListCommunities(6, 3);
  EXPECT_EQ(Ids(*page), (std::vector<uint64_t>{7}));
  page = store_->ListCommunities(7, 3);
  EXPECT_TRUE(page->empty());
  page = store_->ListCommunities(UINT64_MAX, 3);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->empty());
  page = store_->ListCommunities(0, 100);
  EXPECT_EQ(page->size(), 7u);
}

TEST_F(StoreTest, CreateEventNeedsAnExistingCommunity) {
  v1::Event event;
  event.set_community_id(5);
  absl::StatusOr<v1::Event> created = store_->CreateEvent(event);
  EXPECT_EQ(created.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(created.status().message(), "community 5 not found");
}

TEST_F(StoreTest, CreateAndGetEvent) {
  const uint64_t community = NewCommunity();
  v1::Event event;
  event.set_community_id(community);
  event.set_name("RustConf");
  event.add_slots()->set_id("s1");
  event.mutable_policy()->set_max_meetings(4);
  absl::StatusOr<v1::Event> created = store_->CreateEvent(event);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->id(), 1u);
  EXPECT_GT(created->create_time(), 0);
  EXPECT_EQ(created->update_time(), created->create_time());
  absl::StatusOr<v1::Event> got = store_->GetEvent(created->id());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->SerializeAsString(), created->SerializeAsString());
  EXPECT_EQ(store_->GetEvent(2).status().message(), "event 2 not found");
}

TEST_F(StoreTest, ListEventsListsOnlyTheCommunitysEventsInPages) {
  const uint64_t a = NewCommunity("a");
  const uint64_t b = NewCommunity("b");
  std::vector<uint64_t> of_a;
  for (int i = 0; i < 5; ++i) {
    of_a.push_back(NewEvent(a));
    NewEvent(b);
  }
  absl::StatusOr<std::vector<v1::Event>> page = store_->ListEvents(a, 0, 2);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(Ids(*page), (std::vector<uint64_t>{of_a[0], of_a[1]}));
  page = store_->ListEvents(a, of_a[1], 2);
  EXPECT_EQ(Ids(*page), (std::vector<uint64_t>{of_a[2], of_a[3]}));
  page = store_->ListEvents(a, of_a[3], 2);
  EXPECT_EQ(Ids(*page), (std::vector<uint64_t>{of_a[4]}));
  page = store_->ListEvents(a, of_a[4], 2);
  EXPECT_TRUE(page->empty());
  // An after_id that is not one of the community's events still pages correctly.
  page = store_->ListEvents(a, of_a[0] + 1, 10);
  EXPECT_EQ(Ids(*page), (std::vector<uint64_t>{of_a[1], of_a[2], of_a[3], of_a[4]}));
  page = store_->ListEvents(99, 0, 10);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->empty());
}

TEST_F(StoreTest, MutateEventKeepsIdentityAndRefreshesUpdateTime) {
  const uint64_t community = NewCommunity();
  const uint64_t event_id = NewEvent(community);
  absl::StatusOr<Mutated<v1::Event>> mutated = store_->MutateEvent(event_id, [](v1::Event* e) {
    e->set_name("renamed");
    e->set_status(v1::OPEN);
    e->set_id(1234);           // restored
    e->set_community_id(999);  // restored
    e->set_create_time(1);     // restored
    return absl::OkStatus();
  });
  ASSERT_TRUE(mutated.ok()) << mutated.status();
  EXPECT_TRUE(mutated->changed);
  EXPECT_EQ(mutated->record.id(), event_id);
  EXPECT_EQ(mutated->record.community_id(), community);
  EXPECT_GT(mutated->record.create_time(), 1);
  EXPECT_GE(mutated->record.update_time(), mutated->record.create_time());
  absl::StatusOr<v1::Event> got = store_->GetEvent(event_id);
  EXPECT_EQ(got->name(), "renamed");
  EXPECT_EQ(got->status(), v1::OPEN);
  EXPECT_EQ(got->SerializeAsString(), mutated->record.SerializeAsString());
}

TEST_F(StoreTest, AMutationThatChangesNothingWritesNothingAndSaysSo) {
  const uint64_t event_id = NewEvent(NewCommunity());
  const v1::Event before = *store_->GetEvent(event_id);
  struct Counter : CommitListener {
    void OnCommit(const ChangeSet& changes) override { events += changes.events.size(); }
    size_t events = 0;
  } counter;
  store_->AddCommitListener(&counter);
  absl::StatusOr<Mutated<v1::Event>> same = store_->MutateEvent(event_id, [](v1::Event* e) {
    e->set_name(e->name());
    return absl::OkStatus();
  });
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_FALSE(same->changed);
  EXPECT_EQ(same->record.SerializeAsString(), before.SerializeAsString());
  EXPECT_EQ(counter.events, 0u);
  absl::StatusOr<Mutated<v1::Event>> renamed = store_->MutateEvent(event_id, [](v1::Event* e) {
    e->set_name("renamed");
    return absl::OkStatus();
  });
  ASSERT_TRUE(renamed.ok()) << renamed.status();
  EXPECT_TRUE(renamed->changed);
  EXPECT_EQ(counter.events, 1u);
  store_->RemoveCommitListener(&counter);
}

TEST_F(StoreTest, MutateEventErrorWritesNothing) {
  const uint64_t event_id = NewEvent(NewCommunity());
  absl::StatusOr<Mutated<v1::Event>> mutated = store_->MutateEvent(event_id, [](v1::Event* e) {
    e->set_name("half-done");
    return absl::FailedPreconditionError("event is CLOSED");
  });
  EXPECT_EQ(mutated.status(), absl::FailedPreconditionError("event is CLOSED"));
  EXPECT_EQ(store_->GetEvent(event_id)->name(), "RustConf");
  EXPECT_EQ(store_->MutateEvent(77, [](v1::Event*) { return absl::OkStatus(); }).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(StoreTest, CloseIsIdempotentAndLaterCallsFail) {
  NewCommunity();
  EXPECT_TRUE(store_->Close().ok());
  EXPECT_TRUE(store_->Close().ok());
  EXPECT_EQ(store_->GetCommunity(1).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->CreateCommunity(v1::Community()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->ListAttendees(1, 0, 10).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->UpsertAttendees(1, {}).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace parley::storage
