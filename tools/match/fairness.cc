#include "tools/match/fairness.h"

#include <algorithm>

#include "services/match/explain.h"

namespace parley::tools {

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
  for (match::Index a = 0; a < n; ++a) {
    const match::AttendeeSlots& s = input.attendees[a];
    const int slots = __builtin_popcountll(s.availability & all);
    if (s.budget <= 0 || slots == 0) continue;
    bool feasible = graph.degree(a) > 0;
    if (!feasible && a < problem.num_attendees()) {
      const match::CandidateDiagnosis d = match::DiagnoseCandidates(problem, a);
      feasible = !d.opted_out && !d.no_availability && d.feasible > 0;
    }
    if (feasible) f.feasible_capacity += std::min(s.budget, slots);
    if (count[a] == 0) {
      ++f.zero_meeting_attendees;
      f.zero_meeting_with_feasible_partner += feasible ? 1 : 0;
    }
  }
  f.budget_filled_fraction = f.feasible_capacity > 0 ? 2.0 * static_cast<double>(meetings.size()) /
                                                           static_cast<double>(f.feasible_capacity)
                                                     : 1.0;
  return f;
}

}  // namespace parley::tools
