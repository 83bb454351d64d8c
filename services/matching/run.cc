#include "services/matching/run.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/match/bound.h"
#include "services/match/candidates.h"
#include "services/match/explain.h"
#include "services/match/profile.h"
#include "services/match/quality.h"
#include "services/match/schedule.h"
#include "services/match/scoring.h"

namespace parley::matching {
namespace {

using match::Index;
using match::SlotMask;

// Policy defaults, as services/validation.h fills them in; repeated here for events stored
// without them (this library sits below services/).
constexpr uint32_t kDefaultMeetings = 3;
constexpr uint32_t kDefaultMaxMeetings = 6;
constexpr uint32_t kDefaultProposalExpiryMinutes = 1440;

// Meetings that still hold their attendees' time: kept by a new run.
bool Kept(v1::Meeting::State state) {
  return state == v1::Meeting::CONFIRMED || state == v1::Meeting::HELD ||
         state == v1::Meeting::NO_SHOW;
}

uint32_t DefaultBudget(const v1::EventPolicy& policy) {
  if (policy.default_meetings() > 0) return policy.default_meetings();
  const uint32_t max = policy.max_meetings() > 0 ? policy.max_meetings() : kDefaultMaxMeetings;
  return std::min(kDefaultMeetings, max);
}

std::string OrganisationKey(absl::string_view organisation) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(organisation));
}

SlotMask AllSlots(int num_slots) {
  return num_slots >= match::kMaxSlots ? ~SlotMask{0} : (SlotMask{1} << num_slots) - 1;
}

absl::Status CheckEventReady(const v1::Event& event) {
  std::vector<std::string> missing;
  if (event.slots().empty()) missing.push_back("slots");
  if (event.locations().empty()) missing.push_back("locations");
  if (!missing.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("event ", event.id(), " has no ",
                                                      absl::StrJoin(missing, " and "),
                                                      ": add them before matching"));
  }
  if (event.slots_size() > match::kMaxSlots) {
    return absl::FailedPreconditionError(absl::StrCat(
        "event ", event.id(), " has ", event.slots_size(), " slots; at most ", match::kMaxSlots));
  }
  return absl::OkStatus();
}

// An event as the engine sees it, with the maps back to stored ids.
struct EngineEvent {
  v1::Event event;
  std::vector<v1::Attendee> attendees;  // by index; ids ascending
  std::vector<uint64_t> settled_ids;    // the non-PROPOSED meetings planned around
  uint32_t kept = 0;
  match::MatchInput input;
  match::ScheduleInput schedule_input;
  // Tables (1-based) taken by kept meetings, per slot * locations + location.
  std::vector<std::vector<uint32_t>> taken_tables;
};

// Table number (1-based) of the engine's t-th table (0-based) at a location in a slot: the t-th
// table not taken by a kept meeting.
uint32_t StoredTable(const EngineEvent& e, int slot, int location, int t) {
  const std::vector<uint32_t>& taken =
      e.taken_tables[static_cast<size_t>(slot) * e.event.locations_size() + location];
  uint32_t table = 0;
  for (int free = -1; free < t;) {
    ++table;
    if (!std::binary_search(taken.begin(), taken.end(), table)) ++free;
  }
  return table;
}

