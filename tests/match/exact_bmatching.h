#ifndef PARLEY_TESTS_MATCH_EXACT_BMATCHING_H_
#define PARLEY_TESTS_MATCH_EXACT_BMATCHING_H_

// Test oracle: the exact maximum-weight b-matching (slots ignored, degree <= min(budget, slots),
// pairs with a common available slot only) by the textbook reduction to a matching, solved with
// LEMON's MaxWeightedMatching. Small graphs only.

#include <algorithm>
#include <cstdint>
#include <vector>

#include "lemon/matching.h"
#include "lemon/smart_graph.h"
#include "services/match/graph.h"
#include "services/match/schedule.h"

namespace parley::match {

// Every pair becomes a path u_i - x - y - v_j whose middle edge is taken exactly when the pair is
// not.
inline int64_t ExactBMatching(const CandidateGraph& graph, const ScheduleInput& input) {
  lemon::SmartGraph g;
  lemon::SmartGraph::EdgeMap<int64_t> weight(g);
  std::vector<std::vector<lemon::SmartGraph::Node>> copies(graph.num_nodes());
  const SlotMask all = input.num_slots >= 64 ? ~SlotMask{0} : (SlotMask{1} << input.num_slots) - 1;
  for (Index u = 0; u < graph.num_nodes(); ++u) {
    const int cap = std::min<int>(input.attendees[u].budget,
                                  __builtin_popcountll(input.attendees[u].availability & all));
    for (int i = 0; i < cap; ++i) copies[u].push_back(g.addNode());
  }
  int64_t middle = 0;
  for (Index u = 0; u < graph.num_nodes(); ++u) {
    for (uint64_t i = graph.begin(u); i < graph.end(u); ++i) {
      const Index v = graph.neighbors[i];
      if (v <= u || copies[u].empty() || copies[v].empty() ||
          (input.attendees[u].availability & input.attendees[v].availability & all) == 0) {
        continue;
      }
      const int64_t w = graph.weights[i];
      const auto x = g.addNode();
      const auto y = g.addNode();
      weight[g.addEdge(x, y)] = w;
      middle += w;
      for (auto c : copies[u]) weight[g.addEdge(c, x)] = w;
      for (auto c : copies[v]) weight[g.addEdge(y, c)] = w;
    }
  }
  lemon::MaxWeightedMatching<lemon::SmartGraph, lemon::SmartGraph::EdgeMap<int64_t>> m(g, weight);
  m.run();
  return m.matchingWeight() - middle;
}

}  // namespace parley::match

#endif  // PARLEY_TESTS_MATCH_EXACT_BMATCHING_H_
