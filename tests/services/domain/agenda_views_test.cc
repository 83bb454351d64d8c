// Whether a stored reason still holds for the records as they are now (ReasonHolds).
#include "services/domain/agenda_views.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "gtest/gtest.h"
#include "services/domain/validation.h"
#include "services/match/tags.h"

namespace parley::services {
namespace {

v1::Attendee WithInterests(const std::vector<std::string>& tags) {
  v1::Attendee a;
  for (const std::string& t : tags) a.add_interests()->set_tag(t);
  return a;
}

v1::Reason Shared(const std::string& tag) {
  v1::Reason r;
  r.set_kind(v1::Reason::SHARED_INTEREST);
  r.set_tag(tag);
  return r;
}

// The engine names a shared interest by one spelling of the tag for both sides ("LLMs"), while
// each side may have written another: the reason holds for every spelling the engine merges.
TEST(ReasonHoldsTest, ASharedInterestHoldsForEverySpellingTheEngineMerges) {
  const v1::Attendee you = WithInterests({"LLM", "bicycles"});
  const v1::Attendee they = WithInterests({"large-language-models", "Bicycle"});
  EXPECT_TRUE(ReasonHolds(Shared("LLMs"), you, WithInterests({"llms"})));
  EXPECT_TRUE(ReasonHolds(Shared("bicycles"), you, they));
  EXPECT_TRUE(
      ReasonHolds(Shared("Large Language Models"), WithInterests({"large language model"}), they));
  EXPECT_TRUE(ReasonHolds(Shared("\xC3\x84rzte"), WithInterests({"\xC3\xA4rzte"}),
                          WithInterests({"\xC3\x84rzte"})));  // Ä / ä: folded as SameTag
}

// ReasonHolds skips most tags without keying them; that never changes the answer the rule gives.
TEST(ReasonHoldsTest, AgreesWithTheRuleOnRandomSpellings) {
  const std::vector<std::string> pieces = {"llm",      "LLM",          "s",     "-",   "_",
                                           " ",        "ies",          "y",     "Art", "\xC3\x84",
                                           "\xC3\xA4", "\xE2\x80\x93", "model", "es",  "x"};
  uint64_t state = 7;
  auto random_tag = [&] {
    std::string tag;
    const int n = 1 + static_cast<int>(state % 4);
    for (int i = 0; i < n; ++i) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      tag += pieces[(state >> 33) % pieces.size()];
    }
    return tag;
  };
  int held = 0;
  for (int round = 0; round < 20000; ++round) {
    const std::string reason = random_tag();
    std::string listed = random_tag();
    if ((state >> 35) % 2 == 0) {  // half the time, a spelling of the reason's tag
      listed = reason;
      for (char& c : listed) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        if ((state >> 40) % 3 == 0 && absl::ascii_isalpha(static_cast<unsigned char>(c))) {
          c = absl::ascii_isupper(static_cast<unsigned char>(c))
                  ? absl::ascii_tolower(static_cast<unsigned char>(c))
                  : absl::ascii_toupper(static_cast<unsigned char>(c));
        } else if ((state >> 40) % 3 == 1 && (c == ' ' || c == '-')) {
          c = c == ' ' ? '-' : ' ';
        }
      }
      if ((state >> 45) % 2 == 0) listed = "_" + listed + "s";
    }
    const bool rule = SameTag(listed, reason) || match::TagKey(listed) == match::TagKey(reason);
    EXPECT_EQ(ReasonHolds(Shared(reason), WithInterests({listed}), WithInterests({reason})), rule)
        << "reason \"" << reason << "\", listed \"" << listed << "\"";
    held += rule;
  }
  EXPECT_GT(held, 2000);  // matches as well as misses
}

TEST(ReasonHoldsTest, AReasonWhoseTagWasRemovedNoLongerHolds) {
  const v1::Attendee they = WithInterests({"rust", "bicycles"});
  EXPECT_FALSE(ReasonHolds(Shared("rust"), WithInterests({"bicycles"}), they));
  EXPECT_FALSE(ReasonHolds(Shared("bicycle"), WithInterests({"rust"}), they));
  EXPECT_FALSE(ReasonHolds(Shared("rust"), WithInterests({"rusty"}), they));

  v1::Reason trade;
  trade.set_kind(v1::Reason::THEY_OFFER_WHAT_YOU_SEEK);
  trade.set_tag("Mentoring");
  v1::Attendee you, mentor;
  you.add_seeks("mentoring");
  mentor.add_offers("mentorings");
  EXPECT_TRUE(ReasonHolds(trade, you, mentor));
  mentor.clear_offers();
  mentor.add_offers("hiring");
  EXPECT_FALSE(ReasonHolds(trade, you, mentor));
}

}  // namespace
}  // namespace parley::services
