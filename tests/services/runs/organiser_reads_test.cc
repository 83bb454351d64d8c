// The organiser's maintained aggregates over a real store: after every kind of commit (a run,
// answers, cancellations, removals, new attendees) they equal what a whole-event scan computes.
#include "services/runs/organiser_reads.h"

#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/domain/meetings.h"
#include "services/runs/run.h"
#include "storage/store.h"
#include "tests/testing/temp_dir.h"

namespace parley::matching {
namespace {

constexpr int64_t kNow = 1'700'000'000;

class OrganiserReadsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions options;
    options.path = dir_.Sub("db");
    options.sync_writes = false;
    options.block_cache_bytes = 8u << 20;
    auto store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    reads_ = std::make_unique<OrganiserReads>(store_.get());
    store_->AddCommitListener(reads_.get());
    v1::Community community;
    community.set_name("c");
    auto created = store_->CreateCommunity(community);
    ASSERT_TRUE(created.ok());
    v1::Event event;
    event.set_community_id(created->id());
    event.set_name("e");
    for (int s = 1; s <= 3; ++s) {
      v1::Slot* slot = event.add_slots();
      slot->set_id(absl::StrCat("s", s));
      slot->set_start_time(kNow + s * 3600);
      slot->set_end_time(kNow + s * 3600 + 1800);
    }
    v1::Location* hall = event.add_locations();
    hall->set_id("hall");
    hall->set_tables(8);  // fewer than the pairs that match: some are left out
    event.mutable_policy()->set_default_meetings(2);
    auto stored = store_->CreateEvent(event);
    ASSERT_TRUE(stored.ok());
    event_ = stored->id();
    std::vector<v1::Attendee> rows;
    for (int i = 0; i < 60; ++i) rows.push_back(Person(i));
    ASSERT_TRUE(store_->UpsertAttendees(event_, std::move(rows)).ok());
  }
  void TearDown() override { store_->RemoveCommitListener(reads_.get()); }

  static v1::Attendee Person(int i) {
    v1::Attendee a;
    a.set_external_id(absl::StrCat("p", i));
    a.set_display_name(absl::StrCat("P", i));
    v1::Interest* interest = a.add_interests();
    interest->set_tag(i % 3 == 0 ? "chess" : "go");
    interest->set_weight(2);
    if (i % 10 == 9) a.set_budget(0);
    return a;
  }

  void Run() {
    RunOptions options;
    options.now_unix_seconds = kNow;
    auto run = RunMatching(store_.get(), event_, options, nullptr);
    ASSERT_TRUE(run.ok()) << run.status();
  }

  // What a whole-event scan says.
  void ExpectMatchesScan() {
    MeetingStateCounts counts = {};
    std::set<uint64_t> busy, all;
    ASSERT_TRUE(store_
                    ->ScanMeetings(event_,
                                   [&](const v1::Meeting& m) {
                                     ++counts[m.state()];
                                     if (domain::OccupyingState(m.state())) {
                                       busy.insert(m.attendee_a());
                                       busy.insert(m.attendee_b());
                                     }
                                     return true;
                                   })
                    .ok());
    ASSERT_TRUE(store_
                    ->ScanAttendees(event_,
                                    [&](const v1::Attendee& a) {
                                      all.insert(a.id());
                                      return true;
                                    })
                    .ok());
    std::vector<uint64_t> without;
    for (uint64_t id : all) {
      if (!busy.count(id)) without.push_back(id);
    }
    absl::StatusOr<MeetingStateCounts> maintained = reads_->CountMeetings(event_);
    ASSERT_TRUE(maintained.ok()) << maintained.status();
    EXPECT_EQ(*maintained, counts);
    // Paged in twos, with the real total on every page.
    std::vector<uint64_t> paged;
    uint64_t after = 0;
    for (bool more = true; more;) {
      absl::StatusOr<WithoutMeetingPage> page = reads_->WithoutMeeting(event_, after, 2);
      ASSERT_TRUE(page.ok()) << page.status();
      EXPECT_EQ(page->total, without.size());
      for (const v1::AttendeeDiagnostic& d : page->diagnoses) {
        paged.push_back(d.attendee_id());
        EXPECT_NE(d.cause(), v1::AttendeeDiagnostic::CAUSE_UNSPECIFIED);
        EXPECT_FALSE(d.hint().empty());
      }
      more = page->more;
      if (!page->diagnoses.empty()) after = page->diagnoses.back().attendee_id();
    }
    EXPECT_EQ(paged, without);
  }

  testutil::ScopedTempDir dir_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<OrganiserReads> reads_;
  uint64_t event_ = 0;
};

TEST_F(OrganiserReadsTest, FollowEveryCommitAsAScanWouldSeeIt) {
  ExpectMatchesScan();  // before any run: everyone is without a meeting
  Run();
  ExpectMatchesScan();
  std::vector<v1::Meeting> meetings;
  ASSERT_TRUE(store_
                  ->ScanMeetings(event_,
                                 [&](const v1::Meeting& m) {
                                   meetings.push_back(m);
                                   return true;
                                 })
                  .ok());
  ASSERT_GT(meetings.size(), 10u);
  std::mt19937 random(7);
  const v1::Meeting::State states[] = {v1::Meeting::CONFIRMED, v1::Meeting::DECLINED,
                                       v1::Meeting::CANCELLED, v1::Meeting::HELD};
  for (int step = 0; step < 12; ++step) {
    const v1::Meeting& m = meetings[random() % meetings.size()];
    ASSERT_TRUE(store_
                    ->MutateMeeting(event_, m.id(),
                                    [&](v1::Meeting* stored) {
                                      stored->set_state(states[random() % 4]);
                                      return absl::OkStatus();
                                    })
                    .ok());
    if (step % 4 == 3) ExpectMatchesScan();
  }
  // A removed attendee leaves the list; a new one joins it.
  ASSERT_TRUE(store_->RemoveAttendee(event_, meetings[0].attendee_a()).ok());
  ASSERT_TRUE(store_->UpsertAttendees(event_, {Person(100)}).ok());
  ExpectMatchesScan();
  // A new run replaces the proposals: rebuilt, and the diagnoses follow the new run.
  Run();
  ExpectMatchesScan();
}

TEST_F(OrganiserReadsTest, DiagnosesSayWhyAndANewAttendeeJoinedAfterTheRun) {
  Run();
  ASSERT_TRUE(reads_->Warm(event_).ok());
  ASSERT_TRUE(store_->UpsertAttendees(event_, {Person(200)}).ok());
  absl::StatusOr<WithoutMeetingPage> page = reads_->WithoutMeeting(event_, 0, 1000);
  ASSERT_TRUE(page.ok()) << page.status();
  bool opted_out = false, joined_after = false;
  for (const v1::AttendeeDiagnostic& d : page->diagnoses) {
    if (d.external_id() == "p9") {
      EXPECT_EQ(d.cause(), v1::AttendeeDiagnostic::OPTED_OUT);
      opted_out = true;
    }
    if (d.external_id() == "p200") {
      EXPECT_THAT(d.hint(), ::testing::HasSubstr("after the latest run"));
      joined_after = true;
    }
  }
  EXPECT_TRUE(opted_out);
  EXPECT_TRUE(joined_after);
}

}  // namespace
}  // namespace parley::matching
