#include "services/runs/engine_event.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/domain/constraints.h"
#include "services/domain/proposals.h"
#include "services/domain/validation.h"
#include "services/match/explain.h"

namespace parley::matching {
namespace {

using domain::CheckEventReady;
using domain::DefaultBudget;
using domain::KeptState;
using domain::OrganisationKey;
using domain::RematchFreezeDays;

using match::Index;
using match::SlotMask;

// The engine compares tags on an ASCII key (match/tags.h) and shows the spelling most holders
// used. Stored tags keep their holder's spelling (services::SpellTag), so an ASCII spelling
// ("VLA") goes in as written; one whose case the engine's key would not fold (non-ASCII upper
// case) goes in its normal form, so that it still compares equal to its other spellings.
std::string EngineTag(const std::string& spelling) {
  const bool ascii = std::all_of(spelling.begin(), spelling.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) return spelling;
  absl::StatusOr<std::string> normal = services::NormalizeTag(spelling, "tag");
  if (!normal.ok() || absl::AsciiStrToLower(spelling) == *normal) return spelling;
  return *std::move(normal);
}

// The engine's reasons from one side, as the API shows them to that side.
void AddEngineReasons(const match::PairExplanation& explanation, const EngineEvent& e,
                      google::protobuf::RepeatedPtrField<v1::Reason>* out) {
  const v1::Attendee& partner = e.attendees[explanation.b];
  const bool mutual = std::any_of(
      explanation.reasons.begin(), explanation.reasons.end(),
      [](const match::Reason& r) { return r.kind == match::ReasonKind::kAskedToMeetYou; });
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
        reason.set_kind(mutual ? v1::Reason::MUTUAL_WISH : v1::Reason::YOU_ASKED_TO_MEET);
        break;
      case match::ReasonKind::kAskedToMeetYou:
        continue;  // shown as MUTUAL_WISH above; ExplainFor drops it when one-sided
      case match::ReasonKind::kIntroduced:
        if (r.introducer < e.attendees.size()) {
          reason.set_kind(v1::Reason::INTRODUCED);
          reason.set_introducer_name(e.attendees[r.introducer].display_name());
        } else if (auto it = e.follow_up_from.find({std::min(explanation.a, explanation.b),
                                                    std::max(explanation.a, explanation.b)});
                   it != e.follow_up_from.end()) {
          reason.set_kind(v1::Reason::FOLLOW_UP);
          reason.set_tag(it->second);
        } else {
          reason.set_kind(v1::Reason::INTRODUCED);
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

// The engine's reasons from one side, as the API shows them to that side, then what thin
// profiles are told: an open pairing says so, and a side without interests learns that adding
// some gives better matches.
void AddReasons(const match::PairExplanation& explanation, const EngineEvent& e,
                const match::MatchProblem& problem,
                google::protobuf::RepeatedPtrField<v1::Reason>* out) {
  AddEngineReasons(explanation, e, out);
  if (problem.IsOpen(explanation.a) && problem.IsOpen(explanation.b)) {
    out->Add()->set_kind(v1::Reason::OPEN_PAIRING);
  }
  if (problem.IsOpen(explanation.a)) out->Add()->set_kind(v1::Reason::ADD_INTERESTS);
}

// True when the pair met only as an open pairing (no other reason from a's side).
bool OnlyOpenPairing(const match::PairExplanation& explanation,
                     const match::MatchProblem& problem) {
  return problem.IsOpen(explanation.a) && problem.IsOpen(explanation.b) &&
         std::none_of(explanation.reasons.begin(), explanation.reasons.end(),
                      [](const match::Reason& r) {
                        return r.kind != match::ReasonKind::kBridgesOrganisations;
                      });
}

// ConversationStarter, or for a bare open pairing a starter that says what it is.
std::string Starter(const match::PairExplanation& explanation, const match::MatchProblem& problem,
                    const std::string& partner_name) {
  if (OnlyOpenPairing(explanation, problem)) {
    return absl::StrCat("An open pairing: neither of you listed interests, so ask ",
                        partner_name.empty() ? "them" : partner_name, " what they are working on.");
  }
  return match::ConversationStarter(explanation, partner_name);
}

// ExplainPair without the reasons a's side must not see: b's wish unless a wished too.
match::PairExplanation ExplainFor(const match::MatchProblem& problem, Index a, Index b) {
  match::PairExplanation explanation = match::ExplainPair(problem, a, b);
  auto& reasons = explanation.reasons;
  const bool wished = std::any_of(reasons.begin(), reasons.end(), [](const match::Reason& r) {
    return r.kind == match::ReasonKind::kAskedToMeet;
  });
  if (!wished) {
    reasons.erase(std::remove_if(reasons.begin(), reasons.end(),
                                 [](const match::Reason& r) {
                                   return r.kind == match::ReasonKind::kAskedToMeetYou;
                                 }),
                  reasons.end());
  }
  return explanation;
}

}  // namespace

bool Met(const v1::MemoryRecord& record) {
  const bool held = record.outcome() == v1::Feedback::HAPPENED ||
                    record.partner_outcome() == v1::Feedback::HAPPENED;
  const bool no_show = record.outcome() == v1::Feedback::NO_SHOW ||
                       record.partner_outcome() == v1::Feedback::NO_SHOW;
  return held || !no_show;
}

namespace {

// Pairs of this event that met at an earlier event of the community (the memory, by person):
// excluded within the freeze window, or introduced as follow-ups when both asked for one.
absl::Status AddMemory(const storage::Store& store, int64_t now, EngineEvent* e) {
  const v1::Event& ev = e->event;
  // A community with one event has no earlier meetings to remember.
  absl::StatusOr<std::vector<v1::Event>> events = store.ListEvents(ev.community_id(), 0, 2);
  if (!events.ok()) return events.status();
  if (events->size() < 2) return absl::OkStatus();
  absl::flat_hash_map<std::string, Index> by_person;
  for (Index i = 0; i < e->attendees.size(); ++i) {
    const std::string& person = e->attendees[i].person_ref();
    if (!person.empty()) by_person.emplace(person, i);
  }
  const uint32_t freeze_days = RematchFreezeDays(ev.policy());
  const int64_t frozen_after = now - int64_t{freeze_days} * 86400;
  struct Seen {
    int64_t met_time = 0;
    bool follow_up = false;  // both asked, at their latest meeting
    std::string event_name;
  };
  absl::flat_hash_map<std::pair<Index, Index>, Seen> seen;
  for (const auto& [person, i] : by_person) {
    absl::Status s =
        store.ScanMemory(ev.community_id(), person, [&](const storage::MemoryEntry& m) {
          const v1::MemoryRecord& r = m.record;
          if (r.event_id() == ev.id() || !Met(r)) return true;
          auto partner = by_person.find(m.partner);
          if (partner == by_person.end() || partner->second <= i) return true;  // each pair once
          Seen& pair = seen[{i, partner->second}];
          if (r.met_time() >= pair.met_time) {
            pair.met_time = r.met_time();
            pair.follow_up = r.follow_up() && r.partner_follow_up();
            pair.event_name = r.event_name();
          }
          return true;
        });
    if (!s.ok()) return s;
  }
  for (auto& [pair, met] : seen) {
    if (met.follow_up) {
      e->input.introductions.push_back(
          {pair.first, pair.second, match::Introduction::kNoIntroducer});
      e->follow_up_from.emplace(pair, std::move(met.event_name));
    } else if (freeze_days > 0 && met.met_time >= frozen_after) {
      e->input.excluded_pairs.emplace_back(pair.first, pair.second);
    }
  }
  return absl::OkStatus();
}

}  // namespace

AttendeeDirectory MakeDirectory(const std::vector<v1::Attendee>& attendees) {
  AttendeeDirectory d;
  for (Index i = 0; i < attendees.size(); ++i) {
    const v1::Attendee& a = attendees[i];
    d.by_external_id.emplace(a.external_id(), i);
    const std::string org = OrganisationKey(a.organisation());
    if (!org.empty()) d.by_organisation[org].push_back(i);
  }
  return d;
}

void UpdateDirectory(Index i, const v1::Attendee& before, const v1::Attendee& after,
                     AttendeeDirectory* directory) {
  if (before.external_id() != after.external_id()) {
    auto it = directory->by_external_id.find(before.external_id());
    if (it != directory->by_external_id.end() && it->second == i) {
      directory->by_external_id.erase(it);
    }
    // Assigned, not emplaced: two attendees of one batch may swap external ids.
    directory->by_external_id.insert_or_assign(after.external_id(), i);
  }
  const std::string from = OrganisationKey(before.organisation());
  const std::string to = OrganisationKey(after.organisation());
  if (from == to) return;
  if (!from.empty()) {
    auto it = directory->by_organisation.find(from);
    if (it != directory->by_organisation.end()) {
      std::vector<Index>& members = it->second;
      members.erase(std::remove(members.begin(), members.end(), i), members.end());
      if (members.empty()) directory->by_organisation.erase(it);
    }
  }
  if (!to.empty()) {
    std::vector<Index>& members = directory->by_organisation[to];
    members.insert(std::lower_bound(members.begin(), members.end(), i), i);
  }
}

match::Profile EngineProfile(const v1::Event& ev, const v1::Attendee& a, Index i,
                             const AttendeeDirectory& directory) {
  match::Profile p;
  for (const v1::Interest& interest : a.interests()) {
    p.interests.push_back({EngineTag(interest.tag()),
                           static_cast<int>(std::clamp<uint32_t>(interest.weight(), 1, 3))});
  }
  for (const std::string& tag : a.offers()) p.offers.push_back(EngineTag(tag));
  for (const std::string& tag : a.seeks()) p.seeks.push_back(EngineTag(tag));
  p.languages.assign(a.languages().begin(), a.languages().end());
  p.organisation = OrganisationKey(a.organisation());
  p.budget = static_cast<int32_t>(a.has_budget() ? a.budget() : DefaultBudget(ev.policy()));
  p.availability = 0;
  for (int slot = 0; slot < ev.slots_size(); ++slot) {
    if (domain::AvailableIn(a, ev.slots(slot).id())) p.availability |= SlotMask{1} << slot;
  }
  for (const std::string& want : a.wants()) {
    auto it = directory.by_external_id.find(want);
    if (it != directory.by_external_id.end() && it->second != i) p.wants.push_back(it->second);
  }
  for (const std::string& avoid : a.avoid()) {
    auto it = directory.by_external_id.find(avoid);
    if (it != directory.by_external_id.end() && it->second != i) p.avoid.push_back(it->second);
  }
  // The engine checks avoid lists in both directions, so listing them on one side suffices.
  for (const std::string& org : a.avoid_organisations()) {
    auto it = directory.by_organisation.find(OrganisationKey(org));
    if (it == directory.by_organisation.end()) continue;
    for (Index j : it->second) {
      if (j != i) p.avoid.push_back(j);
    }
  }
  for (std::vector<Index>* list : {&p.wants, &p.avoid}) {
    std::sort(list->begin(), list->end());
    list->erase(std::unique(list->begin(), list->end()), list->end());
  }
  return p;
}

absl::StatusOr<EngineEvent> LoadEngineEvent(const storage::Store& store, uint64_t event_id,
                                            int64_t now) {
  if (now == 0) now = absl::ToUnixSeconds(absl::Now());
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
  std::vector<v1::Meeting> settled, accepted;
  s = store.ScanMeetings(event_id, [&](const v1::Meeting& m) {
    if (m.state() != v1::Meeting::PROPOSED) {
      settled.push_back(m);
    } else if (domain::AcceptedProposal(m)) {
      accepted.push_back(m);
    } else {
      e.proposed.push_back(m);
    }
    return true;
  });
  if (!s.ok()) return s;

  const v1::Event& ev = e.event;
  const int num_slots = ev.slots_size();
  const int num_locations = ev.locations_size();
  for (int i = 0; i < num_slots; ++i) e.slot_index.emplace(ev.slots(i).id(), i);
  for (int i = 0; i < num_locations; ++i) e.location_index.emplace(ev.locations(i).id(), i);
  const size_t n = e.attendees.size();
  for (Index i = 0; i < n; ++i) e.index_of.emplace(e.attendees[i].id(), i);
  e.directory = MakeDirectory(e.attendees);

  match::MatchInput& input = e.input;
  input.policy.avoid_same_organisation = ev.policy().avoid_same_organisation();
  input.profiles.resize(n);
  for (Index i = 0; i < n; ++i) {
    input.profiles[i] = EngineProfile(ev, e.attendees[i], i, e.directory);
  }

  // Settled meetings: their pairs are never proposed again; kept ones hold budget, slot, table.
  e.seating = domain::Seating(ev);
  auto keep = [&](const v1::Meeting& m, Index a, Index b) {
    ++e.kept;
    e.kept_meetings.push_back(m);
    auto slot = e.slot_index.find(m.slot_id());
    for (Index x : {a, b}) {
      match::Profile& p = input.profiles[x];
      p.budget = std::max(0, p.budget - 1);
      if (slot != e.slot_index.end()) p.availability &= ~(SlotMask{1} << slot->second);
    }
    e.seating.Hold(m);
  };
  for (const v1::Meeting& m : settled) {
    e.settled_ids.push_back(m.id());
    auto a = e.index_of.find(m.attendee_a());
    auto b = e.index_of.find(m.attendee_b());
    if (a == e.index_of.end() || b == e.index_of.end()) continue;
    input.excluded_pairs.emplace_back(a->second, b->second);
    if (KeptState(m.state())) keep(m, a->second, b->second);
  }

  // Known pairs: they already know each other, so they are never proposed (and live repair,
  // which loads the event the same way, never brings them back).
  absl::flat_hash_set<std::pair<Index, Index>> known;
  s = store.ScanKnownPairs(event_id, [&](uint64_t x, uint64_t y) {
    auto a = e.index_of.find(x);
    auto b = e.index_of.find(y);
    if (a != e.index_of.end() && b != e.index_of.end()) {
      input.excluded_pairs.emplace_back(a->second, b->second);
      known.emplace(std::minmax(a->second, b->second));
    }
    return true;
  });
  if (!s.ok()) return s;

  // Proposals one side accepted are kept like confirmed meetings while the records still allow
  // them: both present, available and with budget left in that slot (after the kept meetings),
  // and no hard constraint between them. The others are withdrawn with the plain proposals.
  for (const v1::Meeting& m : accepted) {
    auto a = e.index_of.find(m.attendee_a());
    auto b = e.index_of.find(m.attendee_b());
    auto slot = e.slot_index.find(m.slot_id());
    bool feasible = a != e.index_of.end() && b != e.index_of.end() && slot != e.slot_index.end();
    if (feasible) {
      const SlotMask bit = SlotMask{1} << slot->second;
      for (Index x : {a->second, b->second}) {
        const match::Profile& p = input.profiles[x];
        feasible = feasible && p.budget > 0 && (p.availability & bit) != 0;
      }
      feasible =
          feasible && domain::BlockedPair(ev, e.attendees[a->second], e.attendees[b->second],
                                          known.contains(std::minmax(a->second, b->second))) ==
                          domain::PairBlock::kNone;
    }
    if (!feasible) {
      e.withdrawn_ids.push_back(m.id());
      e.proposed.push_back(m);
      continue;
    }
    e.settled_ids.push_back(m.id());
    input.excluded_pairs.emplace_back(a->second, b->second);
    keep(m, a->second, b->second);
  }

  // Introductions both sides accepted.
  s = store.ScanIntroductions(event_id, [&](const v1::StoredIntroduction& intro) {
    if (intro.kind() != v1::StoredIntroduction::INTRODUCTION ||
        intro.answer_a() != v1::Meeting::ACCEPTED || intro.answer_b() != v1::Meeting::ACCEPTED) {
      return true;
    }
    auto a = e.index_of.find(intro.attendee_a());
    auto b = e.index_of.find(intro.attendee_b());
    auto by = e.index_of.find(intro.introducer());
    if (a == e.index_of.end() || b == e.index_of.end()) return true;
    e.input.introductions.push_back(
        {a->second, b->second,
         by == e.index_of.end() ? match::Introduction::kNoIntroducer : by->second});
    return true;
  });
  if (!s.ok()) return s;
  s = AddMemory(store, now, &e);
  if (!s.ok()) return s;

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
      const int32_t in_range = e.seating.HeldCount(s, l);
      if (in_range == 0) continue;
      if (location.tables_per_slot.empty())
        location.tables_per_slot.assign(num_slots, location.tables);
      location.tables_per_slot[s] = std::max<int32_t>(0, location.tables - in_range);
    }
    si.locations.push_back(std::move(location));
  }
  return e;
}

v1::Meeting ToStoredMeeting(const EngineEvent& e, const match::MatchProblem& problem,
                            const match::Meeting& planned, int64_t now, uint64_t run_id) {
  // Indices follow ascending ids, so a < b holds for the stored ids too.
  const Index a = std::min(planned.a, planned.b);
  const Index b = std::max(planned.a, planned.b);
  v1::Meeting meeting = domain::NewProposal(e.event, e.event.slots(planned.slot),
                                            e.attendees[a].id(), e.attendees[b].id(), now);
  if (planned.location >= 0) {
    meeting.set_location_id(e.event.locations(planned.location).id());
    meeting.set_table(e.seating.NthFreeTable(planned.slot, planned.location, planned.table));
  }
  meeting.set_score(planned.weight);
  const match::PairExplanation for_a = ExplainFor(problem, a, b);
  const match::PairExplanation for_b = ExplainFor(problem, b, a);
  AddReasons(for_a, e, problem, meeting.mutable_reasons_for_a());
  AddReasons(for_b, e, problem, meeting.mutable_reasons_for_b());
  meeting.set_starter_for_a(Starter(for_a, problem, e.attendees[b].display_name()));
  meeting.set_starter_for_b(Starter(for_b, problem, e.attendees[a].display_name()));
  meeting.set_run_id(run_id);
  return meeting;
}

}  // namespace parley::matching
