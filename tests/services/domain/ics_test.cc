// RFC 5545 rendering: structure, CRLF, folding at 75 octets without splitting UTF-8, escaping.
#include "services/domain/ics.h"

#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parley::services::ics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Undoes folding: drops every CRLF followed by a space.
std::string Unfold(const std::string& ics) {
  std::string out;
  for (size_t i = 0; i < ics.size(); ++i) {
    if (ics.compare(i, 3, "\r\n ") == 0) {
      i += 2;
      continue;
    }
    out += ics[i];
  }
  return out;
}

CalendarEvent Sample() {
  CalendarEvent e;
  e.uid = MeetingUid(42, 7);
  e.sequence = 3;
  e.stamp = 1800000000;
  e.start = 1800001800;
  e.end = 1800003300;
  e.summary = "Meeting with Ada Lovelace";
  e.location = "Hall, table 4";
  e.description = "You both love chess; she offers rust mentoring.";
  return e;
}

TEST(IcsTest, RendersOneVeventPerMeetingWithStableUidSequenceAndUtcTimes) {
  const std::string ics = RenderCalendar("PUBLISH", {Sample()});
  EXPECT_EQ(ics.rfind("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:", 0), 0u);
  EXPECT_THAT(ics, HasSubstr("\r\nMETHOD:PUBLISH\r\n"));
  EXPECT_THAT(ics, HasSubstr("\r\nUID:meeting-42-event-7@parley\r\n"));
  EXPECT_THAT(ics, HasSubstr("\r\nSEQUENCE:3\r\n"));
  EXPECT_THAT(ics, HasSubstr("\r\nDTSTAMP:20270115T080000Z\r\n"));
  EXPECT_THAT(ics, HasSubstr("\r\nDTSTART:20270115T083000Z\r\n"));
  EXPECT_THAT(ics, HasSubstr("\r\nDTEND:20270115T085500Z\r\n"));
  EXPECT_THAT(ics, HasSubstr("\r\nSUMMARY:Meeting with Ada Lovelace\r\n"));
  EXPECT_THAT(ics, HasSubstr("\r\nLOCATION:Hall\\, table 4\r\n"));
  EXPECT_THAT(Unfold(ics), HasSubstr("\r\nDESCRIPTION:You both love chess\\; she offers rust "
                                     "mentoring.\r\n"));
  EXPECT_THAT(ics, HasSubstr("\r\nSTATUS:CONFIRMED\r\n"));
  EXPECT_THAT(ics, HasSubstr("END:VEVENT\r\nEND:VCALENDAR\r\n"));
  EXPECT_EQ(ics.substr(ics.size() - 2), "\r\n");
  // Every line break is CRLF.
  for (size_t i = 0; i < ics.size(); ++i) {
    if (ics[i] == '\n') {
      EXPECT_EQ(ics[i - 1], '\r') << "bare LF at " << i;
    }
  }
}

TEST(IcsTest, CancelledMeetingsCarryStatusCancelledAndMethodCancel) {
  CalendarEvent e = Sample();
  e.cancelled = true;
  e.sequence = 4;
  const std::string ics = RenderCalendar("CANCEL", {e});
  EXPECT_THAT(ics, HasSubstr("\r\nMETHOD:CANCEL\r\n"));
  EXPECT_THAT(ics, HasSubstr("\r\nSTATUS:CANCELLED\r\n"));
  EXPECT_THAT(ics, Not(HasSubstr("STATUS:CONFIRMED")));
  EXPECT_THAT(ics, HasSubstr("\r\nSEQUENCE:4\r\n"));
  EXPECT_THAT(RenderCalendar("", {}), Not(HasSubstr("METHOD")));
}

TEST(IcsTest, EscapesBackslashCommaSemicolonAndNewlines) {
  EXPECT_EQ(EscapeText("a\\b,c;d\ne\r\nf\rg"), "a\\\\b\\,c\\;d\\ne\\nf\\ng");
  EXPECT_EQ(EscapeText("plain: text"), "plain: text");
}

TEST(IcsTest, FoldsLinesAt75OctetsWithoutSplittingUtf8) {
  std::string long_line = "DESCRIPTION:";
  for (int i = 0; i < 60; ++i) long_line += "\xc3\xa9t\xe2\x82\xac";  // "ét€": 2 + 1 + 3 bytes
  const std::string folded = FoldLine(long_line);
  std::vector<std::string> lines = absl::StrSplit(folded, "\r\n");
  ASSERT_EQ(lines.back(), "");
  lines.pop_back();
  ASSERT_GT(lines.size(), 1u);
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_LE(lines[i].size(), 75u) << "line " << i;
    if (i > 0) {
      EXPECT_EQ(lines[i][0], ' ');
    }
    // No line starts with a continuation byte (after the fold's space).
    const unsigned char first = static_cast<unsigned char>(lines[i][i > 0 ? 1 : 0]);
    EXPECT_NE(first & 0xC0, 0x80) << "line " << i << " splits a UTF-8 sequence";
  }
  EXPECT_EQ(Unfold(folded), long_line + "\r\n");
  EXPECT_EQ(FoldLine("SHORT"), "SHORT\r\n");
  EXPECT_EQ(FoldLine(std::string(75, 'x')), std::string(75, 'x') + "\r\n");
  EXPECT_EQ(FoldLine(std::string(76, 'x')), std::string(75, 'x') + "\r\n x\r\n");
}

}  // namespace
}  // namespace parley::services::ics
