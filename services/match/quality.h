#ifndef PARLEY_SERVICES_MATCH_QUALITY_H_
#define PARLEY_SERVICES_MATCH_QUALITY_H_

// What a schedule is worth and who it leaves out: the report every scheduling run returns.

#include <cstdint>
#include <vector>

#include "services/match/graph.h"

namespace parley::match {

struct ScheduleInput;
struct Meeting;

struct QualityReport {
  int64_t weight = 0;  // sum of meeting weights
  // Upper bound on any schedule's weight (bound.h); 0 = not computed yet.
  int64_t bound = 0;
  // weight / bound; 0 while the bound is unknown.
  double quality = 0;
  int64_t meetings = 0;
  // meetings_per_attendee[k] = attendees (budget > 0) with exactly k meetings.
  std::vector<int64_t> meetings_per_attendee;
  // Gini coefficient of meetings per attendee over attendees with budget > 0 (0 = all equal).
  double gini = 0;
  // Attendees with no meeting, by reason (exclusive, checked in this order):
  int64_t zero_opted_out = 0;            // budget 0
  int64_t zero_no_availability = 0;      // no slot available
  int64_t zero_no_feasible_partner = 0;  // no neighbour with budget > 0 and a common slot
  int64_t zero_left_out = 0;             // had a feasible partner; the schedule gave them none
  // Chosen meetings that could not be placed in a slot (and so are not in the schedule).
  int64_t meetings_unplaced = 0;
  // Weight given up so that everyone feasible gets a meeting (weight before the fairness pass
  // minus weight after; 0 when fairness cost nothing or was not requested).
  int64_t fairness_cost = 0;
};

// Fills everything except bound, quality, meetings_unplaced and fairness_cost from the meetings.
QualityReport MakeQualityReport(const CandidateGraph& graph, const ScheduleInput& input,
                                const std::vector<Meeting>& meetings);

// Records the bound and the quality ratio.
void SetUpperBound(int64_t bound, QualityReport* report);

}  // namespace parley::match

#endif  // PARLEY_SERVICES_MATCH_QUALITY_H_
