#include "tools/match/fairness.h"

#include <algorithm>

#include "lemon/matching.h"
#include "lemon/smart_graph.h"
#include "services/match/explain.h"

namespace parley::tools {
namespace {

// The most attendees a b-matching of `graph` can give a meeting, with capacities `cap` and only
// the edges `usable` allows. Gadget: attendee a becomes a "first" node a0 and cap(a) - 1 "more"
// nodes; an edge (a, b) becomes a0-b0 (weight 2: covers both), a0-bj and ai-b0 (weight 1: covers
// one, using the other's further capacity). A maximum-weight matching of the gadget covers as
// many first nodes as possible, and its weight is the number of attendees covered: a pair matched
// twice through two copies covers no more than once, so nothing is over-counted.
template <typename Usable>
int64_t MaxCovered(const match::CandidateGraph& graph, const std::vector<int>& cap,
                   Usable&& usable) {
  const match::Index n = graph.num_nodes();
  lemon::SmartGraph g;
  std::vector<int32_t> first(n, -1);
  for (match::Index a = 0; a < n; ++a) {
    if (cap[a] <= 0) continue;
    first[a] = g.id(g.addNode());
    for (int j = 1; j < cap[a]; ++j) g.addNode();  // ids first[a] + 1 .. first[a] + cap - 1
  }
  std::vector<int8_t> weight;
  auto add = [&](int32_t x, int32_t y, int8_t w) {
    g.addEdge(g.nodeFromId(x), g.nodeFromId(y));
    weight.push_back(w);
  };
  for (match::Index a = 0; a < n; ++a) {
    for (uint64_t i = graph.begin(a); i < graph.end(a); ++i) {
      const match::Index b = graph.neighbors[i];
      if (b <= a || first[a] < 0 || first[b] < 0 || !usable(a, b)) continue;
      add(first[a], first[b], 2);
      for (int j = 1; j < cap[b]; ++j) add(first[a], first[b] + j, 1);
      for (int j = 1; j < cap[a]; ++j) add(first[a] + j, first[b], 1);
    }
  }
  lemon::SmartGraph::EdgeMap<int64_t> w(g);
  for (lemon::SmartGraph::EdgeIt e(g); e != lemon::INVALID; ++e) {
    w[e] = weight[static_cast<size_t>(g.id(e))];
  }
  lemon::MaxWeightedMatching<lemon::SmartGraph, lemon::SmartGraph::EdgeMap<int64_t>> matching(g, w);
  matching.run();
  return matching.matchingWeight();
}

}  // namespace

FairnessFigures MeasureFairness(
    const match::MatchProblem& problem, const match::CandidateGraph& graph,
    const match::ScheduleInput& input, const std::vector<match::Meeting>& meetings,
    const std::vector<std::pair<match::Index, match::Index>>& known_pairs) {
  FairnessFigures f;
  const match::Index n = graph.num_nodes();
  std::vector<int32_t> count(n, 0);
  for (const match::Meeting& m : meetings) {
    ++count[m.a];
    ++count[m.b];
    if (std::binary_search(known_pairs.begin(), known_pairs.end(),
                           std::make_pair(std::min(m.a, m.b), std::max(m.a, m.b)))) {
      ++f.known_pairs_proposed;
    }
  }
  const match::SlotMask all = input.num_slots >= match::kMaxSlots
                                  ? ~match::SlotMask{0}
                                  : (match::SlotMask{1} << input.num_slots) - 1;
  std::vector<int> cap(n, 0);
  for (match::Index a = 0; a < n; ++a) {
    const match::AttendeeSlots& s = input.attendees[a];
    cap[a] = std::max(0, std::min(s.budget, __builtin_popcountll(s.availability & all)));
  }
  // An edge can carry a meeting when both have capacity and a common slot.
  auto usable = [&](match::Index a, match::Index b) {
    return cap[a] > 0 && cap[b] > 0 &&
           (input.attendees[a].availability & input.attendees[b].availability & all) != 0;
  };
  int64_t with_edge = 0, covered = 0, outside_only_left = 0;
  for (match::Index a = 0; a < n; ++a) {
    if (cap[a] == 0) continue;
    bool edge = false;
    for (uint64_t i = graph.begin(a); i < graph.end(a) && !edge; ++i) {
      edge = usable(a, graph.neighbors[i]);
    }
    bool feasible = edge;
    if (!feasible && a < problem.num_attendees()) {
      const match::CandidateDiagnosis d = match::DiagnoseCandidates(problem, a);
      feasible = !d.opted_out && !d.no_availability && d.feasible > 0;
    }
    with_edge += edge ? 1 : 0;
    covered += count[a] > 0 ? 1 : 0;
    if (feasible) f.feasible_capacity += cap[a];
    if (count[a] == 0) {
      ++f.zero_meeting_attendees;
      f.zero_meeting_with_feasible_partner += feasible ? 1 : 0;
      outside_only_left += feasible && !edge ? 1 : 0;
    }
  }
  f.left_out = f.zero_meeting_with_feasible_partner;
  if (f.zero_meeting_with_feasible_partner > 0) {
    f.max_covered = MaxCovered(graph, cap, usable);
    f.zero_meeting_unavoidable = with_edge - f.max_covered;
    f.left_out = f.max_covered - covered + outside_only_left;
  }
  f.budget_filled_fraction = f.feasible_capacity > 0 ? 2.0 * static_cast<double>(meetings.size()) /
                                                           static_cast<double>(f.feasible_capacity)
                                                     : 1.0;
  return f;
}

}  // namespace parley::tools
