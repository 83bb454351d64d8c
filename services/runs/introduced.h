#ifndef PARLEY_SERVICES_RUNS_INTRODUCED_H_
#define PARLEY_SERVICES_RUNS_INTRODUCED_H_

// The proposal of an introduction both sides accepted while the event is live: without waiting
// for the next run, the pair gets a meeting in the earliest seat both have free
// (domain::FindSeat), built as every proposal is (domain::NewProposal), stored with
// Store::InsertMeetings (which refuses a double booking) and linked from the introduction.
// Knows nothing of gRPC; the caller tells live agendas and repair about the stored meeting.
//
// Thread-safety: safe to call from any thread, but callers must serialise calls for one event
// (two introductions placed at once could choose the same free table: the store checks the
// attendees' slots, not tables). `store` is not owned.

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "parley/v1/event.pb.h"
#include "parley/v1/matching.pb.h"
#include "parley/v1/relationship_records.pb.h"
#include "storage/store.h"

namespace parley::matching {

// Proposes the meeting of `intro` (an INTRODUCTION both accepted, without a meeting yet) in
// `event` at `now` (seconds since the Unix epoch). Returns the stored meeting, with *intro
// updated to name it; or nullopt when nothing is proposed now: the event is not OPEN or
// SCHEDULED, has no finished run (the next run plans the introduced pair), a hard constraint
// rules the pair out, the pair already has a meeting, either has no budget left (nobody is
// flooded: the next run may plan it), or no seat is free for both. A plan that raced with
// another write (ABORTED from the store) is made again once. Store errors as returned.
absl::StatusOr<std::optional<v1::Meeting>> ProposeIntroduced(storage::Store* store,
                                                             const v1::Event& event,
                                                             v1::StoredIntroduction* intro,
                                                             int64_t now);

}  // namespace parley::matching

#endif  // PARLEY_SERVICES_RUNS_INTRODUCED_H_
