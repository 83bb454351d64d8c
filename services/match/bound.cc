#include "services/match/bound.h"

#include <algorithm>
#include <vector>

#include "absl/status/status.h"

// LEMON's SmartDigraph::addArc pushes a default-constructed arc record and sets its fields right
// after. Inlined here, GCC 12 warns that they "may be used uninitialized", six times on every
// build, from Debian's headers: a false positive that buries real warnings. Silenced for this
// file only, and before the includes, since the warning points into them.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "lemon/cost_scaling.h"
#include "lemon/network_simplex.h"
#include "lemon/smart_graph.h"

namespace parley::match {
namespace {

using Digraph = lemon::SmartDigraph;
using ArcMap = Digraph::ArcMap<int64_t>;
using NodeMap = Digraph::NodeMap<int64_t>;

template <typename Solver>
absl::StatusOr<int64_t> Solve(const Digraph& g, const ArcMap& capacity, const ArcMap& cost,
                              const NodeMap& supply) {
  Solver solver(g);
  solver.upperMap(capacity).costMap(cost).supplyMap(supply);
  if (solver.run() != Solver::OPTIMAL) {
    return absl::InternalError("upper bound: min-cost flow not optimal");
  }
  return solver.template totalCost<int64_t>();
}

}  // namespace

absl::StatusOr<int64_t> ComputeUpperBound(const CandidateGraph& graph, const ScheduleInput& input,
                                          const BoundOptions& options) {
  absl::Status valid = ValidateScheduleInput(graph, input);
  if (!valid.ok()) return valid;
  if (Cancelled(options.cancel)) return CancelledStatus("the upper bound");
  const Index n = graph.num_nodes();
  const SlotMask all = input.num_slots >= 64 ? ~SlotMask{0} : (SlotMask{1} << input.num_slots) - 1;
  std::vector<int32_t> cap(n);
  for (Index u = 0; u < n; ++u) {
    const AttendeeSlots& a = input.attendees[u];
    cap[u] = std::min<int32_t>(a.budget, __builtin_popcountll(a.availability & all));
  }
  // Only attendees with at least one feasible arc get nodes.
  std::vector<int32_t> left(n, -1);
  int64_t arcs = 0;
  int32_t nodes = 3;  // source, sink, hub
  for (Index u = 0; u < n; ++u) {
    if (cap[u] <= 0) continue;
    int64_t feasible = 0;
    for (uint64_t i = graph.begin(u); i < graph.end(u); ++i) {
      const Index v = graph.neighbors[i];
      feasible += cap[v] > 0 &&
                  (input.attendees[u].availability & input.attendees[v].availability & all) != 0;
    }
    if (feasible == 0) continue;
    left[u] = nodes;
    nodes += 2;
    arcs += feasible + 2;
  }
  Digraph g;
  g.reserveNode(nodes);
  g.reserveArc(arcs + 2);
  for (int32_t i = 0; i < nodes; ++i) g.addNode();
  const Digraph::Node source = g.nodeFromId(0);
  const Digraph::Node sink = g.nodeFromId(1);
  // All left copies hang off a hub whose arc from the source carries at most two units per
  // table: a meeting is two units of flow, and no schedule has more meetings than tables.
  const Digraph::Node hub = g.nodeFromId(2);
  std::vector<int64_t> arc_capacity, arc_cost;
  arc_capacity.reserve(static_cast<size_t>(arcs + 2));
  arc_cost.reserve(static_cast<size_t>(arcs + 2));
  int64_t total = 0;
  for (Index u = 0; u < n; ++u) {
    if (left[u] < 0) continue;
    g.addArc(hub, g.nodeFromId(left[u]));
    g.addArc(g.nodeFromId(left[u] + 1), sink);
    arc_capacity.insert(arc_capacity.end(), {cap[u], cap[u]});
    arc_cost.insert(arc_cost.end(), {0, 0});
    total += cap[u];
    for (uint64_t i = graph.begin(u); i < graph.end(u); ++i) {
      const Index v = graph.neighbors[i];
      if (left[v] < 0 ||
          (input.attendees[u].availability & input.attendees[v].availability & all) == 0) {
        continue;
      }
      g.addArc(g.nodeFromId(left[u]), g.nodeFromId(left[v] + 1));
      arc_capacity.push_back(1);
      arc_cost.push_back(-static_cast<int64_t>(graph.weights[i]));
    }
  }
  int64_t tables = 0;
  for (int s = 0; s < input.num_slots; ++s) {
    for (const Location& loc : input.locations) tables += loc.TablesIn(s);
  }
  g.addArc(source, hub);
  arc_capacity.push_back(input.locations.empty() ? total : std::min(total, 2 * tables));
  arc_cost.push_back(0);
  // Bypass: the flow need not saturate anyone.
  g.addArc(source, sink);
  arc_capacity.push_back(total);
  arc_cost.push_back(0);

  ArcMap capacity(g), cost(g);
  for (Digraph::ArcIt a(g); a != lemon::INVALID; ++a) {
    capacity[a] = arc_capacity[static_cast<size_t>(g.id(a))];
    cost[a] = arc_cost[static_cast<size_t>(g.id(a))];
  }
  arc_capacity = {};
  arc_cost = {};
  NodeMap supply(g, 0);
  supply[source] = total;
  supply[sink] = -total;
  if (Cancelled(options.cancel)) return CancelledStatus("the upper bound");
  absl::StatusOr<int64_t> flow_cost =
      options.algorithm == BoundOptions::Algorithm::kNetworkSimplex
          ? Solve<lemon::NetworkSimplex<Digraph, int64_t, int64_t>>(g, capacity, cost, supply)
          : Solve<lemon::CostScaling<Digraph, int64_t, int64_t>>(g, capacity, cost, supply);
  if (!flow_cost.ok()) return flow_cost.status();
  // LP optimum = -flow_cost / 2; integral schedules cannot exceed its floor.
  return (-*flow_cost) / 2;
}

}  // namespace parley::match
