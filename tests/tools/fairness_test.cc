#include "tools/match/fairness.h"

#include <vector>

#include "gtest/gtest.h"
#include "services/match/graph.h"
#include "services/match/schedule.h"
#include "services/match/scoring.h"

namespace parley::tools {
namespace {

using match::AttendeeSlots;
using match::Meeting;

TEST(FairnessTest, AttendeesSharingOneFullPartnerAreNotCountedAsLeftOut) {
  // Four attendees whose only partner (4) has a budget of 1: whoever meets 4, the other three
  // cannot meet anybody. Attendee 5 could meet 6 but does not: left out.
  match::ScheduleInput input;
  input.num_slots = 2;
  input.attendees.assign(7, AttendeeSlots{2, 0b11, false});
  input.attendees[4].budget = 1;
  const match::CandidateGraph graph =
      match::BuildCandidateGraph(7, {{0, 4, 5}, {1, 4, 5}, {2, 4, 5}, {3, 4, 5}, {5, 6, 5}});
  const match::MatchProblem no_profiles;
  const std::vector<Meeting> meetings = {{0, 4, 0, -1, -1, 5}};
  FairnessFigures f = MeasureFairness(no_profiles, graph, input, meetings, {});
  EXPECT_EQ(f.zero_meeting_attendees, 5);
  EXPECT_EQ(f.zero_meeting_with_feasible_partner, 5);
  EXPECT_EQ(f.max_covered, 4);  // 4 and one of 0-3, 5 and 6
  EXPECT_EQ(f.zero_meeting_unavoidable, 3);
  EXPECT_EQ(f.left_out, 2);  // 5 and 6

  const std::vector<Meeting> better = {{0, 4, 0, -1, -1, 5}, {5, 6, 0, -1, -1, 5}};
  f = MeasureFairness(no_profiles, graph, input, better, {});
  EXPECT_EQ(f.zero_meeting_unavoidable, 3);
  EXPECT_EQ(f.left_out, 0);
}

TEST(FairnessTest, APartnerWithSpareBudgetCoversTwoThroughItsOtherCopies) {
  // 0 (budget 3) can meet 1, 2 and 3, who have no one else: all four can be covered.
  match::ScheduleInput input;
  input.num_slots = 3;
  input.attendees.assign(4, AttendeeSlots{1, 0b111, false});
  input.attendees[0].budget = 3;
  const match::CandidateGraph graph =
      match::BuildCandidateGraph(4, {{0, 1, 5}, {0, 2, 5}, {0, 3, 5}});
  const match::MatchProblem no_profiles;
  const FairnessFigures f = MeasureFairness(no_profiles, graph, input, {{0, 1, 0, -1, -1, 5}}, {});
  EXPECT_EQ(f.max_covered, 4);
  EXPECT_EQ(f.zero_meeting_unavoidable, 0);
  EXPECT_EQ(f.left_out, 2);
}

}  // namespace
}  // namespace parley::tools