absl::StatusOr<EngineEvent> Load(const storage::Store& store, uint64_t event_id) {
  EngineEvent e;
  absl::StatusOr<v1::Event> event = store.GetEvent(event_id);
  if (!event.ok()) return event.status();
  e.event = *std::move(event);
  absl::Status s = CheckEventReady(e.event);
  if (!s.ok()) return s;
  s = store.ScanAttendees(event_id, [&](const v1::Attendee& a) {
    e.attendees.push_back(a);
    return true;
  });
  if (!s.ok()) return s;
  std::vector<v1::Meeting> settled;
  s = store.ScanMeetings(event_id, [&](const v1::Meeting& m) {
    if (m.state() != v1::Meeting::PROPOSED) settled.push_back(m);
    return true;
  });
  if (!s.ok()) return s;

  const v1::Event& ev = e.event;
  const int num_slots = ev.slots_size();
  const int num_locations = ev.locations_size();
  absl::flat_hash_map<std::string, int> slot_index, location_index;
  for (int i = 0; i < num_slots; ++i) slot_index.emplace(ev.slots(i).id(), i);
  for (int i = 0; i < num_locations; ++i) location_index.emplace(ev.locations(i).id(), i);
  const size_t n = e.attendees.size();
  absl::flat_hash_map<uint64_t, Index> by_id;
  absl::flat_hash_map<std::string, Index> by_external_id;
  absl::flat_hash_map<std::string, std::vector<Index>> by_organisation;
  for (Index i = 0; i < n; ++i) {
    const v1::Attendee& a = e.attendees[i];
    by_id.emplace(a.id(), i);
    by_external_id.emplace(a.external_id(), i);
    const std::string org = OrganisationKey(a.organisation());
    if (!org.empty()) by_organisation[org].push_back(i);
  }

  match::MatchInput& input = e.input;
  input.policy.avoid_same_organisation = ev.policy().avoid_same_organisation();
  input.profiles.resize(n);
  const uint32_t default_budget = DefaultBudget(ev.policy());
  for (Index i = 0; i < n; ++i) {
    const v1::Attendee& a = e.attendees[i];
    match::Profile& p = input.profiles[i];
    for (const v1::Interest& interest : a.interests()) {
      p.interests.push_back(
          {interest.tag(), static_cast<int>(std::clamp<uint32_t>(interest.weight(), 1, 3))});
    }
    p.offers.assign(a.offers().begin(), a.offers().end());
    p.seeks.assign(a.seeks().begin(), a.seeks().end());
    p.languages.assign(a.languages().begin(), a.languages().end());
    p.organisation = OrganisationKey(a.organisation());
    p.budget = static_cast<int32_t>(a.has_budget() ? a.budget() : default_budget);
    if (a.availability().empty()) {
      p.availability = AllSlots(num_slots);
    } else {
      p.availability = 0;
      for (const std::string& slot : a.availability()) {
        auto it = slot_index.find(slot);
        if (it != slot_index.end()) p.availability |= SlotMask{1} << it->second;
      }
    }
    for (const std::string& want : a.wants()) {
      auto it = by_external_id.find(want);
      if (it != by_external_id.end() && it->second != i) p.wants.push_back(it->second);
    }
    for (const std::string& avoid : a.avoid()) {
      auto it = by_external_id.find(avoid);
      if (it != by_external_id.end() && it->second != i) p.avoid.push_back(it->second);
    }
    // The engine checks avoid lists in both directions, so listing them on one side suffices.
    for (const std::string& org : a.avoid_organisations()) {
      auto it = by_organisation.find(OrganisationKey(org));
      if (it == by_organisation.end()) continue;
      for (Index j : it->second) {
        if (j != i) p.avoid.push_back(j);
      }
    }
    for (std::vector<Index>* list : {&p.wants, &p.avoid}) {
      std::sort(list->begin(), list->end());
      list->erase(std::unique(list->begin(), list->end()), list->end());
    }
  }

  // Settled meetings: their pairs are never proposed again; kept ones hold budget, slot, table.
  e.taken_tables.resize(static_cast<size_t>(num_slots) * num_locations);
  for (const v1::Meeting& m : settled) {
    e.settled_ids.push_back(m.id());
    auto a = by_id.find(m.attendee_a());
    auto b = by_id.find(m.attendee_b());
    if (a == by_id.end() || b == by_id.end()) continue;
    input.excluded_pairs.emplace_back(a->second, b->second);
    if (!Kept(m.state())) continue;
    ++e.kept;
    auto slot = slot_index.find(m.slot_id());
    for (Index x : {a->second, b->second}) {
      match::Profile& p = input.profiles[x];
      p.budget = std::max(0, p.budget - 1);
      if (slot != slot_index.end()) p.availability &= ~(SlotMask{1} << slot->second);
    }
    auto location = location_index.find(m.location_id());
    if (slot != slot_index.end() && location != location_index.end() && m.table() > 0) {
      e.taken_tables[static_cast<size_t>(slot->second) * num_locations + location->second]
          .push_back(m.table());
    }
  }

  match::ScheduleInput& si = e.schedule_input;
  si.num_slots = num_slots;
  si.attendees.resize(n);
  for (Index i = 0; i < n; ++i) {
    si.attendees[i] = {input.profiles[i].budget, input.profiles[i].availability,
                       e.attendees[i].prefers_quiet()};
  }
  for (int l = 0; l < num_locations; ++l) {
    match::Location location;
    location.tables = static_cast<int32_t>(ev.locations(l).tables());
    location.quiet = ev.locations(l).quiet();
    for (int s = 0; s < num_slots; ++s) {
      std::vector<uint32_t>& taken = e.taken_tables[static_cast<size_t>(s) * num_locations + l];
      std::sort(taken.begin(), taken.end());
      taken.erase(std::unique(taken.begin(), taken.end()), taken.end());
      const auto in_range = std::count_if(
          taken.begin(), taken.end(), [&](uint32_t t) { return t <= ev.locations(l).tables(); });
      if (in_range == 0) continue;
      if (location.tables_per_slot.empty())
        location.tables_per_slot.assign(num_slots, location.tables);
      location.tables_per_slot[s] = std::max<int32_t>(0, location.tables - in_range);
    }
    si.locations.push_back(std::move(location));
  }
  return e;
}

