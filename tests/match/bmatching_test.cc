#include "services/match/bmatching.h"

#include <algorithm>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"
#include "services/match/schedule.h"
#include "services/match/schedule_engine.h"
#include "tests/match/exact_bmatching.h"
#include "tools/match/schedule_testgraph.h"

namespace parley::match {
namespace {

struct Problem {
  TestEvent event;
  std::vector<int32_t> capacity;
  std::vector<SlotMask> availability;
};

Problem MakeProblem(Index attendees, int slots, int partners, uint64_t seed, int32_t tables = 0) {
  TestEventOptions o;
  o.attendees = attendees;
  o.slots = slots;
  o.partners_per_attendee = partners;
  o.seed = seed;
  o.tables = tables;
  Problem p{MakeTestEvent(o), {}, {}};
  const SlotMask all = (SlotMask{1} << slots) - 1;
  for (const AttendeeSlots& a : p.event.input.attendees) {
    p.availability.push_back(a.availability & all);
    p.capacity.push_back(std::min(a.budget, __builtin_popcountll(a.availability & all)));
  }
  return p;
}

// Every pair is an edge of the graph with its weight, a < b, at most once, with a common
// available slot, and nobody is in more pairs than their capacity.
void ExpectValid(const CandidateGraph& graph, const std::vector<int32_t>& capacity,
                 const std::vector<SlotMask>& availability,
                 const std::vector<WeightedEdge>& pairs) {
  std::vector<int> degree(graph.num_nodes(), 0);
  absl::flat_hash_set<uint64_t> seen;
  for (const WeightedEdge& e : pairs) {
    ASSERT_LT(e.a, e.b);
    ASSERT_LT(e.b, graph.num_nodes());
    EXPECT_TRUE(seen.insert(static_cast<uint64_t>(e.a) << 32 | e.b).second) << e.a << "-" << e.b;
    auto first = graph.neighbors.begin() + static_cast<int64_t>(graph.begin(e.a));
    auto last = graph.neighbors.begin() + static_cast<int64_t>(graph.end(e.a));
    auto it = std::lower_bound(first, last, e.b);
    ASSERT_TRUE(it != last && *it == e.b) << "no edge " << e.a << "-" << e.b;
    EXPECT_EQ(graph.weights[static_cast<size_t>(it - graph.neighbors.begin())], e.weight);
    EXPECT_NE(availability[e.a] & availability[e.b], 0u);
    ++degree[e.a];
    ++degree[e.b];
  }
  for (Index u = 0; u < graph.num_nodes(); ++u) {
    EXPECT_LE(degree[u], std::max(0, capacity[u])) << "attendee " << u;
  }
}

// Each meeting's pair and slot, in the schedule's order.
std::vector<std::tuple<Index, Index, int>> Placed(const std::vector<Meeting>& meetings) {
  std::vector<std::tuple<Index, Index, int>> out;
  for (const Meeting& m : meetings) out.emplace_back(m.a, m.b, m.slot);
  return out;
}

int64_t TotalWeight(const std::vector<WeightedEdge>& pairs) {
  int64_t total = 0;
  for (const WeightedEdge& e : pairs) total += e.weight;
  return total;
}

TEST(BMatchingTest, PairsKeepCapacitiesAvailabilityAndTheGraphOnManyShapes) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    for (int slots : {1, 3, 6}) {
      const Problem p = MakeProblem(200, slots, 8, seed);
      for (int32_t eps : {0, 1, 50}) {
        BMatchingOptions options;
        options.epsilon = eps;
        BMatchingStats stats;
        const auto pairs =
            MaxWeightBMatching(p.event.graph, p.capacity, p.availability, options, &stats);
        ExpectValid(p.event.graph, p.capacity, p.availability, pairs);
        EXPECT_EQ(stats.weight, TotalWeight(pairs));
        EXPECT_TRUE(std::is_sorted(
            pairs.begin(), pairs.end(),
            [](const WeightedEdge& x, const WeightedEdge& y) { return x.weight > y.weight; }));
      }
    }
  }
}

