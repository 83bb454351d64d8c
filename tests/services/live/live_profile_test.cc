// Live repair after profile and availability changes, over a real server: the attendee's own
// edits, the organiser's edits and a re-import cancel the meetings the new profile rules out
// (confirmed ones only when they became impossible), keep the rest, and refill the attendee and
// the partners who lost a meeting; watchers see it. Repairs are awaited with
// LiveAgendas::WaitIdle(), never with sleeps.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/services/matching_test_util.h"

namespace parley {
namespace {

bool Active(const v1::Meeting& m) {
  return m.state() == v1::Meeting::PROPOSED || m.state() == v1::Meeting::CONFIRMED;
}

class LiveProfileTest : public testutil::MatchingServiceTest {
 protected:
  // The attendee's own edit of the fields in `paths`, then every repair it started.
  void UpdateMine(uint64_t id, const v1::Attendee& patch, const std::vector<std::string>& paths) {
    v1::UpdateMyProfileRequest update;
    *update.mutable_attendee() = patch;
    for (const std::string& path : paths) update.mutable_update_mask()->add_paths(path);
    v1::MyProfile profile;
    grpc::Status s = attendee_->UpdateMyProfile(Ctx(TokenOf(id)).get(), update, &profile);
    ASSERT_TRUE(s.ok()) << s.error_message();
    server_->live()->WaitIdle();
  }

  std::vector<v1::Meeting> ActiveOf(uint64_t id) {
    std::vector<v1::Meeting> out;
    for (const v1::Meeting& m : Meetings()) {
      if (Active(m) && (m.attendee_a() == id || m.attendee_b() == id)) out.push_back(m);
    }
    return out;
  }

  // An attendee with the most active meetings.
  uint64_t Busiest() {
    std::map<uint64_t, int> count;
    for (const v1::Meeting& m : Meetings()) {
      if (!Active(m)) continue;
      ++count[m.attendee_a()];
      ++count[m.attendee_b()];
    }
    uint64_t best = ids_[0];
    for (uint64_t id : ids_) {
      if (count[id] > count[best]) best = id;
    }
    return best;
  }

  // Runs matching on a fresh event and returns the active meetings of its busiest attendee
  // (`*x`), the first one confirmed by both sides.
  std::vector<v1::Meeting> BusiestWithOneConfirmed(int n, int slots, int budget, uint64_t* x) {
    SetUpEvent(n, slots, budget);
    Run();
    *x = Busiest();
    std::vector<v1::Meeting> before = ActiveOf(*x);
    EXPECT_EQ(before.size(), static_cast<size_t>(budget));
    if (!before.empty()) Confirm(before[0]);
    return before;
  }

  void Confirm(const v1::Meeting& m) {
    ASSERT_TRUE(Respond(m.attendee_a(), m.id(), true).ok());
    ASSERT_TRUE(Respond(m.attendee_b(), m.id(), true).ok());
  }

