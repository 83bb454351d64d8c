#include "clients/attendee_fields.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parley::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(ParseListTest, TrimsItemsAndSkipsEmptyOnes) {
  EXPECT_THAT(ParseList(" a ; b;;c ;"), ElementsAre("a", "b", "c"));
  EXPECT_THAT(ParseList(""), IsEmpty());
  EXPECT_THAT(ParseList(" ; ;"), IsEmpty());
  EXPECT_THAT(ParseList("machine learning"), ElementsAre("machine learning"));
}

TEST(ParseInterestsTest, ReadsOptionalWeights) {
  absl::StatusOr<std::vector<v1::Interest>> interests =
      ParseInterests("books:3; bicycles ;chess : 2;go:1");
  ASSERT_TRUE(interests.ok()) << interests.status();
  ASSERT_EQ(interests->size(), 4u);
  EXPECT_EQ((*interests)[0].tag(), "books");
  EXPECT_EQ((*interests)[0].weight(), 3u);
  EXPECT_EQ((*interests)[1].tag(), "bicycles");
  EXPECT_EQ((*interests)[1].weight(), 0u);  // server default, 1
  EXPECT_EQ((*interests)[2].tag(), "chess");
  EXPECT_EQ((*interests)[2].weight(), 2u);
  EXPECT_EQ((*interests)[3].weight(), 1u);
}

TEST(ParseInterestsTest, RejectsBadWeights) {
  for (const char* bad : {"a:0", "a:4", "a:x", "a:", "a:-1", "a:1.5", ":2"}) {
    absl::StatusOr<std::vector<v1::Interest>> interests = ParseInterests(bad);
    EXPECT_EQ(interests.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_THAT(std::string(ParseInterests("ok;books:9").status().message()),
              HasSubstr("bad weight \"9\" in \"books:9\""));
}

TEST(ParseBudgetTest, EmptyIsUnsetAndNumbersAreSet) {
  EXPECT_EQ(*ParseBudget(""), std::nullopt);
  EXPECT_EQ(*ParseBudget("  "), std::nullopt);
  EXPECT_EQ(*ParseBudget("0"), std::optional<uint32_t>(0));
  EXPECT_EQ(*ParseBudget(" 2 "), std::optional<uint32_t>(2));
  for (const char* bad : {"-1", "+1", "1.5", "two", "4294967296"}) {
    EXPECT_EQ(ParseBudget(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(ParseBoolTest, AcceptsCommonSpellings) {
  for (const char* yes : {"true", "TRUE", "yes", "1", " Yes "}) EXPECT_TRUE(*ParseBool(yes));
  for (const char* no : {"false", "no", "0", ""}) EXPECT_FALSE(*ParseBool(no));
  EXPECT_FALSE(ParseBool("maybe").ok());
}

TEST(FormatTest, InterestsAndListsReadBack) {
  v1::Attendee attendee;
  absl::StatusOr<std::vector<v1::Interest>> interests = ParseInterests("books:3;bicycles;chess:2");
  ASSERT_TRUE(interests.ok());
  for (const v1::Interest& interest : *interests) *attendee.add_interests() = interest;
  EXPECT_EQ(FormatInterests(attendee.interests()), "books:3; bicycles; chess:2");
  attendee.add_offers("a");
  attendee.add_offers("b");
  EXPECT_EQ(FormatList(attendee.offers()), "a; b");
}

TEST(SetAttendeeFieldTest, EveryTextFieldReadsItsForm) {
  v1::Attendee attendee;
  for (const std::string& field : AttendeeTextFields()) {
    const char* text = field == "budget" ? "2" : field == "prefers_quiet" ? "yes" : "a;b:2";
    EXPECT_TRUE(SetAttendeeField(field, text, &attendee).ok()) << field;
  }
  EXPECT_EQ(attendee.display_name(), "a;b:2");  // strings verbatim
  EXPECT_EQ(attendee.external_id(), "a;b:2");
  EXPECT_THAT(attendee.offers(), ElementsAre("a", "b:2"));  // lists split, not weighed
  EXPECT_THAT(attendee.avoid_organisations(), ElementsAre("a", "b:2"));
  ASSERT_EQ(attendee.interests_size(), 2);
  EXPECT_EQ(attendee.interests(1).tag(), "b");
  EXPECT_EQ(attendee.interests(1).weight(), 2u);
  EXPECT_EQ(attendee.budget(), 2u);
  EXPECT_TRUE(attendee.prefers_quiet());
}

TEST(SetAttendeeFieldTest, EmptyBudgetStaysUnsetAndBadValuesAreErrors) {
  v1::Attendee attendee;
  EXPECT_TRUE(SetAttendeeField("budget", " ", &attendee).ok());
  EXPECT_FALSE(attendee.has_budget());
  EXPECT_THAT(std::string(SetAttendeeField("budget", "lots", &attendee).message()),
              HasSubstr("\"lots\" is not a non-negative integer"));
  EXPECT_THAT(std::string(SetAttendeeField("interests", "x:9", &attendee).message()),
              HasSubstr("bad weight"));
  EXPECT_FALSE(SetAttendeeField("prefers_quiet", "perhaps", &attendee).ok());
  EXPECT_EQ(SetAttendeeField("event_id", "3", &attendee).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SetAttendeeField("nickname", "x", &attendee).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace parley::client
