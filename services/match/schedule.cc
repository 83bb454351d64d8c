#include "services/match/schedule.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "lemon/matching.h"
#include "lemon/smart_graph.h"
#include "services/match/bmatching.h"
#include "services/match/schedule_engine.h"

namespace parley::match {

absl::Status ValidateScheduleInput(const CandidateGraph& graph, const ScheduleInput& input) {
  if (input.num_slots < 1 || input.num_slots > kMaxSlots) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_slots: ", input.num_slots, " not in [1, ", kMaxSlots, "]"));
  }
  if (input.attendees.size() != graph.num_nodes()) {
    return absl::InvalidArgumentError(absl::StrCat("attendees: ", input.attendees.size(),
                                                   " entries for a graph of ", graph.num_nodes(),
                                                   " nodes"));
  }
  for (size_t i = 0; i < input.attendees.size(); ++i) {
    if (input.attendees[i].budget < 0) {
      return absl::InvalidArgumentError(absl::StrCat("attendees[", i, "].budget: negative"));
    }
  }
  for (size_t l = 0; l < input.locations.size(); ++l) {
    const Location& loc = input.locations[l];
    if (loc.tables < 0) {
      return absl::InvalidArgumentError(absl::StrCat("locations[", l, "].tables: negative"));
    }
    if (!loc.tables_per_slot.empty()) {
      if (loc.tables_per_slot.size() != static_cast<size_t>(input.num_slots)) {
        return absl::InvalidArgumentError(
            absl::StrCat("locations[", l, "].tables_per_slot: ", loc.tables_per_slot.size(),
                         " entries for ", input.num_slots, " slots"));
      }
      for (int32_t t : loc.tables_per_slot) {
        if (t < 0) {
          return absl::InvalidArgumentError(
              absl::StrCat("locations[", l, "].tables_per_slot: negative"));
        }
      }
    }
  }
  return absl::OkStatus();
}

namespace {

Schedule Finish(internal::ScheduleEngine& engine, const CandidateGraph& graph,
                const ScheduleInput& input) {
  engine.AssignTables();
  Schedule schedule;
  schedule.meetings = engine.Export();
  schedule.report = MakeQualityReport(graph, input, schedule.meetings);
  return schedule;
}

// The meetings of a near-optimal slot-free b-matching (bmatching.h), placed into slots. Only
// when the event's tables can hold them all (over all slots): the b-matching ignores tables, and
// where they are short its pairs do not place and the greedy start does better (on parley-bench's
// 20,000-attendee graph with 2,000-6,000 tables per slot, within -0.2% to +0.3% of it; with 8,000,
// which hold the b-matching's 38,571 meetings, +1.1% weight in half the time). Returns false,
// with the engine untouched, otherwise.
bool StartFromBMatching(const ScheduleOptions& options, internal::ScheduleEngine* engine) {
  const Index n = engine->num_nodes();
  const ScheduleInput& input = engine->input();
  std::vector<int32_t> capacity(n);
  std::vector<SlotMask> availability(n);
  for (Index u = 0; u < n; ++u) {
    capacity[u] = engine->Capacity(u);
    availability[u] = engine->Availability(u) & engine->open_slots();
  }
  BMatchingOptions bm;
  bm.epsilon = options.bmatching_epsilon;
  bm.epsilon_ratio = options.bmatching_epsilon_ratio;
  bm.cancel = options.cancel;
  const std::vector<WeightedEdge> pairs = MaxWeightBMatching(
      *engine->graph(), capacity, availability, bm, nullptr, &engine->heaviest_first());
  if (!input.locations.empty()) {
    int64_t tables = 0;
    for (int s = 0; s < input.num_slots; ++s) {
      if (!(engine->open_slots() >> s & 1)) continue;
      for (const Location& location : input.locations) tables += location.TablesIn(s);
    }
    if (tables < static_cast<int64_t>(pairs.size())) return false;
  }
  engine->Place(pairs);
  return true;
}

}  // namespace