  // The rule every repair keeps: an attendee in `concerned` who still has room is left without
  // a partner only when nobody feasible is free with them. Everybody here may meet everybody
  // (they all love chess), so feasible means: not `gone`, never paired before (in any state),
  // room left, a common free slot. Returns how many of `concerned` got a live replacement.
  int ExpectNoFeasiblePartnerLeftFree(const std::set<uint64_t>& concerned, uint64_t gone,
                                      const std::map<uint64_t, uint32_t>& budgets) {
    const std::vector<v1::Meeting> all = Meetings();
    std::set<std::pair<uint64_t, uint64_t>> paired;
    std::map<uint64_t, std::set<std::string>> busy;
    std::set<uint64_t> replaced;
    for (const v1::Meeting& m : all) {
      paired.insert({m.attendee_a(), m.attendee_b()});
      if (!Active(m)) continue;
      busy[m.attendee_a()].insert(m.slot_id());
      busy[m.attendee_b()].insert(m.slot_id());
      if (m.run_id() == 0) {
        replaced.insert(m.attendee_a());
        replaced.insert(m.attendee_b());
      }
    }
    auto room = [&](uint64_t id) { return busy[id].size() < budgets.at(id); };
    for (uint64_t x : concerned) {
      if (!room(x)) continue;
      for (uint64_t y : ids_) {
        if (y == x || y == gone || !room(y) || paired.count({std::min(x, y), std::max(x, y)}) > 0) {
          continue;
        }
        for (const v1::Slot& slot : event_.slots()) {
          EXPECT_FALSE(busy[x].count(slot.id()) == 0 && busy[y].count(slot.id()) == 0)
              << "attendee " << x << " has room and " << y << " is free with them in " << slot.id();
        }
      }
    }
    return static_cast<int>(std::count_if(concerned.begin(), concerned.end(),
                                          [&](uint64_t x) { return replaced.count(x) > 0; }));
  }
};

TEST_F(LiveProfileTest, OptingOutCancelsEveryMeetingConfirmedTooAndPartnersAreRefilled) {
  uint64_t x = 0;
  const std::vector<v1::Meeting> before = BusiestWithOneConfirmed(9, 4, 2, &x);
  ASSERT_EQ(before.size(), 2u);
  // The partner of the confirmed meeting watches: the cancellation must reach them.
  const uint64_t watcher =
      before[0].attendee_a() == x ? before[0].attendee_b() : before[0].attendee_a();
  auto watch_context = Ctx(TokenOf(watcher));
  auto watch = agenda_->WatchMyAgenda(watch_context.get(), {});
  v1::Agenda seen;
  ASSERT_TRUE(watch->Read(&seen));

  v1::Attendee patch;
  patch.set_budget(0);
  UpdateMine(x, patch, {"budget"});

  std::set<uint64_t> partners;
  for (const v1::Meeting& m : before) {
    partners.insert(m.attendee_a() == x ? m.attendee_b() : m.attendee_a());
  }
  EXPECT_TRUE(ActiveOf(x).empty());
  for (const v1::Meeting& m : Meetings()) {
    if (m.id() == before[0].id() || m.id() == before[1].id()) {
      EXPECT_EQ(m.state(), v1::Meeting::CANCELLED) << m.ShortDebugString();
    }
  }
  ASSERT_TRUE(watch->Read(&seen));  // the change, within the call's deadline
  for (const v1::Proposal& p : seen.items()) {
    EXPECT_NE(p.meeting_id(), before[0].id()) << "the cancelled meeting is still on the agenda";
  }
  v1::Calendar calendar;
  ASSERT_TRUE(agenda_->GetMyCalendar(Ctx(TokenOf(watcher)).get(), {}, &calendar).ok());
  EXPECT_THAT(calendar.cancellations(), ::testing::HasSubstr("METHOD:CANCEL"));
  watch_context->TryCancel();
  watch->Finish().IgnoreError();

  std::map<uint64_t, uint32_t> budgets;
  for (uint64_t id : ids_) budgets[id] = 2;
  budgets[x] = 0;
  EXPECT_GE(ExpectNoFeasiblePartnerLeftFree(partners, x, budgets), 1);
}

TEST_F(LiveProfileTest, RemovedSlotCancelsItsConfirmedMeetingAndKeepsTheOthers) {
  uint64_t x = 0;
  const std::vector<v1::Meeting> before = BusiestWithOneConfirmed(8, 3, 2, &x);
  ASSERT_EQ(before.size(), 2u);
  const std::string dropped = before[0].slot_id();

  v1::Attendee patch;
  for (const v1::Slot& slot : event_.slots()) {
    if (slot.id() != dropped) patch.add_availability(slot.id());
  }
  UpdateMine(x, patch, {"availability"});

  const std::vector<v1::Meeting> after = ActiveOf(x);
  for (const v1::Meeting& m : after) EXPECT_NE(m.slot_id(), dropped) << m.ShortDebugString();
  bool kept = false;
  for (const v1::Meeting& m : Meetings()) {
    if (m.id() == before[0].id()) {
      EXPECT_EQ(m.state(), v1::Meeting::CANCELLED);
    }
    if (m.id() == before[1].id()) {
      kept = true;
      EXPECT_EQ(m.SerializeAsString(), before[1].SerializeAsString()) << "moved or changed";
    }
  }
  EXPECT_TRUE(kept);
  std::map<uint64_t, uint32_t> budgets;
  for (uint64_t id : ids_) budgets[id] = 2;
  const uint64_t partner =
      before[0].attendee_a() == x ? before[0].attendee_b() : before[0].attendee_a();
  ExpectNoFeasiblePartnerLeftFree({x, partner}, 0, budgets);
}

TEST_F(LiveProfileTest, LowerBudgetCancelsTheWeakestProposalAndKeepsConfirmedMeetings) {
  SetUpEvent(10, 3, 3);
  Run();
  const uint64_t x = Busiest();
  std::vector<v1::Meeting> before = ActiveOf(x);
  ASSERT_EQ(before.size(), 3u);
  // Confirm the weakest, so that the rule (proposals go first) is what decides.
  std::sort(before.begin(), before.end(),
            [](const v1::Meeting& a, const v1::Meeting& b) { return a.score() < b.score(); });
  Confirm(before[0]);

  v1::Attendee patch;
  patch.set_budget(2);
  UpdateMine(x, patch, {"budget"});

  std::map<uint64_t, v1::Meeting> now;
  for (const v1::Meeting& m : Meetings()) now[m.id()] = m;
  EXPECT_EQ(now[before[0].id()].state(), v1::Meeting::CONFIRMED);
  // One proposal went, the weaker one (either, if they score the same).
  const v1::Meeting& first = now[before[1].id()];
  const v1::Meeting& second = now[before[2].id()];
  ASSERT_NE(first.state() == v1::Meeting::CANCELLED, second.state() == v1::Meeting::CANCELLED);
  const v1::Meeting& gone = first.state() == v1::Meeting::CANCELLED ? first : second;
  const v1::Meeting& stays = first.state() == v1::Meeting::CANCELLED ? second : first;
  EXPECT_EQ(stays.state(), v1::Meeting::PROPOSED);
  EXPECT_LE(gone.score(), stays.score());
  EXPECT_EQ(ActiveOf(x).size(), 2u);  // no refill beyond the new budget

  // Even a budget below the confirmed meetings keeps them.
  patch.set_budget(1);
  for (const v1::Meeting& m : ActiveOf(x)) {
    if (m.state() == v1::Meeting::PROPOSED) Confirm(m);
  }
  UpdateMine(x, patch, {"budget"});
  EXPECT_EQ(ActiveOf(x).size(), 2u);
}

TEST_F(LiveProfileTest, OrganiserAddsAnAvoidEntryThePairIsCancelledAndNeverProposedAgain) {
  SetUpEvent(7, 3, 2);
  Run();
  const uint64_t x = Busiest();
  const std::vector<v1::Meeting> before = ActiveOf(x);
  ASSERT_FALSE(before.empty());
  const uint64_t partner =
      before[0].attendee_a() == x ? before[0].attendee_b() : before[0].attendee_a();

  v1::UpdateAttendeeRequest update;
  update.mutable_attendee()->set_event_id(event_.id());
  update.mutable_attendee()->set_id(x);
  update.mutable_attendee()->add_avoid(people_[partner].external_id());
  update.mutable_update_mask()->add_paths("avoid");
  v1::Attendee updated;
  ASSERT_TRUE(organizer_->UpdateAttendee(Ctx(token_).get(), update, &updated).ok());
  server_->live()->WaitIdle();

  for (const v1::Meeting& m : Meetings()) {
    if (m.id() == before[0].id()) {
      EXPECT_EQ(m.state(), v1::Meeting::CANCELLED);
    }
  }
  // Asking for more never brings the avoided partner back.
  v1::ListMySuggestionsResponse added;
  ASSERT_TRUE(agenda_->RequestMoreSuggestions(Ctx(TokenOf(x)).get(), {}, &added).ok());
  ASSERT_TRUE(agenda_->RequestMoreSuggestions(Ctx(TokenOf(partner)).get(), {}, &added).ok());
  for (const v1::Meeting& m : Meetings()) {
    if (std::minmax(m.attendee_a(), m.attendee_b()) == std::minmax(x, partner)) {
      EXPECT_FALSE(Active(m)) << m.ShortDebugString();
    }
  }
}

TEST_F(LiveProfileTest, ReimportWithLessAvailabilityCancelsMeetingsInTheLostSlot) {
  SetUpEvent(8, 3, 2);
  Run();
  const uint64_t x = Busiest();
  const std::vector<v1::Meeting> before = ActiveOf(x);
  ASSERT_FALSE(before.empty());
  const std::string lost = before[0].slot_id();
  v1::Attendee row = people_[x];
  for (const v1::Slot& slot : event_.slots()) {
    if (slot.id() != lost) row.add_availability(slot.id());
  }
  v1::ImportAttendeesResponse imported;
  ASSERT_TRUE(Import(token_, event_.id(), {row}, &imported).ok());
  ASSERT_EQ(imported.updated(), 1u);
  server_->live()->WaitIdle();
  for (const v1::Meeting& m : ActiveOf(x)) EXPECT_NE(m.slot_id(), lost) << m.ShortDebugString();
  for (const v1::Meeting& m : Meetings()) {
    if (m.id() == before[0].id()) {
      EXPECT_EQ(m.state(), v1::Meeting::CANCELLED);
    }
  }
}

TEST_F(LiveProfileTest, AnEditThatRulesNothingOutLeavesEveryMeetingAsItWas) {
  SetUpEvent(8, 3, 2);
  Run();
  const std::vector<v1::Meeting> before = Meetings();
  v1::Attendee patch;
  patch.set_bio("I also play go.");
  UpdateMine(Busiest(), patch, {"bio"});
  const std::vector<v1::Meeting> after = Meetings();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].SerializeAsString(), before[i].SerializeAsString());
  }
}

