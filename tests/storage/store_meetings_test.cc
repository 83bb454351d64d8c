// Meetings and matching runs: ReplaceSchedule's atomic swap, the attendee index, erasure,
// durability, and databases created before these column families existed.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
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

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(MeetingKeyTest, AttendeeIndexKeysRoundTripAndSortByEventAttendeeMeeting) {
  const std::string key = MeetingByAttendeeKey(7, 0x0102030405060708u, 9);
  ASSERT_EQ(key.size(), 24u);
  uint64_t event = 0, attendee = 0, meeting = 0;
  ASSERT_TRUE(DecodeTripleKey(key, &event, &attendee, &meeting));
  EXPECT_EQ(event, 7u);
  EXPECT_EQ(attendee, 0x0102030405060708u);
  EXPECT_EQ(meeting, 9u);
  EXPECT_FALSE(DecodeTripleKey(key.substr(1), &event, &attendee, &meeting));
  EXPECT_LT(MeetingByAttendeeKey(1, 255, 1), MeetingByAttendeeKey(1, 256, 0));
  EXPECT_LT(MeetingByAttendeeKey(1, 2, 255), MeetingByAttendeeKey(1, 2, 256));
  EXPECT_EQ(key.substr(0, 16), MeetingByAttendeePrefix(7, 0x0102030405060708u));
  EXPECT_LT(MeetingKey(3, 1), MeetingKey(3, 256));
  EXPECT_LT(RunKey(3, UINT64_MAX), RunKey(4, 0));
}

class MeetingStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    event_ = NewEvent(NewCommunity());
    absl::StatusOr<std::vector<UpsertResult>> rows = store_->UpsertAttendees(
        event_, {Row("a", "Ada"), Row("b", "Bo"), Row("c", "Cy"), Row("d", "Di")});
    ASSERT_TRUE(rows.ok()) << rows.status();
    for (const UpsertResult& r : *rows) ids_.push_back(r.attendee_id);
  }

  static v1::Meeting Proposal(uint64_t a, uint64_t b, const std::string& slot) {
    v1::Meeting m;
    m.set_attendee_a(std::min(a, b));
    m.set_attendee_b(std::max(a, b));
    m.set_slot_id(slot);
    m.set_state(v1::Meeting::PROPOSED);
    return m;
  }
  v1::MatchingRun NewRun() {
    v1::MatchingRun run;
    run.set_event_id(event_);
    absl::StatusOr<v1::MatchingRun> created = store_->CreateRun(run);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : run;
  }
  // Ids of the event's meetings that are not PROPOSED: what a plan is computed around.
  std::vector<uint64_t> Settled() {
    std::vector<uint64_t> ids;
    EXPECT_TRUE(store_
                    ->ScanMeetings(event_,
                                   [&](const v1::Meeting& m) {
                                     if (m.state() != v1::Meeting::PROPOSED) ids.push_back(m.id());
                                     return true;
                                   })
                    .ok());
    return ids;
  }
  std::vector<v1::Meeting> Replace(std::vector<v1::Meeting> meetings) {
    v1::MatchingRun run = NewRun();
    absl::StatusOr<std::vector<v1::Meeting>> stored =
        store_->ReplaceSchedule(event_, run, std::move(meetings), Settled());
    EXPECT_TRUE(stored.ok()) << stored.status();
    return stored.ok() ? *stored : std::vector<v1::Meeting>{};
  }
  std::vector<v1::Meeting> All() {
    absl::StatusOr<std::vector<v1::Meeting>> all = store_->ListMeetings(event_, 0, 1000);
    EXPECT_TRUE(all.ok()) << all.status();
    return all.ok() ? *all : std::vector<v1::Meeting>{};
  }
  void SetState(uint64_t meeting_id, v1::Meeting::State state) {
    absl::StatusOr<Mutated<v1::Meeting>> m =
        store_->MutateMeeting(event_, meeting_id, [&](v1::Meeting* meeting) {
          meeting->set_state(state);
          return absl::OkStatus();
        });
    ASSERT_TRUE(m.ok()) << m.status();
  }
  // Checks that the attendee index names exactly the meetings each attendee is part of.
  void ExpectIndexConsistent() {
    std::map<uint64_t, std::set<uint64_t>> expected;
    for (const v1::Meeting& m : All()) {
      expected[m.attendee_a()].insert(m.id());
      expected[m.attendee_b()].insert(m.id());
    }
    for (uint64_t attendee : ids_) {
      absl::StatusOr<std::vector<v1::Meeting>> listed =
          store_->ListMeetingsOfAttendee(event_, attendee);
      ASSERT_TRUE(listed.ok()) << listed.status();
      std::set<uint64_t> got;
      for (const v1::Meeting& m : *listed) {
        EXPECT_TRUE(m.attendee_a() == attendee || m.attendee_b() == attendee);
        got.insert(m.id());
      }
      EXPECT_EQ(got, expected[attendee]) << "attendee " << attendee;
    }
  }

  uint64_t event_ = 0;
  std::vector<uint64_t> ids_;  // a, b, c, d
};

