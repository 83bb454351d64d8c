#include "services/domain/ics.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace parley::services::ics {
namespace {

constexpr size_t kMaxLineOctets = 75;

bool IsUtf8Continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

std::string MeetingUid(uint64_t meeting_id, uint64_t event_id) {
  return absl::StrCat("meeting-", meeting_id, "-event-", event_id, "@parley");
}

std::string EscapeText(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case ';':
        out += "\\;";
        break;
      case ',':
        out += "\\,";
        break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        out += "\\n";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string FoldLine(absl::string_view line) {
  std::string out;
  out.reserve(line.size() + line.size() / 64 * 3 + 2);
  size_t budget = kMaxLineOctets;  // octets left on the current physical line
  while (line.size() > budget) {
    size_t cut = budget;
    while (cut > 0 && IsUtf8Continuation(line[cut])) --cut;
    if (cut == 0) cut = budget;  // not UTF-8: split anyway rather than loop
    absl::StrAppend(&out, line.substr(0, cut), "\r\n ");
    line.remove_prefix(cut);
    budget = kMaxLineOctets - 1;  // the leading space counts
  }
  absl::StrAppend(&out, line, "\r\n");
  return out;
}

std::string UtcDateTime(int64_t unix_seconds) {
  return absl::FormatTime("%Y%m%dT%H%M%SZ", absl::FromUnixSeconds(unix_seconds),
                          absl::UTCTimeZone());
}

std::string RenderCalendar(absl::string_view method, const std::vector<CalendarEvent>& events) {
  std::string out;
  out += FoldLine("BEGIN:VCALENDAR");
  out += FoldLine("VERSION:2.0");
  out += FoldLine("PRODID:-//Parley//Parley matchmaking//EN");
  out += FoldLine("CALSCALE:GREGORIAN");
  if (!method.empty()) out += FoldLine(absl::StrCat("METHOD:", method));
  for (const CalendarEvent& e : events) {
    out += FoldLine("BEGIN:VEVENT");
    out += FoldLine(absl::StrCat("UID:", e.uid));
    out += FoldLine(absl::StrCat("SEQUENCE:", e.sequence));
    out += FoldLine(absl::StrCat("DTSTAMP:", UtcDateTime(e.stamp)));
    out += FoldLine(absl::StrCat("DTSTART:", UtcDateTime(e.start)));
    out += FoldLine(absl::StrCat("DTEND:", UtcDateTime(e.end)));
    out += FoldLine(absl::StrCat("SUMMARY:", EscapeText(e.summary)));
    if (!e.location.empty()) out += FoldLine(absl::StrCat("LOCATION:", EscapeText(e.location)));
    if (!e.description.empty()) {
      out += FoldLine(absl::StrCat("DESCRIPTION:", EscapeText(e.description)));
    }
    out += FoldLine(e.cancelled ? "STATUS:CANCELLED" : "STATUS:CONFIRMED");
    out += FoldLine("TRANSP:OPAQUE");
    out += FoldLine("END:VEVENT");
  }
  out += FoldLine("END:VCALENDAR");
  return out;
}

}  // namespace parley::services::ics
