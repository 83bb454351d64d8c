#include "services/matching/live.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/match/candidates.h"
#include "services/match/repair.h"
#include "services/matching/engine_event.h"

namespace parley::matching {

using match::Index;
using match::SlotMask;

struct LiveRepair::EventState {
  absl::Mutex mu;
  bool built ABSL_GUARDED_BY(mu) = false;
  uint64_t base_run_id ABSL_GUARDED_BY(mu) = 0;
  EngineEvent e ABSL_GUARDED_BY(mu);
  std::unique_ptr<match::CandidateIndex> index ABSL_GUARDED_BY(mu);
  std::unique_ptr<match::CandidateGraph> graph ABSL_GUARDED_BY(mu);
  std::unique_ptr<match::LiveSchedule> live ABSL_GUARDED_BY(mu);
};

namespace {

// The weight of edge {a, b}, or 0 if the graph has none.
match::Weight EdgeWeight(const match::CandidateGraph& graph, Index a, Index b) {
  const auto first = graph.neighbors.begin() + static_cast<ptrdiff_t>(graph.begin(a));
  const auto last = graph.neighbors.begin() + static_cast<ptrdiff_t>(graph.end(a));
  const auto it = std::lower_bound(first, last, b);
  if (it == last || *it != b) return 0;
  return graph.weights[static_cast<size_t>(it - graph.neighbors.begin())];
}

}  // namespace

LiveRepair::LiveRepair(storage::Store* store, LiveOptions options)
    : store_(store), options_(std::move(options)) {}

LiveRepair::~LiveRepair() = default;

int64_t LiveRepair::Now() const {
  return options_.now ? options_.now() : absl::ToUnixSeconds(absl::Now());
}

std::shared_ptr<LiveRepair::EventState> LiveRepair::StateOf(uint64_t event_id) {
  absl::MutexLock lock(&mu_);
  std::shared_ptr<EventState>& state = events_[event_id];
  if (state == nullptr) state = std::make_shared<EventState>();
  return state;
}

void LiveRepair::Invalidate(uint64_t event_id) {
  absl::MutexLock lock(&mu_);
  events_.erase(event_id);
}

absl::Status LiveRepair::Build(uint64_t event_id, EventState* state) {
  absl::StatusOr<v1::MatchingRun> latest = store_->LatestRun(event_id);
  if (absl::IsNotFound(latest.status())) {
    return absl::FailedPreconditionError(
        absl::StrCat("event ", event_id, " has no matching run to repair"));
  }
  if (!latest.ok()) return latest.status();
  if (latest->phase() != v1::MatchingRun::DONE && latest->phase() != v1::MatchingRun::FAILED) {
    return absl::UnavailableError(
        absl::StrCat("run ", latest->id(), " of event ", event_id, " is in progress"));
  }
  absl::StatusOr<EngineEvent> loaded = LoadEngineEvent(*store_, event_id);
  if (!loaded.ok()) return loaded.status();
  EngineEvent& e = *loaded;
  absl::StatusOr<match::MatchProblem> problem = match::MatchProblem::Create(e.input);
  if (!problem.ok()) return problem.status();
  match::CandidateOptions candidate_options;
  candidate_options.k = options_.k;
  candidate_options.threads = options_.threads;
  auto index = std::make_unique<match::CandidateIndex>(
      match::CandidateIndex::Build(*std::move(problem), candidate_options));
  match::CandidateGraph graph = index->Graph();

  // The live schedule holds every meeting that takes its attendees' time, kept ones included,
  // so budgets, availability and tables are the attendees' own, not what a run plans around.
  match::ScheduleInput input = e.schedule_input;
  for (match::Location& location : input.locations) location.tables_per_slot.clear();
  for (std::vector<uint32_t>& taken : e.taken_tables) taken.clear();  // stored table = t + 1
  const size_t n = e.attendees.size();
  std::vector<int32_t> kept_count(n, 0), count(n, 0);
  std::vector<SlotMask> used(n, 0);
  absl::flat_hash_set<std::tuple<int, int, int>> tables;
  std::vector<match::Meeting> meetings;
  std::vector<match::WeightedEdge> extra;
  auto add = [&](const v1::Meeting& m, bool kept) {
    auto a = e.index_of.find(m.attendee_a());
    auto b = e.index_of.find(m.attendee_b());
    auto slot = e.slot_index.find(m.slot_id());
    auto location = e.location_index.find(m.location_id());
    if (a == e.index_of.end() || b == e.index_of.end() || slot == e.slot_index.end() ||
        location == e.location_index.end()) {
      return;
    }
    const int table = static_cast<int>(m.table()) - 1;
    const SlotMask bit = SlotMask{1} << slot->second;
    if (table < 0 || table >= input.locations[location->second].tables ||
        (used[a->second] & bit) != 0 || (used[b->second] & bit) != 0 ||
        !tables.emplace(slot->second, location->second, table).second) {
      return;  // not a schedule the engine can hold; the store's checks still apply
    }
    match::Meeting meeting;
    meeting.a = a->second;
    meeting.b = b->second;
    meeting.slot = slot->second;
    meeting.location = location->second;
    meeting.table = table;
    meeting.weight = EdgeWeight(graph, meeting.a, meeting.b);
    if (meeting.weight == 0) {
      meeting.weight = std::max<match::Weight>(1, m.score());
      extra.push_back({meeting.a, meeting.b, meeting.weight});
    }
    for (Index x : {meeting.a, meeting.b}) {
      used[x] |= bit;
      ++count[x];
      if (kept) ++kept_count[x];
    }
    meetings.push_back(meeting);
  };
  for (const v1::Meeting& m : e.kept_meetings) add(m, true);
  for (const v1::Meeting& m : e.proposed) add(m, false);
  for (Index x = 0; x < n; ++x) {
    match::AttendeeSlots& slots = input.attendees[x];
    slots.budget = std::max(slots.budget + kept_count[x], count[x]);
    slots.availability |= used[x];
  }
  if (!extra.empty()) {
    // Proposals of an earlier run whose pair the current top-K lists no longer hold.
    for (Index a = 0; a < graph.num_nodes(); ++a) {
      for (uint64_t i = graph.begin(a); i < graph.end(a); ++i) {
        if (a < graph.neighbors[i]) extra.push_back({a, graph.neighbors[i], graph.weights[i]});
      }
    }
    graph = match::BuildCandidateGraph(static_cast<Index>(n), std::move(extra));
  }
  std::sort(meetings.begin(), meetings.end(), [](const match::Meeting& x, const match::Meeting& y) {
    return std::tie(x.slot, x.location, x.table) < std::tie(y.slot, y.location, y.table);
  });
  match::Schedule schedule;
  schedule.meetings = std::move(meetings);
  auto graph_ptr = std::make_unique<match::CandidateGraph>(std::move(graph));
  absl::StatusOr<std::unique_ptr<match::LiveSchedule>> live =
      match::LiveSchedule::Create(graph_ptr.get(), input, schedule, options_.seed);
  if (!live.ok()) return live.status();
  state->base_run_id = latest->id();
  state->e = *std::move(loaded);
  state->index = std::move(index);
  state->graph = std::move(graph_ptr);
  state->live = *std::move(live);
  state->built = true;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::Meeting>> LiveRepair::Repair(
    uint64_t event_id,
    const std::function<absl::StatusOr<std::vector<v1::Meeting>>(EventState*)>& plan) {
  for (int attempt = 0;; ++attempt) {
    std::shared_ptr<EventState> state = StateOf(event_id);
    absl::MutexLock lock(&state->mu);
    if (!state->built) {
      absl::Status built = Build(event_id, state.get());
      if (!built.ok()) return built;
    }
    absl::StatusOr<std::vector<v1::Meeting>> planned = plan(state.get());
    if (!planned.ok() || planned->empty()) return planned;
    absl::StatusOr<std::vector<v1::Meeting>> stored =
        store_->InsertMeetings(event_id, state->base_run_id, *std::move(planned));
    if (stored.ok()) return stored;
    // The engine already holds the plan the store refused: start from the store again.
    state->built = false;
    if (!absl::IsAborted(stored.status()) || attempt >= 1) return stored.status();
  }
}

absl::StatusOr<std::vector<v1::Meeting>> LiveRepair::PairClosed(const v1::Meeting& closed) {
  return Repair(
      closed.event_id(), [&](EventState* state) -> absl::StatusOr<std::vector<v1::Meeting>> {
        state->mu.AssertHeld();
        const EngineEvent& e = state->e;
        auto a = e.index_of.find(closed.attendee_a());
        auto b = e.index_of.find(closed.attendee_b());
        if (a == e.index_of.end() || b == e.index_of.end()) {
          return std::vector<v1::Meeting>{};  // not in this state: nothing to refill
        }
        absl::StatusOr<match::RepairResult> result = state->live->Decline(a->second, b->second);
        if (!result.ok()) return result.status();
        for (const match::Meeting& removed : result->removed) {
          if (std::minmax(removed.a, removed.b) != std::minmax(a->second, b->second)) {
            // The engine moved a meeting the store still holds; rebuild next time.
            state->built = false;
          }
        }
        std::vector<v1::Meeting> out;
        const int64_t now = Now();
        for (const match::Meeting& m : result->added) {
          out.push_back(ToStoredMeeting(e, state->index->problem(), m, now, 0));
        }
        return out;
      });
}

absl::StatusOr<std::vector<v1::Meeting>> LiveRepair::RequestMore(uint64_t event_id,
                                                                 uint64_t attendee_id,
                                                                 uint32_t count) {
  return Repair(event_id, [&](EventState* state) -> absl::StatusOr<std::vector<v1::Meeting>> {
    state->mu.AssertHeld();
    const EngineEvent& e = state->e;
    auto it = e.index_of.find(attendee_id);
    if (it == e.index_of.end()) {
      return absl::NotFoundError(absl::StrCat("attendee ", attendee_id,
                                              " joined after the last matching run; ask the "
                                              "organiser to run matching again"));
    }
    const Index x = it->second;
    match::LiveSchedule& live = *state->live;
    const SlotMask availability = live.Input().attendees[x].availability;
    SlotMask occupied = 0;
    for (const match::Meeting& m : live.Meetings()) {
      if (m.a == x || m.b == x) occupied |= SlotMask{1} << m.slot;
    }
    SlotMask free = availability & ~occupied;
    if (count > 0) {
      SlotMask limited = 0;
      for (uint32_t taken = 0; free != 0 && taken < count; ++taken) {
        const SlotMask lowest = free & (~free + 1);
        limited |= lowest;
        free &= ~lowest;
      }
      free = limited;
    }
    if (free == 0) return std::vector<v1::Meeting>{};
    // Taking the free slots away and giving them back makes the engine refill x in them,
    // moving nobody else (ChangeAvailability's contract).
    std::vector<match::Meeting> added;
    for (SlotMask mask : {availability & ~free, availability}) {
      absl::StatusOr<match::RepairResult> result = live.ChangeAvailability(x, mask);
      if (!result.ok()) return result.status();
      if (!result->removed.empty()) state->built = false;
      added.insert(added.end(), result->added.begin(), result->added.end());
    }
    std::vector<v1::Meeting> out;
    const int64_t now = Now();
    for (const match::Meeting& m : added) {
      out.push_back(ToStoredMeeting(e, state->index->problem(), m, now, 0));
    }
    return out;
  });
}

}  // namespace parley::matching
