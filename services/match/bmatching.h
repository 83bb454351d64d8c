#ifndef PARLEY_SERVICES_MATCH_BMATCHING_H_
#define PARLEY_SERVICES_MATCH_BMATCHING_H_

// A near-optimal maximum-weight b-matching that ignores slots: the choice of meetings before they
// are placed (schedule.cc). Pure C++; no dependencies beyond the graph.
//
// Problem: choose pairs {u, v} of the candidate graph, each at most once, so that u is in at most
// capacity[u] pairs, maximising the total weight. Only pairs with capacity > 0 at both ends and a
// common available slot (availability[u] & availability[v] != 0) may be chosen.
//
// Method: a forward auction (Bertsekas) on the bipartite double cover: every attendee is a bidder
// with capacity[u] hands and an object with capacity[u] copies; u holding a copy of v is the arc
// u -> v. Prices start at 0 and only rise; a bidder with free hands bids for its best objects by
// value (weight - price) against staying unmatched (value 0). At the end every hand is within
// epsilon of its best choice and every priced copy is held, so the arcs are an optimum of the
// double cover's LP (whose value bound.h computes) up to epsilon per hand. Rounding: pairs held
// from both sides are taken; the one-sided pairs (the half-integral part) are cut into walks and
// each walk keeps its heavier alternate half; pairs left out are offered again while both ends
// have room. No optimality certificate: bound.h gives that. Scaling epsilon down in phases was
// tried and dropped: without a reverse auction the copies released between phases must restart
// at price 0, and the last phase then costs as much as a single one.
//
// Deterministic: the same input gives the same pairs (no randomness, no threads).

#include <cstdint>
#include <utility>
#include <vector>

#include "services/match/cancel.h"
#include "services/match/graph.h"
#include "services/match/huge_pages.h"

namespace parley::match {

struct BMatchingOptions {
  // The auction's epsilon: each bid raises a price by at least this much. Smaller is closer to
  // the optimum and slower: the auction's part of the gap to the LP optimum is at most epsilon
  // per bidder hand (sum of capacities), and its number of bids grows about as 1 / epsilon.
  // epsilon > 0: in weight units. 0 (default): epsilon_ratio times the mean weight of the
  // feasible pairs (at least 1; 1 when the ratio is not positive), so that the trade-off does not
  // depend on the weights' scale.
  int32_t epsilon = 0;
  // Default 0.08. On parley-bench's events (mean pair weight ~8,000 at 20,000 attendees, ~13,000
  // at 150,000): the auction's double-cover value within 0.2% of the LP bound, the rounded pairs
  // 0.995-0.996 of it; 0.05 gives ~+0.07% for ~+20% time, 0.12 ~-0.1% for ~-15%.
  double epsilon_ratio = 0.08;
  // Polled between bids (cancel.h); once raised the auction stops and the pairs returned are a
  // valid but poor b-matching, for the caller to discard. Not owned. Default: none.
  const CancelFlag* cancel = nullptr;
};

struct BMatchingStats {
  int64_t bids = 0;          // objects bid on (one per hand)
  int64_t two_sided = 0;     // pairs bid on from both sides (taken as they are)
  int64_t one_sided = 0;     // pairs bid on from one side only (rounded)
  int64_t double_cover = 0;  // the auction's value on the double cover (half is an LP value)
  int64_t weight = 0;        // total weight of the returned pairs
  int32_t epsilon = 0;       // the epsilon used
};

// Returns the chosen pairs (a < b), heaviest first, ties by (a, b). `capacity` and
// `availability` have one entry per graph node; capacities above 255 are treated as 255.
// `heaviest_first`, when given, is the graph's adjacency again with each list sorted heaviest
// first (ties by index), at the graph's offsets: it saves sorting them.
std::vector<WeightedEdge> MaxWeightBMatching(
    const CandidateGraph& graph, const std::vector<int32_t>& capacity,
    const std::vector<SlotMask>& availability, const BMatchingOptions& options,
    BMatchingStats* stats = nullptr,
    const HugePageVector<std::pair<Index, Weight>>* heaviest_first = nullptr);

}  // namespace parley::match

#endif  // PARLEY_SERVICES_MATCH_BMATCHING_H_
