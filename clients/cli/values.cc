#include "clients/cli/values.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace parley::client::cli {
namespace {

absl::Status Invalid(absl::string_view message) {
  return absl::InvalidArgumentError(std::string(message));
}

// "HH:MM" or "HH:MM:SS" -> seconds since midnight; -1 if `text` is not that.
int ParseClock(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  if (parts.size() < 2 || parts.size() > 3) return -1;
  int values[3] = {0, 0, 0};
  const int limits[3] = {23, 59, 59};
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].size() != 2 || !absl::SimpleAtoi(parts[i], &values[i]) || values[i] < 0 ||
        values[i] > limits[i]) {
      return -1;
    }
  }
  return values[0] * 3600 + values[1] * 60 + values[2];
}

}  // namespace

absl::StatusOr<uint64_t> ParseId(absl::string_view what, absl::string_view text) {
  uint64_t id = 0;
  if (!absl::SimpleAtoi(text, &id) || id == 0 ||
      !absl::ascii_isdigit(text.empty() ? 'x' : text[0])) {
    return Invalid(absl::StrCat(what, ": \"", text, "\" is not an id (a positive integer)"));
  }
  return id;
}

absl::StatusOr<uint32_t> ParseCount(absl::string_view what, absl::string_view text, uint32_t max) {
  uint32_t value = 0;
  if (!absl::SimpleAtoi(text, &value) || !absl::ascii_isdigit(text.empty() ? 'x' : text[0]) ||
      value > max) {
    return Invalid(absl::StrCat(what, ": \"", text, "\" is not an integer from 0 to ", max));
  }
  return value;
}

absl::StatusOr<absl::TimeZone> LoadZone(absl::string_view name) {
  absl::TimeZone zone;
  if (name.empty() || !absl::LoadTimeZone(name, &zone)) {
    return Invalid(
        absl::StrCat("unknown time zone \"", name, "\" (IANA names like Europe/Berlin)"));
  }
  return zone;
}

absl::StatusOr<absl::Time> ParseTimeIn(absl::string_view text, absl::TimeZone zone) {
  const std::string input(absl::StripAsciiWhitespace(text));
  absl::Time time;
  std::string error;
  for (const char* format : {absl::RFC3339_full, "%Y-%m-%dT%H:%M%Ez", "%Y-%m-%dT%H:%M:%S",
                             "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"}) {
    if (absl::ParseTime(format, input, zone, &time, &error)) return time;
  }
  return Invalid(absl::StrCat("\"", input, "\" is not a time like 2026-12-01T10:00"));
}

absl::StatusOr<std::vector<v1::Slot>> ParseSlots(absl::string_view spec, absl::TimeZone zone) {
  std::vector<v1::Slot> slots;
  for (absl::string_view item : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
    item = absl::StripAsciiWhitespace(item);
    std::pair<absl::string_view, absl::string_view> id_times = absl::StrSplit(item, '=');
    std::pair<absl::string_view, absl::string_view> times =
        absl::StrSplit(id_times.second, absl::MaxSplits('/', 1));
    absl::string_view id = absl::StripAsciiWhitespace(id_times.first);
    if (id.empty() || id_times.second.empty() || times.second.empty()) {
      return Invalid(absl::StrCat("slot \"", item, "\": expected ID=START/END"));
    }
    absl::StatusOr<absl::Time> start = ParseTimeIn(times.first, zone);
    if (!start.ok()) return Invalid(absl::StrCat("slot ", id, ": ", start.status().message()));
    absl::Time end;
    absl::string_view end_text = absl::StripAsciiWhitespace(times.second);
    if (int clock = ParseClock(end_text); clock >= 0) {
      const absl::CivilDay day = absl::ToCivilDay(*start, zone);
      end = zone.At(absl::CivilSecond(day) + clock).pre;
    } else {
      absl::StatusOr<absl::Time> full_end = ParseTimeIn(end_text, zone);
      if (!full_end.ok()) {
        return Invalid(absl::StrCat("slot ", id, ": ", full_end.status().message()));
      }
      end = *full_end;
    }
    if (end <= *start) return Invalid(absl::StrCat("slot ", id, ": ends before it starts"));
    v1::Slot& slot = slots.emplace_back();
    slot.set_id(std::string(id));
    slot.set_start_time(absl::ToUnixSeconds(*start));
    slot.set_end_time(absl::ToUnixSeconds(end));
  }
  if (slots.empty()) return Invalid("no slots given");
  return slots;
}