// The live state built after the run follows edits, declines and asks for more in place: no
// whole-event load, no candidate generation, however many changes.
TEST_F(LiveProfileTest, ChangesAreAppliedToTheWarmStateWithoutBuildingItAgain) {
  SetUpEvent(12, 4, 2);
  Run();
  const uint64_t x = Busiest();
  std::vector<v1::Meeting> before = ActiveOf(x);
  ASSERT_EQ(before.size(), 2u);

  // A slot leaves: its meeting is cancelled.
  v1::Attendee patch;
  for (const v1::Slot& slot : event_.slots()) {
    if (slot.id() != before[0].slot_id()) patch.add_availability(slot.id());
  }
  patch.add_interests()->set_tag("go");
  patch.mutable_interests(0)->set_weight(3);
  patch.add_interests()->set_tag("chess");
  UpdateMine(x, patch, {"availability", "interests"});
  // Built once, after the run (on the run's thread, which may still be at it when Run()
  // returns; this repair then waits for it) or by this repair: never again from here on.
  const uint64_t builds = server_->live()->live_state_builds();
  EXPECT_EQ(builds, 1u);
  for (const v1::Meeting& m : Meetings()) {
    if (m.id() == before[0].id()) {
      EXPECT_EQ(m.state(), v1::Meeting::CANCELLED);
    }
  }
  for (const v1::Meeting& m : ActiveOf(x)) EXPECT_NE(m.slot_id(), before[0].slot_id());

  // Every slot back and a bigger budget: refilled where someone has room, never with the
  // cancelled partner, never twice in a slot.
  v1::Attendee more;
  for (const v1::Slot& slot : event_.slots()) more.add_availability(slot.id());
  more.set_budget(4);
  UpdateMine(x, more, {"availability", "budget"});
  const std::vector<v1::Meeting> after = ActiveOf(x);
  ASSERT_FALSE(after.empty());
  EXPECT_LE(after.size(), 4u);
  const uint64_t cancelled_partner =
      before[0].attendee_a() == x ? before[0].attendee_b() : before[0].attendee_a();
  std::set<std::string> slots;
  for (const v1::Meeting& m : after) {
    EXPECT_NE(std::minmax(m.attendee_a(), m.attendee_b()), std::minmax(x, cancelled_partner));
    EXPECT_TRUE(slots.insert(m.slot_id()).second) << "two meetings in " << m.slot_id();
  }

  // A decline is repaired in place too.
  const v1::Meeting& declined = after.back();
  ASSERT_TRUE(Respond(x, declined.id(), false).ok());
  server_->live()->WaitIdle();
  EXPECT_EQ(server_->live()->live_state_builds(), builds);
}

