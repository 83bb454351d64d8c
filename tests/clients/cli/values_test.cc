#include "clients/cli/values.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parley::client::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseIdTest, PositiveIntegersOnly) {
  EXPECT_EQ(*ParseId("event", "42"), 42u);
  for (const char* bad : {"0", "-1", "+1", "x", "", "1.0", "18446744073709551616"}) {
    EXPECT_FALSE(ParseId("event", bad).ok()) << bad;
  }
  EXPECT_EQ(ParseId("--event", "x").status().message(),
            "--event: \"x\" is not an id (a positive integer)");
}

TEST(ParseCountTest, RangeIsChecked) {
  EXPECT_EQ(*ParseCount("n", "0"), 0u);
  EXPECT_EQ(*ParseCount("n", "1000", 1000), 1000u);
  EXPECT_FALSE(ParseCount("n", "1001", 1000).ok());
  EXPECT_FALSE(ParseCount("n", "-3").ok());
}

absl::TimeZone Berlin() {
  absl::StatusOr<absl::TimeZone> zone = LoadZone("Europe/Berlin");
  EXPECT_TRUE(zone.ok()) << zone.status();
  return zone.ok() ? *zone : absl::UTCTimeZone();
}

// 2026-12-01T10:00 in Berlin (UTC+1 in winter).
constexpr int64_t kDec1At10Berlin = 1796115600;

TEST(ParseTimeInTest, WallClockInTheZoneOrAnExplicitOffset) {
  EXPECT_EQ(absl::ToUnixSeconds(*ParseTimeIn("2026-12-01T10:00", Berlin())), kDec1At10Berlin);
  EXPECT_EQ(absl::ToUnixSeconds(*ParseTimeIn("2026-12-01 10:00", Berlin())), kDec1At10Berlin);
  EXPECT_EQ(absl::ToUnixSeconds(*ParseTimeIn("2026-12-01T10:00:30", Berlin())),
            kDec1At10Berlin + 30);
  EXPECT_EQ(absl::ToUnixSeconds(*ParseTimeIn("2026-12-01T09:00:00Z", Berlin())), kDec1At10Berlin);
  EXPECT_EQ(absl::ToUnixSeconds(*ParseTimeIn("2026-12-01T10:00+01:00", absl::UTCTimeZone())),
            kDec1At10Berlin);
  EXPECT_FALSE(ParseTimeIn("tomorrow", Berlin()).ok());
  EXPECT_FALSE(ParseTimeIn("2026-13-01T10:00", Berlin()).ok());
}

TEST(LoadZoneTest, UnknownZoneIsAnError) {
  EXPECT_TRUE(LoadZone("UTC").ok());
  EXPECT_THAT(std::string(LoadZone("Mars/Olympus").status().message()),
              HasSubstr("unknown time zone \"Mars/Olympus\""));
}

TEST(ParseSlotsTest, ShortAndFullEndTimes) {
  absl::StatusOr<std::vector<v1::Slot>> slots =
      ParseSlots("s1=2026-12-01T10:00/10:30, s2=2026-12-01T23:30/2026-12-02T00:15", Berlin());
  ASSERT_TRUE(slots.ok()) << slots.status();
  ASSERT_EQ(slots->size(), 2u);
  EXPECT_EQ((*slots)[0].id(), "s1");
  EXPECT_EQ((*slots)[0].start_time(), kDec1At10Berlin);
  EXPECT_EQ((*slots)[0].end_time(), kDec1At10Berlin + 30 * 60);
  EXPECT_EQ((*slots)[1].id(), "s2");
  EXPECT_EQ((*slots)[1].end_time() - (*slots)[1].start_time(), 45 * 60);
}

