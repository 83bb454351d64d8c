#ifndef PARLEY_SERVICES_MATCHING_ENGINE_EVENT_H_
#define PARLEY_SERVICES_MATCHING_ENGINE_EVENT_H_

// One event as the matching engine sees it: the stored event, attendees and meetings mapped to
// engine inputs (profiles, constraints, slots and tables), with the maps back to stored ids, and
// the conversion of engine meetings back to stored ones (reasons and starters per side). Shared
// by whole-event runs (run.h) and live repair (live.h) so that both plan from the same input.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "parley/v1/attendee.pb.h"
#include "parley/v1/event.pb.h"
#include "parley/v1/matching.pb.h"
#include "services/domain/meetings.h"
#include "services/domain/policy.h"
#include "services/domain/seating.h"
#include "services/match/graph.h"
#include "services/match/schedule.h"
#include "services/match/scoring.h"
#include "storage/store.h"

namespace parley::matching {

// Whom an attendee's wants and avoid lists can name: external id -> engine index, organisation
// (OrganisationKey) -> engine indexes, ascending.
struct AttendeeDirectory {
  absl::flat_hash_map<std::string, match::Index> by_external_id;
  absl::flat_hash_map<std::string, std::vector<match::Index>> by_organisation;
};
AttendeeDirectory MakeDirectory(const std::vector<v1::Attendee>& attendees);
// Attendee `i`'s record changed from `before` to `after`: moves its external id and
// organisation entries, so that a live state follows an edit without making the directory again
// (a whole-event pass).
void UpdateDirectory(match::Index i, const v1::Attendee& before, const v1::Attendee& after,
                     AttendeeDirectory* directory);

struct EngineEvent {
  v1::Event event;
  std::vector<v1::Attendee> attendees;                   // by engine index; ids ascending
  AttendeeDirectory directory;                           // of `attendees`
  absl::flat_hash_map<uint64_t, match::Index> index_of;  // attendee id -> index
  absl::flat_hash_map<std::string, int> slot_index;      // slot id -> slot
  absl::flat_hash_map<std::string, int> location_index;  // location id -> location
  // The meetings planned around: every non-PROPOSED one and the accepted proposals kept.
  std::vector<uint64_t> settled_ids;
  // Accepted proposals (domain::AcceptedProposal) the records now rule out: replaced like the
  // plain proposals.
  std::vector<uint64_t> withdrawn_ids;
  // The PROPOSED meetings the plan replaces: nobody accepted them, then the withdrawn ones.
  std::vector<v1::Meeting> proposed;
  // CONFIRMED, HELD, NO_SHOW, by id, then the accepted proposals kept, by id.
  std::vector<v1::Meeting> kept_meetings;
  uint32_t kept = 0;
  // Profiles with kept meetings taken out of budgets and availability; every settled pair
  // excluded.
  match::MatchInput input;
  match::ScheduleInput schedule_input;
  // Pairs (engine indices, a < b) proposed as follow-ups of an earlier event: its name. They
  // are in input.introductions without an introducer.
  absl::flat_hash_map<std::pair<match::Index, match::Index>, std::string> follow_up_from;
  // Tables held by kept meetings (a run plans around them): the engine's t-th table at a
  // location in a slot is seating.NthFreeTable(slot, location, t).
  domain::Seating seating;
};

// Attendee `a` (engine index `i`) as the engine sees it: tags, languages, organisation, budget
// (the policy's default when unset), availability, wants and avoid (avoided organisations
// expanded to their members) by index, before kept meetings are taken out of budget and
// availability (LoadEngineEvent does that).
match::Profile EngineProfile(const v1::Event& event, const v1::Attendee& a, match::Index i,
                             const AttendeeDirectory& directory);

// Whether a remembered meeting took place: yes when either side says it happened, no when a
// side reported a no-show (and nobody that it happened), yes without feedback (it was
// confirmed).
bool Met(const v1::MemoryRecord& record);

// Loads the event, its attendees and meetings (see RunMatching in run.h for the rules applied),
// the introductions both sides accepted, and the community's memory: a pair that met at another
// event of the community within the rematch freeze (before `now`, seconds since the Unix epoch;
// 0 = the real clock) is excluded, unless both asked to follow up at their latest meeting:
// then it is introduced, with the reason FOLLOW_UP.
// NOT_FOUND if the event does not exist; FAILED_PRECONDITION from domain::CheckEventReady.
absl::StatusOr<EngineEvent> LoadEngineEvent(const storage::Store& store, uint64_t event_id,
                                            int64_t now = 0);

// A new stored meeting for the engine's `planned` meeting: domain::NewProposal (PROPOSED expiring
// per the policy, or with auto_confirm CONFIRMED) at the engine's seat; reasons and starters from
// each side, never revealing a one-sided wish to its target. `problem` must be the one built from
// e.input.
v1::Meeting ToStoredMeeting(const EngineEvent& e, const match::MatchProblem& problem,
                            const match::Meeting& planned, int64_t now, uint64_t run_id);

}  // namespace parley::matching

#endif  // PARLEY_SERVICES_MATCHING_ENGINE_EVENT_H_