// The engine's reasons from one side, as the API shows them to that side.
void AddReasons(const match::PairExplanation& explanation, const EngineEvent& e,
                google::protobuf::RepeatedPtrField<v1::Reason>* out) {
  const v1::Attendee& partner = e.attendees[explanation.b];
  for (const match::Reason& r : explanation.reasons) {
    v1::Reason reason;
    reason.set_tag(r.tag);
    switch (r.kind) {
      case match::ReasonKind::kSharedInterest:
        reason.set_kind(v1::Reason::SHARED_INTEREST);
        break;
      case match::ReasonKind::kSeeksWhatTheyOffer:
        reason.set_kind(v1::Reason::THEY_OFFER_WHAT_YOU_SEEK);
        break;
      case match::ReasonKind::kOffersWhatTheySeek:
        reason.set_kind(v1::Reason::YOU_OFFER_WHAT_THEY_SEEK);
        break;
      case match::ReasonKind::kAskedToMeet:
        reason.set_kind(v1::Reason::YOU_ASKED_TO_MEET);
        break;
      case match::ReasonKind::kAskedToMeetYou:
        continue;  // a wish is never revealed to its target
      case match::ReasonKind::kIntroduced:
        reason.set_kind(v1::Reason::INTRODUCED);
        if (r.introducer < e.attendees.size()) {
          reason.set_introducer_name(e.attendees[r.introducer].display_name());
        }
        break;
      case match::ReasonKind::kBridgesOrganisations:
        reason.set_kind(v1::Reason::BRIDGES_ORGANISATIONS);
        reason.set_tag(partner.organisation());  // as they wrote it, not the compared key
        break;
      case match::ReasonKind::kBridgesCircles:
        reason.set_kind(v1::Reason::BRIDGES_CIRCLES);
        reason.set_other_tag(r.other_tag);
        break;
    }
    *out->Add() = std::move(reason);
  }
}

// ExplainPair without the reasons a's side must not see.
match::PairExplanation ExplainFor(const match::MatchProblem& problem, Index a, Index b) {
  match::PairExplanation explanation = match::ExplainPair(problem, a, b);
  auto& reasons = explanation.reasons;
  reasons.erase(std::remove_if(reasons.begin(), reasons.end(),
                               [](const match::Reason& r) {
                                 return r.kind == match::ReasonKind::kAskedToMeetYou;
                               }),
                reasons.end());
  return explanation;
}