TEST(ParseSlotsTest, Errors) {
  auto error = [](absl::string_view spec) {
    return std::string(ParseSlots(spec, absl::UTCTimeZone()).status().message());
  };
  EXPECT_THAT(error("s1"), HasSubstr("slot \"s1\": expected ID=START/END"));
  EXPECT_THAT(error("s1=2026-12-01T10:00"), HasSubstr("expected ID=START/END"));
  EXPECT_THAT(error("=2026-12-01T10:00/11:00"), HasSubstr("expected ID=START/END"));
  EXPECT_THAT(error("s1=2026-12-01T10:00/09:30"), HasSubstr("slot s1: ends before it starts"));
  EXPECT_THAT(error("s1=2026-12-01T10:00/25:00"), HasSubstr("slot s1:"));
  EXPECT_THAT(error("s1=noon/13:00"), HasSubstr("slot s1: \"noon\" is not a time"));
  EXPECT_THAT(error(""), HasSubstr("no slots"));
}

TEST(MakeSlotSeriesTest, ConsecutiveSlotsWithBreaks) {
  SlotSeries series;
  series.count = 3;
  series.start = absl::FromUnixSeconds(kDec1At10Berlin);
  series.length = absl::Minutes(30);
  series.gap = absl::Minutes(10);
  std::vector<v1::Slot> slots = MakeSlotSeries(series);
  ASSERT_EQ(slots.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(slots[i].id(), "s" + std::to_string(i + 1));
    EXPECT_EQ(slots[i].start_time(), kDec1At10Berlin + i * 40 * 60);
    EXPECT_EQ(slots[i].end_time(), slots[i].start_time() + 30 * 60);
  }
}

TEST(ParseLocationsTest, TablesQuietNameAndLink) {
  absl::StatusOr<std::vector<v1::Location>> locations = ParseLocations(
      "hall:20, library:4:quiet:name=Old Library ,online:50:link=https://meet.example:8443/a?b=c");
  ASSERT_TRUE(locations.ok()) << locations.status();
  ASSERT_EQ(locations->size(), 3u);
  EXPECT_EQ((*locations)[0].id(), "hall");
  EXPECT_EQ((*locations)[0].tables(), 20u);
  EXPECT_FALSE((*locations)[0].quiet());
  EXPECT_EQ((*locations)[1].id(), "library");
  EXPECT_TRUE((*locations)[1].quiet());
  EXPECT_EQ((*locations)[1].name(), "Old Library");
  EXPECT_EQ((*locations)[2].tables(), 50u);
  EXPECT_EQ((*locations)[2].virtual_link(), "https://meet.example:8443/a?b=c");
}

TEST(ParseLocationsTest, Errors) {
  auto error = [](absl::string_view spec) {
    return std::string(ParseLocations(spec).status().message());
  };
  EXPECT_THAT(error("hall"), HasSubstr("location \"hall\": expected ID:TABLES[:quiet]"));
  EXPECT_THAT(error("hall:many"), HasSubstr("location hall: tables: \"many\""));
  EXPECT_THAT(error("hall:3:loud"), HasSubstr("unknown option \"loud\""));
  EXPECT_THAT(error(""), HasSubstr("no locations"));
}

TEST(ParseEventStatusTest, NamesAreCaseInsensitive) {
  EXPECT_EQ(*ParseEventStatus("draft"), v1::DRAFT);
  EXPECT_EQ(*ParseEventStatus("OPEN"), v1::OPEN);
  EXPECT_EQ(*ParseEventStatus("Scheduled"), v1::SCHEDULED);
  EXPECT_EQ(*ParseEventStatus("closed"), v1::CLOSED);
  EXPECT_FALSE(ParseEventStatus("done").ok());
}

TEST(ParseMeetingStateTest, NamesAreCaseInsensitiveWithDashOrUnderscore) {
  EXPECT_EQ(*ParseMeetingState("confirmed"), v1::Meeting::CONFIRMED);
  EXPECT_EQ(*ParseMeetingState("No-Show"), v1::Meeting::NO_SHOW);
  EXPECT_EQ(*ParseMeetingState("no_show"), v1::Meeting::NO_SHOW);
  EXPECT_THAT(std::string(ParseMeetingState("unspecified").status().message()),
              HasSubstr("expected proposed, confirmed"));
  EXPECT_FALSE(ParseMeetingState("maybe").ok());
}

}  // namespace
}  // namespace parley::client::cli
