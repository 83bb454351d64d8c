#include "services/match/candidates.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/match/scoring.h"
#include "tools/match/synth.h"

namespace parley::match {
namespace {

MatchInput Synthetic(int attendees, uint64_t seed) {
  synth::SynthOptions options;
  options.attendees = attendees;
  options.seed = seed;
  return synth::GenerateEvent(options).ToMatchInput();
}

CandidateIndex BuildIndex(const MatchInput& input, const ScoringOptions& scoring = {},
                          CandidateOptions options = {}) {
  absl::StatusOr<MatchProblem> problem = MatchProblem::Create(input, scoring);
  EXPECT_TRUE(problem.ok()) << problem.status();
  options.threads = 2;
  return CandidateIndex::Build(*std::move(problem), options);
}

// Hard constraints checked straight from the input, independently of the engine.
bool Allowed(const MatchInput& input, Index a, Index b) {
  const Profile& pa = input.profiles[a];
  const Profile& pb = input.profiles[b];
  auto has = [](const std::vector<Index>& v, Index x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  if (a == b || pa.budget <= 0 || pb.budget <= 0) return false;
  if ((pa.availability & pb.availability) == 0) return false;
  if (has(pa.avoid, b) || has(pb.avoid, a)) return false;
  if (input.policy.avoid_same_organisation && !pa.organisation.empty() &&
      pa.organisation == pb.organisation) {
    return false;
  }
  if (!pa.languages.empty() && !pb.languages.empty()) {
    bool common = false;
    for (const std::string& l : pa.languages) {
      common =
          common || std::find(pb.languages.begin(), pb.languages.end(), l) != pb.languages.end();
    }
    if (!common) return false;
  }
  for (const auto& [x, y] : input.excluded_pairs) {
    if ((x == a && y == b) || (x == b && y == a)) return false;
  }
  return true;
}

void ExpectSameCandidates(const CandidateIndex& got, const CandidateIndex& want) {
  ASSERT_EQ(got.num_attendees(), want.num_attendees());
  for (Index a = 0; a < got.num_attendees(); ++a) {
    const auto x = got.TopK(a);
    const auto y = want.TopK(a);
    ASSERT_EQ(x.size(), y.size()) << "attendee " << a;
    for (size_t i = 0; i < x.size(); ++i) {
      ASSERT_EQ(x[i].partner, y[i].partner) << "attendee " << a << " rank " << i;
      ASSERT_EQ(x[i].weight, y[i].weight) << "attendee " << a << " rank " << i;
    }
  }
  const CandidateGraph g = got.Graph();
  const CandidateGraph h = want.Graph();
  EXPECT_EQ(g.offsets, h.offsets);
  EXPECT_EQ(g.neighbors, h.neighbors);
  EXPECT_EQ(g.weights, h.weights);
}

TEST(CandidatesTest, ListsAreSortedAndCarryExactWeights) {
  const CandidateIndex index = BuildIndex(Synthetic(3000, 7));
  const MatchProblem& problem = index.problem();
  size_t total = 0;
  for (Index a = 0; a < index.num_attendees(); ++a) {
    const auto list = index.TopK(a);
    total += list.size();
    EXPECT_LE(list.size(), 24u);
    for (size_t i = 0; i < list.size(); ++i) {
      ASSERT_EQ(list[i].weight, problem.Score(a, list[i].partner).weight);
      ASSERT_GT(list[i].weight, 0);
      if (i > 0) {
        ASSERT_TRUE(RanksBefore(a, list[i - 1], list[i]));
      }
    }
  }
  EXPECT_GT(total, 3000u * 20);
}

// The CSR invariants of graph.h: rows sorted without duplicates or self loops, every edge in
// both rows with one weight, and (given the problem) that weight is the pair's exact weight.
void ExpectValidGraph(const CandidateGraph& g, const MatchProblem& problem) {
  ASSERT_EQ(g.offsets.back(), g.neighbors.size());
  ASSERT_EQ(g.weights.size(), g.neighbors.size());
  for (Index a = 0; a < g.num_nodes(); ++a) {
    for (uint64_t e = g.begin(a); e < g.end(a); ++e) {
      const Index b = g.neighbors[e];
      ASSERT_NE(a, b);
      if (e > g.begin(a)) {
        ASSERT_LT(g.neighbors[e - 1], b) << "row " << a;
      }
      auto first = g.neighbors.begin() + static_cast<ptrdiff_t>(g.begin(b));
      auto last = g.neighbors.begin() + static_cast<ptrdiff_t>(g.end(b));
      auto it = std::lower_bound(first, last, a);
      ASSERT_TRUE(it != last && *it == a) << a << "-" << b << " in one row only";
      ASSERT_EQ(g.weights[static_cast<size_t>(it - g.neighbors.begin())], g.weights[e]);
      ASSERT_EQ(g.weights[e], problem.Score(a, b).weight) << a << "-" << b;
    }
  }
}

TEST(CandidatesTest, GraphIsSymmetricSortedAndWithoutSelfLoops) {
  const CandidateIndex index = BuildIndex(Synthetic(2000, 3));
  const CandidateGraph g = index.Graph();
  ASSERT_EQ(g.num_nodes(), 2000u);
  ExpectValidGraph(g, index.problem());
}

// Graph()'s room searches add edges beyond the lists; they are merged into both rows of each
// pair, and the merged graph keeps the invariants.
TEST(CandidatesTest, GraphWithRoomEdgesIsSymmetricSortedAndExact) {
  synth::SynthOptions options;
  options.attendees = 4000;
  options.seed = 5;
  options.shape = synth::SynthShape::kReal;
  const CandidateIndex index = BuildIndex(synth::GenerateEvent(options).ToMatchInput());
  CandidateStats stats;
  const CandidateGraph g = index.Graph(&stats);
  ASSERT_GT(stats.room_edges, 0u) << "the event must exercise the room searches";
  ASSERT_EQ(g.num_nodes(), 4000u);
  ExpectValidGraph(g, index.problem());
}

TEST(CandidatesTest, ConstraintsAreNeverViolated) {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    MatchInput input = Synthetic(1500, seed);
    std::mt19937_64 rng(seed);
    // More constraints than the generator makes: history, avoid lists, same-org pairs.
    for (int i = 0; i < 300; ++i) {
      input.excluded_pairs.push_back(
          {static_cast<Index>(rng() % 1500), static_cast<Index>(rng() % 1500)});
      input.profiles[rng() % 1500].avoid.push_back(static_cast<Index>(rng() % 1500));
      input.introductions.push_back(
          {static_cast<Index>(i), static_cast<Index>(1499 - i), Introduction::kNoIntroducer});
    }
    input.policy.avoid_same_organisation = seed % 2 == 1;
    const CandidateIndex index = BuildIndex(input);
    const CandidateGraph g = index.Graph();
    for (Index a = 0; a < g.num_nodes(); ++a) {
      for (uint64_t e = g.begin(a); e < g.end(a); ++e) {
        ASSERT_TRUE(Allowed(input, a, g.neighbors[e]))
            << "seed " << seed << " edge " << a << "-" << g.neighbors[e];
      }
    }
  }
}

TEST(CandidatesTest, WithoutHeadTagsSearchEqualsExhaustiveScoring) {
  ScoringOptions scoring;
  scoring.max_postings_per_attendee = 1e18;  // no head tags: every tag is searched
  const CandidateIndex index = BuildIndex(Synthetic(1200, 11), scoring);
  for (Index a = 0; a < index.num_attendees(); a += 7) {
    const std::vector<Candidate> exact = index.ExhaustiveTopK(a);
    const auto got = index.TopK(a);
    ASSERT_EQ(got.size(), exact.size()) << a;
    for (size_t i = 0; i < exact.size(); ++i) {
      ASSERT_EQ(got[i].partner, exact[i].partner) << a;
      ASSERT_EQ(got[i].weight, exact[i].weight) << a;
    }
  }
}

// Many head tags, so that some attendees reach nobody through postings (on the
// 150,000-attendee benchmark: about 300 people, most of whose tags are all among the most
// common ones).
ScoringOptions ManyHeadTags() {
  ScoringOptions scoring;
  scoring.max_postings_per_attendee = 2;
  return scoring;
}

TEST(CandidatesTest, ThinAttendeesGetTheirExactTopK) {
  const CandidateIndex index = BuildIndex(Synthetic(2500, 4), ManyHeadTags());
  ASSERT_GE(index.thin().size(), 10u);
  EXPECT_EQ(index.build_stats().thin_searches, index.thin().size());
  size_t with_partners = 0;
  for (Index a : index.thin()) {
    const std::vector<Candidate> exact = index.ExhaustiveTopK(a);
    with_partners += !exact.empty();
    const auto got = index.TopK(a);
    ASSERT_EQ(got.size(), exact.size()) << a;
    for (size_t i = 0; i < exact.size(); ++i) {
      ASSERT_EQ(got[i].partner, exact[i].partner) << a;
      ASSERT_EQ(got[i].weight, exact[i].weight) << a;
    }
  }
  EXPECT_GE(with_partners, 10u);
}

TEST(CandidatesTest, RecallAgainstExhaustiveScoringIsHigh) {
  const CandidateIndex index = BuildIndex(Synthetic(4000, 5));
  std::vector<Index> sample;
  for (Index a = 0; a < 4000; a += 20) sample.push_back(a);
  EXPECT_GE(RecallAtK(index, sample, 2), 0.95);
}

TEST(CandidatesTest, IncrementalUpdatesEqualRebuild) {
  for (uint64_t seed : {2u, 9u, 4u}) {
    const MatchInput input = Synthetic(2500, seed);
    const MatchInput donors = Synthetic(300, seed + 100);
    // Seed 4: with thin attendees, whose lists and status updates must keep exact too.
    CandidateIndex index = BuildIndex(input, seed == 4 ? ManyHeadTags() : ScoringOptions{});
    if (seed == 4) {
      ASSERT_GE(index.thin().size(), 10u);
    }
    std::mt19937_64 rng(seed);
    for (int i = 0; i < 300; ++i) {
      const Index n = index.num_attendees();
      Profile p = donors.profiles[rng() % donors.profiles.size()];
      p.wants.clear();
      p.avoid.clear();
      switch (i % 6) {
        case 0:  // a new attendee
          p.wants = {static_cast<Index>(rng() % n)};
          ASSERT_TRUE(index.UpsertProfile(n, p).ok());
          continue;
        case 1:
          p.budget = 0;  // opts out
          break;
        case 2:
          p.avoid = {static_cast<Index>(rng() % n), static_cast<Index>(rng() % n)};
          break;
        case 3:  // a small edit of the current profile
          p.interests.push_back({"bicycles", 3});
          break;
        default:
          break;
      }
      ASSERT_TRUE(index.UpsertProfile(static_cast<Index>(rng() % n), p).ok());
    }
    const CandidateIndex rebuilt = CandidateIndex::Build(index.problem(), index.options());
    ExpectSameCandidates(index, rebuilt);
  }
}

TEST(CandidatesTest, ExcludingPairsEqualsRebuild) {
  for (bool thin : {false, true}) {
    CandidateIndex index =
        BuildIndex(Synthetic(2000, 12), thin ? ManyHeadTags() : ScoringOptions{});
    std::mt19937_64 rng(12);
    for (int i = 0; i < 400; ++i) {
      const Index a = static_cast<Index>(rng() % 2000);
      const auto list = index.TopK(a);
      if (list.empty()) continue;
      const Index b = list[rng() % list.size()].partner;  // a pair that was proposed: declined
      ASSERT_TRUE(index.ExcludePair(a, b).ok());
      ASSERT_EQ(index.problem().Score(a, b).weight, 0);
    }
    EXPECT_FALSE(index.ExcludePair(0, 5000).ok());
    ExpectSameCandidates(index, CandidateIndex::Build(index.problem(), index.options()));
  }
}

TEST(CandidatesTest, UpdateWithBadIndexFailsAndChangesNothing) {
  CandidateIndex index = BuildIndex(Synthetic(200, 1));
  Profile p;
  p.wants = {999};
  EXPECT_EQ(index.UpsertProfile(3, p).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(index.UpsertProfile(500, Profile{}).code(), absl::StatusCode::kInvalidArgument);
  ExpectSameCandidates(index, CandidateIndex::Build(index.problem(), index.options()));
}

}  // namespace
}  // namespace parley::match
