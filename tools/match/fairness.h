#ifndef PARLEY_TOOLS_MATCH_FAIRNESS_H_
#define PARLEY_TOOLS_MATCH_FAIRNESS_H_

// Who a schedule serves, for the benchmarks (parley-bench, parley-schedule-bench): the figures
// issue 12's bars are stated in, computed the same way for generated and real events.

#include <cstdint>
#include <utility>
#include <vector>

#include "services/match/graph.h"
#include "services/match/schedule.h"
#include "services/match/scoring.h"

namespace parley::tools {

struct FairnessFigures {
  // Attendees with budget > 0 and at least one available slot who got no meeting.
  int64_t zero_meeting_attendees = 0;
  // Of those, the ones with a feasible partner somewhere in the event (an edge of the candidate
  // graph, or else an exact O(N) diagnosis finds a pair with gains both ways that no hard
  // constraint rules out): the "left out". The bar is 0.
  int64_t zero_meeting_with_feasible_partner = 0;
  // Sum over attendees with a feasible partner of min(budget, available slots): what the
  // feasible graph allows at most (an upper bound: partners' budgets may bind first).
  int64_t feasible_capacity = 0;
  // 2 * meetings / feasible_capacity.
  double budget_filled_fraction = 0;
  // Meetings whose pair is in `known_pairs` (sorted, a < b). The bar is 0.
  int64_t known_pairs_proposed = 0;
};

// `graph` is the candidate graph the schedule was built on; `problem` the scoring problem it
// came from (for the exact diagnosis of attendees without an edge).
FairnessFigures MeasureFairness(
    const match::MatchProblem& problem, const match::CandidateGraph& graph,
    const match::ScheduleInput& input, const std::vector<match::Meeting>& meetings,
    const std::vector<std::pair<match::Index, match::Index>>& known_pairs);

}  // namespace parley::tools

#endif  // PARLEY_TOOLS_MATCH_FAIRNESS_H_
