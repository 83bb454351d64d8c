#include "services/live/live_repair.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/domain/constraints.h"
#include "services/domain/meetings.h"
#include "services/domain/policy.h"
#include "services/match/candidates.h"
#include "services/match/repair.h"
#include "services/runs/engine_event.h"

namespace parley::matching {

using match::Index;
using match::SlotMask;

struct LiveRepair::EventState {
  absl::Mutex mu;
  bool built ABSL_GUARDED_BY(mu) = false;
  uint64_t base_run_id ABSL_GUARDED_BY(mu) = 0;
  // The event as loaded when the live schedule was last made from the store.
  EngineEvent e ABSL_GUARDED_BY(mu);
  std::unique_ptr<match::CandidateIndex> index ABSL_GUARDED_BY(mu);
  // Edges found outside the candidate lists (ReachOut), kept when the schedule is made again,
  // and their pairs.
  std::vector<match::WeightedEdge> found ABSL_GUARDED_BY(mu);
  absl::flat_hash_set<uint64_t> found_pairs ABSL_GUARDED_BY(mu);
  // Pairs closed since the index was built: the engine bans them; the index still lists them,
  // so graphs made again leave them out.
  absl::flat_hash_set<uint64_t> closed ABSL_GUARDED_BY(mu);
  std::unique_ptr<match::CandidateGraph> graph ABSL_GUARDED_BY(mu);
  std::unique_ptr<match::LiveSchedule> live ABSL_GUARDED_BY(mu);
  // Per attendee, in the live schedule: slots with a meeting, and meetings.
  std::vector<SlotMask> busy ABSL_GUARDED_BY(mu);
  std::vector<int32_t> count ABSL_GUARDED_BY(mu);
  // Attendees who may have room (budget and a free slot): everyone who has is listed, some
  // listed may be full by now (ReachOut drops them as it meets them). Lets a refill beyond the
  // lists look at the few with room instead of everyone.
  std::vector<Index> roomy ABSL_GUARDED_BY(mu);
  std::vector<uint8_t> in_roomy ABSL_GUARDED_BY(mu);
  // Attendees whose profile avoids someone (few): whom a profile change must check for x.
  absl::flat_hash_set<Index> avoiders ABSL_GUARDED_BY(mu);
};

namespace {

// Attendees a refill may reach beyond the candidate lists, per attendee refilled.
constexpr size_t kReachOut = 8;
// Attendees with room whom a refill scores exactly, at most, per attendee refilled: beyond the
// candidate lists the best of a few thousand people with room is nearly as good as the best of
// everyone, and scoring 150,000 would take a decline's whole latency budget. The scan starts at
// a different place each time, so repeated refills look at different people.
constexpr size_t kMaxScored = 4096;

uint64_t PairKey(Index a, Index b) { return uint64_t{std::min(a, b)} << 32 | std::max(a, b); }

// The weight of edge {a, b}, or 0 if the graph has none.
match::Weight EdgeWeight(const match::CandidateGraph& graph, Index a, Index b) {
  if (a >= graph.num_nodes()) return 0;
  const auto first = graph.neighbors.begin() + static_cast<ptrdiff_t>(graph.begin(a));
  const auto last = graph.neighbors.begin() + static_cast<ptrdiff_t>(graph.end(a));
  const auto it = std::lower_bound(first, last, b);
  if (it == last || *it != b) return 0;
  return graph.weights[static_cast<size_t>(it - graph.neighbors.begin())];
}

int Capacity(const match::AttendeeSlots& slots) {
  return std::min<int>(slots.budget, __builtin_popcountll(slots.availability));
}

void Note(const match::RepairResult& result, std::vector<SlotMask>* busy,
          std::vector<int32_t>* count) {
  for (const match::Meeting& m : result.removed) {
    for (Index x : {m.a, m.b}) {
      (*busy)[x] &= ~(SlotMask{1} << m.slot);
      --(*count)[x];
    }
  }
  for (const match::Meeting& m : result.added) {
    for (Index x : {m.a, m.b}) {
      (*busy)[x] |= SlotMask{1} << m.slot;
      ++(*count)[x];
    }
  }
}

// y's free slots if y has budget left, else none.
template <typename State>
SlotMask FreeOf(const State& state, Index y) {
  const match::AttendeeSlots& slots = state.live->Input().attendees[y];
  if (state.count[y] >= Capacity(slots)) return 0;
  return slots.availability & ~state.busy[y];
}

template <typename State>
void MayHaveRoom(State* state, Index y) {
  if (y >= state->in_roomy.size()) state->in_roomy.resize(static_cast<size_t>(y) + 1, 0);
  if (state->in_roomy[y]) return;
  state->in_roomy[y] = 1;
  state->roomy.push_back(y);
}

// Everyone who lost a meeting in `result` may have room now.
template <typename State>
void NoteRoom(State* state, const match::RepairResult& result) {
  for (const match::Meeting& m : result.removed) {
    MayHaveRoom(state, m.a);
    MayHaveRoom(state, m.b);
  }
}

template <typename State>
void ListRoomy(State* state) {
  const Index n = static_cast<Index>(state->count.size());
  state->roomy.clear();
  state->in_roomy.assign(n, 0);
  for (Index y = 0; y < n; ++y) {
    if (FreeOf(*state, y) != 0) MayHaveRoom(state, y);
  }
}

bool Active(const v1::Meeting& m) {
  return m.state() == v1::Meeting::PROPOSED || m.state() == v1::Meeting::CONFIRMED;
}

}  // namespace

LiveRepair::LiveRepair(storage::Store* store, LiveOptions options)
    : store_(store), options_(std::move(options)) {}

LiveRepair::~LiveRepair() = default;

int64_t LiveRepair::Now() const { return options_.clock->NowUnixSeconds(); }

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

namespace {

// The latest run's id if it is finished; FAILED_PRECONDITION without one, UNAVAILABLE while one
// is in progress.
absl::StatusOr<uint64_t> FinishedRun(const storage::Store& store, uint64_t event_id) {
  absl::StatusOr<v1::MatchingRun> latest = store.LatestRun(event_id);
  if (absl::IsNotFound(latest.status())) {
    return absl::FailedPreconditionError(
        absl::StrCat("event ", event_id, " has no matching run to repair"));
  }
  if (!latest.ok()) return latest.status();
  if (latest->phase() != v1::MatchingRun::DONE && latest->phase() != v1::MatchingRun::FAILED) {
    return absl::UnavailableError(
        absl::StrCat("run ", latest->id(), " of event ", event_id, " is in progress"));
  }
  return latest->id();
}

// `graph` without the `closed` pairs and with `extra` edges (few; duplicates keep the larger
// weight), in one linear pass over the graph instead of a sort of every edge.
match::CandidateGraph EditGraph(const match::CandidateGraph& graph, Index n,
                                const absl::flat_hash_set<uint64_t>& closed,
                                std::vector<match::WeightedEdge> extra) {
  // Both directions of the extra edges, by (from, to, weight descending).
  std::vector<match::WeightedEdge> directed;
  directed.reserve(2 * extra.size());
  for (const match::WeightedEdge& e : extra) {
    if (closed.contains(PairKey(e.a, e.b))) continue;
    directed.push_back(e);
    directed.push_back({e.b, e.a, e.weight});
  }
  std::sort(directed.begin(), directed.end(),
            [](const match::WeightedEdge& x, const match::WeightedEdge& y) {
              return std::tie(x.a, x.b, y.weight) < std::tie(y.a, y.b, x.weight);
            });
  match::CandidateGraph out;
  out.offsets.assign(static_cast<size_t>(n) + 1, 0);
  out.neighbors.reserve(graph.neighbors.size() + directed.size());
  out.weights.reserve(graph.neighbors.size() + directed.size());
  size_t d = 0;
  for (Index a = 0; a < n; ++a) {
    uint64_t i = a < graph.num_nodes() ? graph.begin(a) : 0;
    const uint64_t end = a < graph.num_nodes() ? graph.end(a) : 0;
    auto push = [&](Index b, match::Weight w) {
      if (!out.neighbors.empty() && out.offsets[a] < out.neighbors.size() &&
          out.neighbors.back() == b) {
        out.weights.back() = std::max(out.weights.back(), w);
        return;
      }
      out.neighbors.push_back(b);
      out.weights.push_back(w);
    };
    while (i < end || (d < directed.size() && directed[d].a == a)) {
      const bool from_graph = i < end && (d >= directed.size() || directed[d].a != a ||
                                          graph.neighbors[i] <= directed[d].b);
      if (from_graph) {
        const Index b = graph.neighbors[i];
        if (!closed.contains(PairKey(a, b))) push(b, graph.weights[i]);
        ++i;
      } else {
        push(directed[d].b, directed[d].weight);
        ++d;
      }
    }
    out.offsets[a + 1] = out.neighbors.size();
  }
  return out;
}

// Makes the live schedule of `state` from `input` and `meetings` (weights taken from the graph
// where it has the pair): the index's graph without the closed pairs, plus the found edges that
// are still feasible, plus an edge for every meeting the graph lacks (a proposal of an earlier
// run whose pair the lists no longer hold). Sets graph, live, busy and count.
absl::Status MakeLive(const match::ScheduleInput& input, std::vector<match::Meeting> meetings,
                      uint64_t seed, const match::CandidateIndex& index,
                      const absl::flat_hash_set<uint64_t>& closed,
                      std::vector<match::WeightedEdge>* found,
                      std::unique_ptr<match::CandidateGraph>* graph_out,
                      std::unique_ptr<match::LiveSchedule>* live_out, std::vector<SlotMask>* busy,
                      std::vector<int32_t>* count) {
  const Index n = static_cast<Index>(input.attendees.size());
  match::CandidateGraph graph = index.Graph();
  std::vector<match::WeightedEdge> extra;
  bool drop = false;
  for (Index a = 0; a < graph.num_nodes() && !drop; ++a) {
    for (uint64_t i = graph.begin(a); i < graph.end(a) && !drop; ++i) {
      drop = closed.contains(PairKey(a, graph.neighbors[i]));
    }
  }
  const match::MatchProblem& problem = index.problem();
  found->erase(std::remove_if(found->begin(), found->end(),
                              [&](const match::WeightedEdge& e) {
                                return e.a >= n || e.b >= n || closed.contains(PairKey(e.a, e.b)) ||
                                       !problem.Score(e.a, e.b).feasible;
                              }),
               found->end());
  extra = *found;
  for (match::Meeting& m : meetings) {
    const match::Weight w = EdgeWeight(graph, m.a, m.b);
    if (w == 0) {
      m.weight = std::max<match::Weight>(1, m.weight);
      extra.push_back({m.a, m.b, m.weight});
    }
  }
  if (!extra.empty() || drop) graph = EditGraph(graph, n, closed, std::move(extra));
  busy->assign(n, 0);
  count->assign(n, 0);
  for (match::Meeting& m : meetings) {
    m.weight = EdgeWeight(graph, m.a, m.b);
    for (Index x : {m.a, m.b}) {
      (*busy)[x] |= SlotMask{1} << m.slot;
      ++(*count)[x];
    }
  }
  std::sort(meetings.begin(), meetings.end(), [](const match::Meeting& x, const match::Meeting& y) {
    return std::tie(x.slot, x.location, x.table) < std::tie(y.slot, y.location, y.table);
  });
  match::Schedule schedule;
  schedule.meetings = std::move(meetings);
  auto graph_ptr = std::make_unique<match::CandidateGraph>(std::move(graph));
  absl::StatusOr<std::unique_ptr<match::LiveSchedule>> live =
      match::LiveSchedule::Create(graph_ptr.get(), input, schedule, seed);
  if (!live.ok()) return live.status();
  *graph_out = std::move(graph_ptr);
  *live_out = *std::move(live);
  return absl::OkStatus();
}

// The live schedule's input and meetings for the stored meetings of `e`: every meeting that
// takes its attendees' time, kept ones included, so budgets, availability and tables are the
// attendees' own, not what a run plans around.
void LiveInput(EngineEvent* e, match::ScheduleInput* input, std::vector<match::Meeting>* out) {
  *input = e->schedule_input;
  for (match::Location& location : input->locations) location.tables_per_slot.clear();
  e->seating.Clear();  // every meeting is in the engine: stored table = t + 1
  const size_t n = e->attendees.size();
  std::vector<int32_t> kept_count(n, 0), count(n, 0);
  std::vector<SlotMask> used(n, 0);
  absl::flat_hash_set<std::tuple<int, int, int>> tables;
  auto add = [&](const v1::Meeting& m, bool kept) {
    auto a = e->index_of.find(m.attendee_a());
    auto b = e->index_of.find(m.attendee_b());
    auto slot = e->slot_index.find(m.slot_id());
    auto location = e->location_index.find(m.location_id());
    if (a == e->index_of.end() || b == e->index_of.end() || slot == e->slot_index.end() ||
        location == e->location_index.end()) {
      return;
    }
    const int table = static_cast<int>(m.table()) - 1;
    const SlotMask bit = SlotMask{1} << slot->second;
    if (table < 0 || table >= input->locations[location->second].tables ||
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
    meeting.weight = static_cast<match::Weight>(m.score());
    for (Index x : {meeting.a, meeting.b}) {
      used[x] |= bit;
      ++count[x];
      if (kept) ++kept_count[x];
    }
    out->push_back(meeting);
  };
  for (const v1::Meeting& m : e->kept_meetings) add(m, true);
  for (const v1::Meeting& m : e->proposed) add(m, false);
  for (Index x = 0; x < n; ++x) {
    match::AttendeeSlots& slots = input->attendees[x];
    slots.budget = std::max(slots.budget + kept_count[x], count[x]);
    slots.availability |= used[x];
  }
}

}  // namespace

absl::Status LiveRepair::Build(uint64_t event_id, EventState* state) {
  state->mu.AssertHeld();
  state->built = false;
  builds_.fetch_add(1, std::memory_order_relaxed);
  absl::StatusOr<uint64_t> run_id = FinishedRun(*store_, event_id);
  if (!run_id.ok()) return run_id.status();
  absl::StatusOr<EngineEvent> loaded = LoadEngineEvent(*store_, event_id);
  if (!loaded.ok()) return loaded.status();
  absl::StatusOr<match::MatchProblem> problem = match::MatchProblem::Create(loaded->input);
  if (!problem.ok()) return problem.status();
  match::CandidateOptions candidate_options;
  candidate_options.k = options_.k;
  candidate_options.threads = options_.threads;
  state->index = std::make_unique<match::CandidateIndex>(
      match::CandidateIndex::Build(*std::move(problem), candidate_options));
  state->found.clear();
  state->found_pairs.clear();
  state->closed.clear();
  state->base_run_id = *run_id;
  return Adopt(state, *std::move(loaded));
}

absl::Status LiveRepair::Adopt(EventState* state, EngineEvent loaded) {
  state->mu.AssertHeld();
  match::ScheduleInput input;
  std::vector<match::Meeting> meetings;
  LiveInput(&loaded, &input, &meetings);
  absl::Status made =
      MakeLive(input, std::move(meetings), options_.seed, *state->index, state->closed,
               &state->found, &state->graph, &state->live, &state->busy, &state->count);
  if (!made.ok()) return made;
  ListRoomy(state);
  state->avoiders.clear();
  for (Index y = 0; y < loaded.input.profiles.size(); ++y) {
    if (!loaded.input.profiles[y].avoid.empty()) state->avoiders.insert(y);
  }
  state->e = std::move(loaded);
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
    absl::StatusOr<std::vector<v1::Meeting>> stored = store_->InsertMeetings(
        event_id, state->base_run_id, *std::move(planned), domain::OccupyingState);
    if (stored.ok()) return stored;
    // The engine already holds the plan the store refused: start from the store again.
    state->built = false;
    if (!absl::IsAborted(stored.status()) || attempt >= 1) return stored.status();
  }
}

namespace {

// Fills free slots of x (at most `count` of them; 0 = all) from x's edges, moving nobody else:
// taking the free slots away and giving them back makes the engine refill x in them
// (ChangeAvailability's contract). Appends what was added; false when the engine removed a
// meeting (the store still holds it: rebuild).
absl::StatusOr<bool> FillFree(match::LiveSchedule* live, Index x, uint32_t count,
                              const std::vector<SlotMask>& busy, std::vector<SlotMask>* busy_out,
                              std::vector<int32_t>* count_out, std::vector<match::Meeting>* added) {
  const SlotMask availability = live->Input().attendees[x].availability;
  SlotMask free = availability & ~busy[x];
  if (count > 0) {
    SlotMask limited = 0;
    for (uint32_t taken = 0; free != 0 && taken < count; ++taken) {
      const SlotMask lowest = free & (~free + 1);
      limited |= lowest;
      free &= ~lowest;
    }
    free = limited;
  }
  if (free == 0) return true;
  bool clean = true;
  for (SlotMask mask : {availability & ~free, availability}) {
    absl::StatusOr<match::RepairResult> result = live->ChangeAvailability(x, mask);
    if (!result.ok()) return result.status();
    if (!result->removed.empty()) clean = false;
    Note(*result, busy_out, count_out);
    added->insert(added->end(), result->added.begin(), result->added.end());
  }
  return clean;
}

}  // namespace

absl::StatusOr<bool> LiveRepair::ReachOut(EventState* state, const std::vector<Index>& attendees,
                                          std::vector<match::Meeting>* added, uint32_t count) {
  state->mu.AssertHeld();
  const match::MatchProblem& problem = state->index->problem();
  std::vector<Index> reaching;
  std::vector<match::WeightedEdge> fresh;
  std::vector<uint8_t> full(state->roomy.size(), 0);  // listed, but without room now
  for (Index x : attendees) {
    const SlotMask free_x = FreeOf(*state, x);
    if (free_x == 0) continue;
    std::vector<match::Candidate> best;  // lightest first, at most kReachOut
    const size_t m = state->roomy.size();
    if (m == 0) break;
    const size_t start = static_cast<size_t>((uint64_t{x} * 0x9e3779b97f4a7c15ULL +
                                              state->found.size() * 0xbf58476d1ce4e5b9ULL) >>
                                             33) %
                         m;
    size_t scored = 0;
    for (size_t k = 0; k < m && scored < kMaxScored; ++k) {
      const size_t i = start + k < m ? start + k : start + k - m;
      const Index y = state->roomy[i];
      const SlotMask free_y = FreeOf(*state, y);
      if (free_y == 0) full[i] = 1;
      if (y == x || (free_x & free_y) == 0 || EdgeWeight(*state->graph, x, y) != 0 ||
          state->found_pairs.contains(PairKey(x, y)) || state->closed.contains(PairKey(x, y))) {
        continue;  // no common free slot, or an edge the engine has tried already
      }
      ++scored;
      const match::PairScore score = problem.Score(x, y);
      if (!score.feasible || score.weight <= 0) continue;
      const match::Candidate c{score.weight, y};
      if (best.size() == kReachOut && !match::RanksBefore(x, c, best.front())) continue;
      if (best.size() == kReachOut) best.erase(best.begin());
      best.insert(std::upper_bound(best.begin(), best.end(), c,
                                   [x](const match::Candidate& u, const match::Candidate& v) {
                                     return match::RanksBefore(x, v, u);
                                   }),
                  c);
    }
    if (best.empty()) continue;
    for (const match::Candidate& c : best) {
      if (!state->found_pairs.insert(PairKey(x, c.partner)).second) continue;
      fresh.push_back({x, c.partner, c.weight});
    }
    reaching.push_back(x);
  }
  // Those met without room leave the list (they come back when they lose a meeting).
  size_t kept = 0;
  for (size_t i = 0; i < state->roomy.size(); ++i) {
    if (i < full.size() && full[i]) {
      state->in_roomy[state->roomy[i]] = 0;
    } else {
      state->roomy[kept++] = state->roomy[i];
    }
  }
  state->roomy.resize(kept);
  if (reaching.empty()) return true;
  // The engine takes the new edges as they are: no graph or schedule is made again.
  absl::Status added_edges = state->live->AddEdges(fresh);
  if (!added_edges.ok()) {
    for (const match::WeightedEdge& e : fresh) state->found_pairs.erase(PairKey(e.a, e.b));
    return added_edges;
  }
  state->found.insert(state->found.end(), fresh.begin(), fresh.end());
  bool clean = true;
  for (Index x : reaching) {
    absl::StatusOr<bool> filled =
        FillFree(state->live.get(), x, count, state->busy, &state->busy, &state->count, added);
    if (!filled.ok()) return filled.status();
    clean = clean && *filled;
  }
  return clean;
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
        NoteRoom(state, *result);
        state->closed.insert(PairKey(a->second, b->second));
        // The lists drop the pair too, so that profile updates and rebuilt graphs leave it out.
        absl::Status excluded = state->index->ExcludePair(a->second, b->second);
        if (!excluded.ok()) return excluded;
        Note(*result, &state->busy, &state->count);
        for (const match::Meeting& removed : result->removed) {
          if (std::minmax(removed.a, removed.b) != std::minmax(a->second, b->second)) {
            // The engine moved a meeting the store still holds; rebuild next time.
            state->built = false;
          }
        }
        std::vector<match::Meeting> added = result->added;
        if (!result->queued.empty()) {
          // Nobody free in their lists: look at everyone with room.
          absl::StatusOr<bool> clean = ReachOut(state, result->queued, &added);
          if (!clean.ok()) return clean.status();
          if (!*clean) state->built = false;
        }
        return ToStored(*state, added);
      });
}

