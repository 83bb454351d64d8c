// Cancellation (cancel.h): every long loop of the engine stops soon after its flag is raised, and
// an unraised flag changes nothing. The flag is raised before the call, so that where each loop
// stops is deterministic: within its first poll period (1,024 steps) or at its first check.
#include "services/match/cancel.h"

#include <atomic>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "services/match/bmatching.h"
#include "services/match/bound.h"
#include "services/match/candidates.h"
#include "services/match/room.h"
#include "services/match/schedule.h"
#include "services/match/schedule_engine.h"
#include "tools/match/schedule_testgraph.h"
#include "tools/match/synth.h"

namespace parley::match {
namespace {

TestEvent Event() {
  TestEventOptions o;
  o.attendees = 2000;
  o.slots = 6;
  o.partners_per_attendee = 12;
  o.tables = 240;
  o.seed = 3;
  return MakeTestEvent(o);
}

MatchProblem Problem(int attendees) {
  synth::SynthOptions options;
  options.attendees = attendees;
  options.seed = 5;
  absl::StatusOr<MatchProblem> problem =
      MatchProblem::Create(synth::GenerateEvent(options).ToMatchInput());
  EXPECT_TRUE(problem.ok()) << problem.status();
  return *std::move(problem);
}

TEST(CancelTest, PollSeesTheFlagWithinOnePeriodAndThenAlways) {
  CancelFlag flag{false};
  CancelPoll poll(&flag);
  for (int i = 0; i < 5000; ++i) ASSERT_FALSE(poll.Poll());
  flag.store(true);
  int steps = 1;
  while (!poll.Poll()) ++steps;
  EXPECT_LE(steps, 1024);
  flag.store(false);
  EXPECT_TRUE(poll.Poll());
  CancelPoll none(nullptr);
  EXPECT_FALSE(none.Poll());
  EXPECT_FALSE(Cancelled(nullptr));
}

TEST(CancelTest, ARaisedFlagStopsEveryScheduleEntryPoint) {
  const TestEvent event = Event();
  CancelFlag flag{true};
  ScheduleOptions options;
  options.cancel = &flag;
  for (bool bmatching : {true, false}) {
    options.bmatching_start = bmatching;
    absl::StatusOr<Schedule> schedule = BuildSchedule(event.graph, event.input, options);
    EXPECT_TRUE(absl::IsCancelled(schedule.status())) << schedule.status();
    EXPECT_EQ(schedule.status().message(), "cancelled during scheduling");
  }
  BoundOptions bound;
  bound.cancel = &flag;
  EXPECT_TRUE(absl::IsCancelled(ComputeUpperBound(event.graph, event.input, bound).status()));
}

TEST(CancelTest, AnUnraisedFlagChangesNothing) {
  const TestEvent event = Event();
  CancelFlag flag{false};
  ScheduleOptions with;
  with.cancel = &flag;
  absl::StatusOr<Schedule> a = BuildSchedule(event.graph, event.input, with);
  absl::StatusOr<Schedule> b = BuildSchedule(event.graph, event.input, ScheduleOptions());
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->meetings.size(), b->meetings.size());
  for (size_t i = 0; i < a->meetings.size(); ++i) {
    EXPECT_EQ(a->meetings[i].a, b->meetings[i].a);
    EXPECT_EQ(a->meetings[i].b, b->meetings[i].b);
    EXPECT_EQ(a->meetings[i].slot, b->meetings[i].slot);
    EXPECT_EQ(a->meetings[i].table, b->meetings[i].table);
  }
  BoundOptions bound;
  bound.cancel = &flag;
  EXPECT_EQ(ComputeUpperBound(event.graph, event.input, bound).value(),
            ComputeUpperBound(event.graph, event.input).value());
}

// The engine's loops themselves, not only BuildSchedule's checks between them.
TEST(CancelTest, TheEnginesLoopsStopWithinOnePollPeriod) {
  const TestEvent event = Event();
  const Index n = event.graph.num_nodes();
  CancelFlag flag{true};
  {
    internal::ScheduleEngine engine(&event.graph, event.input, 1);
    engine.SetCancel(&flag);
    engine.Greedy();
    EXPECT_EQ(engine.meetings(), 0);  // stopped before its first bucket of edges
    engine.LocalSearch(/*everyone=*/true, int64_t{64} * n);
    // Everyone was queued; at most one poll period of them was looked at.
    EXPECT_GE(engine.Pending().size(), static_cast<size_t>(n) - 1024);
  }
  {
    internal::ScheduleEngine engine(&event.graph, event.input, 1);
    engine.LocalSearch(/*everyone=*/true, int64_t{64} * n);
    EXPECT_TRUE(engine.Pending().empty());
    EXPECT_GT(engine.meetings(), 0);
  }
  {
    std::vector<int32_t> capacity(n, 3);
    std::vector<SlotMask> availability(n, 0x3F);
    BMatchingOptions options;
    BMatchingStats cancelled, full;
    options.cancel = &flag;
    MaxWeightBMatching(event.graph, capacity, availability, options, &cancelled);
    options.cancel = nullptr;
    MaxWeightBMatching(event.graph, capacity, availability, options, &full);
    EXPECT_LT(cancelled.bids, full.bids / 4);
  }
}

TEST(CancelTest, ARaisedFlagLeavesCandidateListsUnbuilt) {
  CancelFlag flag{true};
  CandidateOptions options;
  options.threads = 2;
  options.cancel = &flag;
  const CandidateIndex cancelled = CandidateIndex::Build(Problem(2000), options);
  options.cancel = nullptr;
  const CandidateIndex built = CandidateIndex::Build(Problem(2000), options);
  size_t cancelled_entries = 0, built_entries = 0;
  for (Index a = 0; a < built.num_attendees(); ++a) {
    cancelled_entries += cancelled.TopK(a).size();
    built_entries += built.TopK(a).size();
  }
  EXPECT_EQ(cancelled_entries, 0u);
  EXPECT_GT(built_entries, 0u);

  // ScheduleWithRoom stops before its first schedule, and between its searches.
  CandidateGraph graph = built.Graph();
  ScheduleInput input;
  input.num_slots = 6;
  input.attendees.assign(built.num_attendees(), AttendeeSlots{3, 0x3F, false});
  ScheduleOptions schedule;
  schedule.cancel = &flag;
  absl::StatusOr<Schedule> room = ScheduleWithRoom(built, &graph, input, schedule);
  EXPECT_TRUE(absl::IsCancelled(room.status())) << room.status();
}

}  // namespace
}  // namespace parley::match
