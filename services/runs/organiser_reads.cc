#include "services/runs/organiser_reads.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/domain/meetings.h"
#include "services/domain/policy.h"
#include "services/match/candidates.h"
#include "services/match/explain.h"
#include "services/match/scoring.h"
#include "services/runs/engine_event.h"

namespace parley::matching {
namespace {

// The stored schedule as the "why nothing?" diagnosis needs it: meetings per attendee and
// meetings per slot (PROPOSED and kept ones: what holds time and tables).
struct Occupancy {
  absl::flat_hash_map<uint64_t, uint32_t> meetings;  // by attendee id
  absl::flat_hash_map<std::string, uint32_t> slot_meetings;
};

// Why an attendee with feasible partners got nothing, named from what the schedule shows: tables
// full in every slot a partner with room shared with them, or every feasible partner's budget
// already taken, or neither (the run did not get to them).
std::string LeftOutHint(const EngineEvent& e, const match::MatchProblem& problem, match::Index x,
                        int64_t feasible, const Occupancy& occupancy) {
  uint32_t tables = 0;
  for (const v1::Location& l : e.event.locations()) tables += l.tables();
  match::SlotMask full_slots = 0;
  for (const auto& [slot, index] : e.slot_index) {
    auto it = occupancy.slot_meetings.find(slot);
    if (it != occupancy.slot_meetings.end() && it->second >= tables) {
      full_slots |= match::SlotMask{1} << index;
    }
  }
  int64_t with_room = 0, blocked_by_tables = 0;
  const match::SlotMask mine = problem.profile(x).availability;
  for (match::Index b = 0; b < problem.num_attendees(); ++b) {
    if (b == x) continue;
    const match::PairScore score = problem.Score(x, b);
    if (!score.feasible || score.weight <= 0) continue;
    auto it = occupancy.meetings.find(e.attendees[b].id());
    const uint32_t has = it == occupancy.meetings.end() ? 0 : it->second;
    if (has >= domain::BudgetOf(e.event.policy(), e.attendees[b])) continue;
    ++with_room;
    const match::SlotMask common = mine & problem.profile(b).availability;
    if ((common & ~full_slots) == 0) ++blocked_by_tables;
  }
  if (with_room > 0 && blocked_by_tables == with_room) {
    return absl::StrCat(feasible, " feasible partners; the ", with_room,
                        " with budget left share only slots whose tables are all taken: add "
                        "tables or slots");
  }
  if (with_room == 0) {
    return absl::StrCat(feasible,
                        " feasible partners, all fully booked by pairs that match better: let "
                        "them request more suggestions (searched beyond their lists), or raise "
                        "meeting budgets");
  }
  return absl::StrCat(feasible, " feasible partners, ", with_room,
                      " of them with budget left and a free table: let them request more "
                      "suggestions, or run matching again");
}

// The cause and hint from the engine input, before the note about interests.
v1::AttendeeDiagnostic DiagnoseCause(const EngineEvent* e, const match::MatchProblem* problem,
                                     const v1::Attendee& a, const Occupancy& occupancy) {
  v1::AttendeeDiagnostic d;
  d.set_attendee_id(a.id());
  d.set_external_id(a.external_id());
  d.set_display_name(a.display_name());
  if (a.has_budget() && a.budget() == 0) {
    d.set_cause(v1::AttendeeDiagnostic::OPTED_OUT);
    d.set_hint("their budget is 0: they opted out of matching");
    return d;
  }
  if (e == nullptr || problem == nullptr || !e->index_of.contains(a.id())) {
    d.set_cause(v1::AttendeeDiagnostic::LEFT_OUT);
    d.set_hint("joined after the latest run: run matching again");
    return d;
  }
  const match::CandidateDiagnosis c = match::DiagnoseCandidates(*problem, e->index_of.at(a.id()));
  const int slots = e->event.slots_size();
  if (c.no_availability) {
    d.set_cause(v1::AttendeeDiagnostic::NO_AVAILABILITY);
    d.set_hint(absl::StrCat("available in none of the event's ", slots,
                            " slots: ask them to add slots to their availability"));
    return d;
  }
  if (c.opted_out) {
    d.set_cause(v1::AttendeeDiagnostic::OPTED_OUT);
    d.set_hint("no budget left: they opted out or their meetings are all confirmed");
    return d;
  }
  if (c.in_common == 0) {
    d.set_cause(v1::AttendeeDiagnostic::NO_FEASIBLE_PARTNER);
    d.set_hint(
        "nobody shares an interest, offer or seek with them: ask them to add interests, "
        "offers or seeks");
    return d;
  }
  if (c.feasible == 0) {
    d.set_cause(v1::AttendeeDiagnostic::NO_FEASIBLE_PARTNER);
    const std::vector<std::pair<int64_t, std::string>> causes = {
        {c.no_common_slot, "share no free slot with them: ask them to add slots"},
        {c.same_organisation,
         "are in their organisation: relax avoid_same_organisation or invite others"},
        {c.no_common_language, "share no language with them: ask them to add languages"},
        {c.avoided_or_excluded, "are avoided, declined or met before: review avoid lists"},
        {c.partner_opted_out, "have no budget left: raise budgets or default_meetings"},
    };
    const auto worst =
        std::max_element(causes.begin(), causes.end(),
                         [](const auto& x, const auto& y) { return x.first < y.first; });
    d.set_hint(absl::StrCat(worst->first, " of the ", c.in_common,
                            " attendees with something in common ", worst->second));
    return d;
  }
  d.set_cause(v1::AttendeeDiagnostic::LEFT_OUT);
  d.set_hint(LeftOutHint(*e, *problem, e->index_of.at(a.id()), c.feasible, occupancy));
  return d;
}

// What the organiser can do about an attendee without any meeting.
v1::AttendeeDiagnostic Diagnose(const EngineEvent* e, const match::MatchProblem* problem,
                                const v1::Attendee& a, const Occupancy& occupancy) {
  v1::AttendeeDiagnostic d = DiagnoseCause(e, problem, a, occupancy);
  if (a.interests().empty() && d.cause() != v1::AttendeeDiagnostic::OPTED_OUT) {
    // Thin profiles meet only through offers, seeks and open pairings.
    d.set_hint(
        absl::StrCat(d.hint(), "; they list no interests: adding some gives them better matches"));
  }
  return d;
}

struct MeetingInfo {
  uint64_t a = 0, b = 0;
  std::string slot;
  v1::Meeting::State state = v1::Meeting::STATE_UNSPECIFIED;
};

}  // namespace

struct OrganiserReads::EventReads {
  // Noted by OnCommit (under the store's write lock: kept short), taken by the next read.
  absl::Mutex dirty_mu;
  absl::flat_hash_set<uint64_t> dirty ABSL_GUARDED_BY(dirty_mu);  // records or meetings changed
  bool rebuild ABSL_GUARDED_BY(dirty_mu) = true;

