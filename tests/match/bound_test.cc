#include "services/match/bound.h"

#include "gtest/gtest.h"
#include "services/match/schedule.h"
#include "tools/match/schedule_testgraph.h"

namespace parley::match {
namespace {

ScheduleInput Uniform(Index n, int32_t budget, int slots) {
  ScheduleInput input;
  input.num_slots = slots;
  input.attendees.assign(n, AttendeeSlots{budget, (SlotMask{1} << slots) - 1, false});
  return input;
}

TEST(BoundTest, TriangleHasTheHalfIntegralLpValue) {
  const CandidateGraph graph = BuildCandidateGraph(3, {{0, 1, 10}, {1, 2, 10}, {0, 2, 10}});
  for (auto algorithm :
       {BoundOptions::Algorithm::kCostScaling, BoundOptions::Algorithm::kNetworkSimplex}) {
    BoundOptions options;
    options.algorithm = algorithm;
    auto bound = ComputeUpperBound(graph, Uniform(3, 1, 1), options);
    ASSERT_TRUE(bound.ok()) << bound.status();
    EXPECT_EQ(*bound, 15);  // x = 1/2 on each edge; any schedule gets 10
  }
}

TEST(BoundTest, PathIsExact) {
  const CandidateGraph graph = BuildCandidateGraph(4, {{0, 1, 5}, {1, 2, 7}, {2, 3, 5}});
  auto bound = ComputeUpperBound(graph, Uniform(4, 1, 3));
  ASSERT_TRUE(bound.ok());
  EXPECT_EQ(*bound, 10);
}

TEST(BoundTest, DegreeIsLimitedByAvailableSlotsAndInfeasiblePairsDoNotCount) {
  const CandidateGraph graph = BuildCandidateGraph(3, {{0, 1, 5}, {0, 2, 7}});
  ScheduleInput input = Uniform(3, 4, 2);
  input.attendees[0].availability = 1;  // one slot: one meeting at most
  auto bound = ComputeUpperBound(graph, input);
  ASSERT_TRUE(bound.ok());
  EXPECT_EQ(*bound, 7);
  input.attendees[2].availability = 2;  // no common slot with 0
  bound = ComputeUpperBound(graph, input);
  ASSERT_TRUE(bound.ok());
  EXPECT_EQ(*bound, 5);
  input.attendees[1].budget = 0;
  bound = ComputeUpperBound(graph, input);
  ASSERT_TRUE(bound.ok());
  EXPECT_EQ(*bound, 0);
}

TEST(BoundTest, BoundsEverySchedule) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    TestEventOptions o;
    o.attendees = 300;
    o.seed = seed;
    o.tables = seed % 2 == 0 ? 50 : 0;
    const TestEvent event = MakeTestEvent(o);
    auto bound = ComputeUpperBound(event.graph, event.input);
    ASSERT_TRUE(bound.ok());
    auto network =
        ComputeUpperBound(event.graph, event.input, {BoundOptions::Algorithm::kNetworkSimplex});
    ASSERT_TRUE(network.ok());
    EXPECT_EQ(*bound, *network);
    auto built = BuildSchedule(event.graph, event.input, {});
    ASSERT_TRUE(built.ok());
    EXPECT_LE(built->report.weight, *bound);
    SetUpperBound(*bound, &built->report);
    EXPECT_GT(built->report.quality, 0.9);
    EXPECT_LE(built->report.quality, 1.0);
  }
}

}  // namespace
}  // namespace parley::match