void ToProto(const match::QualityReport& r, v1::QualityReport* out) {
  out->set_weight(r.weight);
  out->set_upper_bound(r.bound);
  out->set_quality(r.quality);
  out->set_meetings(static_cast<uint32_t>(r.meetings));
  for (int64_t count : r.meetings_per_attendee) {
    out->add_meetings_per_attendee(static_cast<uint32_t>(count));
  }
  out->set_gini(r.gini);
  out->set_zero_opted_out(static_cast<uint32_t>(r.zero_opted_out));
  out->set_zero_no_availability(static_cast<uint32_t>(r.zero_no_availability));
  out->set_zero_no_feasible_partner(static_cast<uint32_t>(r.zero_no_feasible_partner));
  out->set_zero_left_out(static_cast<uint32_t>(r.zero_left_out));
  out->set_meetings_unplaced(static_cast<uint32_t>(r.meetings_unplaced));
  out->set_fairness_cost(r.fairness_cost);
}

class Runner {
 public:
  Runner(storage::Store* store, uint64_t event_id, const RunOptions& options,
         const std::function<void(const v1::MatchingRun&)>& progress)
      : store_(store), event_id_(event_id), options_(options), progress_(progress) {}

  absl::StatusOr<v1::MatchingRun> Run() {
    // Refusals that need no run record.
    absl::StatusOr<v1::Event> event = store_->GetEvent(event_id_);
    if (!event.ok()) return event.status();
    absl::Status s = CheckEventReady(*event);
    if (!s.ok()) return s;
    v1::MatchingRun run;
    run.set_event_id(event_id_);
    run.set_phase(v1::MatchingRun::LOADING);
    run.set_start_time(Now());
    absl::StatusOr<v1::MatchingRun> created = store_->CreateRun(run);
    if (!created.ok()) return created.status();
    run_ = *std::move(created);
    Report();
    for (int attempt = 1;; ++attempt) {
      s = Attempt();
      if (s.ok()) return run_;
      if (!absl::IsAborted(s) || attempt >= std::max(1, options_.max_attempts)) break;
      Enter(v1::MatchingRun::LOADING);
    }
    run_.set_phase(v1::MatchingRun::FAILED);
    run_.set_error(std::string(s.message()));
    run_.set_end_time(Now());
    // The failure itself is what the caller needs; a failed record write adds nothing to it.
    store_->PutRun(run_).IgnoreError();
    if (progress_) progress_(run_);
    return s;
  }

 private:
  int64_t Now() const {
    return options_.now_unix_seconds != 0 ? options_.now_unix_seconds
                                          : absl::ToUnixSeconds(absl::Now());
  }
  void Report() {
    if (progress_) progress_(run_);
  }
  void Enter(v1::MatchingRun::Phase phase) {
    run_.set_phase(phase);
    // Progress is advisory; the run's outcome is written with the schedule.
    store_->PutRun(run_).IgnoreError();
    Report();
  }

  absl::Status Attempt() {
    absl::StatusOr<EngineEvent> loaded = Load(*store_, event_id_);
    if (!loaded.ok()) return loaded.status();
    const EngineEvent& e = *loaded;
    run_.set_attendees(static_cast<uint32_t>(e.attendees.size()));
    run_.set_meetings_kept(e.kept);
    Enter(v1::MatchingRun::CANDIDATES);

    absl::StatusOr<match::MatchProblem> problem = match::MatchProblem::Create(e.input);
    if (!problem.ok()) return problem.status();
    match::CandidateOptions candidate_options;
    candidate_options.k = options_.k;
    candidate_options.threads = options_.threads;
    const match::CandidateIndex index =
        match::CandidateIndex::Build(*std::move(problem), candidate_options);
    const match::CandidateGraph graph = index.Graph();
    run_.set_candidate_edges(graph.num_edges());
    Enter(v1::MatchingRun::SCHEDULING);

    match::ScheduleOptions schedule_options;
    schedule_options.seed = options_.seed;
    absl::StatusOr<match::Schedule> schedule =
        match::BuildSchedule(graph, e.schedule_input, schedule_options);
    if (!schedule.ok()) return schedule.status();
    const bool bound = options_.compute_bound.value_or(static_cast<int64_t>(e.attendees.size()) <=
                                                       options_.bound_max_attendees);
    if (bound) {
      absl::StatusOr<int64_t> upper = match::ComputeUpperBound(graph, e.schedule_input);
      if (!upper.ok()) return upper.status();
      match::SetUpperBound(*upper, &schedule->report);
    }
    ToProto(schedule->report, run_.mutable_report());
    run_.set_meetings_proposed(static_cast<uint32_t>(schedule->meetings.size()));
    Enter(v1::MatchingRun::WRITING);

    std::vector<v1::Meeting> meetings = ToMeetings(e, index.problem(), schedule->meetings);
    run_.set_phase(v1::MatchingRun::DONE);
    run_.set_end_time(Now());
    absl::StatusOr<std::vector<v1::Meeting>> stored =
        store_->ReplaceSchedule(event_id_, run_, std::move(meetings), e.settled_ids);
    if (!stored.ok()) return stored.status();
    if (stored->size() != run_.meetings_proposed()) {
      // Attendees erased meanwhile lost their meetings; the record says what was written.
      run_.set_meetings_proposed(static_cast<uint32_t>(stored->size()));
      store_->PutRun(run_).IgnoreError();
    }
    Report();
    return absl::OkStatus();
  }

