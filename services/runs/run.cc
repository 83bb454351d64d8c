#include "services/runs/run.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/domain/empty_run.h"
#include "services/domain/meetings.h"
#include "services/domain/policy.h"
#include "services/match/bound.h"
#include "services/match/candidates.h"
#include "services/match/explain.h"
#include "services/match/profile.h"
#include "services/match/quality.h"
#include "services/match/room.h"
#include "services/match/schedule.h"
#include "services/match/scoring.h"
#include "services/runs/engine_event.h"

namespace parley::matching {
namespace {

void ToProto(const match::QualityReport& r, v1::QualityReport* out) {
  out->set_weight(r.weight);
  out->set_upper_bound(r.bound);
  out->set_quality(r.quality);
  out->set_meetings(static_cast<uint32_t>(r.meetings));
  for (int64_t count : r.meetings_per_attendee) {
    out->add_meetings_per_attendee(static_cast<uint32_t>(count));
  }
  out->set_gini(r.gini);
  out->set_zero_opted_out(static_cast<uint32_t>(r.zero_opted_out));
  out->set_zero_no_availability(static_cast<uint32_t>(r.zero_no_availability));
  out->set_zero_no_feasible_partner(static_cast<uint32_t>(r.zero_no_feasible_partner));
  out->set_zero_left_out(static_cast<uint32_t>(r.zero_left_out));
  out->set_meetings_unplaced(static_cast<uint32_t>(r.meetings_unplaced));
  out->set_fairness_cost(r.fairness_cost);
}

// What the organiser learns about thin profiles: how many list no interest, and how many of
// the run's meetings are open pairings.
void CountThinProfiles(const match::MatchProblem& problem,
                       const std::vector<match::Meeting>& meetings, v1::QualityReport* out) {
  uint32_t without = 0, open = 0;
  for (match::Index a = 0; a < problem.num_attendees(); ++a) {
    without += problem.profile(a).budget > 0 && problem.IsOpen(a) ? 1 : 0;
  }
  for (const match::Meeting& m : meetings) open += problem.IsOpen(m.a) && problem.IsOpen(m.b);
  out->set_attendees_without_interests(without);
  out->set_open_pairings(open);
}

class Runner {
 public:
  Runner(storage::Store* store, uint64_t event_id, const RunOptions& options,
         const std::function<void(const v1::MatchingRun&)>& progress)
      : store_(store), event_id_(event_id), options_(options), progress_(progress) {}

  absl::StatusOr<v1::MatchingRun> Run() {
    // Refusals that need no run record.
    absl::StatusOr<v1::Event> event = store_->GetEvent(event_id_);
    if (!event.ok()) return event.status();
    absl::Status s = domain::CheckEventReady(*event);
    if (!s.ok()) return s;
    s = domain::CheckSlotsAhead(*event, Now());
    if (!s.ok()) return s;
    v1::MatchingRun run;
    run.set_event_id(event_id_);
    run.set_phase(v1::MatchingRun::LOADING);
    run.set_start_time(Now());
    started_ = absl::Now();
    absl::StatusOr<v1::MatchingRun> created = store_->CreateRun(run);
    if (!created.ok()) return created.status();
    run_ = *std::move(created);
    Report();
    for (int attempt = 1;; ++attempt) {
      s = Attempt();
      if (s.ok()) return run_;
      if (!absl::IsAborted(s) || attempt >= std::max(1, options_.max_attempts)) break;
      Enter(v1::MatchingRun::LOADING);
    }
    run_.set_phase(v1::MatchingRun::FAILED);
    run_.set_error(absl::IsCancelled(s) ? absl::StrCat(options_.cancel_reason, ": ", s.message(),
                                                       "; the previous schedule is unchanged")
                                        : std::string(s.message()));
    run_.set_end_time(EndTime());
    // The failure itself is what the caller needs; a failed record write adds nothing to it.
    store_->PutRun(run_).IgnoreError();
    if (progress_) progress_(run_);
    return s;
  }

