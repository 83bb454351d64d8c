#ifndef PARLEY_SERVICES_MATCH_BOUND_H_
#define PARLEY_SERVICES_MATCH_BOUND_H_

// The certificate: an upper bound on the weight of any schedule, so that every run can report
// quality = weight / bound.
//
// The bound is the LP relaxation of the b-matching over the feasible pairs (both attendees have
// budget > 0 and a common available slot), each attendee's degree limited to
// min(budget, available slots), 0 <= x_e <= 1. Slots only tighten the real problem, so this
// bounds every schedule. The LP is solved exactly as a min-cost flow on the bipartite double
// cover (attendee u as a left copy u_L with supply min(budget, slots) and a right copy u_R with
// the same demand, one unit arc u_L -> v_R per direction of each pair): a flow f gives the LP
// point x_uv = (f(u_L,v_R) + f(v_L,u_R)) / 2 and an LP point gives a flow, so the LP optimum is
// half the flow's weight. Weights are integers, so the bound is rounded down. With locations,
// one more constraint: meetings <= tables summed over slots (a capacity of 2 * tables on the arc
// that feeds all left copies).
//
// Pure function; thread-safe for distinct calls. Intended to run on the second core while the
// schedule is served.

#include <cstdint>

#include "absl/status/statusor.h"
#include "services/match/cancel.h"
#include "services/match/graph.h"
#include "services/match/schedule.h"

namespace parley::match {

struct BoundOptions {
  enum class Algorithm { kNetworkSimplex, kCostScaling };
  // LEMON min-cost-flow algorithm. Default: kNetworkSimplex (faster than kCostScaling on the
  // generated events: 0.6 s against 0.9 s at 20,000 attendees).
  Algorithm algorithm = Algorithm::kNetworkSimplex;
  // Polled while the flow network is built and before the solver starts (cancel.h); LEMON's
  // solver itself cannot be interrupted (~0.6 s at 20,000 attendees). Not owned. Default: none.
  const CancelFlag* cancel = nullptr;
};

// INVALID_ARGUMENT on bad input; INTERNAL if LEMON reports the flow infeasible or unbounded
// (it never should: a bypass arc makes zero flow feasible and capacities are finite);
// CANCELLED once options.cancel is raised before the solver starts.
absl::StatusOr<int64_t> ComputeUpperBound(const CandidateGraph& graph, const ScheduleInput& input,
                                          const BoundOptions& options = {});

}  // namespace parley::match

#endif  // PARLEY_SERVICES_MATCH_BOUND_H_
