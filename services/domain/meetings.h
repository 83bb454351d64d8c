#ifndef PARLEY_SERVICES_DOMAIN_MEETINGS_H_
#define PARLEY_SERVICES_DOMAIN_MEETINGS_H_

// Meeting states and what each means for the rest of the product, written once: which meetings
// hold their attendees' time, which a new run keeps, which an attendee sees, which count as
// "we met". Everything that asks one of these questions (runs, live repair, agendas,
// introductions, who-else, and the store's double-booking check, which its callers hand
// OccupyingState because storage sits below this layer) asks it here. Pure functions,
// thread-safe.

#include <string>

#include "absl/strings/string_view.h"
#include "parley/v1/event.pb.h"
#include "parley/v1/matching.pb.h"

namespace parley::domain {

// Settled meetings that a new matching run keeps and plans around: CONFIRMED, HELD, NO_SHOW.
bool KeptState(v1::Meeting::State state);
// A proposal that one side already accepted (still PROPOSED, waiting for the other): a new run
// keeps it as it keeps the kept states, unless the attendees' records now rule it out
// (runs/engine_event.h), because the attendee who accepted may already have planned around it.
bool AcceptedProposal(const v1::Meeting& meeting);
// Meetings that hold their attendees' time and their table: PROPOSED and the kept states.
bool OccupyingState(v1::Meeting::State state);
// Meetings an attendee sees among their proposals and agenda: the occupying ones.
inline bool ShownState(v1::Meeting::State state) { return OccupyingState(state); }
// Meetings in an attendee's agenda history: the kept ones and those cancelled after confirming.
bool AgendaState(v1::Meeting::State state);
// Meetings that make two people "met or about to": the kept states. Introductions and feedback
// are allowed only between such people.
inline bool MetState(v1::Meeting::State state) { return KeptState(state); }

// The event's slot with this id, or null.
const v1::Slot* FindSlot(const v1::Event& event, absl::string_view slot_id);

}  // namespace parley::domain

#endif  // PARLEY_SERVICES_DOMAIN_MEETINGS_H_
