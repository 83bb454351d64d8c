#ifndef PARLEY_SERVICES_MATCH_ROOM_H_
#define PARLEY_SERVICES_MATCH_ROOM_H_

// Beyond the candidate lists, within a run: an attendee the schedule leaves without a meeting
// although they have feasible partners is usually one whose partners are all full (a crowded
// profile). ScheduleWithRoom() then scores every other attendee exactly, adds the best feasible
// ones outside the graph as candidate edges (those with room, budget left and a free slot in
// common, first; then full ones, for the fairness pass to trade) and schedules again, so that
// "fairness first" holds for everyone with a feasible partner in the event, not only for those
// with one in their lists. Live repairs do the same for one attendee (services/live/live_repair.h).
//
// Thread-safety: pure functions of their arguments.

#include <cstdint>

#include "absl/status/statusor.h"
#include "services/match/candidates.h"
#include "services/match/graph.h"
#include "services/match/schedule.h"

namespace parley::match {

struct RoomStats {
  int64_t rounds = 0;       // schedules built after the first
  int64_t reached = 0;      // attendees searched beyond the graph
  int64_t edges_added = 0;  // edges added to the graph
};

// BuildSchedule(*graph, input, options); then, while some attendee with budget and a slot has
// no meeting and an exact search finds feasible partners outside the graph for them (at most
// `max_rounds` times, default 2): adds up to 8 per attendee to *graph and schedules again.
// The returned schedule is built on the final *graph. Errors as BuildSchedule (CANCELLED once
// options.cancel is raised, also between and within the searches); the index must be the one
// *graph came from (same attendees as input).
absl::StatusOr<Schedule> ScheduleWithRoom(const CandidateIndex& index, CandidateGraph* graph,
                                          const ScheduleInput& input,
                                          const ScheduleOptions& options, int max_rounds = 2,
                                          RoomStats* stats = nullptr);

}  // namespace parley::match

#endif  // PARLEY_SERVICES_MATCH_ROOM_H_
