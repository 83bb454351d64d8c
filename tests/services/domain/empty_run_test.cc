// Why a run made no meetings (services/domain/empty_run.h).
#include "services/domain/empty_run.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parley::domain {
namespace {

v1::Attendee WithInterest(const std::string& tag) {
  v1::Attendee a;
  a.add_interests()->set_tag(tag);
  return a;
}

TEST(WhyNoMeetingsTest, OneCommaInterestEachIsCalledOut) {
  std::vector<v1::Attendee> people = {WithInterest("rust, embedded, bicycles"),
                                      WithInterest("cobol, compilers"),
                                      WithInterest("novels, poetry")};
  EXPECT_EQ(WhyNoMeetings(people),
            "no two attendees share an interest, offer or seek; 3 of 3 have one interest "
            "containing commas: a wrong list separator in the import? (parley attendees import "
            "--separator 'interests=,')");
}

TEST(WhyNoMeetingsTest, NothingSharedWithoutCommas) {
  EXPECT_EQ(WhyNoMeetings({WithInterest("rust"), WithInterest("cobol")}),
            "no two attendees share an interest, offer or seek");
}

TEST(WhyNoMeetingsTest, SharedTagsOffersMeetingSeeksOrOpenPairingsExplainNothing) {
  EXPECT_EQ(WhyNoMeetings({WithInterest("Rust"), WithInterest("rust")}), "");
  v1::Attendee offers = WithInterest("a"), seeks = WithInterest("b");
  offers.add_offers("Mentoring");
  seeks.add_seeks("mentoring");
  EXPECT_EQ(WhyNoMeetings({offers, seeks}), "");
  EXPECT_EQ(WhyNoMeetings({v1::Attendee(), v1::Attendee()}), "") << "an open pairing";
}

TEST(WhyNoMeetingsTest, TooFewOrOptedOut) {
  EXPECT_EQ(WhyNoMeetings({WithInterest("x")}), "fewer than two attendees");
  v1::Attendee out1 = WithInterest("x"), out2 = WithInterest("x");
  out1.set_budget(0);
  out2.set_budget(0);
  EXPECT_EQ(WhyNoMeetings({out1, out2}), "every attendee opted out (budget 0)");
  EXPECT_EQ(WhyNoMeetings({out1, WithInterest("x")}),
            "only one attendee has not opted out (budget 0)");
}

}  // namespace
}  // namespace parley::domain
