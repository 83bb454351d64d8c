// Several writer threads at once: ids stay unique, read-modify-writes lose no update, readers
// run alongside.
#include <atomic>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/storage/store_fixture.h"

namespace parley::storage {
namespace {

constexpr int kThreads = 4;

// kThreads threads create `per_thread` communities each ("c<thread>-<i>") at once; the ids
// each thread got, in its order.
std::vector<std::vector<uint64_t>> CreateCommunitiesAtOnce(Store* store, int per_thread) {
  std::vector<std::vector<uint64_t>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        v1::Community community;
        community.set_name(absl::StrCat("c", t, "-", i));
        absl::StatusOr<v1::Community> created = store->CreateCommunity(community);
        ASSERT_TRUE(created.ok()) << created.status();
        ids[t].push_back(created->id());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return ids;
}

TEST_F(StoreTest, ConcurrentCreatesGetUniqueIds) {
  const std::vector<std::vector<uint64_t>> ids = CreateCommunitiesAtOnce(store_.get(), 50);
  std::set<uint64_t> all;
  for (const auto& v : ids) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), 200u);
  EXPECT_EQ(*all.begin(), 1u);
  EXPECT_EQ(*all.rbegin(), 200u);
  Reopen();
  EXPECT_EQ(NewCommunity(), 201u);
}

// Group commit: the fsync runs after the write mutex is released. Every write a thread saw
// acknowledged is there after a reopen, ids stay unique, and the fsyncs ran (at most one per
// write; fewer when writers overlapped).
TEST_F(StoreTest, ConcurrentDurableWritesAreAllThereAfterAReopen) {
  StoreOptions options = Options();
  options.path = dir_.Sub("durable");
  options.sync_writes = true;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  const uint64_t syncs_before = (*store)->wal_syncs();
  const std::vector<std::vector<uint64_t>> ids = CreateCommunitiesAtOnce(store->get(), 25);
  const uint64_t syncs = (*store)->wal_syncs() - syncs_before;
  EXPECT_GE(syncs, 1u);
  EXPECT_LE(syncs, 100u);
  ASSERT_TRUE((*store)->Close().ok());
  store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  std::set<uint64_t> all;
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(ids[t].size(), 25u);
    for (int i = 0; i < 25; ++i) {
      absl::StatusOr<v1::Community> got = (*store)->GetCommunity(ids[t][i]);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_EQ(got->name(), absl::StrCat("c", t, "-", i));
      all.insert(ids[t][i]);
    }
  }
  EXPECT_EQ(all.size(), 100u);
}

// With sync_writes off nothing is fsync'd.
TEST_F(StoreTest, WritesWithoutSyncWritesNeverFsync) {
  const uint64_t before = store_->wal_syncs();
  NewEvent(NewCommunity());
  EXPECT_EQ(store_->wal_syncs(), before);
}

TEST_F(StoreTest, ConcurrentUpsertsOfDisjointRowsGetUniqueIds) {
  const uint64_t event = NewEvent(NewCommunity());
  std::vector<std::set<uint64_t>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int batch = 0; batch < 10; ++batch) {
        std::vector<v1::Attendee> rows;
        for (int i = 0; i < 25; ++i) rows.push_back(Row(absl::StrCat(t, "/", batch, "/", i), "n"));
        absl::StatusOr<std::vector<UpsertResult>> results =
            store_->UpsertAttendees(event, std::move(rows));
        ASSERT_TRUE(results.ok()) << results.status();
        for (const UpsertResult& r : *results) {
          EXPECT_EQ(r.outcome, UpsertOutcome::kCreated);
          ids[t].insert(r.attendee_id);
        }
      }
    });
  }
  // A reader scanning alongside sees whole batches only (multiples of 25 rows).
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done.load()) {
      int count = 0;
      ASSERT_TRUE(store_
                      ->ScanAttendees(event,
                                      [&](const v1::Attendee&) {
                                        ++count;
                                        return true;
                                      })
                      .ok());
      EXPECT_EQ(count % 25, 0);
    }
  });
  for (std::thread& thread : threads) thread.join();
  done = true;
  reader.join();
  std::set<uint64_t> all;
  for (const auto& s : ids) all.insert(s.begin(), s.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * 10 * 25));
  EXPECT_EQ(store_->ListAttendees(event, 0, 10000)->size(), all.size());
}

TEST_F(StoreTest, ConcurrentMutationsLoseNoUpdate) {
  const uint64_t event = NewEvent(NewCommunity());
  ASSERT_TRUE(store_->UpsertAttendees(event, {Row("x1", "Ada")}).ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        ASSERT_TRUE(store_
                        ->MutateEvent(event,
                                      [](v1::Event* e) {
                                        e->mutable_policy()->set_max_meetings(
                                            e->policy().max_meetings() + 1);
                                        return absl::OkStatus();
                                      })
                        .ok());
        ASSERT_TRUE(store_
                        ->MutateAttendee(event, 1,
                                         [](v1::Attendee* a) {
                                           a->set_budget(a->budget() + 1);
                                           return absl::OkStatus();
                                         })
                        .ok());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(store_->GetEvent(event)->policy().max_meetings(), kThreads * 50u);
  EXPECT_EQ(store_->GetAttendee(event, 1)->budget(), kThreads * 50u);
}

TEST_F(StoreTest, CloseWaitsForCallsInFlightAndCallbacksMayCallBack) {
  const uint64_t event = NewEvent(NewCommunity());
  ASSERT_TRUE(store_->UpsertAttendees(event, {Row("x1", "Ada"), Row("x2", "Bo")}).ok());
  std::atomic<bool> in_scan{false};
  std::atomic<bool> closed{false};
  std::vector<absl::StatusCode> inner;  // written by the scanner thread only
  absl::Status scan_status;
  std::thread scanner([&] {
    scan_status = store_->ScanAttendees(event, [&](const v1::Attendee& a) {
      if (a.id() == 1) {
        // A write from inside the visit works while the store is open...
        inner.push_back(store_->UpsertAttendees(event, {Row("x3", "Cy")}).status().code());
        in_scan = true;
        return true;
      }
      // ...and once Close has begun (it waits for this scan), calls fail instead of deadlocking.
      while (store_->GetEvent(event).ok()) std::this_thread::yield();
      EXPECT_FALSE(closed.load());
      inner.push_back(store_->UpsertAttendees(event, {Row("x4", "Di")}).status().code());
      return true;
    });
  });
  while (!in_scan.load()) std::this_thread::yield();
  std::thread closer([&] {
    EXPECT_TRUE(store_->Close().ok());
    closed = true;
  });
  scanner.join();
  closer.join();
  EXPECT_TRUE(scan_status.ok()) << scan_status;
  EXPECT_EQ(inner, (std::vector<absl::StatusCode>{absl::StatusCode::kOk,
                                                  absl::StatusCode::kFailedPrecondition}));
  Open();
  EXPECT_EQ(store_->GetAttendeeByExternalId(event, "x3")->id(), 3u);
  EXPECT_EQ(store_->GetAttendeeByExternalId(event, "x4").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace parley::storage
