#include "services/match/schedule.h"

#include <algorithm>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "services/match/bound.h"
#include "services/match/candidates.h"
#include "services/match/schedule_engine.h"
#include "tests/match/exact_bmatching.h"
#include "tests/testing/temp_dir.h"
#include "tools/match/schedule_testgraph.h"
#include "tools/match/synth.h"

namespace parley::match {
namespace {

struct Shape {
  Index attendees;
  int slots;
  int partners;
  int32_t tables;
};

const Shape kShapes[] = {
    {40, 1, 3, 0},  {60, 3, 4, 0},    {200, 6, 12, 0}, {300, 6, 12, 40},
    {500, 4, 6, 0}, {150, 8, 10, 25}, {80, 2, 12, 0},
};

TestEvent Event(const Shape& shape, uint64_t seed) {
  TestEventOptions o;
  o.attendees = shape.attendees;
  o.slots = shape.slots;
  o.partners_per_attendee = shape.partners;
  o.tables = shape.tables;
  o.seed = seed;
  return MakeTestEvent(o);
}

auto Key(const Meeting& m) {
  return std::make_tuple(m.slot, m.location, m.table, m.a, m.b, m.weight);
}

TEST(ScheduleTest, EveryScheduleKeepsEveryHardConstraint) {
  for (const Shape& shape : kShapes) {
    for (uint64_t seed = 1; seed <= 12; ++seed) {
      const TestEvent event = Event(shape, seed);
      ScheduleOptions options;
      options.seed = seed;
      auto built = BuildSchedule(event.graph, event.input, options);
      ASSERT_TRUE(built.ok()) << built.status();
      EXPECT_TRUE(CheckSchedule(event.graph, event.input, built->meetings).ok())
          << CheckSchedule(event.graph, event.input, built->meetings) << " n=" << shape.attendees
          << " seed=" << seed;
      EXPECT_EQ(built->report.meetings_unplaced, 0);
      auto greedy = GreedySchedule(event.graph, event.input, options);
      ASSERT_TRUE(greedy.ok());
      EXPECT_TRUE(CheckSchedule(event.graph, event.input, greedy->meetings).ok());
      auto exact = ExactPerSlotSchedule(event.graph, event.input, options);
      ASSERT_TRUE(exact.ok());
      EXPECT_TRUE(CheckSchedule(event.graph, event.input, exact->meetings).ok());
    }
  }
}

TEST(ScheduleTest, EveryoneWithAFeasiblePartnerGetsAMeetingWhenTablesSuffice) {
  for (const Shape& shape : kShapes) {
    // A single slot is a plain matching, where a sparse graph may make covering everyone
    // impossible (two leaves on one centre); the guarantee is for realistic shapes.
    if (shape.tables > 0 || shape.slots < 2 || shape.partners < 4) continue;
    for (uint64_t seed = 1; seed <= 12; ++seed) {
      const TestEvent event = Event(shape, seed);
      ScheduleOptions options;
      options.refill_scan_limit = seed % 3 == 0 ? 8 : 0;  // the looser chain search too
      auto built = BuildSchedule(event.graph, event.input, options);
      ASSERT_TRUE(built.ok());
      EXPECT_EQ(built->report.zero_left_out, 0) << "n=" << shape.attendees << " seed=" << seed;
    }
  }
}

TEST(ScheduleTest, FairnessGivesUpWeightToCoverEveryone) {
  // Heaviest choice A-B leaves C and D out; A-C plus B-D covers all four.
  ScheduleInput input;
  input.num_slots = 1;
  input.attendees.assign(4, AttendeeSlots{1, 1, false});
  const CandidateGraph graph = BuildCandidateGraph(4, {{0, 1, 100}, {0, 2, 60}, {1, 3, 1}});
  ScheduleOptions unfair;
  unfair.fairness_first = false;
  auto heavy = BuildSchedule(graph, input, unfair);
  ASSERT_TRUE(heavy.ok());
  EXPECT_EQ(heavy->report.weight, 100);
  auto fair = BuildSchedule(graph, input, {});
  ASSERT_TRUE(fair.ok());
  EXPECT_EQ(fair->report.weight, 61);
  EXPECT_EQ(fair->report.zero_left_out, 0);
  EXPECT_EQ(fair->report.fairness_cost, 39);
}

TEST(ScheduleTest, FairnessFollowsAugmentingPathsOfAnyLength) {
  // r's only partner v1 meets z1 (heavy), z1's only other partner v2 meets z2, ... z4's other
  // partner y has room. Everyone is covered only if each v_i drops z_i for the one before: a
  // path of four moves, beyond a single move or a two-step one.
  constexpr int kLength = 4;
  const Index r = 0, y = 2 * kLength + 1, w = 2 * kLength + 2;
  auto v = [](int i) { return static_cast<Index>(2 * i - 1); };
  auto z = [](int i) { return static_cast<Index>(2 * i); };
  std::vector<WeightedEdge> edges = {{r, v(1), 10}, {z(kLength), y, 10}, {y, w, 1000}};
  for (int i = 1; i <= kLength; ++i) {
    edges.push_back({v(i), z(i), 1000});
    if (i < kLength) edges.push_back({z(i), v(i + 1), 10});
  }
  ScheduleInput input;
  input.num_slots = 3;
  input.attendees.assign(w + 1, AttendeeSlots{1, 0b111, false});
  input.attendees[y].budget = 2;
  const CandidateGraph graph = BuildCandidateGraph(w + 1, edges);
  auto schedule = BuildSchedule(graph, input, {});
  ASSERT_TRUE(schedule.ok()) << schedule.status();
  EXPECT_TRUE(CheckSchedule(graph, input, schedule->meetings).ok());
  std::vector<int> count(w + 1, 0);
  for (const Meeting& m : schedule->meetings) ++count[m.a], ++count[m.b];
  for (Index a = 0; a <= w; ++a) EXPECT_GT(count[a], 0) << "attendee " << a;
  EXPECT_EQ(schedule->report.zero_left_out, 0);
  EXPECT_EQ(schedule->report.weight, 10 * (kLength + 1) + 1000);
}

TEST(ScheduleTest, LocalSearchNeverTakesBothMeetingsOfOneAttendee) {
  // x (budget 2) meets a and b (budget 1 each); a-b alone weighs one more than both, but taking
  // it would leave x with nothing.
  enum : Index { kX, kA, kB };
  ScheduleInput input;
  input.num_slots = 2;
  input.attendees = {{2, 0b11, false}, {1, 0b11, false}, {1, 0b11, false}};
  const CandidateGraph graph = BuildCandidateGraph(3, {{kA, kB, 101}, {kX, kA, 50}, {kX, kB, 50}});
  auto schedule = BuildSchedule(graph, input, {});
  ASSERT_TRUE(schedule.ok());
  EXPECT_EQ(schedule->report.zero_left_out, 0);
  EXPECT_EQ(schedule->report.weight, 100);
  ScheduleOptions unfair;
  unfair.fairness_first = false;
  auto heavy = BuildSchedule(graph, input, unfair);
  ASSERT_TRUE(heavy.ok());
  EXPECT_EQ(heavy->report.weight, 101);
}

TEST(ScheduleTest, KempeFlipFreesASlotWithoutDroppingAMeeting) {
  // Greedy seats y-z (100) in slot 0 and z-q (90) in slot 1; x can only meet y, only in slot 0.
  // Swapping the slots of y-z and z-q frees slot 0 at y, so all three meetings fit.
  enum : Index { kX, kY, kZ, kQ };
  ScheduleInput input;
  input.num_slots = 2;
  input.attendees = {{1, 0b01, false}, {2, 0b11, false}, {2, 0b11, false}, {1, 0b11, false}};
  const CandidateGraph graph = BuildCandidateGraph(4, {{kY, kZ, 100}, {kZ, kQ, 90}, {kX, kY, 80}});
  for (bool fair : {false, true}) {
    ScheduleOptions options;
    options.fairness_first = fair;
    auto schedule = BuildSchedule(graph, input, options);
    ASSERT_TRUE(schedule.ok());
    EXPECT_TRUE(CheckSchedule(graph, input, schedule->meetings).ok());
    EXPECT_EQ(schedule->report.weight, 270) << "fairness_first " << fair;
  }
}

TEST(ScheduleTest, SameInputAndSeedGiveTheSameSchedule) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    const TestEvent event = Event({400, 6, 12, 60}, seed);
    ScheduleOptions options;
    options.seed = seed;
    auto first = BuildSchedule(event.graph, event.input, options);
    auto second = BuildSchedule(event.graph, event.input, options);
    ASSERT_TRUE(first.ok() && second.ok());
    ASSERT_EQ(first->meetings.size(), second->meetings.size());
    for (size_t i = 0; i < first->meetings.size(); ++i) {
      EXPECT_EQ(Key(first->meetings[i]), Key(second->meetings[i]));
    }
  }
}