TEST_F(MeetingStoreTest, ReplaceScheduleAssignsIdsAndIndexesBothAttendees) {
  std::vector<v1::Meeting> stored =
      Replace({Proposal(ids_[0], ids_[1], "s1"), Proposal(ids_[2], ids_[3], "s1")});
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_NE(stored[0].id(), 0u);
  EXPECT_LT(stored[0].id(), stored[1].id());
  EXPECT_EQ(stored[0].event_id(), event_);
  EXPECT_GT(stored[0].create_time(), 0);
  absl::StatusOr<v1::Meeting> got = store_->GetMeeting(event_, stored[1].id());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->attendee_a(), ids_[2]);
  absl::StatusOr<std::vector<v1::Meeting>> of_b = store_->ListMeetingsOfAttendee(event_, ids_[1]);
  ASSERT_TRUE(of_b.ok());
  ASSERT_EQ(of_b->size(), 1u);
  EXPECT_EQ((*of_b)[0].id(), stored[0].id());
  ExpectIndexConsistent();
}

TEST_F(MeetingStoreTest, ReplaceScheduleKeepsSettledStatesAndReplacesProposals) {
  std::vector<v1::Meeting> first = Replace({
      Proposal(ids_[0], ids_[1], "s1"),  // will be confirmed
      Proposal(ids_[2], ids_[3], "s1"),  // will be declined
      Proposal(ids_[0], ids_[2], "s2"),  // stays proposed: replaced
      Proposal(ids_[1], ids_[3], "s2"),  // cancelled
  });
  ASSERT_EQ(first.size(), 4u);
  SetState(first[0].id(), v1::Meeting::CONFIRMED);
  SetState(first[1].id(), v1::Meeting::DECLINED);
  SetState(first[3].id(), v1::Meeting::CANCELLED);

  std::vector<v1::Meeting> second = Replace({Proposal(ids_[0], ids_[3], "s3")});
  ASSERT_EQ(second.size(), 1u);
  EXPECT_GT(second[0].id(), first[3].id());  // ids are never reused
  std::vector<uint64_t> ids;
  std::vector<v1::Meeting::State> states;
  for (const v1::Meeting& m : All()) {
    ids.push_back(m.id());
    states.push_back(m.state());
  }
  EXPECT_THAT(ids, ElementsAre(first[0].id(), first[1].id(), first[3].id(), second[0].id()));
  EXPECT_THAT(states, ElementsAre(v1::Meeting::CONFIRMED, v1::Meeting::DECLINED,
                                  v1::Meeting::CANCELLED, v1::Meeting::PROPOSED));
  EXPECT_TRUE(absl::IsNotFound(store_->GetMeeting(event_, first[2].id()).status()));
  ExpectIndexConsistent();
}