std::vector<v1::Meeting> LiveRepair::ToStored(const EventState& state,
                                              const std::vector<match::Meeting>& added) const {
  std::vector<v1::Meeting> out;
  const int64_t now = Now();
  for (const match::Meeting& m : added) {
    out.push_back(ToStoredMeeting(state.e, state.index->problem(), m, now, 0));
  }
  return out;
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
    std::vector<match::Meeting> added;
    absl::StatusOr<bool> clean = FillFree(state->live.get(), it->second, count, state->busy,
                                          &state->busy, &state->count, &added);
    if (!clean.ok()) return clean.status();
    if (!*clean) state->built = false;
    if (added.empty()) {
      // Everyone in their lists is full (a crowded profile: the lists of people with the same
      // interests point at the same few): look beyond them, at everyone with room.
      absl::StatusOr<bool> reached = ReachOut(state, {it->second}, &added, count);
      if (!reached.ok()) return reached.status();
      if (!*reached) state->built = false;
    }
    return ToStored(*state, added);
  });
}

absl::Status LiveRepair::Warm(uint64_t event_id) {
  std::shared_ptr<EventState> state = StateOf(event_id);
  absl::MutexLock lock(&state->mu);
  if (state->built) return absl::OkStatus();
  return Build(event_id, state.get());
}

