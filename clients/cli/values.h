#ifndef PARLEY_CLIENTS_CLI_VALUES_H_
#define PARLEY_CLIENTS_CLI_VALUES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "parley/v1/event.pb.h"
#include "parley/v1/matching.pb.h"

// The value syntaxes of the `parley` CLI's flags and arguments (CLI11 splits the command line;
// these read what it hands over). Errors are INVALID_ARGUMENT with a message that names the
// flag or the bad item.
namespace parley::client::cli {

// A positive integer id, e.g. of an event.
absl::StatusOr<uint64_t> ParseId(absl::string_view what, absl::string_view text);
// A non-negative integer of at most `max`.
absl::StatusOr<uint32_t> ParseCount(absl::string_view what, absl::string_view text,
                                    uint32_t max = UINT32_MAX);

// An IANA time zone name ("Europe/Berlin", "UTC").
absl::StatusOr<absl::TimeZone> LoadZone(absl::string_view name);

// A wall-clock time in `zone`: "2026-12-01T10:00", "2026-12-01T10:00:30" or "2026-12-01 10:00";
// or an RFC 3339 time with its own offset ("2026-12-01T10:00:00+01:00", "...Z").
absl::StatusOr<absl::Time> ParseTimeIn(absl::string_view text, absl::TimeZone zone);

// --slots: comma-separated `id=START/END`, where START is as for ParseTimeIn and END is either
// a full time or just "HH:MM" on START's day. "s1=2026-12-01T10:00/10:30,s2=...". Every END
// must be after its START.
absl::StatusOr<std::vector<v1::Slot>> ParseSlots(absl::string_view spec, absl::TimeZone zone);

// --slot-count N --start T --slot-minutes M [--break-minutes B] [--slot-prefix P]: N slots of
// M minutes, B minutes apart, from T; ids P1..PN. Default prefix "s", break 0.
struct SlotSeries {
  uint32_t count = 0;
  absl::Time start;
  absl::Duration length;
  absl::Duration gap;
  std::string prefix = "s";
};
std::vector<v1::Slot> MakeSlotSeries(const SlotSeries& series);

// --locations: comma-separated `id:tables[:quiet][:name=TEXT][:link=URL]`; `link=` takes the
// rest of the item, so the URL may hold ':' (not ','). "hall:20,library:4:quiet".
absl::StatusOr<std::vector<v1::Location>> ParseLocations(absl::string_view spec);

// draft|open|scheduled|closed, case-insensitive.
absl::StatusOr<v1::EventStatus> ParseEventStatus(absl::string_view text);

// A meeting state by name, case-insensitive, '-' for '_': proposed, confirmed, declined, expired,
// cancelled, held, no_show (or no-show).
absl::StatusOr<v1::Meeting::State> ParseMeetingState(absl::string_view text);

}  // namespace parley::client::cli

#endif  // PARLEY_CLIENTS_CLI_VALUES_H_
