#ifndef PARLEY_SERVICES_DOMAIN_PROPOSALS_H_
#define PARLEY_SERVICES_DOMAIN_PROPOSALS_H_

// A new proposal, written once: its state and answers under the policy (PROPOSED, or CONFIRMED
// with auto_confirm), when it lapses, and its ids. Whole-event runs and live repair
// (runs/engine_event.h ToStoredMeeting) and introductions proposed during a live event
// (runs/introduced.h) all start a meeting here and then add the seat, score and reasons they
// chose. Pure functions, thread-safe.

#include <cstdint>

#include "parley/v1/event.pb.h"
#include "parley/v1/matching.pb.h"

namespace parley::domain {

// When a proposal made at `now` (seconds since the Unix epoch) for a meeting that starts at
// `slot_start` lapses: ProposalExpiryMinutes after `now`, and at the slot's start at the latest
// when the slot has not started yet (an answer after the meeting began is no use to anyone).
// 0 = never (an expiry of 0 minutes).
int64_t ProposalExpireTime(const v1::EventPolicy& policy, int64_t slot_start, int64_t now);

// A new meeting of attendees `x` and `y` (either order: stored with attendee_a < attendee_b) of
// `event` in `slot`, made at `now`: with the policy's auto_confirm CONFIRMED with both answers
// ACCEPTED, else PROPOSED expiring at ProposalExpireTime. Sets event_id, the attendees, slot_id,
// state, answers, expire_time, create_time and update_time; the caller adds the location and
// table, score, reasons, starters and run_id. `slot` must be one of `event`'s slots.
v1::Meeting NewProposal(const v1::Event& event, const v1::Slot& slot, uint64_t x, uint64_t y,
                        int64_t now);

}  // namespace parley::domain

#endif  // PARLEY_SERVICES_DOMAIN_PROPOSALS_H_
