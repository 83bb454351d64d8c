#include "services/match/explain.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/match/candidates.h"
#include "services/match/scoring.h"
#include "tools/match/synth.h"

namespace parley::match {
namespace {

Profile Person(std::string org, std::vector<Interest> interests, std::vector<std::string> offers,
               std::vector<std::string> seeks) {
  Profile p;
  p.organisation = std::move(org);
  p.interests = std::move(interests);
  p.offers = std::move(offers);
  p.seeks = std::move(seeks);
  return p;
}

MatchProblem Create(const MatchInput& input) {
  absl::StatusOr<MatchProblem> problem = MatchProblem::Create(input);
  EXPECT_TRUE(problem.ok()) << problem.status();
  return *std::move(problem);
}

bool HasInterest(const Profile& p, const std::string& tag) {
  return std::any_of(p.interests.begin(), p.interests.end(),
                     [&](const Interest& i) { return i.tag == tag; });
}
bool Lists(const std::vector<std::string>& v, const std::string& tag) {
  return std::find(v.begin(), v.end(), tag) != v.end();
}

TEST(ExplainTest, NamesSharedInterestsRarestFirstAndTradesBothWays) {
  MatchInput input;
  input.profiles = {Person("acme", {{"software", 1}, {"bicycles", 2}, {"chess", 1}},
                           {"rust mentoring"}, {"investment"}),
                    Person("globex", {{"software", 1}, {"bicycles", 1}, {"go", 3}}, {"investment"},
                           {"rust mentoring"}),
                    Person("initech", {{"software", 1}, {"chess", 1}}, {}, {}),
                    Person("hooli", {{"software", 1}, {"jazz", 1}}, {}, {})};
  input.profiles[1].wants = {0};
  input.introductions = {{0, 1, 3}};
  const MatchProblem problem = Create(input);
  const PairExplanation e = ExplainPair(problem, 0, 1);
  ASSERT_GE(e.reasons.size(), 4u);
  EXPECT_EQ(e.reasons[0].kind, ReasonKind::kSharedInterest);
  EXPECT_EQ(e.reasons[0].tag, "bicycles");  // in 2 profiles, "software" in 4
  EXPECT_EQ(e.reasons[1].tag, "software");
  std::vector<ReasonKind> kinds;
  for (const Reason& r : e.reasons) kinds.push_back(r.kind);
  for (ReasonKind k :
       {ReasonKind::kSeeksWhatTheyOffer, ReasonKind::kOffersWhatTheySeek,
        ReasonKind::kAskedToMeetYou, ReasonKind::kIntroduced, ReasonKind::kBridgesOrganisations}) {
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), k), kinds.end()) << static_cast<int>(k);
  }
  EXPECT_EQ(e.score.weight, problem.Score(0, 1).weight);
  const std::string starter = ConversationStarter(e, "Ada");
  EXPECT_EQ(starter,
            "You both love bicycles and software; Ada is looking for rust mentoring, which you "
            "offer; Ada offers investment, which you are looking for.");
  EXPECT_EQ(ConversationStarter(ExplainPair(problem, 1, 0), "", 1),
            "You both love bicycles and software.");
}

TEST(ExplainTest, StarterWithoutCommonTagsFallsBackToWishOrCircles) {
  MatchInput input;
  input.profiles = {Person("a", {{"chess", 3}}, {}, {}), Person("b", {{"jazz", 3}}, {}, {})};
  input.profiles[0].wants = {1};
  const MatchProblem problem = Create(input);
  EXPECT_EQ(ConversationStarter(ExplainPair(problem, 0, 1)), "You asked to meet them.");
  EXPECT_EQ(ConversationStarter(ExplainPair(problem, 1, 0), "Bo"), "Bo asked to meet you.");
}

TEST(ExplainTest, DiagnosisCountsWhatRulesPartnersOut) {
  MatchInput input;
  for (int i = 0; i < 7; ++i) {
    input.profiles.push_back(Person("o" + std::to_string(i), {{"chess", 1}}, {}, {}));
  }
  input.profiles.push_back(Person("o7", {{"jazz", 1}}, {}, {}));  // nothing in common
  input.profiles[1].budget = 0;
  input.profiles[2].availability = 0b10;
  input.profiles[0].availability = 0b01;
  input.profiles[3].organisation = "o0";
  input.profiles[0].languages = {"en"};
  input.profiles[4].languages = {"fr"};
  input.profiles[5].avoid = {0};
  const CandidateDiagnosis d = DiagnoseCandidates(Create(input), 0);
  EXPECT_FALSE(d.opted_out);
  EXPECT_EQ(d.in_common, 6);
  EXPECT_EQ(d.feasible, 1);  // attendee 6
  EXPECT_EQ(d.partner_opted_out, 1);
  EXPECT_EQ(d.no_common_slot, 1);
  EXPECT_EQ(d.same_organisation, 1);
  EXPECT_EQ(d.no_common_language, 1);
  EXPECT_EQ(d.avoided_or_excluded, 1);
}

TEST(ExplainTest, ExplanationsNameOnlyTagsBothReallyHave) {
  synth::SynthOptions options;
  options.attendees = 2000;
  options.seed = 4;
  const MatchInput input = synth::GenerateEvent(options).ToMatchInput();
  absl::StatusOr<MatchProblem> problem = MatchProblem::Create(input);
  ASSERT_TRUE(problem.ok());
  const CandidateIndex index = CandidateIndex::Build(*problem);
  size_t checked = 0;
  for (Index a = 0; a < index.num_attendees(); a += 3) {
    for (const Candidate& c : index.TopK(a)) {
      const Profile& pa = input.profiles[a];
      const Profile& pb = input.profiles[c.partner];
      const PairExplanation e = ExplainPair(index.problem(), a, c.partner);
      ASSERT_FALSE(e.reasons.empty());
      for (const Reason& r : e.reasons) {
        switch (r.kind) {
          case ReasonKind::kSharedInterest:
            ASSERT_TRUE(HasInterest(pa, r.tag) && HasInterest(pb, r.tag)) << r.tag;
            break;
          case ReasonKind::kSeeksWhatTheyOffer:
            ASSERT_TRUE(Lists(pa.seeks, r.tag) && Lists(pb.offers, r.tag)) << r.tag;
            break;
          case ReasonKind::kOffersWhatTheySeek:
            ASSERT_TRUE(Lists(pa.offers, r.tag) && Lists(pb.seeks, r.tag)) << r.tag;
            break;
          default:
            break;
        }
        ++checked;
      }
      const std::string starter = ConversationStarter(e);
      ASSERT_FALSE(starter.empty());
    }
  }
  EXPECT_GT(checked, 1000u);
}

}  // namespace
}  // namespace parley::match