// The auction ends within epsilon per hand of the double cover's LP optimum (>= 2 x the exact
// b-matching optimum), and the rounded pairs come close to the exact optimum (LEMON).
TEST(BMatchingTest, SmallCasesComeCloseToTheExactOptimum) {
  double worst_exact = 1.0, worst_default = 1.0;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    const Problem p = MakeProblem(40, 1 + static_cast<int>(seed % 6), 6, seed);
    const int64_t optimum = ExactBMatching(p.event.graph, p.event.input);
    int64_t hands = 0;
    for (int32_t c : p.capacity) hands += c;
    BMatchingOptions options;
    options.epsilon = 1;
    BMatchingStats stats;
    const auto pairs =
        MaxWeightBMatching(p.event.graph, p.capacity, p.availability, options, &stats);
    ExpectValid(p.event.graph, p.capacity, p.availability, pairs);
    EXPECT_LE(stats.weight, optimum) << "seed " << seed;
    EXPECT_GE(stats.double_cover, 2 * optimum - hands * options.epsilon) << "seed " << seed;
    const auto coarse = MaxWeightBMatching(p.event.graph, p.capacity, p.availability, {});
    ExpectValid(p.event.graph, p.capacity, p.availability, coarse);
    EXPECT_LE(TotalWeight(coarse), optimum);
    if (optimum > 0) {
      worst_exact = std::min(worst_exact, static_cast<double>(stats.weight) / optimum);
      worst_default = std::min(worst_default, static_cast<double>(TotalWeight(coarse)) / optimum);
    }
  }
  EXPECT_GE(worst_exact, 0.98);
  EXPECT_GE(worst_default, 0.95);
}

TEST(BMatchingTest, HandMadeCases) {
  // A path a-b-c-d with weights 5, 6, 5 and capacity 1: the two ends (10) beat the middle (6).
  // The auction alone would take b-c from one side only.
  {
    const CandidateGraph graph = BuildCandidateGraph(4, {{0, 1, 5}, {1, 2, 6}, {2, 3, 5}});
    BMatchingOptions options;
    options.epsilon = 1;
    const auto pairs = MaxWeightBMatching(graph, {1, 1, 1, 1}, {1, 1, 1, 1}, options);
    EXPECT_EQ(TotalWeight(pairs), 10);
  }
  // A triangle with capacity 1: the LP takes every edge by half (an odd cycle); the rounding
  // keeps one edge, the heaviest.
  {
    const CandidateGraph graph = BuildCandidateGraph(3, {{0, 1, 7}, {1, 2, 9}, {0, 2, 8}});
    BMatchingOptions options;
    options.epsilon = 1;
    const auto pairs = MaxWeightBMatching(graph, {1, 1, 1}, {1, 1, 1}, options);
    ASSERT_EQ(pairs.size(), 1u);
    EXPECT_EQ(pairs[0].weight, 9);
  }
  // Capacity 0, no common slot, and a capacity above 255 (treated as 255).
  {
    const CandidateGraph graph =
        BuildCandidateGraph(4, {{0, 1, 50}, {0, 2, 40}, {0, 3, 30}, {2, 3, 60}});
    const auto pairs = MaxWeightBMatching(graph, {1000, 0, 3, 1}, {1, 1, 2, 3}, {});
    // 0-1: capacity 0; 0-2: no common slot. Left: 0-3 (30) and 2-3 (60); 3 has room for one.
    ASSERT_EQ(pairs.size(), 1u);
    EXPECT_EQ(pairs[0].a, 2u);
    EXPECT_EQ(pairs[0].b, 3u);
  }
  // A ratio that is not positive means the smallest epsilon (1): the exact case above again.
  {
    const CandidateGraph graph = BuildCandidateGraph(4, {{0, 1, 5}, {1, 2, 6}, {2, 3, 5}});
    BMatchingOptions options;
    options.epsilon_ratio = -1;
    BMatchingStats stats;
    const auto pairs = MaxWeightBMatching(graph, {1, 1, 1, 1}, {1, 1, 1, 1}, options, &stats);
    EXPECT_EQ(stats.epsilon, 1);
    EXPECT_EQ(TotalWeight(pairs), 10);
  }
  // Nothing to choose.
  EXPECT_TRUE(MaxWeightBMatching(CandidateGraph{}, {}, {}, {}).empty());
}