absl::StatusOr<std::vector<v1::Meeting>> LiveRepair::CancelRuledOut(uint64_t event_id,
                                                                    uint64_t attendee_id) {
  absl::StatusOr<v1::Event> event = store_->GetEvent(event_id);
  if (!event.ok()) return event.status();
  absl::StatusOr<v1::Attendee> me = store_->GetAttendee(event_id, attendee_id);
  if (absl::IsNotFound(me.status())) return std::vector<v1::Meeting>{};  // removed with them
  if (!me.ok()) return me.status();
  absl::StatusOr<std::vector<v1::Meeting>> mine =
      store_->ListMeetingsOfAttendee(event_id, attendee_id);
  if (!mine.ok()) return mine.status();
  const uint32_t budget = me->has_budget() ? me->budget() : domain::DefaultBudget(event->policy());
  const absl::flat_hash_set<std::string> available(me->availability().begin(),
                                                   me->availability().end());
  std::vector<const v1::Meeting*> ruled_out, kept_proposed;
  uint32_t kept = 0;
  for (const v1::Meeting& m : *mine) {
    if (!Active(m)) continue;
    bool out = budget == 0 || (!available.empty() && !available.contains(m.slot_id()));
    if (!out) {
      const uint64_t partner_id = m.attendee_a() == attendee_id ? m.attendee_b() : m.attendee_a();
      absl::StatusOr<v1::Attendee> partner = store_->GetAttendee(event_id, partner_id);
      if (!partner.ok() && !absl::IsNotFound(partner.status())) return partner.status();
      if (partner.ok()) {
        absl::StatusOr<domain::PairBlock> block =
            domain::BlockedStoredPair(*store_, *event, *me, *partner);
        if (!block.ok()) return block.status();
        out = *block != domain::PairBlock::kNone;
      }
    }
    if (out) {
      ruled_out.push_back(&m);
      continue;
    }
    ++kept;
    if (m.state() == v1::Meeting::PROPOSED) kept_proposed.push_back(&m);
  }
  // Over budget: the weakest proposals go first.
  std::sort(kept_proposed.begin(), kept_proposed.end(),
            [](const v1::Meeting* x, const v1::Meeting* y) {
              if (x->score() != y->score()) return x->score() < y->score();
              return x->id() > y->id();
            });
  for (const v1::Meeting* m : kept_proposed) {
    if (kept <= budget) break;
    ruled_out.push_back(m);
    --kept;
  }
  std::vector<v1::Meeting> cancelled;
  for (const v1::Meeting* m : ruled_out) {
    absl::StatusOr<storage::Mutated<v1::Meeting>> stored =
        store_->MutateMeeting(event_id, m->id(), [](v1::Meeting* stored) -> absl::Status {
          if (!Active(*stored)) return absl::OkStatus();  // already closed: nothing to cancel
          stored->set_state(v1::Meeting::CANCELLED);
          stored->set_sequence(stored->sequence() + 1);
          return absl::OkStatus();
        });
    if (absl::IsNotFound(stored.status())) continue;
    if (!stored.ok()) return stored.status();
    if (!stored->changed) continue;
    cancelled.push_back(std::move(stored->record));
  }
  return cancelled;
}

