#include "services/match/quality.h"

#include <algorithm>

#include "services/match/schedule.h"

namespace parley::match {

QualityReport MakeQualityReport(const CandidateGraph& graph, const ScheduleInput& input,
                                const std::vector<Meeting>& meetings) {
  QualityReport report;
  const Index n = static_cast<Index>(input.attendees.size());
  std::vector<int32_t> count(n, 0);
  for (const Meeting& m : meetings) {
    report.weight += m.weight;
    ++count[m.a];
    ++count[m.b];
  }
  report.meetings = static_cast<int64_t>(meetings.size());
  for (Index a = 0; a < n; ++a) {
    const AttendeeSlots& att = input.attendees[a];
    if (att.budget > 0) {
      if (report.meetings_per_attendee.size() <= static_cast<size_t>(count[a])) {
        report.meetings_per_attendee.resize(static_cast<size_t>(count[a]) + 1, 0);
      }
      ++report.meetings_per_attendee[static_cast<size_t>(count[a])];
    }
    if (count[a] > 0) continue;
    if (att.budget <= 0) {
      ++report.zero_opted_out;
    } else if (att.availability == 0) {
      ++report.zero_no_availability;
    } else {
      bool feasible = false;
      if (a < graph.num_nodes()) {
        for (uint64_t i = graph.begin(a); i < graph.end(a) && !feasible; ++i) {
          const AttendeeSlots& other = input.attendees[graph.neighbors[i]];
          feasible = other.budget > 0 && (other.availability & att.availability) != 0;
        }
      }
      if (feasible) {
        ++report.zero_left_out;
      } else {
        ++report.zero_no_feasible_partner;
      }
    }
  }
  // Gini = sum_i (2i - k - 1) x_i / (k sum x), x sorted ascending, i = 1..k. The values are
  // the histogram's, so they come sorted from it.
  std::vector<int64_t> values;
  values.reserve(n);
  for (size_t c = 0; c < report.meetings_per_attendee.size(); ++c) {
    values.insert(values.end(), static_cast<size_t>(report.meetings_per_attendee[c]),
                  static_cast<int64_t>(c));
  }
  const int64_t k = static_cast<int64_t>(values.size());
  int64_t total = 0;
  double acc = 0;
  for (int64_t i = 0; i < k; ++i) {
    total += values[static_cast<size_t>(i)];
    acc += static_cast<double>(2 * (i + 1) - k - 1) *
           static_cast<double>(values[static_cast<size_t>(i)]);
  }
  report.gini = total > 0 ? acc / (static_cast<double>(k) * static_cast<double>(total)) : 0.0;
  return report;
}

void SetUpperBound(int64_t bound, QualityReport* report) {
  report->bound = bound;
  report->quality = bound > 0 ? static_cast<double>(report->weight) / static_cast<double>(bound)
                              : (report->weight == 0 ? 1.0 : 0.0);
}

}  // namespace parley::match
