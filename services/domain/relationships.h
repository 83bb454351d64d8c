#ifndef PARLEY_SERVICES_RELATIONSHIPS_H_
#define PARLEY_SERVICES_RELATIONSHIPS_H_

// The community's memory of meetings (relationship_records.proto MemoryRecord), shared by
// feedback (RelationshipService) and closing an event (OrganizerService).

#include <vector>

#include "absl/status/status.h"
#include "parley/v1/attendee.pb.h"
#include "parley/v1/event.pb.h"
#include "parley/v1/matching.pb.h"
#include "parley/v1/relationship_records.pb.h"
#include "storage/store.h"

namespace parley::services {

// The two memory entries (one per side) of `meeting` between attendees `a` and `b` (its
// attendee_a and attendee_b), with each side's feedback where given (null: none). Empty when
// either attendee has no person_ref: they cannot be recognised at another event.
std::vector<storage::MemoryEntry> MemoryOf(const v1::Event& event, const v1::Meeting& meeting,
                                           const v1::Attendee& a, const v1::Attendee& b,
                                           const v1::StoredFeedback* feedback_a,
                                           const v1::StoredFeedback* feedback_b);

// Writes the memory of every CONFIRMED, HELD and NO_SHOW meeting of the event (with the
// feedback given), in batches. Idempotent. Called when the event is closed.
absl::Status RememberEvent(storage::Store* store, const v1::Event& event);

}  // namespace parley::services

#endif  // PARLEY_SERVICES_RELATIONSHIPS_H_