TEST_F(MeetingStoreTest, ReplaceScheduleAbortsWhenAMeetingSettledMeanwhile) {
  std::vector<v1::Meeting> first = Replace({Proposal(ids_[0], ids_[1], "s1")});
  const std::vector<uint64_t> planned_around = Settled();  // nothing settled yet
  SetState(first[0].id(), v1::Meeting::CONFIRMED);         // an answer arrives mid-run
  absl::StatusOr<std::vector<v1::Meeting>> stored =
      store_->ReplaceSchedule(event_, NewRun(), {Proposal(ids_[0], ids_[2], "s1")}, planned_around);
  EXPECT_TRUE(absl::IsAborted(stored.status())) << stored.status();
  ASSERT_EQ(All().size(), 1u);  // nothing written
  EXPECT_EQ(All()[0].state(), v1::Meeting::CONFIRMED);
}

TEST_F(MeetingStoreTest, ReplaceScheduleDropsMeetingsOfErasedAttendees) {
  v1::MatchingRun run = NewRun();
  ASSERT_TRUE(*store_->RemoveAttendee(event_, ids_[3]));
  absl::StatusOr<std::vector<v1::Meeting>> stored = store_->ReplaceSchedule(
      event_, run, {Proposal(ids_[0], ids_[1], "s1"), Proposal(ids_[2], ids_[3], "s1")}, {});
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].attendee_b(), ids_[1]);
  EXPECT_EQ(All().size(), 1u);
}

TEST_F(MeetingStoreTest, ReplaceScheduleRejectsBadInput) {
  v1::MatchingRun run = NewRun();
  v1::Meeting reversed = Proposal(ids_[0], ids_[1], "s1");
  reversed.set_attendee_a(ids_[1]);
  reversed.set_attendee_b(ids_[0]);
  absl::Status s = store_->ReplaceSchedule(event_, run, {reversed}, {}).status();
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
  EXPECT_THAT(s.message(), HasSubstr("new_meetings[0]"));
  v1::MatchingRun unknown = run;
  unknown.set_id(run.id() + 100);
  EXPECT_TRUE(absl::IsInvalidArgument(store_->ReplaceSchedule(event_, unknown, {}, {}).status()));
  // The run belongs to another event.
  EXPECT_TRUE(absl::IsInvalidArgument(store_->ReplaceSchedule(event_ + 7, run, {}, {}).status()));
  EXPECT_TRUE(All().empty());
}

TEST_F(MeetingStoreTest, MutateMeetingMovesTheIndexWithTheAttendees) {
  std::vector<v1::Meeting> stored = Replace({Proposal(ids_[0], ids_[1], "s1")});
  absl::StatusOr<Mutated<v1::Meeting>> moved =
      store_->MutateMeeting(event_, stored[0].id(), [&](v1::Meeting* m) {
        m->set_attendee_b(ids_[2]);
        m->set_id(999);  // restored
        m->set_sequence(m->sequence() + 1);
        return absl::OkStatus();
      });
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_TRUE(moved->changed);
  EXPECT_EQ(moved->record.id(), stored[0].id());
  EXPECT_EQ(moved->record.sequence(), 1u);
  EXPECT_TRUE(store_->ListMeetingsOfAttendee(event_, ids_[1])->empty());
  EXPECT_EQ(store_->ListMeetingsOfAttendee(event_, ids_[2])->size(), 1u);
  ExpectIndexConsistent();

  absl::Status bad = store_
                         ->MutateMeeting(event_, stored[0].id(),
                                         [&](v1::Meeting* m) {
                                           m->set_attendee_b(m->attendee_a());
                                           return absl::OkStatus();
                                         })
                         .status();
  EXPECT_TRUE(absl::IsInvalidArgument(bad)) << bad;
  absl::Status refused =
      store_
          ->MutateMeeting(event_, stored[0].id(),
                          [](v1::Meeting*) { return absl::FailedPreconditionError("no"); })
          .status();
  EXPECT_TRUE(absl::IsFailedPrecondition(refused));
  EXPECT_TRUE(absl::IsNotFound(
      store_->MutateMeeting(event_, 12345, [](v1::Meeting*) { return absl::OkStatus(); })
          .status()));
}