TEST(BMatchingTest, SameInputGivesTheSamePairs) {
  const Problem p = MakeProblem(2000, 6, 12, 7);
  const auto first = MaxWeightBMatching(p.event.graph, p.capacity, p.availability, {});
  const auto second = MaxWeightBMatching(p.event.graph, p.capacity, p.availability, {});
  ASSERT_EQ(first.size(), second.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].a, second[i].a);
    EXPECT_EQ(first[i].b, second[i].b);
    EXPECT_EQ(first[i].weight, second[i].weight);
  }
}

// With the engine: the schedule keeps every hard constraint, covers everyone who can be covered
// when tables suffice, is deterministic, and is no lighter than the heaviest-first greedy.
TEST(BMatchingTest, ScheduleFromTheBMatchingKeepsEveryConstraint) {
  struct Shape {
    Index attendees;
    int slots, partners;
    int32_t tables;
  };
  const Shape shapes[] = {
      {40, 1, 3, 0}, {200, 6, 12, 0}, {300, 6, 12, 40}, {150, 8, 10, 25}, {500, 4, 6, 0}};
  for (const Shape& shape : shapes) {
    for (uint64_t seed = 1; seed <= 6; ++seed) {
      const TestEvent event =
          MakeProblem(shape.attendees, shape.slots, shape.partners, seed, shape.tables).event;
      ScheduleOptions options;
      options.seed = seed;
      options.bmatching_start = true;
      options.fairness_first = seed % 2 == 1;
      auto built = BuildSchedule(event.graph, event.input, options);
      ASSERT_TRUE(built.ok());
      const absl::Status valid = CheckSchedule(event.graph, event.input, built->meetings);
      EXPECT_TRUE(valid.ok()) << valid << " n=" << shape.attendees << " seed=" << seed;
      EXPECT_EQ(built->report.meetings_unplaced, 0);
      // As in schedule_test: covering everyone is guaranteed for realistic shapes (a single
      // slot is a plain matching, where two leaves on one centre cannot both be covered).
      if (options.fairness_first && shape.tables == 0 && shape.slots >= 2 && shape.partners >= 4) {
        EXPECT_EQ(built->report.zero_left_out, 0) << "seed " << seed;
      }
      auto again = BuildSchedule(event.graph, event.input, options);
      ASSERT_TRUE(again.ok());
      EXPECT_EQ(Placed(again->meetings), Placed(built->meetings)) << "seed " << seed;
      if (!options.fairness_first) {  // greedy does not cover anyone on purpose
        auto greedy = GreedySchedule(event.graph, event.input, options);
        ASSERT_TRUE(greedy.ok());
        EXPECT_GE(built->report.weight, greedy->report.weight) << "seed " << seed;
      }
    }
  }
}

// Where tables bind (fewer per slot than the meetings the capacities allow), the b-matching
// start is not used: the schedule is the greedy start's, meeting for meeting.
TEST(BMatchingTest, BindingTablesKeepTheGreedyStart) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const TestEvent event = MakeProblem(300, 6, 12, seed, /*tables=*/40).event;
    ScheduleOptions on, off;
    on.seed = off.seed = seed;
    on.bmatching_start = true;
    off.bmatching_start = false;
    auto with = BuildSchedule(event.graph, event.input, on);
    auto without = BuildSchedule(event.graph, event.input, off);
    ASSERT_TRUE(with.ok() && without.ok());
    EXPECT_EQ(Placed(with->meetings), Placed(without->meetings)) << "seed " << seed;
  }
}