absl::StatusOr<LiveRepair::ProfileRepair> LiveRepair::ProfilesChanged(
    uint64_t event_id, const std::vector<uint64_t>& attendee_ids) {
  ProfileRepair out;
  // Before the first run there is nothing to cancel or refill (an import, typically).
  absl::StatusOr<v1::MatchingRun> latest = store_->LatestRun(event_id);
  if (absl::IsNotFound(latest.status())) return out;
  if (!latest.ok()) return latest.status();
  std::shared_ptr<EventState> state = StateOf(event_id);
  absl::MutexLock lock(&state->mu);
  // The store first: what the new records rule out is cancelled whatever the live state.
  absl::flat_hash_map<uint64_t, std::vector<uint64_t>> lost;  // changed attendee -> partners
  for (uint64_t id : attendee_ids) {
    absl::StatusOr<std::vector<v1::Meeting>> cancelled = CancelRuledOut(event_id, id);
    if (!cancelled.ok()) return cancelled.status();
    for (v1::Meeting& m : *cancelled) {
      lost[id].push_back(m.attendee_a() == id ? m.attendee_b() : m.attendee_a());
      out.cancelled.push_back(std::move(m));
    }
  }
  absl::StatusOr<std::vector<match::Meeting>> planned =
      state->built ? Update(event_id, state.get(), attendee_ids, lost)
                   : absl::StatusOr<std::vector<match::Meeting>>(
                         absl::FailedPreconditionError("no live state"));
  if (!planned.ok() && !absl::IsFailedPrecondition(planned.status())) {
    return planned.status();
  }
  if (!planned.ok()) {
    // No state, another run, or attendees came or went: build the state from the store (which
    // holds the new records) and refill those concerned in it.
    absl::Status built = Build(event_id, state.get());
    if (absl::IsFailedPrecondition(built) || absl::IsUnavailable(built)) return out;
    if (!built.ok()) return built;
    planned = RefillBuilt(state.get(), attendee_ids, out.cancelled);
    if (!planned.ok()) return planned.status();
  }
  if (planned->empty()) return out;
  absl::StatusOr<std::vector<v1::Meeting>> stored = store_->InsertMeetings(
      event_id, state->base_run_id, ToStored(*state, *planned), domain::OccupyingState);
  if (!stored.ok()) {
    // The engine holds a plan the store refused: start from the store next time.
    state->built = false;
    if (absl::IsAborted(stored.status())) return out;
    return stored.status();
  }
  out.added = *std::move(stored);
  return out;
}