TEST_F(MeetingStoreTest, RemoveAttendeeErasesTheirMeetingsInEveryState) {
  std::vector<v1::Meeting> stored = Replace({
      Proposal(ids_[0], ids_[1], "s1"),
      Proposal(ids_[0], ids_[2], "s2"),
      Proposal(ids_[2], ids_[3], "s1"),
  });
  SetState(stored[1].id(), v1::Meeting::DECLINED);
  ASSERT_TRUE(*store_->RemoveAttendee(event_, ids_[0]));
  std::vector<v1::Meeting> left = All();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].id(), stored[2].id());
  EXPECT_TRUE(store_->ListMeetingsOfAttendee(event_, ids_[0])->empty());
  EXPECT_TRUE(store_->ListMeetingsOfAttendee(event_, ids_[1])->empty());
  EXPECT_EQ(store_->ListMeetingsOfAttendee(event_, ids_[2])->size(), 1u);
  ids_.erase(ids_.begin());
  ExpectIndexConsistent();
}

TEST_F(MeetingStoreTest, MeetingsRunsAndCountersSurviveReopen) {
  std::vector<v1::Meeting> stored = Replace({Proposal(ids_[0], ids_[1], "s1")});
  SetState(stored[0].id(), v1::Meeting::CONFIRMED);
  v1::MatchingRun run = NewRun();
  run.set_phase(v1::MatchingRun::DONE);
  run.set_meetings_proposed(7);
  ASSERT_TRUE(store_->PutRun(run).ok());

  Reopen();

  absl::StatusOr<v1::Meeting> got = store_->GetMeeting(event_, stored[0].id());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->state(), v1::Meeting::CONFIRMED);
  absl::StatusOr<v1::MatchingRun> latest = store_->LatestRun(event_);
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(latest->id(), run.id());
  EXPECT_EQ(latest->phase(), v1::MatchingRun::DONE);
  EXPECT_EQ(latest->meetings_proposed(), 7u);
  // Counters continue: no meeting or run id is handed out twice.
  EXPECT_EQ(NewRun().id(), run.id() + 1);
  std::vector<v1::Meeting> more = Replace({Proposal(ids_[2], ids_[3], "s1")});
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(more[0].id(), stored[0].id() + 1);
  ExpectIndexConsistent();
}

TEST_F(MeetingStoreTest, RunsAreListedPerEventAndLatestIsTheHighestId) {
  EXPECT_TRUE(absl::IsNotFound(store_->LatestRun(event_).status()));
  const uint64_t other_event = NewEvent(NewCommunity("other"));
  v1::MatchingRun first = NewRun();
  v1::MatchingRun second = NewRun();
  v1::MatchingRun elsewhere;
  elsewhere.set_event_id(other_event);
  ASSERT_TRUE(store_->CreateRun(elsewhere).ok());  // a higher id, in another event
  EXPECT_EQ(store_->LatestRun(event_)->id(), second.id());
  EXPECT_EQ(store_->GetRun(event_, first.id())->id(), first.id());
  EXPECT_GT(first.start_time(), 0);
  EXPECT_TRUE(absl::IsNotFound(store_->GetRun(other_event, first.id()).status()));
  v1::MatchingRun never;
  never.set_event_id(event_);
  never.set_id(second.id() + 50);
  EXPECT_TRUE(absl::IsNotFound(store_->PutRun(never)));
  v1::MatchingRun orphan;
  orphan.set_event_id(event_ + 100);
  EXPECT_TRUE(absl::IsNotFound(store_->CreateRun(orphan).status()));
}