  // Everything below: held by the reads of this event.
  absl::Mutex mu;
  absl::flat_hash_map<uint64_t, MeetingInfo> meetings ABSL_GUARDED_BY(mu);      // by id
  absl::flat_hash_map<uint64_t, std::vector<uint64_t>> of ABSL_GUARDED_BY(mu);  // attendee's ids
  absl::btree_set<uint64_t> attendees ABSL_GUARDED_BY(mu);
  absl::btree_set<uint64_t> without ABSL_GUARDED_BY(mu);  // attendees, no occupying meeting
  Occupancy occupancy ABSL_GUARDED_BY(mu);
  MeetingStateCounts counts ABSL_GUARDED_BY(mu) = {};
  // The engine input of run `run_id` (null when the event has none) and the diagnoses made
  // against it.
  bool engine_loaded ABSL_GUARDED_BY(mu) = false;
  uint64_t run_id ABSL_GUARDED_BY(mu) = 0;
  std::unique_ptr<EngineEvent> engine ABSL_GUARDED_BY(mu);
  std::unique_ptr<match::MatchProblem> problem ABSL_GUARDED_BY(mu);
  absl::flat_hash_map<uint64_t, v1::AttendeeDiagnostic> diagnoses ABSL_GUARDED_BY(mu);

  void Add(uint64_t id, MeetingInfo info) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    ++counts[static_cast<size_t>(info.state) % counts.size()];
    if (domain::OccupyingState(info.state)) {
      ++occupancy.meetings[info.a];
      ++occupancy.meetings[info.b];
      ++occupancy.slot_meetings[info.slot];
    }
    of[info.a].push_back(id);
    of[info.b].push_back(id);
    meetings.emplace(id, std::move(info));
  }
  void Remove(uint64_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    auto it = meetings.find(id);
    if (it == meetings.end()) return;
    const MeetingInfo& info = it->second;
    --counts[static_cast<size_t>(info.state) % counts.size()];
    if (domain::OccupyingState(info.state)) {
      for (uint64_t x : {info.a, info.b}) {
        if (--occupancy.meetings[x] == 0) occupancy.meetings.erase(x);
      }
      if (--occupancy.slot_meetings[info.slot] == 0) occupancy.slot_meetings.erase(info.slot);
    }
    for (uint64_t x : {info.a, info.b}) {
      std::vector<uint64_t>& ids = of[x];
      ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
      if (ids.empty()) of.erase(x);
    }
    meetings.erase(it);
  }
  // Whether `x` belongs in `without`, after its meetings or record changed.
  void Place(uint64_t x) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (attendees.contains(x) && !occupancy.meetings.contains(x)) {
      without.insert(x);
    } else {
      without.erase(x);
    }
    diagnoses.erase(x);
  }
};