std::vector<v1::Slot> MakeSlotSeries(const SlotSeries& series) {
  std::vector<v1::Slot> slots;
  absl::Time start = series.start;
  for (uint32_t i = 1; i <= series.count; ++i) {
    v1::Slot& slot = slots.emplace_back();
    slot.set_id(absl::StrCat(series.prefix, i));
    slot.set_start_time(absl::ToUnixSeconds(start));
    slot.set_end_time(absl::ToUnixSeconds(start + series.length));
    start += series.length + series.gap;
  }
  return slots;
}

absl::StatusOr<std::vector<v1::Location>> ParseLocations(absl::string_view spec) {
  std::vector<v1::Location> locations;
  for (absl::string_view item : absl::StrSplit(spec, ',', absl::SkipWhitespace())) {
    item = absl::StripAsciiWhitespace(item);
    v1::Location& location = locations.emplace_back();
    absl::string_view rest = item;
    absl::string_view link;
    if (size_t at = rest.find(":link="); at != absl::string_view::npos) {
      link = rest.substr(at + 6);
      rest = rest.substr(0, at);
    }
    std::vector<absl::string_view> parts = absl::StrSplit(rest, ':');
    absl::string_view id = absl::StripAsciiWhitespace(parts[0]);
    if (id.empty() || parts.size() < 2) {
      return Invalid(absl::StrCat("location \"", item, "\": expected ID:TABLES[:quiet]"));
    }
    absl::StatusOr<uint32_t> tables =
        ParseCount(absl::StrCat("location ", id, ": tables"), absl::StripAsciiWhitespace(parts[1]));
    if (!tables.ok()) return tables.status();
    location.set_id(std::string(id));
    location.set_tables(*tables);
    location.set_virtual_link(std::string(absl::StripAsciiWhitespace(link)));
    for (size_t i = 2; i < parts.size(); ++i) {
      absl::string_view option = absl::StripAsciiWhitespace(parts[i]);
      if (absl::EqualsIgnoreCase(option, "quiet")) {
        location.set_quiet(true);
      } else if (absl::ConsumePrefix(&option, "name=")) {
        location.set_name(std::string(option));
      } else {
        return Invalid(absl::StrCat("location ", id, ": unknown option \"", option,
                                    "\" (quiet, name=TEXT, link=URL)"));
      }
    }
  }
  if (locations.empty()) return Invalid("no locations given");
  return locations;
}

absl::StatusOr<v1::EventStatus> ParseEventStatus(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "draft") return v1::DRAFT;
  if (lower == "open") return v1::OPEN;
  if (lower == "scheduled") return v1::SCHEDULED;
  if (lower == "closed") return v1::CLOSED;
  return Invalid(absl::StrCat("status \"", text, "\": expected draft, open, scheduled or closed"));
}

absl::StatusOr<v1::Meeting::State> ParseMeetingState(absl::string_view text) {
  std::string upper = absl::AsciiStrToUpper(text);
  std::replace(upper.begin(), upper.end(), '-', '_');
  v1::Meeting::State state = v1::Meeting::STATE_UNSPECIFIED;
  if (!v1::Meeting::State_Parse(upper, &state) || state == v1::Meeting::STATE_UNSPECIFIED) {
    return Invalid(absl::StrCat("state \"", text,
                                "\": expected proposed, confirmed, declined, expired, cancelled, "
                                "held or no_show"));
  }
  return state;
}

}  // namespace parley::client::cli