TEST(ScheduleTest, CachedSearchBoundsMatchTheAgendasAfterEveryPhase) {
  // The chain search prunes with per-attendee bounds kept up to date incrementally (prices,
  // best spare partners, refill values); a stale bound would silently cost weight. Also with a
  // capped refill scan (ScheduleOptions::refill_scan_limit), whose bound must stay an upper one.
  for (const Shape& shape : kShapes) {
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      const TestEvent event = Event(shape, seed);
      internal::ScheduleEngine engine(&event.graph, event.input, seed);
      engine.SetChainDepth(3, 2);
      engine.SetRefillScanLimit(seed % 2 == 0 ? 2 : 0);
      engine.Greedy();
      EXPECT_TRUE(engine.BoundsConsistent()) << "greedy n=" << shape.attendees << " seed=" << seed;
      engine.LocalSearch(/*everyone=*/true, 1 << 20);
      EXPECT_TRUE(engine.BoundsConsistent()) << "search n=" << shape.attendees << " seed=" << seed;
      engine.Fairness(1 << 20);
      EXPECT_TRUE(engine.BoundsConsistent()) << "fair n=" << shape.attendees << " seed=" << seed;
      engine.AssignTables();
      const absl::Status valid = CheckSchedule(event.graph, event.input, engine.Export());
      EXPECT_TRUE(valid.ok()) << valid;
    }
  }
}