  std::vector<v1::Meeting> ToMeetings(const EngineEvent& e, const match::MatchProblem& problem,
                                      const std::vector<match::Meeting>& planned) const {
    const v1::EventPolicy& policy = e.event.policy();
    const int64_t now = Now();
    const uint32_t expiry_minutes = policy.has_proposal_expiry_minutes()
                                        ? policy.proposal_expiry_minutes()
                                        : kDefaultProposalExpiryMinutes;
    std::vector<v1::Meeting> out;
    out.reserve(planned.size());
    for (const match::Meeting& m : planned) {
      // Indices follow ascending ids, so a < b holds for the stored ids too.
      const Index a = std::min(m.a, m.b);
      const Index b = std::max(m.a, m.b);
      v1::Meeting& meeting = out.emplace_back();
      meeting.set_event_id(e.event.id());
      meeting.set_attendee_a(e.attendees[a].id());
      meeting.set_attendee_b(e.attendees[b].id());
      meeting.set_slot_id(e.event.slots(m.slot).id());
      if (m.location >= 0) {
        meeting.set_location_id(e.event.locations(m.location).id());
        meeting.set_table(StoredTable(e, m.slot, m.location, m.table));
      }
      meeting.set_score(m.weight);
      if (policy.auto_confirm()) {
        meeting.set_state(v1::Meeting::CONFIRMED);
        meeting.set_answer_a(v1::Meeting::ACCEPTED);
        meeting.set_answer_b(v1::Meeting::ACCEPTED);
      } else {
        meeting.set_state(v1::Meeting::PROPOSED);
        if (expiry_minutes > 0) meeting.set_expire_time(now + int64_t{expiry_minutes} * 60);
      }
      const match::PairExplanation for_a = ExplainFor(problem, a, b);
      const match::PairExplanation for_b = ExplainFor(problem, b, a);
      AddReasons(for_a, e, meeting.mutable_reasons_for_a());
      AddReasons(for_b, e, meeting.mutable_reasons_for_b());
      meeting.set_starter_for_a(match::ConversationStarter(for_a, e.attendees[b].display_name()));
      meeting.set_starter_for_b(match::ConversationStarter(for_b, e.attendees[a].display_name()));
      meeting.set_run_id(run_.id());
      meeting.set_create_time(now);
      meeting.set_update_time(now);
    }
    return out;
  }

  storage::Store* const store_;
  const uint64_t event_id_;
  const RunOptions& options_;
  const std::function<void(const v1::MatchingRun&)>& progress_;
  v1::MatchingRun run_;
};

}  // namespace

absl::StatusOr<v1::MatchingRun> RunMatching(
    storage::Store* store, uint64_t event_id, const RunOptions& options,
    const std::function<void(const v1::MatchingRun&)>& progress) {
  return Runner(store, event_id, options, progress).Run();
}

}  // namespace parley::matching
