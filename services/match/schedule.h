#ifndef PARLEY_SERVICES_MATCH_SCHEDULE_H_
#define PARLEY_SERVICES_MATCH_SCHEDULE_H_

// Whole-event scheduling: choose the meetings (a b-matching over the candidate graph) and place
// each into a slot, a location and a table, fairness first (everyone with a feasible partner gets
// a meeting), then total weight. Pure functions of their inputs and seed: the same input and seed
// give the same schedule. Thread-compatible: concurrent calls on distinct outputs are safe; the
// graph and input are only read. On graphs of a million edges or more, the set-up sorts the
// adjacency lists on every core (schedule_engine.cc); the rest runs on the caller's thread.

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/match/cancel.h"
#include "services/match/graph.h"
#include "services/match/quality.h"

namespace parley::match {

struct AttendeeSlots {
  // Meetings this attendee wants at most. 0 = opted out of matching.
  int32_t budget = 0;
  // Slots the attendee can meet in (bit s = slot s).
  SlotMask availability = 0;
  // Soft preference: seat this attendee's meetings at a quiet location when one has a free table.
  bool prefers_quiet = false;
};

struct Location {
  // Meetings that can happen here at once (tables) in every slot.
  int32_t tables = 0;
  bool quiet = false;
  // Optional per-slot override of `tables`; empty, or exactly ScheduleInput::num_slots entries.
  std::vector<int32_t> tables_per_slot;

  int32_t TablesIn(int slot) const {
    return tables_per_slot.empty() ? tables : tables_per_slot[static_cast<size_t>(slot)];
  }
};

struct ScheduleInput {
  // Slots 0 .. num_slots-1; 1 <= num_slots <= kMaxSlots.
  int num_slots = 0;
  // One entry per graph node, same index.
  std::vector<AttendeeSlots> attendees;
  // Where meetings happen. Empty = unlimited tables and no seating (Meeting::location == -1).
  std::vector<Location> locations;
};

struct ScheduleOptions {
  // Breaks ties between equal-weight pairs. Same input + same seed = same schedule.
  uint64_t seed = 1;
  // Fairness first: everyone with a feasible partner gets at least one meeting, even when that
  // costs weight. Default: true.
  bool fairness_first = true;
  // Safety cap on local-search moves, per attendee. Each move strictly increases the weight, so
  // the search ends anyway; the cap bounds pathological inputs. Default: 64.
  int max_moves_per_attendee = 64;
  // Improvement chains: a move may evict a partner who then refills with a move of their own,
  // up to this many moves deep beyond the first (0 = single moves only), from attendees with
  // budget left. Deeper finds more weight and costs time. Default: 3.
  int chain_depth = 3;
  // The same from attendees whose budget is full (they must drop a meeting to take a better
  // one); the costlier of the two. 0: a full attendee only makes moves that gain by themselves
  // (the partners they drop are queued and refill later). Default: 0 (1 costs twice the time
  // for +0.2% weight on the 20,000-attendee benchmark; see BENCHMARKS.md).
  int full_chain_depth = 0;
  // How a chain judges whether an evicted partner can win weight back: from their best spare
  // partners' prices, looking at this many (0 = all of them, the tightest estimate); beyond them
  // the estimate is the next edge's weight. A small limit (e.g. 8) is looser, so chains explore
  // more: +0.2-0.35% weight for ~2x the time on the 20,000- and 150,000-attendee benchmarks
  // (see BENCHMARKS.md). Default: 0.
  int refill_scan_limit = 0;
  // Choose the meetings first with a near-optimal b-matching that ignores slots (bmatching.h:
  // an auction on the double cover), place its pairs (first common free slot, else a Kempe
  // flip), then run only the last local-search pass (from attendees with budget left, with
  // flips) and fairness, instead of the heaviest-first greedy and the first local-search pass.
  // Used only when the event's tables (over all slots) can hold every meeting of that
  // b-matching; otherwise the greedy start runs. Default: true (parley-bench's 20,000- and
  // 150,000-attendee events: 0.996 of the LP bound instead of 0.985, in about half the CPU time).
  bool bmatching_start = true;
  // chain_depth of the local search after the b-matching start (its pairs are near-optimal:
  // longer chains find little). Default: 1 (3 gives +0.02% weight for ~+20-35% time on the
  // 20,000- and 150,000-attendee events).
  int bmatching_chain_depth = 1;
  // BMatchingOptions::epsilon and epsilon_ratio of that auction.
  int32_t bmatching_epsilon = 0;
  double bmatching_epsilon_ratio = 0.08;
  // Polled by every phase (cancel.h): once raised, BuildSchedule() stops within a few thousand
  // steps and returns CANCELLED. Not owned; must outlive the call. Default: none.
  const CancelFlag* cancel = nullptr;
};

struct Meeting {
  Index a = 0;  // a < b
  Index b = 0;
  int slot = 0;
  int location = -1;  // index into ScheduleInput::locations; -1 when there are none
  int table = -1;     // 0 .. tables-1 at that location in that slot
  Weight weight = 0;
};

struct Schedule {
  // Sorted by (slot, location, table).
  std::vector<Meeting> meetings;
  // bound/quality are 0 until SetUpperBound() is called (the bound may be computed on another
  // thread; see bound.h).
  QualityReport report;
};

// Checks the input: sizes agree with the graph, 1 <= num_slots <= kMaxSlots, budgets >= 0,
// table counts >= 0 and per-slot overrides sized num_slots. INVALID_ARGUMENT names the field.
absl::Status ValidateScheduleInput(const CandidateGraph& graph, const ScheduleInput& input);

// The engine: the meetings of a near-optimal slot-free b-matching (ScheduleOptions::
// bmatching_start) placed into slots, or a greedy start (heaviest first) followed by local search
// from everyone; then local search driven by a queue of changed attendees (insert with eviction,
// relocation of a meeting to another common free slot, Kempe flips, refill of evicted partners)
// from the attendees with budget left, then a fairness pass. Meetings are placed as they are
// chosen, so every returned meeting is placed (report.meetings_unplaced == 0). INVALID_ARGUMENT on
// bad input; CANCELLED once options.cancel is raised.
absl::StatusOr<Schedule> BuildSchedule(const CandidateGraph& graph, const ScheduleInput& input,
                                       const ScheduleOptions& options);

// Baseline: heaviest-first greedy, each meeting into the first slot both are free in (what
// commercial schedulers do). Same constraints as BuildSchedule; no local search, no fairness.
absl::StatusOr<Schedule> GreedySchedule(const CandidateGraph& graph, const ScheduleInput& input,
                                        const ScheduleOptions& options);

// Baseline: one exact maximum-weight matching per slot (LEMON MaxWeightedMatching), slot 0
// first, among attendees available in that slot with budget left and pairs that have not met.
// Tables: when a slot's matching exceeds its tables, the heaviest meetings are kept.
absl::StatusOr<Schedule> ExactPerSlotSchedule(const CandidateGraph& graph,
                                              const ScheduleInput& input,
                                              const ScheduleOptions& options);

// Checks every hard constraint of a schedule: edges exist with the stated weight, no pair twice,
// nobody twice in a slot, budgets, availability, table capacity and table uniqueness. OK or
// FAILED_PRECONDITION naming the first violation. For tests and benchmarks.
absl::Status CheckSchedule(const CandidateGraph& graph, const ScheduleInput& input,
                           const std::vector<Meeting>& meetings);

}  // namespace parley::match

#endif  // PARLEY_SERVICES_MATCH_SCHEDULE_H_