TEST(ScheduleTest, CachedSearchBoundsSurviveLiveChanges) {
  // Repairs change prices outside moves (availability, closed slots, new attendees); the
  // background pass then prunes full attendees with the cached refill bounds, which must still
  // be upper bounds.
  for (const Shape& shape : kShapes) {
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      const TestEvent event = Event(shape, seed);
      internal::ScheduleEngine engine(&event.graph, event.input, seed);
      engine.Greedy();
      engine.LocalSearch(/*everyone=*/true, 1 << 20);
      engine.AssignTables();
      const SlotMask all = (SlotMask{1} << shape.slots) - 1;
      for (Index u = 0; u < engine.num_nodes(); u += 5) engine.SetAvailability(u, all);
      EXPECT_TRUE(engine.BoundsConsistent()) << "avail n=" << shape.attendees << " seed=" << seed;
      engine.LocalSearch(/*everyone=*/false, 1 << 20);
      engine.SetOpenSlots(all & ~SlotMask{1});
      EXPECT_TRUE(engine.BoundsConsistent()) << "open n=" << shape.attendees << " seed=" << seed;
      engine.LocalSearch(/*everyone=*/false, 1 << 20);
      const absl::Status valid = CheckSchedule(event.graph, engine.input(), engine.Export());
      EXPECT_TRUE(valid.ok()) << valid;
      std::vector<std::pair<Index, Weight>> edges;
      for (Index v = 0; v < engine.num_nodes(); v += 3) edges.push_back({v, 1000});
      engine.AddAttendee({3, all, false}, edges);
      EXPECT_TRUE(engine.BoundsConsistent()) << "added n=" << shape.attendees << " seed=" << seed;
      engine.LocalSearch(/*everyone=*/false, 1 << 20);
      EXPECT_TRUE(engine.BoundsConsistent()) << "after n=" << shape.attendees << " seed=" << seed;
    }
  }
}

