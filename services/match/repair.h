#ifndef PARLEY_SERVICES_MATCH_REPAIR_H_
#define PARLEY_SERVICES_MATCH_REPAIR_H_

// Incremental repair of a published schedule: declines, cancellations, no-shows, late arrivals,
// new attendees and changed availability touch only the neighbourhood they concern.
//
// Contract of every repair operation: meetings are removed only where the event requires it (the
// declined pair, the absent attendee's meetings), and the attendees who lost a meeting, plus the
// attendee the event is about, are refilled with partners who are free in the same slot and have
// budget left. No other existing meeting moves or changes table. Slots before the first open slot
// (SetFirstOpenSlot) are history and never change. What a repair could not fill is queued; the
// next RunBackgroundPass() improves from the queue with the full local search, which may move
// other meetings in open slots (run it before agendas are published, or accept that it moves
// some).
//
// Not thread-safe: one writer at a time (the server serialises repairs per event).

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/match/graph.h"
#include "services/match/quality.h"
#include "services/match/schedule.h"

namespace parley::match {

namespace internal {
class ScheduleEngine;
}

// What one repair changed, for notifying the attendees concerned.
struct RepairResult {
  std::vector<Meeting> removed;
  std::vector<Meeting> added;
  // Attendees left with budget and free slots that the repair could not fill.
  std::vector<Index> queued;
};

class LiveSchedule {
 public:
  // Starts from `schedule` (as built by BuildSchedule for this graph and input). `graph` is not
  // owned and must outlive this object. INVALID_ARGUMENT if the input is bad;
  // FAILED_PRECONDITION if a meeting violates a constraint.
  static absl::StatusOr<std::unique_ptr<LiveSchedule>> Create(const CandidateGraph* graph,
                                                              const ScheduleInput& input,
                                                              const Schedule& schedule,
                                                              uint64_t seed = 1);
  ~LiveSchedule();
  LiveSchedule(const LiveSchedule&) = delete;
  LiveSchedule& operator=(const LiveSchedule&) = delete;

  // Slots before `slot` are over: never changed again. Default: 0.
  void SetFirstOpenSlot(int slot);

  // a declined b, or either cancelled their meeting: the pair never meets again; their meeting
  // (if in an open slot) is removed and both are refilled. INVALID_ARGUMENT on bad indexes.
  absl::StatusOr<RepairResult> Decline(Index a, Index b);
  // a did not show up in `slot`: a is treated as gone from `slot` on (availability cleared), a's
  // meetings from `slot` on are removed and their partners refilled.
  absl::StatusOr<RepairResult> NoShow(Index a, int slot);
  // a arrives late and is available only from `slot` on: earlier open meetings are removed
  // (partners refilled) and a is refilled in the slots left.
  absl::StatusOr<RepairResult> LateArrival(Index a, int slot);
  // a's availability changes: meetings in slots a lost are removed (partners refilled), and a is
  // refilled in slots a gained.
  absl::StatusOr<RepairResult> ChangeAvailability(Index a, SlotMask availability);
  // A new attendee with candidate edges to existing attendees (index, weight >= 1). The new
  // attendee's index (num_attendees() before the call) is stored in *index.
  absl::StatusOr<RepairResult> AddAttendee(const AttendeeSlots& attendee,
                                           const std::vector<std::pair<Index, Weight>>& edges,
                                           Index* index);
  // Candidate edges found after the schedule was made (say, beyond the candidate lists): each
  // {a, b} joins the graph both ways; a pair already added keeps the heavier weight. Nobody is
  // refilled. INVALID_ARGUMENT on bad indexes or a weight below 1 (nothing is added then).
  absl::Status AddEdges(const std::vector<WeightedEdge>& edges);
  // a's record changed: a's pairs with `closed` never meet again (banned; their meetings in open
  // slots removed), `slots` becomes a's budget, availability and seating preference (meetings in
  // lost slots removed; a budget below the meetings a keeps stays at those meetings), `edges`
  // join the graph (as AddEdges), then everyone who lost a meeting and a are refilled.
  // INVALID_ARGUMENT on bad indexes or edges.
  absl::StatusOr<RepairResult> UpdateAttendee(Index a, const AttendeeSlots& slots,
                                              const std::vector<Index>& closed,
                                              const std::vector<WeightedEdge>& edges);
  // Full local search from the queue (fairness kept: nobody with meetings is left with none).
  RepairResult RunBackgroundPass();

  Index num_attendees() const;
  // The current schedule, sorted like Schedule::meetings.
  std::vector<Meeting> Meetings() const;
  // The current input (with added attendees and changed availabilities).
  const ScheduleInput& Input() const;
  int64_t TotalWeight() const;

 private:
  explicit LiveSchedule(std::unique_ptr<internal::ScheduleEngine> engine);
  RepairResult Collect(std::vector<Index> touched);
  absl::Status CheckIndex(Index a, const char* what) const;
  absl::Status CheckEdges(const std::vector<WeightedEdge>& edges) const;

  std::unique_ptr<internal::ScheduleEngine> engine_;
};

}  // namespace parley::match

#endif  // PARLEY_SERVICES_MATCH_REPAIR_H_
