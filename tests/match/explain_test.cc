#include "services/match/explain.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "services/match/candidates.h"
#include "services/match/scoring.h"
#include "services/match/tags.h"
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
            "You are both interested in bicycles and software. Ada is looking for rust mentoring, "
            "which you offer, and can help with investment in return. They asked to meet you.");
  EXPECT_EQ(ConversationStarter(ExplainPair(problem, 1, 0), "", 1),
            "You are both interested in bicycles and software.");
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

// An event shaped like real exports (fixed seed): a quarter with no interests, copies of other
// profiles, a generic offer and seek held by about 45%, near-duplicate spellings of one keyword,
// hubs of popular keywords and a long tail of rare ones.
struct RealisticEvent {
  MatchInput input;
  std::vector<std::string> names;
};

RealisticEvent MakeRealisticEvent(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  auto chance = [&](double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; };
  const std::vector<std::vector<std::string>> spellings = {
      {"LLM", "llms", "large language models (LLMs)", "Large language model"},
      {"VLA", "VLA", "vision-language-action models", "VLA (vision language action)"},
      {"graph neural networks", "graph-neural-network", "GNN", "graph neural networks (GNNs)"},
      {"reinforcement learning (RL)", "RL", "reinforcement learning", "Reinforcement Learning"},
      {"OOD detection", "ood detection", "OOD detection"},
      {"t-SNE"},
      {"UMAP"},
      {"n:m sparsity"},
      {"in-context learning: large language model"},
      {"diffusion models", "diffusion model"}};
  std::vector<std::string> tail;
  for (int i = 0; i < 300; ++i) tail.push_back(absl::StrCat("topic ", i));
  const std::vector<std::string> first = {"Niklas", "Ada",    "Grace",  "Alan",    "Barbara",
                                          "Edsger", "Donald", "Leslie", "Frances", "Tony"};
  RealisticEvent e;
  for (int i = 0; i < n; ++i) {
    e.names.push_back(absl::StrCat(first[i % first.size()], " ", "Q", i));
    Profile p;
    if (i > 10 && chance(0.1)) {  // an identical profile
      p = e.input.profiles[rng() % e.input.profiles.size()];
      p.wants.clear();
      e.input.profiles.push_back(std::move(p));
      continue;
    }
    p.organisation = chance(0.16) ? "" : absl::StrCat("org", rng() % 40);
    if (!chance(0.25)) {
      const int k = 1 + static_cast<int>(rng() % 8);
      for (int j = 0; j < k; ++j) {
        const int weight = j < 3 ? 2 : 1;
        if (chance(0.5)) {
          const auto& group = spellings[std::min<size_t>(rng() % 12, rng() % spellings.size())];
          p.interests.push_back({group[rng() % group.size()], weight});
        } else {
          const size_t t = std::min(rng() % tail.size(), rng() % tail.size());  // popular head
          p.interests.push_back({tail[t], weight});
        }
      }
    }
    if (chance(0.45)) p.offers.push_back("research collaboration");
    if (chance(0.45)) p.seeks.push_back("research collaboration");
    if (chance(0.08)) p.offers.push_back("mentoring");
    if (chance(0.08)) p.seeks.push_back("mentoring");
    if (chance(0.05)) p.offers.push_back(tail[rng() % tail.size()]);
    if (chance(0.05)) p.seeks.push_back(tail[rng() % tail.size()]);
    if (i > 0 && chance(0.03)) p.wants.push_back(static_cast<Index>(rng() % i));
    e.input.profiles.push_back(std::move(p));
  }
  for (int i = 0; i < 20; ++i) {
    const Index a = rng() % n, b = rng() % n;
    if (a != b) e.input.introductions.push_back({a, b, Introduction::kNoIntroducer});
  }
  return e;
}

// The opening a starter must have when its first sentence comes from `first` (the first reason
// of the explanation that a sentence is built from).
bool OpensRight(const std::string& starter, const std::string& name, ReasonKind first) {
  switch (first) {
    case ReasonKind::kSharedInterest:
      return absl::StartsWith(starter, "You both work on ") ||
             absl::StartsWith(starter, "You are both interested in ");
    case ReasonKind::kSeeksWhatTheyOffer:
    case ReasonKind::kOffersWhatTheySeek:
      return absl::StartsWith(starter, name + " is looking for ") ||
             absl::StartsWith(starter, name + " can help with ");
    case ReasonKind::kAskedToMeet:
      return absl::StartsWith(starter, "You asked to meet ") ||
             absl::StartsWith(starter, "You and " + name + " both asked to meet");
    case ReasonKind::kAskedToMeetYou:
      return absl::StartsWith(starter, name + " asked to meet you") ||
             absl::StartsWith(starter, "You and " + name + " both asked to meet");
    case ReasonKind::kIntroduced:
      return absl::StartsWith(starter, "You were introduced");
    case ReasonKind::kBridgesOrganisations:
    case ReasonKind::kBridgesCircles:
      return absl::StartsWith(starter, "You come from different circles: ") ||
             absl::StartsWith(starter, "Say hello to " + name);
  }
  return false;
}

