#include "services/match/graph.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace parley::match {

CandidateGraph BuildCandidateGraph(Index num_nodes, std::vector<WeightedEdge> edges) {
  // Both directions, then sort by (from, to, weight desc) so the first of a run of duplicates is
  // the heaviest.
  std::vector<WeightedEdge> directed;
  directed.reserve(edges.size() * 2);
  for (const WeightedEdge& e : edges) {
    assert(e.a != e.b && e.a < num_nodes && e.b < num_nodes);
    directed.push_back(e);
    directed.push_back({e.b, e.a, e.weight});
  }
  edges.clear();
  edges.shrink_to_fit();
  std::sort(directed.begin(), directed.end(), [](const WeightedEdge& x, const WeightedEdge& y) {
    if (x.a != y.a) return x.a < y.a;
    if (x.b != y.b) return x.b < y.b;
    return x.weight > y.weight;
  });
  CandidateGraph graph;
  graph.offsets.assign(static_cast<size_t>(num_nodes) + 1, 0);
  graph.neighbors.reserve(directed.size());
  graph.weights.reserve(directed.size());
  for (size_t i = 0; i < directed.size(); ++i) {
    if (i > 0 && directed[i].a == directed[i - 1].a && directed[i].b == directed[i - 1].b) {
      continue;
    }
    graph.neighbors.push_back(directed[i].b);
    graph.weights.push_back(directed[i].weight);
    ++graph.offsets[directed[i].a + 1];
  }
  for (Index a = 0; a < num_nodes; ++a) graph.offsets[a + 1] += graph.offsets[a];
  return graph;
}

}  // namespace parley::match