 private:
  int64_t Now() const {
    return options_.now_unix_seconds != 0 ? options_.now_unix_seconds
                                          : absl::ToUnixSeconds(absl::Now());
  }
  // The run's clock may be fixed (RunOptions::now_unix_seconds); its duration is real.
  int64_t EndTime() const {
    return run_.start_time() + absl::ToInt64Seconds(absl::Now() - started_);
  }
  void Report() {
    if (progress_) progress_(run_);
  }
  void Enter(v1::MatchingRun::Phase phase) {
    run_.set_phase(phase);
    // Progress is advisory; the run's outcome is written with the schedule.
    store_->PutRun(run_).IgnoreError();
    Report();
  }

  // CANCELLED when options_.cancel is raised: checked between phases (the engine polls it
  // within them).
  absl::Status CheckCancelled(absl::string_view phase) const {
    return match::Cancelled(options_.cancel) ? match::CancelledStatus(phase) : absl::OkStatus();
  }

  absl::Status Attempt() {
    absl::Status s = CheckCancelled("loading");
    if (!s.ok()) return s;
    absl::StatusOr<EngineEvent> loaded = LoadEngineEvent(*store_, event_id_);
    if (!loaded.ok()) return loaded.status();
    const EngineEvent& e = *loaded;
    run_.set_attendees(static_cast<uint32_t>(e.attendees.size()));
    run_.set_meetings_kept(e.kept);
    Enter(v1::MatchingRun::CANDIDATES);

    absl::StatusOr<match::MatchProblem> problem = match::MatchProblem::Create(e.input);
    if (!problem.ok()) return problem.status();
    const match::CandidateIndex index =
        match::CandidateIndex::Build(*std::move(problem), RunCandidateOptions(options_));
    // A cancelled Build() or Graph() is incomplete: nothing below may use it.
    s = CheckCancelled("candidate generation");
    if (!s.ok()) return s;
    match::CandidateGraph graph = index.Graph();
    s = CheckCancelled("candidate generation");
    if (!s.ok()) return s;
    run_.set_candidate_edges(graph.num_edges());
    Enter(v1::MatchingRun::SCHEDULING);

    // Attendees left out with feasible partners beyond their lists get them as edges (room.h).
    absl::StatusOr<match::Schedule> schedule =
        match::ScheduleWithRoom(index, &graph, e.schedule_input, RunScheduleOptions(options_));
    if (!schedule.ok()) return schedule.status();
    const bool small = static_cast<int64_t>(e.attendees.size()) <= options_.bound_max_attendees;
    const bool bound = options_.compute_bound.value_or(small);
    const bool defer = !options_.compute_bound.has_value() && !small && options_.defer_bound;
    if (bound) {
      match::BoundOptions bound_options;
      bound_options.cancel = options_.cancel;
      absl::StatusOr<int64_t> upper =
          match::ComputeUpperBound(graph, e.schedule_input, bound_options);
      if (!upper.ok()) return upper.status();
      match::SetUpperBound(*upper, &schedule->report);
    }
    ToProto(schedule->report, run_.mutable_report());
    CountThinProfiles(index.problem(), schedule->meetings, run_.mutable_report());
    if (bound) {
      run_.mutable_report()->set_bound_status(v1::QualityReport::BOUND_COMPUTED);
    } else if (defer) {
      run_.mutable_report()->set_bound_status(v1::QualityReport::BOUND_PENDING);
    } else {
      run_.mutable_report()->set_bound_status(v1::QualityReport::BOUND_FAILED);
      run_.mutable_report()->set_bound_error(options_.compute_bound.has_value()
                                                 ? "not requested"
                                                 : absl::StrCat("not computed for events over ",
                                                                options_.bound_max_attendees,
                                                                " attendees"));
    }
    run_.set_meetings_proposed(static_cast<uint32_t>(schedule->meetings.size()));
    if (schedule->meetings.empty() && e.kept == 0) {
      run_.mutable_report()->set_no_meetings_reason(domain::WhyNoMeetings(e.attendees));
    }
    Enter(v1::MatchingRun::WRITING);

    std::vector<v1::Meeting> meetings = ToMeetings(e, index.problem(), schedule->meetings);
    // The last point to stop: from here the schedule is written in one atomic batch.
    s = CheckCancelled("writing");
    if (!s.ok()) return s;
    run_.set_phase(v1::MatchingRun::DONE);
    run_.set_end_time(EndTime());
    absl::StatusOr<std::vector<v1::Meeting>> stored =
        store_->ReplaceSchedule(event_id_, run_, std::move(meetings), e.settled_ids,
                                domain::AcceptedProposal, e.withdrawn_ids);
    if (!stored.ok()) return stored.status();
    if (stored->size() != run_.meetings_proposed()) {
      // Attendees erased meanwhile lost their meetings; the record says what was written.
      run_.set_meetings_proposed(static_cast<uint32_t>(stored->size()));
      store_->PutRun(run_).IgnoreError();
    }
    Report();
    if (defer) {
      options_.defer_bound(DeferredBound{event_id_, run_.id(), std::move(graph), e.schedule_input});
    }
    return absl::OkStatus();
  }