absl::StatusOr<Schedule> BuildSchedule(const CandidateGraph& graph, const ScheduleInput& input,
                                       const ScheduleOptions& options) {
  absl::Status valid = ValidateScheduleInput(graph, input);
  if (!valid.ok()) return valid;
  internal::ScheduleEngine engine(&graph, input, options.seed);
  const int64_t max_moves =
      static_cast<int64_t>(std::max(options.max_moves_per_attendee, 1)) * graph.num_nodes() + 16;
  engine.SetChainDepth(options.chain_depth, options.full_chain_depth);
  engine.SetRefillScanLimit(options.refill_scan_limit);
  engine.SetCancel(options.cancel);
  if (options.bmatching_start && StartFromBMatching(options, &engine)) {
    engine.SetChainDepth(options.bmatching_chain_depth, options.full_chain_depth);
  } else {
    engine.Greedy();
    engine.LocalSearch(/*everyone=*/true, max_moves);
  }
  engine.SetKempe(true);
  engine.EnqueueWithBudgetLeft();
  engine.LocalSearch(/*everyone=*/false, max_moves);
  int64_t fairness_cost = 0;
  if (options.fairness_first) {
    const int64_t before = engine.weight();
    engine.Fairness(max_moves);
    fairness_cost = std::max<int64_t>(0, before - engine.weight());
  }
  // Each phase stops early once cancelled; what it left is valid but unfinished.
  if (Cancelled(options.cancel)) return CancelledStatus("scheduling");
  Schedule schedule = Finish(engine, graph, input);
  schedule.report.fairness_cost = fairness_cost;
  return schedule;
}

absl::StatusOr<Schedule> GreedySchedule(const CandidateGraph& graph, const ScheduleInput& input,
                                        const ScheduleOptions& options) {
  absl::Status valid = ValidateScheduleInput(graph, input);
  if (!valid.ok()) return valid;
  internal::ScheduleEngine engine(&graph, input, options.seed);
  engine.Greedy();
  return Finish(engine, graph, input);
}

absl::StatusOr<Schedule> ExactPerSlotSchedule(const CandidateGraph& graph,
                                              const ScheduleInput& input,
                                              const ScheduleOptions& options) {
  absl::Status valid = ValidateScheduleInput(graph, input);
  if (!valid.ok()) return valid;
  internal::ScheduleEngine engine(&graph, input, options.seed);
  const Index n = graph.num_nodes();
  std::vector<int32_t> node_of(n, -1);
  for (int s = 0; s < input.num_slots; ++s) {
    lemon::SmartGraph g;
    std::vector<Index> attendee;
    for (Index u = 0; u < n; ++u) {
      node_of[u] = -1;
      if ((engine.input().attendees[u].availability >> s & 1) &&
          engine.MeetingsOf(u) < engine.Capacity(u)) {
        node_of[u] = static_cast<int32_t>(attendee.size());
        attendee.push_back(u);
        g.addNode();
      }
    }
    std::vector<Weight> edge_weight;
    for (Index u = 0; u < n; ++u) {
      if (node_of[u] < 0) continue;
      for (uint64_t i = graph.begin(u); i < graph.end(u); ++i) {
        const Index v = graph.neighbors[i];
        if (v <= u || node_of[v] < 0) continue;
        bool met = false;
        for (int t = 0; t < s && !met; ++t) met = engine.PartnerAt(u, t) == v;
        if (met) continue;
        g.addEdge(g.nodeFromId(node_of[u]), g.nodeFromId(node_of[v]));
        edge_weight.push_back(graph.weights[i]);
      }
    }
    lemon::SmartGraph::EdgeMap<int64_t> weight(g);
    for (lemon::SmartGraph::EdgeIt e(g); e != lemon::INVALID; ++e) {
      weight[e] = edge_weight[static_cast<size_t>(g.id(e))];
    }
    lemon::MaxWeightedMatching<lemon::SmartGraph, lemon::SmartGraph::EdgeMap<int64_t>> matching(
        g, weight);
    matching.run();
    struct Chosen {
      Weight w;
      Index u, v;
    };
    std::vector<Chosen> chosen;
    for (lemon::SmartGraph::EdgeIt e(g); e != lemon::INVALID; ++e) {
      if (!matching.matching(e)) continue;
      chosen.push_back(
          {static_cast<Weight>(weight[e]), attendee[g.id(g.u(e))], attendee[g.id(g.v(e))]});
    }
    // Heaviest first, so that a table shortage drops the lightest meetings.
    std::sort(chosen.begin(), chosen.end(), [](const Chosen& x, const Chosen& y) {
      if (x.w != y.w) return x.w > y.w;
      return std::min(x.u, x.v) < std::min(y.u, y.v);
    });
    for (const Chosen& c : chosen) engine.TryAdd(c.u, c.v, s, c.w);
  }
  return Finish(engine, graph, input);
}

