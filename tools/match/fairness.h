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
  // What any schedule on this candidate graph could do at most, so that "left out" means
  // someone the schedule could have covered, not someone whose only partners' budgets are needed
  // by people with no other partner (four attendees whose one feasible partner has a budget of 1
  // cannot all meet). `max_covered`: the most attendees with at least one meeting over all
  // b-matchings of the graph (budgets min(budget, available slots), pairs with a common slot;
  // slots otherwise ignored, so an upper bound), computed exactly with LEMON's maximum-weight
  // matching on a gadget graph, only when zero_meeting_with_feasible_partner > 0 (else -1).
  int64_t max_covered = -1;
  // Attendees without a meeting whom no schedule on the graph could cover besides everyone it
  // covers: (attendees with a feasible edge) - max_covered.
  int64_t zero_meeting_unavoidable = 0;
  // The bar (0): zero_meeting_with_feasible_partner - zero_meeting_unavoidable, i.e. max_covered
  // minus the attendees the schedule covers, plus those whose feasible partners are all outside
  // the graph.
  int64_t left_out = 0;
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
