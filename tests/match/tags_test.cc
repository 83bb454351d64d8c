#include "services/match/tags.h"

#include <cstdint>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/match/scoring.h"

namespace parley::match {
namespace {

TEST(TagKeyTest, MergesPluralsHyphensAndCase) {
  EXPECT_EQ(TagKey("Large Language Models"), TagKey("large language model"));
  EXPECT_EQ(TagKey("LLMs"), TagKey("llm"));
  EXPECT_EQ(TagKey("graph-neural-networks"), TagKey("graph neural network"));
  EXPECT_EQ(TagKey("in-context  learning"), TagKey("in context learning"));
  EXPECT_EQ(TagKey("libraries"), "library");
  EXPECT_EQ(TagKey("approaches"), "approach");
  EXPECT_EQ(TagKey("processes"), "process");
  EXPECT_EQ(TagKey(TagKey("Vision-Language-Action models")),
            TagKey("vision language action model"));
}

TEST(TagKeyTest, KeepsWordsThatOnlyLookPlural) {
  EXPECT_EQ(TagKey("analysis"), "analysis");
  EXPECT_EQ(TagKey("focus"), "focus");
  EXPECT_EQ(TagKey("class"), "class");
  EXPECT_EQ(TagKey("gas"), "gas");  // too short to tell
  EXPECT_NE(TagKey("organization"), TagKey("organ"));
  EXPECT_NE(TagKey("generalization"), TagKey("general"));
  EXPECT_EQ(TagKey("n:m sparsity"), "n:m sparsity");
}

// ReasonHolds (agenda_views.cc) skips tags shorter than a key unkeyed: a key is never longer
// than its tag, whatever the endings, separators and bytes.
TEST(TagKeyTest, AKeyIsNeverLongerThanItsTag) {
  const std::vector<std::string> pieces = {
      "ies", "es", "s", "ches", "shes", "xes",          "sses",         "ss",       "us", "is",
      "y",   "-",  "_", " ",    "  ",   "\xE2\x80\x93", "\xE2\x80\x90", "\xC3\x84", "A",  "Z",
      "ch",  "x",  "(", ")",    "\t"};
  uint64_t state = 12345;
  for (int round = 0; round < 20000; ++round) {
    std::string tag;
    const int n = 1 + static_cast<int>(state % 7);
    for (int i = 0; i < n; ++i) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      tag += pieces[(state >> 33) % pieces.size()];
    }
    EXPECT_LE(TagKey(tag).size(), tag.size()) << "\"" << tag << "\"";
  }
}

// HasTagKey's shortcuts never change the answer of comparing keys.
TEST(TagKeyTest, HasTagKeyAgreesWithComparingKeys) {
  const std::vector<std::string> tags = {"LLMs",
                                         "llm",
                                         "_llms",
                                         "-LLM",
                                         " llm",
                                         "large-language-models",
                                         "Large Language Model",
                                         "\xE2\x80\x93llm",
                                         "\xC3\x84rzte",
                                         "\xC3\xA4rzte",
                                         "-",
                                         " - ",
                                         "libraries",
                                         "library",
                                         "l",
                                         "ml",
                                         "ML",
                                         "art",
                                         "arts"};
  int same = 0;
  for (const std::string& tag : tags) {
    for (const std::string& other : tags) {
      const std::string key = TagKey(other);
      EXPECT_EQ(HasTagKey(tag, key), TagKey(tag) == key)
          << "\"" << tag << "\" / \"" << other << "\"";
      same += TagKey(tag) == key;
    }
  }
  EXPECT_GT(same, static_cast<int>(tags.size()));  // matches beyond each tag with itself
}

TEST(SplitAcronymTest, FindsAcronymsTheExpansionSpellsOut) {
  std::string expansion, acronym;
  ASSERT_TRUE(SplitAcronym("Reinforcement Learning (RL)", &expansion, &acronym));
  EXPECT_EQ(expansion, "reinforcement learning");
  EXPECT_EQ(acronym, "rl");
  ASSERT_TRUE(SplitAcronym("large language models (LLMs)", &expansion, &acronym));
  EXPECT_EQ(acronym, "llms");
  ASSERT_TRUE(SplitAcronym("VAE (variational autoencoder)", &expansion, &acronym));
  EXPECT_EQ(expansion, "variational autoencoder");
  ASSERT_TRUE(SplitAcronym("in-context learning (ICL)", &expansion, &acronym));
  ASSERT_TRUE(SplitAcronym("theory of mind (ToM)", &expansion, &acronym));
  EXPECT_FALSE(SplitAcronym("transformers (survey)", &expansion, &acronym));
  EXPECT_FALSE(SplitAcronym("reinforcement learning (ml)", &expansion, &acronym));
  EXPECT_FALSE(SplitAcronym("rl", &expansion, &acronym));
}

TEST(TagAliasesTest, AnAcronymMergesOnlyWhenTheEventShowsIt) {
  const TagAliases none = TagAliases::Learn({"reinforcement learning", "rl"});
  EXPECT_NE(none.Key("rl"), none.Key("reinforcement learning"));
  const TagAliases shown = TagAliases::Learn({"reinforcement learning (RL)"});
  EXPECT_EQ(shown.Key("RL"), shown.Key("reinforcement learning"));
  EXPECT_EQ(shown.Key("reinforcement learning (rl)"), shown.Key("Reinforcement-Learning"));
}

TEST(TagAliasesTest, AnAcronymSpelledOutInsideALongerTagCounts) {
  const TagAliases aliases = TagAliases::Learn({"Machine Learning (ML): general"});
  EXPECT_EQ(aliases.Key("ML"), aliases.Key("machine learning"));
  const TagAliases none = TagAliases::Learn({"foundations (ml): general"});
  EXPECT_EQ(none.Key("ml"), "ml");
}

TEST(TagAliasesTest, AnAcronymWithTwoExpansionsStaysAsWritten) {
  const TagAliases aliases =
      TagAliases::Learn({"reinforcement learning (rl)", "representation learning (rl)"});
  EXPECT_EQ(aliases.Key("rl"), "rl");
  EXPECT_EQ(aliases.Key("representation learning (rl)"), aliases.Key("representation learning"));
}

// The engine side: near-duplicates are one tag, shown in the spelling most holders used.
TEST(TagMergingTest, NearDuplicatesAreOneTagShownInTheCommonestSpelling) {
  MatchInput input;
  auto person = [](std::vector<Interest> interests) {
    Profile p;
    p.interests = std::move(interests);
    return p;
  };
  input.profiles = {person({{"llm", 1}, {"VLA", 2}}), person({{"LLMs", 3}, {"VLA", 1}}),
                    person({{"large language models (LLMs)", 1}, {"vla", 1}}),
                    person({{"llm", 1}, {"llms", 2}}), person({{"Large-Language-Model", 1}})};
  absl::StatusOr<MatchProblem> problem = MatchProblem::Create(input);
  ASSERT_TRUE(problem.ok()) << problem.status();
  TagId llm = 0, vla = 0, long_form = 0;
  ASSERT_TRUE(problem->FindTag("llm", &llm));
  ASSERT_TRUE(problem->FindTag("Large language model", &long_form));
  ASSERT_TRUE(problem->FindTag("VLA", &vla));
  EXPECT_EQ(llm, long_form);
  EXPECT_EQ(problem->tag(llm).name, "llm");  // 2 uses, each other spelling 1
  EXPECT_EQ(problem->tag(llm).df_interest, 5);
  EXPECT_EQ(problem->tag(vla).name, "VLA");
  // Attendee 3 listed it twice: one interest, the heavier weight.
  ASSERT_EQ(problem->profile(3).interests.size(), 1u);
  EXPECT_EQ(problem->profile(3).interests[0].weight, 2);
  EXPECT_GT(problem->Score(0, 4).gain_ab, 0);
}

}  // namespace
}  // namespace parley::match