absl::Status CheckSchedule(const CandidateGraph& graph, const ScheduleInput& input,
                           const std::vector<Meeting>& meetings) {
  const size_t n = input.attendees.size();
  const int slots = input.num_slots;
  std::vector<int32_t> count(n, 0);
  std::vector<uint8_t> busy(n * static_cast<size_t>(slots), 0);
  absl::flat_hash_set<uint64_t> pairs;
  absl::flat_hash_set<uint64_t> seats;
  std::vector<int64_t> per_slot(static_cast<size_t>(slots), 0);
  for (size_t i = 0; i < meetings.size(); ++i) {
    const Meeting& m = meetings[i];
    const std::string where =
        absl::StrCat("meeting ", i, " (", m.a, ", ", m.b, ", slot ", m.slot, "): ");
    if (m.a >= m.b || m.b >= n) return absl::FailedPreconditionError(where + "bad attendees");
    if (m.slot < 0 || m.slot >= slots) return absl::FailedPreconditionError(where + "bad slot");
    if (m.a < graph.num_nodes() && m.b < graph.num_nodes()) {
      auto first = graph.neighbors.begin() + static_cast<int64_t>(graph.begin(m.a));
      auto last = graph.neighbors.begin() + static_cast<int64_t>(graph.end(m.a));
      auto it = std::lower_bound(first, last, m.b);
      if (it == last || *it != m.b) return absl::FailedPreconditionError(where + "no such edge");
      if (graph.weights[static_cast<size_t>(it - graph.neighbors.begin())] != m.weight) {
        return absl::FailedPreconditionError(where + "wrong weight");
      }
    }
    if (!pairs.insert((static_cast<uint64_t>(m.a) << 32) | m.b).second) {
      return absl::FailedPreconditionError(where + "pair meets twice");
    }
    for (Index x : {m.a, m.b}) {
      if (!(input.attendees[x].availability >> m.slot & 1)) {
        return absl::FailedPreconditionError(absl::StrCat(where, x, " not available"));
      }
      uint8_t& b = busy[x * static_cast<size_t>(slots) + static_cast<size_t>(m.slot)];
      if (b) return absl::FailedPreconditionError(absl::StrCat(where, x, " twice in the slot"));
      b = 1;
      if (++count[x] > input.attendees[x].budget) {
        return absl::FailedPreconditionError(absl::StrCat(where, x, " over budget"));
      }
    }
    ++per_slot[static_cast<size_t>(m.slot)];
    if (!input.locations.empty()) {
      if (m.location < 0 || m.location >= static_cast<int>(input.locations.size()) || m.table < 0 ||
          m.table >= input.locations[m.location].TablesIn(m.slot)) {
        return absl::FailedPreconditionError(where + "bad location or table");
      }
      const uint64_t seat = (static_cast<uint64_t>(m.slot) << 48) |
                            (static_cast<uint64_t>(m.location) << 24) |
                            static_cast<uint64_t>(m.table);
      if (!seats.insert(seat).second) {
        return absl::FailedPreconditionError(where + "table already taken");
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace parley::match