TEST_F(MeetingStoreTest, ListMeetingsPagesByIdWithinTheEvent) {
  std::vector<v1::Meeting> stored =
      Replace({Proposal(ids_[0], ids_[1], "s1"), Proposal(ids_[2], ids_[3], "s1"),
               Proposal(ids_[0], ids_[2], "s2")});
  absl::StatusOr<std::vector<v1::Meeting>> page = store_->ListMeetings(event_, stored[0].id(), 1);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].id(), stored[1].id());
  EXPECT_TRUE(absl::IsInvalidArgument(store_->ListMeetings(event_, 0, 0).status()));
  EXPECT_TRUE(store_->ListMeetings(event_ + 1, 0, 10)->empty());
  int visited = 0;
  ASSERT_TRUE(store_
                  ->ScanMeetings(event_,
                                 [&](const v1::Meeting&) {
                                   ++visited;
                                   return visited < 2;
                                 })
                  .ok());
  EXPECT_EQ(visited, 2);
}

// A database written before meetings, meetings_by_attendee and runs existed opens without a
// format bump: the families are created empty.
TEST_F(MeetingStoreTest, OpensADatabaseWrittenWithoutTheMeetingFamilies) {
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  const std::string path = Options().path;
  {
    rocksdb::DBOptions options;
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(options, path, &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    for (const std::string& name : names)
      descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* db = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, path, descriptors, &handles, &db).ok());
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == CfName(Cf::kMeetings) || names[i] == CfName(Cf::kMeetingsByAttendee) ||
          names[i] == CfName(Cf::kRuns)) {
        ASSERT_TRUE(db->DropColumnFamily(handles[i]).ok());
      }
    }
    for (rocksdb::ColumnFamilyHandle* h : handles)
      ASSERT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
    ASSERT_TRUE(db->Close().ok());
    delete db;
    names.clear();
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(options, path, &names).ok());
    ASSERT_EQ(std::count(names.begin(), names.end(), std::string(CfName(Cf::kRuns))), 0);
  }
  Open();
  EXPECT_EQ(store_->GetAttendee(event_, ids_[0])->display_name(), "Ada");
  EXPECT_TRUE(All().empty());
  std::vector<v1::Meeting> stored = Replace({Proposal(ids_[0], ids_[1], "s1")});
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].id(), 1u);
}

// --- InsertMeetings: live replacements --------------------------------------------------------

class InsertMeetingsTest : public MeetingStoreTest {
 protected:
  // A finished run that proposed `meetings`; returns its id.
  uint64_t DoneRun(std::vector<v1::Meeting> meetings) {
    v1::MatchingRun run = NewRun();
    run.set_phase(v1::MatchingRun::DONE);
    absl::StatusOr<std::vector<v1::Meeting>> stored =
        store_->ReplaceSchedule(event_, run, std::move(meetings), Settled());
    EXPECT_TRUE(stored.ok()) << stored.status();
    return run.id();
  }

  // Which states hold a slot is the rulebook's (domain::OccupyingState), which storage may not
  // include: the store checks whatever rule its caller hands it. These tests hand it one of
  // their own: every state but DECLINED.
  static bool TestRuleOccupies(v1::Meeting::State state) { return state != v1::Meeting::DECLINED; }

  absl::StatusOr<std::vector<v1::Meeting>> Insert(
      uint64_t run, std::vector<v1::Meeting> meetings,
      const std::function<bool(v1::Meeting::State)>& occupies = TestRuleOccupies) {
    return store_->InsertMeetings(event_, run, std::move(meetings), occupies);
  }
};