OrganiserReads::OrganiserReads(storage::Store* store) : store_(store) {}
OrganiserReads::~OrganiserReads() = default;

std::shared_ptr<OrganiserReads::EventReads> OrganiserReads::ReadsOf(uint64_t event_id) {
  absl::MutexLock lock(&mu_);
  std::shared_ptr<EventReads>& r = events_[event_id];
  if (r == nullptr) r = std::make_shared<EventReads>();
  return r;
}

void OrganiserReads::OnCommit(const storage::ChangeSet& changes) {
  absl::MutexLock lock(&mu_);
  if (events_.empty()) return;
  auto note = [&](const std::vector<storage::ChangeSet::EventAttendee>& list) {
    for (const auto& [event_id, attendee_id] : list) {
      auto it = events_.find(event_id);
      if (it == events_.end()) continue;
      absl::MutexLock dirty(&it->second->dirty_mu);
      if (!it->second->rebuild) it->second->dirty.insert(attendee_id);
    }
  };
  note(changes.attendees);
  note(changes.meeting_attendees);
  // Slots and locations feed the diagnoses; known pairs the engine input.
  note(changes.known_pair_attendees);
  for (uint64_t event_id : changes.events) {
    auto it = events_.find(event_id);
    if (it == events_.end()) continue;
    absl::MutexLock dirty(&it->second->dirty_mu);
    it->second->rebuild = true;
    it->second->dirty.clear();
  }
}

absl::Status OrganiserReads::Rebuild(uint64_t event_id, EventReads* r) {
  r->meetings.clear();
  r->of.clear();
  r->attendees.clear();
  r->without.clear();
  r->occupancy = Occupancy();
  r->counts = {};
  r->diagnoses.clear();
  r->engine_loaded = false;  // the event record itself may have changed
  absl::Status s = store_->ScanAttendees(event_id, [&](const v1::Attendee& a) {
    r->attendees.insert(r->attendees.end(), a.id());
    return true;
  });
  if (!s.ok()) return s;
  s = store_->ScanMeetings(event_id, [&](const v1::Meeting& m) {
    r->Add(m.id(), MeetingInfo{m.attendee_a(), m.attendee_b(), m.slot_id(), m.state()});
    return true;
  });
  if (!s.ok()) return s;
  for (uint64_t x : r->attendees) {
    if (!r->occupancy.meetings.contains(x)) r->without.insert(r->without.end(), x);
  }
  return absl::OkStatus();
}

absl::Status OrganiserReads::RereadAttendee(uint64_t event_id, uint64_t x, EventReads* r) {
  absl::StatusOr<v1::Attendee> record = store_->GetAttendee(event_id, x);
  if (absl::IsNotFound(record.status())) {
    r->attendees.erase(x);
  } else if (!record.ok()) {
    return record.status();
  } else {
    r->attendees.insert(x);
  }
  absl::StatusOr<std::vector<v1::Meeting>> now = store_->ListMeetingsOfAttendee(event_id, x);
  if (!now.ok()) return now.status();
  absl::flat_hash_set<uint64_t> touched = {x};
  absl::flat_hash_set<uint64_t> current;
  for (const v1::Meeting& m : *now) current.insert(m.id());
  auto of = r->of.find(x);
  if (of != r->of.end()) {
    const std::vector<uint64_t> before = of->second;  // Remove edits the list
    for (uint64_t id : before) {
      if (current.contains(id)) continue;
      const MeetingInfo& gone = r->meetings[id];
      touched.insert(gone.a == x ? gone.b : gone.a);
      r->Remove(id);
    }
  }
  for (const v1::Meeting& m : *now) {
    auto it = r->meetings.find(m.id());
    if (it != r->meetings.end() && it->second.state == m.state() &&
        it->second.slot == m.slot_id()) {
      continue;
    }
    r->Remove(m.id());
    r->Add(m.id(), MeetingInfo{m.attendee_a(), m.attendee_b(), m.slot_id(), m.state()});
    touched.insert(m.attendee_a() == x ? m.attendee_b() : m.attendee_a());
  }
  for (uint64_t y : touched) r->Place(y);
  return absl::OkStatus();
}