// What is wrong with `starter` as English, or "" (sentences capitalised and full-stopped, no
// empty lists, no doubled punctuation or spaces, subject and verb agree).
std::string EnglishProblem(const std::string& starter, const std::string& name) {
  if (starter.empty() || !absl::ascii_isupper(static_cast<unsigned char>(starter[0]))) {
    return "does not start with a capital";
  }
  if (starter.back() != '.') return "does not end with a full stop";
  for (const char* bad : {"  ", " ,", " .", ",,", "..", ", .", " and .", " and ,", "on .", "for ,",
                          "in .", "with ,", "they is", "They is", "; "}) {
    if (absl::StrContains(starter, bad)) return absl::StrCat("contains \"", bad, "\"");
  }
  if (absl::StrContains(starter, name + " are ")) return "name with \"are\"";
  for (size_t dot = starter.find(". "); dot != std::string::npos;
       dot = starter.find(". ", dot + 1)) {
    if (!absl::ascii_isupper(static_cast<unsigned char>(starter[dot + 2]))) {
      return "a sentence starts in lower case";
    }
  }
  return "";
}

TEST(ExplainTest, ReasonsOfEveryPairOfARealisticEventRingTrue) {
  const RealisticEvent event = MakeRealisticEvent(500, 12);
  absl::StatusOr<MatchProblem> created = MatchProblem::Create(event.input);
  ASSERT_TRUE(created.ok()) << created.status();
  const MatchProblem& problem = *created;
  const Index n = problem.num_attendees();
  auto common = [&](const Reason& r) {
    TagId t = 0;
    if (!problem.FindTag(r.tag, &t)) return false;
    const TagInfo& info = problem.tag(t);
    const int holders = r.kind == ReasonKind::kSharedInterest ? info.df_interest : info.df_offer;
    return holders > 0.05 * n && holders > 5;
  };
  auto lists = [&](Index x, TagId t) {
    for (const WeightedTag& w : problem.profile(x).interests) {
      if (w.tag == t) return true;
    }
    return false;
  };
  int64_t sides = 0, failures = 0, with_generic_available = 0;
  absl::flat_hash_map<std::string, int64_t> openings;
  for (Index a = 0; a < n && failures < 20; ++a) {
    for (Index b = 0; b < n && failures < 20; ++b) {
      if (a == b || problem.Score(a, b).weight == 0) continue;
      const PairExplanation e = ExplainPair(problem, a, b);
      const std::string& name = event.names[b];
      const std::string starter = ConversationStarter(e, name);
      ++sides;
      auto fail = [&](const std::string& what) {
        ++failures;
        ADD_FAILURE() << a << " -> " << b << ": " << what << "\n  starter: " << starter;
      };
      bool specific = false;
      for (const Reason& r : e.reasons) {
        if (r.kind == ReasonKind::kAskedToMeet || r.kind == ReasonKind::kAskedToMeetYou ||
            r.kind == ReasonKind::kIntroduced) {
          specific = true;
        } else if (r.kind != ReasonKind::kBridgesCircles &&
                   r.kind != ReasonKind::kBridgesOrganisations && !common(r)) {
          specific = true;
        }
      }
      absl::flat_hash_map<std::string, ReasonKind> keys;
      for (const Reason& r : e.reasons) {
        if (r.kind == ReasonKind::kBridgesCircles) {
          TagId theirs = 0, mine = 0;
          ASSERT_TRUE(problem.FindTag(r.tag, &theirs) && problem.FindTag(r.other_tag, &mine));
          if ((lists(a, theirs) && lists(b, theirs)) || (lists(a, mine) && lists(b, mine))) {
            fail(
                absl::StrCat("a different circle about a shared tag: ", r.tag, " / ", r.other_tag));
          }
        }
        if (specific && r.kind != ReasonKind::kBridgesOrganisations && !r.tag.empty() &&
            common(r)) {
          ++with_generic_available;
          fail(absl::StrCat("a reason from a common tag next to a specific one: ", r.tag));
        }
        if (r.kind == ReasonKind::kSharedInterest || r.kind == ReasonKind::kSeeksWhatTheyOffer ||
            r.kind == ReasonKind::kOffersWhatTheySeek) {
          TagId t = 0;
          ASSERT_TRUE(problem.FindTag(r.tag, &t)) << r.tag;
          if (problem.tag(t).name != r.tag) fail(absl::StrCat("not the display form: ", r.tag));
          auto [it, inserted] = keys.try_emplace(TagKey(r.tag), r.kind);
          if (!inserted && it->second == r.kind) fail(absl::StrCat("near-duplicate: ", r.tag));
        }
      }
      size_t mentions = 0;
      for (size_t at = starter.find(name); at != std::string::npos;
           at = starter.find(name, at + 1)) {
        ++mentions;
      }
      if (mentions > 1) fail("the name is repeated");
      const std::string english = EnglishProblem(starter, name);
      if (!english.empty()) fail(english);
      ReasonKind first = ReasonKind::kBridgesCircles;
      for (const Reason& r : e.reasons) {
        if (r.kind != ReasonKind::kBridgesOrganisations && r.kind != ReasonKind::kBridgesCircles) {
          first = r.kind;
          break;
        }
      }
      if (!OpensRight(starter, name, first)) fail("the opening does not fit the first reason");
      const std::string masked = absl::StrReplaceAll(starter, {{name, "NAME"}});
      ++openings[masked.substr(0, masked.find(' ', masked.find(' ') + 1))];
    }
  }
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(with_generic_available, 0);
  EXPECT_GT(sides, 10000);
  // Starters open in several ways, none for nearly everybody.
  EXPECT_GE(openings.size(), 4u);
  for (const auto& [opening, count] : openings) {
    EXPECT_LT(count, sides * 9 / 10) << opening;
  }
}

}  // namespace
}  // namespace parley::match