  std::vector<v1::Meeting> ToMeetings(const EngineEvent& e, const match::MatchProblem& problem,
                                      const std::vector<match::Meeting>& planned) const {
    const int64_t now = Now();
    // A pair planned again keeps its proposal's id (Store::ReplaceSchedule), so that the ids
    // attendees wrote down stay valid; moved to another seat, it counts as a change (ICS).
    absl::flat_hash_map<std::pair<uint64_t, uint64_t>, const v1::Meeting*> before;
    for (const v1::Meeting& m : e.proposed)
      before.emplace(std::make_pair(m.attendee_a(), m.attendee_b()), &m);
    std::vector<v1::Meeting> out;
    out.reserve(planned.size());
    match::CancelPoll cancel(options_.cancel);
    for (const match::Meeting& m : planned) {
      if (cancel.Poll()) break;  // the caller checks the flag before writing
      v1::Meeting meeting = ToStoredMeeting(e, problem, m, now, run_.id());
      auto old = before.find(std::make_pair(meeting.attendee_a(), meeting.attendee_b()));
      if (old != before.end()) {
        const v1::Meeting& was = *old->second;
        meeting.set_id(was.id());
        meeting.set_create_time(was.create_time());
        const bool same_seat = was.slot_id() == meeting.slot_id() &&
                               was.location_id() == meeting.location_id() &&
                               was.table() == meeting.table();
        if (same_seat) {
          meeting.set_expire_time(was.expire_time());
          meeting.set_sequence(was.sequence());
        } else {
          meeting.set_sequence(was.sequence() + 1);
        }
      }
      out.push_back(std::move(meeting));
    }
    return out;
  }

  storage::Store* const store_;
  const uint64_t event_id_;
  const RunOptions& options_;
  const std::function<void(const v1::MatchingRun&)>& progress_;
  v1::MatchingRun run_;
  absl::Time started_;
};

}  // namespace

match::CandidateOptions RunCandidateOptions(const RunOptions& options) {
  match::CandidateOptions candidates;
  candidates.k = options.k;
  candidates.threads = options.threads;
  candidates.cancel = options.cancel;
  return candidates;
}

match::ScheduleOptions RunScheduleOptions(const RunOptions& options) {
  match::ScheduleOptions schedule;
  schedule.seed = options.seed;
  schedule.cancel = options.cancel;
  return schedule;
}

absl::Status RecordBound(storage::Store* store, uint64_t event_id, uint64_t run_id,
                         const absl::StatusOr<int64_t>& bound) {
  absl::StatusOr<v1::MatchingRun> run = store->GetRun(event_id, run_id);
  if (!run.ok()) return run.status();
  v1::QualityReport* report = run->mutable_report();
  if (report->bound_status() != v1::QualityReport::BOUND_PENDING) return absl::OkStatus();
  if (bound.ok()) {
    match::QualityReport r;
    r.weight = report->weight();
    match::SetUpperBound(*bound, &r);
    report->set_upper_bound(r.bound);
    report->set_quality(r.quality);
    report->set_bound_status(v1::QualityReport::BOUND_COMPUTED);
  } else {
    report->set_bound_status(v1::QualityReport::BOUND_FAILED);
    report->set_bound_error(std::string(bound.status().message()));
  }
  return store->PutRun(*run);
}

absl::StatusOr<v1::MatchingRun> RunMatching(
    storage::Store* store, uint64_t event_id, const RunOptions& options,
    const std::function<void(const v1::MatchingRun&)>& progress) {
  return Runner(store, event_id, options, progress).Run();
}

}  // namespace parley::matching
