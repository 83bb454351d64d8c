#include "clients/attendee_fields.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
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

TEST(ParseInterestsTest, OnlyATrailingOneTwoOrThreeIsAWeight) {
  absl::StatusOr<std::vector<v1::Interest>> interests =
      ParseInterests("n:m sparsity:2; in-context learning: large language model; books:9");
  ASSERT_TRUE(interests.ok()) << interests.status();
  ASSERT_EQ(interests->size(), 3u);
  EXPECT_EQ((*interests)[0].tag(), "n:m sparsity");
  EXPECT_EQ((*interests)[0].weight(), 2u);
  EXPECT_EQ((*interests)[1].tag(), "in-context learning: large language model");
  EXPECT_EQ((*interests)[1].weight(), 0u);
  EXPECT_EQ((*interests)[2].tag(), "books:9");
  EXPECT_THAT(std::string(ParseInterests("ok;:2").status().message()),
              HasSubstr("empty tag in \":2\""));
}

// tests/clients/data/interest_weights.tsv is read by the web app's browser test too: the CLI and
// the profile form must read every item the same way.
TEST(ParseInterestsTest, AgreesWithTheSharedCases) {
  std::ifstream file(std::string(PARLEY_TEST_DATA_DIR) + "/interest_weights.tsv");
  ASSERT_TRUE(file.good()) << "missing " << PARLEY_TEST_DATA_DIR << "/interest_weights.tsv";
  std::string line;
  int cases = 0;
  while (std::getline(file, line)) {
    if (line.empty() || line[0] == '#') continue;
    const std::vector<std::string> cols = absl::StrSplit(line, '\t');
    ASSERT_GE(cols.size(), 2u) << line;
    ++cases;
    absl::StatusOr<std::vector<v1::Interest>> got = ParseInterests(cols[0]);
    if (cols[1][0] == '!') {
      EXPECT_THAT(std::string(got.status().message()), HasSubstr(cols[1].substr(1))) << line;
      continue;
    }
    ASSERT_TRUE(got.ok()) << line << ": " << got.status();
    ASSERT_EQ(got->size(), 1u) << line;
    EXPECT_EQ((*got)[0].tag(), cols[1]) << line;
    EXPECT_EQ(std::to_string((*got)[0].weight()), cols[2]) << line;
  }
  EXPECT_GE(cases, 10);
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
    const bool yes_no =
        field == "prefers_quiet" || field == "share_email" || field == "share_phone";
    const char* text = field == "budget" ? "2" : yes_no ? "yes" : "a;b:2";
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
  EXPECT_TRUE(attendee.share_email());
  EXPECT_TRUE(attendee.share_phone());
}

TEST(SetAttendeeFieldTest, EmptyBudgetStaysUnsetAndBadValuesAreErrors) {
  v1::Attendee attendee;
  EXPECT_TRUE(SetAttendeeField("budget", " ", &attendee).ok());
  EXPECT_FALSE(attendee.has_budget());
  EXPECT_THAT(std::string(SetAttendeeField("budget", "lots", &attendee).message()),
              HasSubstr("\"lots\" is not a non-negative integer"));
  // Only a trailing :1, :2 or :3 is a weight; an empty tag is the one interest error left.
  EXPECT_THAT(std::string(SetAttendeeField("interests", ":2", &attendee).message()),
              HasSubstr("empty tag"));
  EXPECT_FALSE(SetAttendeeField("prefers_quiet", "perhaps", &attendee).ok());
  EXPECT_EQ(SetAttendeeField("event_id", "3", &attendee).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(SetAttendeeField("nickname", "x", &attendee).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace parley::client