// Tables that hold every pair of the b-matching over all slots, though no single slot could
// seat every meeting the capacities allow: the b-matching start is used (the schedule is not
// the greedy start's) and keeps every constraint.
TEST(BMatchingTest, TablesThatHoldThePairsUseTheBMatchingStart) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const Problem p = MakeProblem(300, 6, 12, seed);
    const int64_t pairs = static_cast<int64_t>(
        MaxWeightBMatching(p.event.graph, p.capacity, p.availability, {}).size());
    int64_t hands = 0;
    for (int32_t c : p.capacity) hands += c;
    TestEvent event = p.event;
    const int32_t per_slot = static_cast<int32_t>((pairs + 5) / 6) + 10;
    ASSERT_LT(per_slot, hands / 2);  // the case the start used to be refused
    event.input.locations = {Location{per_slot, false, {}}};
    ScheduleOptions on, off;
    on.seed = off.seed = seed;
    off.bmatching_start = false;
    auto with = BuildSchedule(event.graph, event.input, on);
    auto without = BuildSchedule(event.graph, event.input, off);
    ASSERT_TRUE(with.ok() && without.ok());
    EXPECT_TRUE(CheckSchedule(event.graph, event.input, with->meetings).ok());
    EXPECT_NE(Placed(with->meetings), Placed(without->meetings)) << "seed " << seed;
    EXPECT_EQ(with->report.zero_left_out, 0) << "seed " << seed;
  }
}

// Place() goes through the engine's own moves (Add, Kempe flips): the cached search bounds must
// agree with the agendas afterwards, and after the local search and fairness that follow.
TEST(BMatchingTest, PlacedPairsKeepTheEngineConsistent) {
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    const Problem p = MakeProblem(400, 3 + static_cast<int>(seed % 4), 12, seed);
    internal::ScheduleEngine engine(&p.event.graph, p.event.input, seed);
    const auto pairs = MaxWeightBMatching(p.event.graph, p.capacity, p.availability, {});
    const int64_t placed = engine.Place(pairs);
    EXPECT_GT(placed, 0);
    EXPECT_LE(placed, static_cast<int64_t>(pairs.size()));
    EXPECT_EQ(engine.meetings(), placed);
    EXPECT_LE(engine.weight(), TotalWeight(pairs));
    EXPECT_TRUE(engine.BoundsConsistent()) << "placed, seed " << seed;
    // Placing the same pairs again adds only pairs left out before.
    EXPECT_LE(placed + engine.Place(pairs), static_cast<int64_t>(pairs.size()));
    EXPECT_TRUE(engine.BoundsConsistent()) << "placed again, seed " << seed;
    engine.SetKempe(true);
    engine.EnqueueWithBudgetLeft();
    engine.LocalSearch(/*everyone=*/false, 1 << 20);
    EXPECT_TRUE(engine.BoundsConsistent()) << "search, seed " << seed;
    engine.Fairness(1 << 20);
    EXPECT_TRUE(engine.BoundsConsistent()) << "fair, seed " << seed;
    engine.AssignTables();
    const absl::Status valid = CheckSchedule(p.event.graph, p.event.input, engine.Export());
    EXPECT_TRUE(valid.ok()) << valid;
  }
}

// Place() uses a Kempe flip when a pair has no common free slot: x meets y in slot 0 and z in
// slot 1, u (available in slots 0-1 only) meets w in slot 0; x-u fits only after x-z moves to
// slot 2, where x is free.
TEST(BMatchingTest, PlaceUsesAKempeFlipWhenNoCommonSlotIsFree) {
  ScheduleInput input;
  input.num_slots = 3;
  const SlotMask all = 7;
  // 0 = x, 1 = y, 2 = z, 3 = u, 4 = w
  input.attendees = {
      {3, all, false}, {1, all, false}, {1, all, false}, {2, 3, false}, {1, all, false}};
  const CandidateGraph graph =
      BuildCandidateGraph(5, {{0, 1, 50}, {0, 2, 40}, {3, 4, 30}, {0, 3, 10}});
  internal::ScheduleEngine engine(&graph, input, 1);
  const std::vector<WeightedEdge> pairs = {{0, 1, 50}, {0, 2, 40}, {3, 4, 30}, {0, 3, 10}};
  EXPECT_EQ(engine.Place(pairs), 4);
  EXPECT_EQ(engine.weight(), 130);
  engine.AssignTables();
  const absl::Status valid = CheckSchedule(graph, input, engine.Export());
  EXPECT_TRUE(valid.ok()) << valid;
}

}  // namespace
}  // namespace parley::match
