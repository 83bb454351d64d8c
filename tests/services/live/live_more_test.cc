// "Ask for more" on a crowded profile: everyone whose lists point at the same full attendee
// still gets a new suggestion when somebody outside their lists has room (issue 12).
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/live/live_repair.h"
#include "services/runs/run.h"
#include "storage/store.h"
#include "tests/testing/manual_clock.h"
#include "tests/testing/temp_dir.h"

namespace parley::matching {
namespace {

constexpr int kSlots = 3;
constexpr int kCrowd = 8;
constexpr int64_t kNow = 1'700'000'000;

class LiveMoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions options;
    options.path = dir_.Sub("db");
    options.sync_writes = false;
    options.block_cache_bytes = 8u << 20;
    absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    v1::Community community;
    community.set_name("Crowd");
    absl::StatusOr<v1::Community> c = store_->CreateCommunity(community);
    ASSERT_TRUE(c.ok()) << c.status();
    v1::Event event;
    event.set_community_id(c->id());
    event.set_name("Crowded");
    for (int s = 1; s <= kSlots; ++s) {
      v1::Slot* slot = event.add_slots();
      slot->set_id(absl::StrCat("s", s));
      slot->set_start_time(kNow + s * 3600);
      slot->set_end_time(kNow + s * 3600 + 1800);
    }
    v1::Location* hall = event.add_locations();
    hall->set_id("hall");
    hall->set_tables(50);
    event.mutable_policy()->set_max_meetings(6);
    absl::StatusOr<v1::Event> created = store_->CreateEvent(event);
    ASSERT_TRUE(created.ok()) << created.status();
    event_id_ = created->id();
    // A hub with one meeting to give, sharing two tags with each of the crowd, who share only
    // one tag with each other: every crowd member's best partner is the hub.
    std::vector<v1::Attendee> rows;
    v1::Attendee hub;
    hub.set_external_id("hub");
    hub.set_display_name("Hub");
    hub.set_budget(1);
    auto add = [](v1::Attendee* a, const std::string& tag) {
      v1::Interest* i = a->add_interests();
      i->set_tag(tag);
      i->set_weight(1);
    };
    add(&hub, "rust");
    for (int i = 0; i < kCrowd; ++i) {
      v1::Attendee a;
      a.set_external_id(absl::StrCat("c", i));
      a.set_display_name(absl::StrCat("Crowd ", i));
      a.set_budget(2);
      add(&a, "rust");
      add(&a, absl::StrCat("topic ", i));
      add(&hub, absl::StrCat("topic ", i));
      rows.push_back(a);
    }
    rows.push_back(hub);
    absl::StatusOr<std::vector<storage::UpsertResult>> stored =
        store_->UpsertAttendees(event_id_, rows);
    ASSERT_TRUE(stored.ok()) << stored.status();
  }

  // Active meetings per attendee id, and their busy slots.
  void Occupancy(absl::flat_hash_map<uint64_t, int>* count,
                 absl::flat_hash_map<uint64_t, std::vector<std::string>>* slots) {
    count->clear();
    slots->clear();
    ASSERT_TRUE(store_
                    ->ScanMeetings(event_id_,
                                   [&](const v1::Meeting& m) {
                                     if (m.state() == v1::Meeting::PROPOSED ||
                                         m.state() == v1::Meeting::CONFIRMED) {
                                       for (uint64_t x : {m.attendee_a(), m.attendee_b()}) {
                                         ++(*count)[x];
                                         (*slots)[x].push_back(m.slot_id());
                                       }
                                     }
                                     return true;
                                   })
                    .ok());
  }

  testutil::ScopedTempDir dir_;
  std::unique_ptr<storage::Store> store_;
  uint64_t event_id_ = 0;
};

TEST_F(LiveMoreTest, MoreFindsPartnersWithRoomBeyondTheLists) {
  // One partner per list: every crowd member's list is the hub alone.
  RunOptions run_options;
  run_options.k = 1;
  run_options.threads = 1;
  run_options.now_unix_seconds = kNow;
  ASSERT_TRUE(RunMatching(store_.get(), event_id_, run_options, nullptr).ok());
  LiveOptions live_options;
  live_options.k = 1;
  const std::atomic<int64_t> now{kNow};
  const testutil::ManualClock clock(&now);
  live_options.clock = &clock;
  LiveRepair live(store_.get(), live_options);

  std::vector<v1::Attendee> crowd;
  ASSERT_TRUE(store_
                  ->ScanAttendees(event_id_,
                                  [&](const v1::Attendee& a) {
                                    if (a.external_id() != "hub") crowd.push_back(a);
                                    return true;
                                  })
                  .ok());
  int asked = 0;
  for (const v1::Attendee& x : crowd) {
    absl::flat_hash_map<uint64_t, int> count;
    absl::flat_hash_map<uint64_t, std::vector<std::string>> slots;
    Occupancy(&count, &slots);
    if (count[x.id()] >= 2) continue;
    // Somebody else in the crowd with room in a common free slot? (All crowd pairs are
    // feasible: they share "rust".)
    bool partner_with_room = false;
    for (const v1::Attendee& y : crowd) {
      if (y.id() == x.id() || count[y.id()] >= 2) continue;
      for (int s = 1; s <= kSlots; ++s) {
        const std::string slot = absl::StrCat("s", s);
        auto busy = [&](uint64_t id) {
          const std::vector<std::string>& v = slots[id];
          return std::find(v.begin(), v.end(), slot) != v.end();
        };
        partner_with_room = partner_with_room || (!busy(x.id()) && !busy(y.id()));
      }
    }
    if (!partner_with_room) continue;
    ++asked;
    absl::StatusOr<std::vector<v1::Meeting>> added = live.RequestMore(event_id_, x.id(), 0);
    ASSERT_TRUE(added.ok()) << added.status();
    EXPECT_FALSE(added->empty()) << x.external_id() << " has partners with room but got nothing";
  }
  EXPECT_GT(asked, 0);
}

}  // namespace
}  // namespace parley::matching