absl::StatusOr<std::vector<match::Meeting>> LiveRepair::RefillBuilt(
    EventState* state, const std::vector<uint64_t>& attendee_ids,
    const std::vector<v1::Meeting>& cancelled) {
  state->mu.AssertHeld();
  absl::flat_hash_set<uint64_t> refill(attendee_ids.begin(), attendee_ids.end());
  for (const v1::Meeting& m : cancelled) {
    refill.insert(m.attendee_a());
    refill.insert(m.attendee_b());
  }
  std::vector<uint64_t> ids(refill.begin(), refill.end());
  std::sort(ids.begin(), ids.end());  // deterministic order
  std::vector<match::Meeting> planned;
  std::vector<Index> queued;
  bool clean = true;
  for (uint64_t id : ids) {
    auto it = state->e.index_of.find(id);
    if (it == state->e.index_of.end()) continue;
    absl::StatusOr<bool> filled = FillFree(state->live.get(), it->second, 0, state->busy,
                                           &state->busy, &state->count, &planned);
    if (!filled.ok()) return filled.status();
    clean = clean && *filled;
    queued.push_back(it->second);
  }
  absl::StatusOr<bool> reached = ReachOut(state, queued, &planned);
  if (!reached.ok()) return reached.status();
  if (!clean || !*reached) state->built = false;
  return planned;
}

