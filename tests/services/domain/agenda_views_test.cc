// Whether a stored reason still holds for the records as they are now (ReasonHolds).
#include "services/domain/agenda_views.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

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
