#ifndef PARLEY_SERVICES_MATCHING_RUN_H_
#define PARLEY_SERVICES_MATCHING_RUN_H_

// A matching run: loads one event from the store, runs the engine (candidates, schedule, bound,
// explanations) and writes the new proposals in one atomic step (Store::ReplaceSchedule). The
// RPC layer calls it on a worker thread; it knows nothing of gRPC.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "parley/v1/matching.pb.h"
#include "services/match/cancel.h"
#include "services/match/candidates.h"
#include "services/match/graph.h"
#include "services/match/schedule.h"
#include "storage/store.h"

namespace parley::matching {

// What computing a run's upper bound after the run needs (see RunOptions::defer_bound).
struct DeferredBound {
  uint64_t event_id = 0;
  uint64_t run_id = 0;
  match::CandidateGraph graph;
  match::ScheduleInput input;
};

struct RunOptions {
  // Partners kept per attendee by candidate generation (match::CandidateOptions::k). Default: 24.
  int k = 24;
  // Threads of candidate generation. Default: 2.
  int threads = 2;
  // Seed of the schedule: the same store content and seed give the same schedule. Default: 1.
  uint64_t seed = 1;
  // Compute the LP upper bound for the quality report within the run (match/bound.h: ~3 s at
  // 20,000 attendees, minutes at 150,000). Default (unset): when the event has at most
  // bound_max_attendees attendees; larger events' bounds go to defer_bound. false: no bound
  // (bound_status BOUND_FAILED, "not requested").
  std::optional<bool> compute_bound;
  int bound_max_attendees = 20000;
  // Receives the bound's input of a larger event once its schedule is stored; the run record
  // then says BOUND_PENDING, and the receiver computes the bound off the run's thread and
  // records it (RecordBound). Unset: those runs get no bound (BOUND_FAILED).
  std::function<void(DeferredBound)> defer_bound;
  // Whole recomputations when meetings settle (accept, decline, ...) while a run computes, which
  // makes Store::ReplaceSchedule answer ABORTED. Default: 3.
  int max_attempts = 3;
  // Clock of create_time, expire_time and the run's times, in seconds since the Unix epoch.
  // 0 = the real clock. Default: 0.
  int64_t now_unix_seconds = 0;
  // Raised (from any thread) to stop the run: the engine polls it in its loops (match/cancel.h)
  // and the run checks it between phases, so that it stops within a fraction of a second at any
  // size. A stopped run writes nothing but its record: FAILED, with the error
  // "<cancel_reason>: cancelled during <phase>; the previous schedule is unchanged". Once the
  // schedule is being written (Store::ReplaceSchedule, one atomic batch) the run completes.
  // Not owned; must outlive the call. Default: none.
  const match::CancelFlag* cancel = nullptr;
  // Why `cancel` is raised, for the run record. Default: "cancelled".
  std::string cancel_reason = "cancelled";
};

// The engine options a run uses, so that tools (parley-bench --csv) build candidates and schedules
// exactly as RunMatching does.
match::CandidateOptions RunCandidateOptions(const RunOptions& options);
match::ScheduleOptions RunScheduleOptions(const RunOptions& options);

// Writes the outcome of a deferred bound into run `run_id` of `event_id`: upper_bound, quality
// and BOUND_COMPUTED, or BOUND_FAILED with the error's message. Only a run still BOUND_PENDING
// changes (a record another step settled stays as it is). NOT_FOUND if the run does not exist.
absl::Status RecordBound(storage::Store* store, uint64_t event_id, uint64_t run_id,
                         const absl::StatusOr<int64_t>& bound);

// Runs matching for `event_id` and returns the finished run record (phase DONE).
//
// What it plans around: meetings in state CONFIRMED, HELD or NO_SHOW are kept, and so are
// proposals one side accepted (domain::AcceptedProposal) while both attendees' records still
// allow them (present, available in the slot, budget left, no hard constraint); they use their
// attendees' budget, slot and table. No pair with a stored meeting in any state but PROPOSED
// (confirmed, declined, cancelled, expired, held, no-show) is proposed again. Every other
// PROPOSED meeting is replaced by the new plan; a pair planned again keeps its meeting id (and
// its create_time; its expire_time and ICS sequence too when the seat is unchanged, else the
// sequence is bumped). New meetings are PROPOSED with both answers unset and
// expire after the policy's proposal_expiry_minutes (0: never); with policy.auto_confirm they are
// CONFIRMED with both answers ACCEPTED and never expire. Reasons and starters are written from
// each side and never reveal a wish to its target (a one-sided "asked to meet you" is dropped).
// Attendee matching rules: budget unset = the policy's default; availability empty = every
// slot (unknown slot ids are ignored); wants/avoid name external_ids (unknown ones are ignored);
// avoid_organisations avoids every attendee of that organisation (ASCII case-insensitive), and
// policy.avoid_same_organisation compares organisations the same way.
//
// Progress: `progress` (may be empty) is called on the calling thread with the run record on
// entering each phase, LOADING, CANDIDATES, SCHEDULING, WRITING, then DONE or FAILED, with the
// counts known so far; the same record is stored (Store::PutRun) so that GetRun shows it. After
// an ABORTED write the run starts over at LOADING (at most max_attempts times).
//
// Thread-safety: safe to call concurrently for different events. Callers must not run two runs
// of one event at once (the later one would replace the earlier one's proposals; the RPC layer
// enforces one run per event). Deterministic for the same store content and options.
//
// Errors: NOT_FOUND if the event does not exist; FAILED_PRECONDITION (no run record written) if
// it has no slots or no locations (the message says which) or every slot has ended at the run's
// clock (domain::CheckSlotsAhead: the message names them); ABORTED if meetings kept settling
// for max_attempts attempts; CANCELLED once options.cancel is raised (the stored schedule is
// untouched); store errors as the store returns them. After the run record was created, a failure
// is also recorded in it (phase FAILED, error).
absl::StatusOr<v1::MatchingRun> RunMatching(
    storage::Store* store, uint64_t event_id, const RunOptions& options,
    const std::function<void(const v1::MatchingRun&)>& progress);

}  // namespace parley::matching

#endif  // PARLEY_SERVICES_MATCHING_RUN_H_
