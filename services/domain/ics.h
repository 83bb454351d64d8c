#ifndef PARLEY_SERVICES_ICS_H_
#define PARLEY_SERVICES_ICS_H_

// iCalendar (RFC 5545) rendering of meetings: one VCALENDAR with one VEVENT per meeting. Lines
// end in CRLF and are folded at 75 octets (never inside a UTF-8 sequence); TEXT values escape
// backslash, comma, semicolon and newlines. Times are UTC ("20270115T083000Z"). Pure functions;
// thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace parley::services::ics {

struct CalendarEvent {
  // Stable across changes of the meeting (see MeetingUid); SEQUENCE tells revisions apart.
  std::string uid;
  uint32_t sequence = 0;
  // Seconds since the Unix epoch.
  int64_t stamp = 0;
  int64_t start = 0;
  int64_t end = 0;
  std::string summary;
  std::string location;
  std::string description;
  // STATUS:CANCELLED instead of STATUS:CONFIRMED.
  bool cancelled = false;
};

// "meeting-<meeting>-event-<event>@parley".
std::string MeetingUid(uint64_t meeting_id, uint64_t event_id);

// A whole VCALENDAR. `method` is "PUBLISH" (a calendar to subscribe to or import) or "CANCEL"
// (every event in it is withdrawn); empty: no METHOD property.
std::string RenderCalendar(absl::string_view method, const std::vector<CalendarEvent>& events);

// RFC 5545 3.3.11 TEXT escaping: \ ; , and newlines (CR LF, LF and lone CR become \n).
std::string EscapeText(absl::string_view text);
// One content line, folded at 75 octets, with its CRLF.
std::string FoldLine(absl::string_view line);
// "YYYYMMDDTHHMMSSZ".
std::string UtcDateTime(int64_t unix_seconds);

}  // namespace parley::services::ics

#endif  // PARLEY_SERVICES_ICS_H_