// After a restart the live state of a scheduled event is built at start, before any change
// asks for it, and a decline then repairs in place.
TEST_F(LiveProfileTest, ARestartedServerBuildsTheLiveStateOfScheduledEventsAtStart) {
  SetUpEvent(8, 3, 2);
  Run();
  Restart();
  server_->live()->WaitIdle();
  EXPECT_EQ(server_->live()->live_state_builds(), 1u);
  const uint64_t x = Busiest();
  const std::vector<v1::Meeting> mine = ActiveOf(x);
  ASSERT_FALSE(mine.empty());
  ASSERT_TRUE(Respond(x, mine[0].id(), false).ok());
  server_->live()->WaitIdle();
  EXPECT_EQ(server_->live()->live_state_builds(), 1u);
}

TEST_F(LiveProfileTest, ARestartedServerBuildsTheViewsOfScheduledEventsAtStart) {
  SetUpEvent(8, 3, 2);
  Run();
  Restart();
  server_->WaitWarmedUp();
  // Both views (agenda, suggestions) of every attendee: no first read builds one.
  EXPECT_EQ(server_->agenda()->cached_views(), 2 * ids_.size());
}

// At start the token cache takes every token that is not revoked, so that no attendee's first
// call reads its token from the store; revoking still works at once.
TEST_F(LiveProfileTest, ARestartedServerCachesTheTokensThatAreNotRevokedAtStart) {
  SetUpEvent(6, 3, 2);
  auto revoke = [&](uint64_t attendee_id) {
    v1::RevokeTokenRequest request;
    request.set_token_id(services::TokenIdFor(services::TokenHash(TokenOf(attendee_id))));
    v1::TokenInfo info;
    grpc::Status s = admin_->RevokeToken(Ctx(admin_token_).get(), request, &info);
    ASSERT_TRUE(s.ok()) << s.error_message();
  };
  for (uint64_t id : ids_) TokenOf(id);  // issued before the restart
  revoke(ids_[0]);
  Restart();
  server_->WaitWarmedUp();
  size_t valid = 0;
  ASSERT_TRUE(server_->store()
                  ->ScanTokens([&](absl::string_view, const v1::TokenInfo& info) {
                    valid += info.revoke_time() == 0;
                    return true;
                  })
                  .ok());
  // The organiser's and every attendee's but the one revoked.
  EXPECT_GE(valid, ids_.size());
  EXPECT_EQ(server_->auth()->cached_tokens(), valid);

  v1::Agenda agenda;
  EXPECT_EQ(agenda_->GetMyAgenda(Ctx(TokenOf(ids_[0])).get(), {}, &agenda).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  AgendaOf(ids_[1]);
  // Revoked after the warm-up: refused by the next call, though the cache held it.
  revoke(ids_[1]);
  EXPECT_EQ(agenda_->GetMyAgenda(Ctx(TokenOf(ids_[1])).get(), {}, &agenda).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  AgendaOf(ids_[2]);
}

TEST_F(LiveProfileTest, ProfileChangesBeforeAnyRunChangeNothing) {
  SetUpEvent(4, 2, 1);
  v1::Attendee patch;
  patch.set_budget(0);
  UpdateMine(ids_[0], patch, {"budget"});
  EXPECT_TRUE(Meetings().empty());
  EXPECT_EQ(Run().phase(), v1::MatchingRun::DONE);
}

}  // namespace
}  // namespace parley