absl::Status OrganiserReads::Refresh(uint64_t event_id, EventReads* r) {
  absl::flat_hash_set<uint64_t> dirty;
  bool rebuild = false;
  {
    absl::MutexLock lock(&r->dirty_mu);
    dirty.swap(r->dirty);
    rebuild = r->rebuild;
    r->rebuild = false;
  }
  // Past a quarter of the attendees, one scan is cheaper than their point reads.
  if (rebuild || dirty.size() > r->attendees.size() / 4 + 16) {
    absl::Status s = Rebuild(event_id, r);
    if (!s.ok()) {
      absl::MutexLock lock(&r->dirty_mu);
      r->rebuild = true;
    }
    return s;
  }
  for (uint64_t x : dirty) {
    absl::Status s = RereadAttendee(event_id, x, r);
    if (!s.ok()) {
      absl::MutexLock lock(&r->dirty_mu);
      r->rebuild = true;  // what was taken is lost: start over next time
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status OrganiserReads::LoadEngine(uint64_t event_id, EventReads* r) {
  absl::StatusOr<v1::MatchingRun> run = store_->LatestRun(event_id);
  if (!run.ok() && !absl::IsNotFound(run.status())) return run.status();
  const uint64_t run_id = run.ok() ? run->id() : 0;
  if (r->engine_loaded && r->run_id == run_id) return absl::OkStatus();
  r->engine.reset();
  r->problem.reset();
  r->diagnoses.clear();
  absl::StatusOr<EngineEvent> loaded = LoadEngineEvent(*store_, event_id);
  if (loaded.ok()) {
    absl::StatusOr<match::MatchProblem> created = match::MatchProblem::Create(loaded->input);
    if (!created.ok()) return created.status();
    r->engine = std::make_unique<EngineEvent>(*std::move(loaded));
    r->problem = std::make_unique<match::MatchProblem>(*std::move(created));
  } else if (!absl::IsFailedPrecondition(loaded.status())) {
    return loaded.status();
  }
  r->engine_loaded = true;
  r->run_id = run_id;
  return absl::OkStatus();
}

absl::StatusOr<MeetingStateCounts> OrganiserReads::CountMeetings(uint64_t event_id) {
  std::shared_ptr<EventReads> r = ReadsOf(event_id);
  absl::MutexLock lock(&r->mu);
  absl::Status s = Refresh(event_id, r.get());
  if (!s.ok()) return s;
  return r->counts;
}

absl::StatusOr<WithoutMeetingPage> OrganiserReads::WithoutMeeting(uint64_t event_id, uint64_t after,
                                                                  int limit) {
  if (limit <= 0) return absl::InvalidArgumentError("limit must be > 0");
  std::shared_ptr<EventReads> r = ReadsOf(event_id);
  absl::MutexLock lock(&r->mu);
  absl::Status s = Refresh(event_id, r.get());
  if (!s.ok()) return s;
  WithoutMeetingPage page;
  page.total = r->without.size();
  std::vector<uint64_t> ids;
  for (auto it = r->without.upper_bound(after); it != r->without.end(); ++it) {
    if (static_cast<int>(ids.size()) == limit) {
      page.more = true;
      break;
    }
    ids.push_back(*it);
  }
  if (ids.empty()) return page;
  s = LoadEngine(event_id, r.get());
  if (!s.ok()) return s;
  for (uint64_t id : ids) {
    auto cached = r->diagnoses.find(id);
    if (cached != r->diagnoses.end()) {
      page.diagnoses.push_back(cached->second);
      continue;
    }
    // The record as it is now (names, budget, interests); the rest from the run's input.
    absl::StatusOr<v1::Attendee> a = store_->GetAttendee(event_id, id);
    if (absl::IsNotFound(a.status())) continue;  // removed since the refresh
    if (!a.ok()) return a.status();
    v1::AttendeeDiagnostic d = Diagnose(r->engine.get(), r->problem.get(), *a, r->occupancy);
    r->diagnoses.emplace(id, d);
    page.diagnoses.push_back(std::move(d));
  }
  return page;
}

absl::Status OrganiserReads::Warm(uint64_t event_id) {
  std::shared_ptr<EventReads> r = ReadsOf(event_id);
  absl::MutexLock lock(&r->mu);
  absl::Status s = Refresh(event_id, r.get());
  if (!s.ok()) return s;
  return LoadEngine(event_id, r.get());
}

}  // namespace parley::matching