TEST_F(InsertMeetingsTest, StoresReplacementsInOneBatchWithFreshIdsAndIndexes) {
  const uint64_t run = DoneRun({Proposal(ids_[0], ids_[1], "s1")});
  SetState(All()[0].id(), v1::Meeting::DECLINED);
  absl::StatusOr<std::vector<v1::Meeting>> stored =
      Insert(run, {Proposal(ids_[0], ids_[2], "s1"), Proposal(ids_[1], ids_[3], "s1")});
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_EQ(stored->size(), 2u);
  EXPECT_GT((*stored)[0].id(), All()[0].id());
  EXPECT_EQ((*stored)[1].event_id(), event_);
  EXPECT_EQ(All().size(), 3u);
  ExpectIndexConsistent();
  Reopen();
  EXPECT_EQ(All().size(), 3u);
  // Ids keep growing after a reopen.
  absl::StatusOr<std::vector<v1::Meeting>> more = Insert(run, {Proposal(ids_[2], ids_[3], "s2")});
  ASSERT_TRUE(more.ok()) << more.status();
  EXPECT_GT((*more)[0].id(), (*stored)[1].id());
}

TEST_F(InsertMeetingsTest, AbortsWhenAnotherRunReplannedOrIsInProgress) {
  const uint64_t first = DoneRun({Proposal(ids_[0], ids_[1], "s1")});
  v1::MatchingRun running = NewRun();  // created, not finished: a run is in progress
  absl::StatusOr<std::vector<v1::Meeting>> stale =
      Insert(first, {Proposal(ids_[2], ids_[3], "s1")});
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  absl::StatusOr<std::vector<v1::Meeting>> during =
      Insert(running.id(), {Proposal(ids_[2], ids_[3], "s1")});
  EXPECT_EQ(during.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(All().size(), 1u);
}

TEST_F(InsertMeetingsTest, AbortsOnADoubleBookingOrARepeatedPair) {
  const uint64_t run = DoneRun({Proposal(ids_[0], ids_[1], "s1")});
  // ids_[1] is busy in s1.
  EXPECT_EQ(Insert(run, {Proposal(ids_[1], ids_[2], "s1")}).status().code(),
            absl::StatusCode::kAborted);
  // The pair already has a meeting (in any state).
  SetState(All()[0].id(), v1::Meeting::DECLINED);
  EXPECT_EQ(Insert(run, {Proposal(ids_[0], ids_[1], "s2")}).status().code(),
            absl::StatusCode::kAborted);
  // Conflicts among the new meetings themselves.
  EXPECT_EQ(Insert(run, {Proposal(ids_[2], ids_[3], "s2"), Proposal(ids_[0], ids_[3], "s2")})
                .status()
                .code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(All().size(), 1u);
  // A declined meeting no longer holds its slot.
  EXPECT_TRUE(Insert(run, {Proposal(ids_[1], ids_[2], "s1")}).ok());
}

TEST_F(InsertMeetingsTest, ADoubleBookingIsWhatTheCallersRuleSaysOccupiesASlot) {
  const uint64_t run = DoneRun({Proposal(ids_[0], ids_[1], "s1")});
  auto only_confirmed = [](v1::Meeting::State s) { return s == v1::Meeting::CONFIRMED; };
  // ids_[1]'s PROPOSED meeting in s1 does not hold the slot under this rule...
  EXPECT_TRUE(Insert(run, {Proposal(ids_[1], ids_[2], "s1")}, only_confirmed).ok());
  // ...and a CONFIRMED one does.
  SetState(All()[0].id(), v1::Meeting::CONFIRMED);
  EXPECT_EQ(Insert(run, {Proposal(ids_[0], ids_[3], "s1")}, only_confirmed).status().code(),
            absl::StatusCode::kAborted);
}

TEST_F(InsertMeetingsTest, DropsMeetingsOfErasedAttendees) {
  const uint64_t run = DoneRun({});
  ASSERT_TRUE(store_->RemoveAttendee(event_, ids_[3]).ok());
  absl::StatusOr<std::vector<v1::Meeting>> stored =
      Insert(run, {Proposal(ids_[0], ids_[1], "s1"), Proposal(ids_[2], ids_[3], "s1")});
  ASSERT_TRUE(stored.ok()) << stored.status();
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].attendee_b(), ids_[1]);
  EXPECT_EQ(Insert(0, {}).status().code(), absl::StatusCode::kAborted);
}

}  // namespace
}  // namespace parley::storage