TEST(ScheduleTest, SavedEventsLoadBackTheSame) {
  const testutil::ScopedTempDir dir;
  const TestEvent event = Event({300, 6, 12, 0}, 3);
  ASSERT_TRUE(SaveTestEvent(event, dir.Sub("event.bin")));
  TestEvent loaded;
  ASSERT_TRUE(LoadTestEvent(dir.Sub("event.bin"), &loaded));
  EXPECT_EQ(loaded.graph.offsets, event.graph.offsets);
  EXPECT_EQ(loaded.graph.neighbors, event.graph.neighbors);
  EXPECT_EQ(loaded.graph.weights, event.graph.weights);
  ASSERT_EQ(loaded.input.num_slots, event.input.num_slots);
  ASSERT_EQ(loaded.input.attendees.size(), event.input.attendees.size());
  for (size_t i = 0; i < event.input.attendees.size(); ++i) {
    EXPECT_EQ(loaded.input.attendees[i].budget, event.input.attendees[i].budget);
    EXPECT_EQ(loaded.input.attendees[i].availability, event.input.attendees[i].availability);
    EXPECT_EQ(loaded.input.attendees[i].prefers_quiet, event.input.attendees[i].prefers_quiet);
  }
  EXPECT_FALSE(LoadTestEvent(dir.Sub("missing.bin"), &loaded));
}

TEST(ScheduleTest, ChainsFromFullAttendeesFindMoreWeight) {
  // Deeper chains never lose weight on these events, and the default finds more than single
  // moves (guards the pruning against cutting every chain).
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    const TestEvent event = Event({500, 6, 12, 0}, seed);
    // From the greedy start: the b-matching start leaves little for chains to find.
    ScheduleOptions single;
    single.bmatching_start = false;
    single.chain_depth = 0;
    single.full_chain_depth = 0;
    ScheduleOptions chains;
    chains.bmatching_start = false;
    auto flat = BuildSchedule(event.graph, event.input, single);
    auto deep = BuildSchedule(event.graph, event.input, chains);
    ASSERT_TRUE(flat.ok() && deep.ok());
    EXPECT_GT(deep->report.weight, flat->report.weight) << "seed " << seed;
  }
}

TEST(ScheduleTest, QuietPairsGetQuietTablesFirst) {
  ScheduleInput input;
  input.num_slots = 1;
  input.attendees.assign(4, AttendeeSlots{1, 1, false});
  input.attendees[2].prefers_quiet = true;
  Location loud, quiet;
  loud.tables = 1;
  quiet.tables = 1;
  quiet.quiet = true;
  input.locations = {loud, quiet};
  const CandidateGraph graph = BuildCandidateGraph(4, {{0, 1, 10}, {2, 3, 5}});
  auto built = BuildSchedule(graph, input, {});
  ASSERT_TRUE(built.ok());
  ASSERT_EQ(built->meetings.size(), 2u);
  for (const Meeting& m : built->meetings) {
    EXPECT_EQ(m.location, m.a == 2 ? 1 : 0);
  }
}

