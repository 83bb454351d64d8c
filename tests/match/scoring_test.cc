#include "services/match/scoring.h"

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/match/profile.h"

namespace parley::match {
namespace {

Profile Person(std::string org, std::vector<Interest> interests = {},
               std::vector<std::string> offers = {}, std::vector<std::string> seeks = {}) {
  Profile p;
  p.organisation = std::move(org);
  p.interests = std::move(interests);
  p.offers = std::move(offers);
  p.seeks = std::move(seeks);
  return p;
}

MatchProblem Create(const MatchInput& input, const ScoringOptions& options = {}) {
  absl::StatusOr<MatchProblem> problem = MatchProblem::Create(input, options);
  EXPECT_TRUE(problem.ok()) << problem.status();
  return *std::move(problem);
}

TEST(NormalizeTagTest, LowersTrimsAndCollapsesSpaces) {
  EXPECT_EQ(NormalizeTag("  Rust \t Mentoring "), "rust mentoring");
  EXPECT_EQ(NormalizeTag(""), "");
}

TEST(ScoringTest, PairWeightIsSymmetric) {
  const char* tags[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    MatchInput input;
    for (int i = 0; i < 30; ++i) {
      Profile p = Person("org" + std::to_string(rng() % 7));
      for (const char* t : tags) {
        if (rng() % 3 == 0) p.interests.push_back({t, static_cast<int>(1 + rng() % 3)});
        if (rng() % 6 == 0) p.offers.push_back(t);
        if (rng() % 6 == 0) p.seeks.push_back(t);
      }
      if (rng() % 4 == 0) p.wants.push_back(static_cast<Index>(rng() % 30));
      input.profiles.push_back(p);
    }
    input.introductions.push_back({0, 1, 2});
    const MatchProblem problem = Create(input);
    for (Index a = 0; a < problem.num_attendees(); ++a) {
      for (Index b = 0; b < problem.num_attendees(); ++b) {
        const PairScore ab = problem.Score(a, b);
        const PairScore ba = problem.Score(b, a);
        ASSERT_EQ(ab.weight, ba.weight) << "seed " << seed << " pair " << a << "," << b;
        ASSERT_EQ(ab.gain_ab, ba.gain_ba);
        ASSERT_EQ(ab.feasible, ba.feasible);
      }
    }
  }
}

TEST(ScoringTest, OneSidedPairScoresBelowMutualPairWithSameTags) {
  MatchInput input;
  // 0 seeks rust and go from 1, who seeks nothing; 2 and 3 each get one of them.
  input.profiles = {Person("o0", {}, {}, {"rust", "go"}), Person("o1", {}, {"rust", "go"}, {}),
                    Person("o2", {}, {"go"}, {"rust"}), Person("o3", {}, {"rust"}, {"go"})};
  const MatchProblem problem = Create(input);
  const PairScore one_sided = problem.Score(0, 1);
  const PairScore mutual = problem.Score(2, 3);
  ASSERT_GT(one_sided.weight, 0);
  EXPECT_EQ(one_sided.gain_ab + one_sided.gain_ba, mutual.gain_ab + mutual.gain_ba);
  EXPECT_LT(one_sided.weight, mutual.weight);
}

TEST(ScoringTest, RarerSharedTagScoresHigher) {
  MatchInput input;
  for (int i = 0; i < 20; ++i) input.profiles.push_back(Person("o" + std::to_string(i)));
  for (int i = 0; i < 12; ++i) input.profiles[i].interests.push_back({"software", 1});
  input.profiles[0].interests.push_back({"bicycles", 1});
  input.profiles[1].interests.push_back({"bicycles", 1});
  input.profiles[2].interests.push_back({"sailing", 1});  // in 4 profiles
  for (int i : {3, 14, 15}) input.profiles[i].interests.push_back({"sailing", 1});
  const MatchProblem problem = Create(input);
  const Weight common = problem.Score(5, 6).weight;    // software only
  const Weight medium = problem.Score(14, 15).weight;  // sailing only
  ASSERT_GT(common, 0);
  EXPECT_GT(medium, common);
  EXPECT_GT(problem.Score(0, 1).weight, problem.Score(2, 3).weight);  // bicycles vs sailing
}

TEST(ScoringTest, WeightsCountAsTheSmallerOfTheTwo) {
  MatchInput input;
  input.profiles = {Person("a", {{"chess", 3}}), Person("b", {{"chess", 1}}),
                    Person("c", {{"chess", 3}}), Person("d", {{"chess", 3}})};
  const MatchProblem problem = Create(input);
  EXPECT_EQ(problem.Score(0, 1).gain_ab * 3, problem.Score(2, 3).gain_ab);
}

TEST(ScoringTest, WishesAndIntroductionsRaiseTheWeight) {
  MatchInput input;
  for (int i = 0; i < 6; ++i) input.profiles.push_back(Person("o" + std::to_string(i), {{"x", 1}}));
  input.profiles[0].wants = {1};
  input.introductions = {{2, 3, 5}};
  const MatchProblem problem = Create(input);
  const Weight plain = problem.Score(4, 5).weight;
  EXPECT_GT(problem.Score(0, 1).weight, plain);
  EXPECT_GT(problem.Score(1, 0).gain_ba, problem.Score(1, 0).gain_ab);  // 0 asked, 1 was asked
  EXPECT_GT(problem.Score(2, 3).weight, plain);
}

TEST(ScoringTest, WishAloneMakesAPairPossible) {
  MatchInput input;
  input.profiles = {Person("a"), Person("b")};
  input.profiles[0].wants = {1};
  const MatchProblem problem = Create(input);
  EXPECT_GT(problem.Score(0, 1).weight, 0);
}

TEST(ScoringTest, HardConstraintsZeroTheWeight) {
  MatchInput input;
  for (int i = 0; i < 16; ++i)
    input.profiles.push_back(Person("o" + std::to_string(i), {{"x", 2}}));
  input.profiles[1].avoid = {0};          // 0-1: avoided by the second
  input.profiles[2].avoid = {3};          // 2-3: avoided by the first
  input.profiles[5].organisation = "o4";  // 4-5: same organisation
  input.excluded_pairs = {{7, 6}};        // 6-7: history
  input.profiles[8].availability = 0b01;  // 8-9: no common slot
  input.profiles[9].availability = 0b10;
  input.profiles[11].budget = 0;                // 10-11: opted out
  input.profiles[12].languages = {"en", "de"};  // 12-13: no common language
  input.profiles[13].languages = {"fr"};
  input.profiles[14].languages = {"fr"};  // 14-15: only one lists languages
  const MatchProblem problem = Create(input);
  for (Index a : {0, 2, 4, 6, 8, 10, 12}) {
    EXPECT_FALSE(problem.Feasible(a, a + 1)) << a;
    EXPECT_EQ(problem.Score(a, a + 1).weight, 0) << a;
    EXPECT_EQ(problem.Score(a + 1, a).weight, 0) << a;
  }
  EXPECT_GT(problem.Score(14, 15).weight, 0);
  EXPECT_GT(problem.Score(13, 14).weight, 0);
  EXPECT_FALSE(problem.Feasible(3, 3));
}

TEST(ScoringTest, SameOrganisationAllowedWhenPolicySaysSo) {
  MatchInput input;
  input.profiles = {Person("acme", {{"x", 1}}), Person("acme", {{"x", 1}})};
  input.policy.avoid_same_organisation = false;
  EXPECT_GT(Create(input).Score(0, 1).weight, 0);
  input.policy.avoid_same_organisation = true;
  EXPECT_EQ(Create(input).Score(0, 1).weight, 0);
}

TEST(ScoringTest, BridgingDifferentOrganisationsAddsTheBonus) {
  MatchInput input;
  input.profiles = {Person("acme", {{"x", 1}}), Person("acme", {{"x", 1}}),
                    Person("globex", {{"x", 1}})};
  input.policy.avoid_same_organisation = false;
  ScoringOptions options;
  options.bridge_organisation = 0.5;
  const MatchProblem problem = Create(input, options);
  EXPECT_NEAR(problem.Score(0, 2).weight, 1.5 * problem.Score(0, 1).weight, 1.0);
}

TEST(ScoringTest, OutOfRangeIndicesAreInvalidArguments) {
  MatchInput input;
  input.profiles = {Person("a"), Person("b")};
  input.profiles[1].wants = {2};
  absl::StatusOr<MatchProblem> problem = MatchProblem::Create(input);
  EXPECT_EQ(problem.status().code(), absl::StatusCode::kInvalidArgument);
  input.profiles[1].wants.clear();
  input.excluded_pairs = {{0, 5}};
  EXPECT_EQ(MatchProblem::Create(input).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ScoringTest, SetProfileKeepsTagWeightsFrozen) {
  MatchInput input;
  input.profiles = {Person("a", {{"x", 1}}), Person("b", {{"x", 1}}), Person("c")};
  MatchProblem problem = Create(input);
  const Weight before = problem.Score(0, 1).weight;
  ASSERT_TRUE(problem.SetProfile(2, Person("c", {{"x", 1}, {"new tag", 2}})).ok());
  ASSERT_TRUE(problem.SetProfile(3, Person("d", {{"new tag", 1}})).ok());
  EXPECT_EQ(problem.num_attendees(), 4u);
  EXPECT_EQ(problem.Score(0, 1).weight, before);
  EXPECT_GT(problem.Score(2, 3).weight, 0);
  EXPECT_FALSE(problem.SetProfile(9, Person("e")).ok());
}

}  // namespace
}  // namespace parley::match
