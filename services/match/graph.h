#ifndef PARLEY_SERVICES_MATCH_GRAPH_H_
#define PARLEY_SERVICES_MATCH_GRAPH_H_

// The contract between candidate generation (candidates.h) and scheduling (schedule.h): an
// undirected, weighted graph over the attendees of one event. Pure data; no dependencies.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace parley::match {

// Dense attendee index inside one matching problem, 0 .. n-1. Mapping to stored attendee ids is
// the caller's business.
using Index = uint32_t;

// Quantised pair weight. Integers so that exact solvers, LP bounds and comparisons are exact and
// deterministic. Candidate edges always carry weight >= 1.
using Weight = int32_t;

// Slots of an event are numbered 0 .. kMaxSlots-1; an attendee's availability is a bit mask.
inline constexpr int kMaxSlots = 64;
using SlotMask = uint64_t;

// Symmetric candidate graph in CSR form.
// Invariants: offsets.size() == n + 1, offsets[0] == 0, offsets[n] == neighbors.size() ==
// weights.size(); each node's neighbours are sorted ascending with no duplicates and no self
// loops; edge {a, b} appears in both lists with the same weight.
struct CandidateGraph {
  std::vector<uint64_t> offsets{0};
  std::vector<Index> neighbors;
  std::vector<Weight> weights;

  Index num_nodes() const { return static_cast<Index>(offsets.size() - 1); }
  // Undirected edges.
  size_t num_edges() const { return neighbors.size() / 2; }
  uint64_t begin(Index a) const { return offsets[a]; }
  uint64_t end(Index a) const { return offsets[a + 1]; }
  uint64_t degree(Index a) const { return offsets[a + 1] - offsets[a]; }
};

struct WeightedEdge {
  Index a;
  Index b;
  Weight weight;
};

// Builds a CandidateGraph with `num_nodes` nodes from undirected edges (each given once, in any
// order, a != b). Duplicate pairs keep the largest weight. O(E log E).
CandidateGraph BuildCandidateGraph(Index num_nodes, std::vector<WeightedEdge> edges);

}  // namespace parley::match

#endif  // PARLEY_SERVICES_MATCH_GRAPH_H_