absl::StatusOr<std::vector<match::Meeting>> LiveRepair::Update(
    uint64_t event_id, EventState* state, const std::vector<uint64_t>& attendee_ids,
    const absl::flat_hash_map<uint64_t, std::vector<uint64_t>>& lost) {
  state->mu.AssertHeld();
  absl::StatusOr<uint64_t> run_id = FinishedRun(*store_, event_id);
  if (absl::IsUnavailable(run_id.status())) return run_id.status();
  if (!run_id.ok() || *run_id != state->base_run_id) {
    return absl::FailedPreconditionError("another run since the state was built");
  }
  EngineEvent& e = state->e;
  // The new records; an attendee the state does not know (or no longer stored) means the
  // indexes moved: the caller builds the state again.
  std::vector<std::pair<Index, v1::Attendee>> records;
  for (uint64_t id : attendee_ids) {
    auto it = e.index_of.find(id);
    absl::StatusOr<v1::Attendee> record = store_->GetAttendee(event_id, id);
    if (it == e.index_of.end() || absl::IsNotFound(record.status())) {
      return absl::FailedPreconditionError("attendees came or went");
    }
    if (!record.ok()) return record.status();
    records.emplace_back(it->second, *std::move(record));
  }
  for (auto& [x, record] : records) {
    UpdateDirectory(x, e.attendees[x], record, &e.directory);
    e.attendees[x] = std::move(record);
  }
  // Pairs now known to each other (a known-pairs import names the attendees concerned).
  absl::flat_hash_set<Index> targets;
  for (const auto& [x, record] : records) targets.insert(x);
  std::vector<std::vector<Index>> known(records.size());
  absl::flat_hash_map<Index, size_t> slot_of;
  for (size_t i = 0; i < records.size(); ++i) slot_of[records[i].first] = i;
  absl::Status scanned = store_->ScanKnownPairs(event_id, [&](uint64_t a, uint64_t b) {
    auto ia = e.index_of.find(a);
    auto ib = e.index_of.find(b);
    if (ia == e.index_of.end() || ib == e.index_of.end()) return true;
    if (auto it = slot_of.find(ia->second); it != slot_of.end()) {
      known[it->second].push_back(ib->second);
    }
    if (auto it = slot_of.find(ib->second); it != slot_of.end()) {
      known[it->second].push_back(ia->second);
    }
    return true;
  });
  if (!scanned.ok()) return scanned;
  // The engine checks avoid lists either way, so x's own list gets everyone who avoids x (an
  // organisation x now belongs to, say): the problem then excludes the pair from both sides.
  std::vector<std::vector<Index>> avoided_by(records.size());
  for (Index y : state->avoiders) {
    for (Index x : e.input.profiles[y].avoid) {
      if (auto it = slot_of.find(x); it != slot_of.end() && !targets.contains(y)) {
        avoided_by[it->second].push_back(y);
      }
    }
  }
  std::vector<match::Meeting> planned;
  std::vector<Index> queued;
  bool clean = true;
  for (size_t i = 0; i < records.size(); ++i) {
    const Index x = records[i].first;
    const v1::Attendee& record = e.attendees[x];
    match::Profile profile = EngineProfile(e.event, record, x, e.directory);
    e.input.profiles[x] = profile;
    if (profile.avoid.empty()) {
      state->avoiders.erase(x);
    } else {
      state->avoiders.insert(x);
    }
    profile.avoid.insert(profile.avoid.end(), avoided_by[i].begin(), avoided_by[i].end());
    std::sort(profile.avoid.begin(), profile.avoid.end());
    profile.avoid.erase(std::unique(profile.avoid.begin(), profile.avoid.end()),
                        profile.avoid.end());
    absl::Status s = state->index->UpsertProfile(x, profile);
    if (!s.ok()) return s;
    // Pairs that never meet again: the meetings the store just cancelled, and known pairs.
    std::vector<Index> closed = known[i];
    if (auto it = lost.find(record.id()); it != lost.end()) {
      for (uint64_t partner : it->second) {
        auto p = e.index_of.find(partner);
        if (p != e.index_of.end()) closed.push_back(p->second);
      }
    }
    std::sort(closed.begin(), closed.end());
    closed.erase(std::unique(closed.begin(), closed.end()), closed.end());
    for (Index y : closed) {
      if (y == x) continue;
      state->closed.insert(PairKey(x, y));
      s = state->index->ExcludePair(x, y);
      if (!s.ok()) return s;
    }
    // x's new list joins the graph; pairs it dropped stay as edges, which the engine only uses
    // when they are still feasible (the cancelled ones are banned).
    std::vector<match::WeightedEdge> edges;
    for (const match::Candidate& c : state->index->TopK(x)) {
      if (c.weight >= 1) edges.push_back({x, c.partner, c.weight});
    }
    match::AttendeeSlots slots;
    slots.budget = profile.budget;
    slots.availability = profile.availability;
    slots.prefers_quiet = record.prefers_quiet();
    absl::StatusOr<match::RepairResult> result =
        state->live->UpdateAttendee(x, slots, closed, edges);
    if (!result.ok()) return result.status();
    Note(*result, &state->busy, &state->count);
    NoteRoom(state, *result);
    MayHaveRoom(state, x);  // a bigger budget or new slots
    for (const match::Meeting& m : result->removed) {
      // Every meeting the engine removed must be one the store cancelled: a closed pair, or one
      // in a slot x left (CancelRuledOut cancels those too).
      const Index partner = m.a == x ? m.b : m.a;
      const bool closed_pair = std::binary_search(closed.begin(), closed.end(), partner);
      const bool lost_slot = (m.a == x || m.b == x) && (slots.availability >> m.slot & 1) == 0;
      if (!closed_pair && !lost_slot) clean = false;
    }
    planned.insert(planned.end(), result->added.begin(), result->added.end());
    queued.insert(queued.end(), result->queued.begin(), result->queued.end());
  }
  std::sort(queued.begin(), queued.end());
  queued.erase(std::unique(queued.begin(), queued.end()), queued.end());
  if (!queued.empty()) {
    absl::StatusOr<bool> reached = ReachOut(state, queued, &planned);
    if (!reached.ok()) return reached.status();
    clean = clean && *reached;
  }
  // The next change rebuilds from the store.
  if (!clean) state->built = false;
  return planned;
}

}  // namespace parley::matching
