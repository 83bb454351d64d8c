#include "services/validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

namespace parley::services {
namespace {

TEST(NormalizeTagTest, FoldsCaseComposesAndCollapsesWhitespace) {
  EXPECT_EQ(*NormalizeTag("  Bicycles ", "t"), "bicycles");
  EXPECT_EQ(*NormalizeTag("Machine \t  Learning", "t"), "machine learning");
  EXPECT_EQ(*NormalizeTag("STRASSE", "t"), "strasse");
  EXPECT_EQ(*NormalizeTag("Stra\xC3\x9F"
                          "e",
                          "t"),
            "strasse");                                               // ß folds to ss
  EXPECT_EQ(*NormalizeTag("Cafe\xCC\x81", "t"), "caf\xC3\xA9");       // NFC
  EXPECT_EQ(*NormalizeTag("\xE3\x80\x80Go\xE3\x80\x80", "t"), "go");  // ideographic space
}

TEST(NormalizeTagTest, RejectsWithTheFieldName) {
  EXPECT_THAT(NormalizeTag("", "interests[2]").status().message(),
              ::testing::HasSubstr("interests[2]: empty"));
  EXPECT_THAT(NormalizeTag("a\x01", "f").status().message(), ::testing::HasSubstr("control"));
  EXPECT_THAT(NormalizeTag("\xC0\x80", "f").status().message(), ::testing::HasSubstr("UTF-8"));
  EXPECT_THAT(NormalizeTag(std::string(65, 'a'), "f").status().message(),
              ::testing::HasSubstr("longer than 64"));
  EXPECT_TRUE(NormalizeTag(std::string(64, 'a'), "f").ok());
}

TEST(NormalizeTagTest, IsIdempotentOnRandomInput) {
  std::mt19937 rng(42);
  const std::vector<std::string> pieces = {"a",        "B",
                                           " ",        "\t",
                                           "\xC3\x9F", "e\xCC\x81",
                                           "\xC3\x89", "\xE2\x80\x83",
                                           "Z",        "\xF0\x9F\x9A\xB2"};
  for (int round = 0; round < 2000; ++round) {
    std::string tag;
    const int n = 1 + rng() % 12;
    for (int i = 0; i < n; ++i) tag += pieces[rng() % pieces.size()];
    auto once = NormalizeTag(tag, "t");
    if (!once.ok()) continue;
    auto twice = NormalizeTag(*once, "t");
    ASSERT_TRUE(twice.ok()) << *once;
    EXPECT_EQ(*once, *twice);
  }
}

TEST(IsValidUtf8Test, AcceptsValidAndRejectsMalformed) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x9A\xB2"));
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xC3"));              // truncated
}

TEST(NormalizeAttendeeTest, MergesDuplicateInterestsKeepingTheStrongestWeight) {
  v1::Event event;
  ASSERT_TRUE([&] {
    event.set_name("e");
    return NormalizeEvent(&event);
  }()
                  .ok());
  v1::Attendee a;
  a.set_external_id("x");
  a.set_display_name("X");
  v1::Interest* first = a.add_interests();
  first->set_tag("Books");
  a.add_interests()->set_tag("Go");
  v1::Interest* again = a.add_interests();
  again->set_tag("books ");
  again->set_weight(3);
  a.add_offers("Rust");
  a.add_offers("rust");
  ASSERT_TRUE(NormalizeAttendee(event, &a).ok());
  ASSERT_EQ(a.interests_size(), 2);
  EXPECT_EQ(a.interests(0).tag(), "books");
  EXPECT_EQ(a.interests(0).weight(), 3u);
  EXPECT_EQ(a.offers_size(), 1);
}

}  // namespace
}  // namespace parley::services