TEST(ScheduleTest, TableCapacityLimitsMeetingsPerSlot) {
  const TestEvent base = Event({200, 3, 12, 0}, 3);
  ScheduleInput input = base.input;
  Location room;
  room.tables = 7;
  room.tables_per_slot = {7, 0, 3};
  input.locations = {room};
  auto built = BuildSchedule(base.graph, input, {});
  ASSERT_TRUE(built.ok());
  ASSERT_TRUE(CheckSchedule(base.graph, input, built->meetings).ok());
  int per_slot[3] = {0, 0, 0};
  for (const Meeting& m : built->meetings) ++per_slot[m.slot];
  EXPECT_EQ(per_slot[0], 7);
  EXPECT_EQ(per_slot[1], 0);
  EXPECT_EQ(per_slot[2], 3);
}

// The product's graphs (candidate generation over synthetic profiles) with tables that bind:
// a move whose one side relocated a meeting into the slot whose last table the other side had
// just taken used to overfill the slot, and seating then crashed.
TEST(ScheduleTest, BindingTablesOnCandidateGraphsAreNeverOverfilled) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    synth::SynthOptions synth_options;
    synth_options.attendees = 3000;
    synth_options.slots = 6;
    synth_options.seed = seed;
    const synth::SynthEvent synthetic = synth::GenerateEvent(synth_options);
    absl::StatusOr<MatchProblem> problem = MatchProblem::Create(synthetic.ToMatchInput());
    ASSERT_TRUE(problem.ok()) << problem.status();
    CandidateOptions candidate_options;
    candidate_options.threads = 2;
    const CandidateGraph graph =
        CandidateIndex::Build(*std::move(problem), candidate_options).Graph();
    ScheduleInput input;
    input.num_slots = 6;
    for (const synth::SynthAttendee& a : synthetic.attendees) {
      input.attendees.push_back({a.profile.budget, a.profile.availability, false});
    }
    for (int32_t tables : {150, 400}) {  // about a third / all of what one slot could use
      input.locations = {Location{tables / 2, false, {}}, Location{tables - tables / 2, true, {}}};
      ScheduleOptions options;
      options.seed = seed;
      absl::StatusOr<Schedule> built = BuildSchedule(graph, input, options);
      ASSERT_TRUE(built.ok()) << built.status();
      EXPECT_TRUE(CheckSchedule(graph, input, built->meetings).ok())
          << CheckSchedule(graph, input, built->meetings) << " seed " << seed << " tables "
          << tables;
    }
  }
}

TEST(ScheduleTest, RejectsBadInput) {
  const CandidateGraph graph = BuildCandidateGraph(2, {{0, 1, 3}});
  ScheduleInput input;
  input.num_slots = 0;
  input.attendees.assign(2, AttendeeSlots{1, 1, false});
  EXPECT_EQ(BuildSchedule(graph, input, {}).status().code(), absl::StatusCode::kInvalidArgument);
  input.num_slots = 65;
  EXPECT_EQ(BuildSchedule(graph, input, {}).status().code(), absl::StatusCode::kInvalidArgument);
  input.num_slots = 1;
  input.attendees.resize(3);
  EXPECT_EQ(BuildSchedule(graph, input, {}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ScheduleTest, SmallEventsComeCloseToTheExactOptimumAndNeverExceedTheBound) {
  double worst = 1.0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const TestEvent event = Event({30, 1 + static_cast<int>(seed % 4), 5, 0}, seed);
    const int64_t optimum = ExactBMatching(event.graph, event.input);
    auto bound = ComputeUpperBound(event.graph, event.input);
    ASSERT_TRUE(bound.ok());
    EXPECT_GE(*bound, optimum) << "seed " << seed;
    ScheduleOptions options;
    options.fairness_first = false;
    auto built = BuildSchedule(event.graph, event.input, options);
    ASSERT_TRUE(built.ok());
    EXPECT_LE(built->report.weight, optimum);
    if (optimum > 0) worst = std::min(worst, static_cast<double>(built->report.weight) / optimum);
  }
  EXPECT_GE(worst, 0.9);
}

}  // namespace
}  // namespace parley::match
