#include "clients/cli_print.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "clients/attendee_fields.h"
#include "google/protobuf/util/json_util.h"

namespace parley::client {
namespace {

const char* RoleName(v1::TokenInfo::Role role) {
  switch (role) {
    case v1::TokenInfo::OPERATOR:
      return "operator";
    case v1::TokenInfo::ORGANIZER:
      return "organizer";
    case v1::TokenInfo::ATTENDEE:
      return "attendee";
    default:
      return "unspecified";
  }
}

const char* YesNo(bool value) { return value ? "yes" : "no"; }

}  // namespace

void PrintJson(std::ostream& out, const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  // Printing a well-formed message cannot fail.
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  out << json;
  if (json.empty() || json.back() != '\n') out << '\n';
}

absl::Status ParseJson(const std::string& json, const std::string& what,
                       google::protobuf::Message* message) {
  google::protobuf::util::JsonParseOptions options;
  auto status = google::protobuf::util::JsonStringToMessage(json, message, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": not a ", message->GetDescriptor()->name(),
                     " in protobuf JSON: ", std::string(status.message())));
  }
  return absl::OkStatus();
}

std::string FormatTimestamp(int64_t unix_seconds, const std::string& time_zone) {
  if (unix_seconds == 0) return "-";
  absl::TimeZone zone = absl::UTCTimeZone();
  if (!time_zone.empty()) absl::LoadTimeZone(time_zone, &zone);
  return absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixSeconds(unix_seconds), zone);
}

void PrintCommunity(std::ostream& out, const v1::Community& community) {
  out << "community " << community.id() << "  " << community.name() << "  (created "
      << FormatTimestamp(community.create_time(), "UTC") << " UTC)\n";
}

void PrintTokenInfo(std::ostream& out, const v1::TokenInfo& info) {
  out << info.token_id() << "  " << RoleName(info.role()) << "  community " << info.community_id();
  if (info.event_id() != 0) out << "  event " << info.event_id();
  if (info.attendee_id() != 0) out << "  attendee " << info.attendee_id();
  if (!info.label().empty()) out << "  \"" << info.label() << "\"";
  out << "  created " << FormatTimestamp(info.create_time(), "UTC");
  if (info.revoke_time() != 0) out << "  REVOKED " << FormatTimestamp(info.revoke_time(), "UTC");
  out << "\n";
}

void PrintIssuedToken(std::ostream& out, const std::string& token, const v1::TokenInfo& info) {
  out << "token: " << token << "\n"
      << "  (shown once: store it now; revoke it by its id)\n"
      << "id: ";
  PrintTokenInfo(out, info);
}

void PrintEventLine(std::ostream& out, const v1::Event& event) {
  out << event.id() << "  " << v1::EventStatus_Name(event.status()) << "  " << event.name() << "  ("
      << event.slots_size() << " slots, " << event.locations_size() << " locations)\n";
}

void PrintEvent(std::ostream& out, const v1::Event& event) {
  const std::string& zone = event.time_zone();
  out << "event " << event.id() << ": " << event.name() << "  ["
      << v1::EventStatus_Name(event.status()) << "]\n"
      << "  community " << event.community_id() << ", time zone " << zone << "\n";
  out << "  slots (" << event.slots_size() << "):\n";
  for (const v1::Slot& slot : event.slots()) {
    const std::string start = FormatTimestamp(slot.start_time(), zone);
    std::string end = FormatTimestamp(slot.end_time(), zone);
    // "2026-12-01 10:00 - 10:30" when the slot ends on the day it starts.
    if (start.size() == 16 && end.size() == 16 && start.compare(0, 11, end, 0, 11) == 0) {
      end = end.substr(11);
    }
    out << "    " << slot.id() << "  " << start << " - " << end;
    if (!slot.name().empty()) out << "  " << slot.name();
    out << "\n";
  }
  out << "  locations (" << event.locations_size() << "):\n";
  for (const v1::Location& location : event.locations()) {
    out << "    " << location.id() << "  " << location.tables() << " tables";
    if (location.quiet()) out << ", quiet";
    if (!location.name().empty()) out << ", \"" << location.name() << "\"";
    if (!location.virtual_link().empty()) out << ", " << location.virtual_link();
    out << "\n";
  }
  const v1::EventPolicy& policy = event.policy();
  out << "  policy: meetings " << policy.default_meetings() << " (max " << policy.max_meetings()
      << "), avoid same organisation " << YesNo(policy.avoid_same_organisation())
      << ", rematch freeze " << policy.rematch_freeze_days() << " days, proposals expire after "
      << policy.proposal_expiry_minutes() << " min, auto-confirm " << YesNo(policy.auto_confirm())
      << ", any introductions " << YesNo(policy.allow_any_introductions()) << "\n";
}

void PrintAttendeeLine(std::ostream& out, const v1::Attendee& attendee) {
  out << attendee.id() << "  " << attendee.external_id() << "  " << attendee.display_name();
  if (!attendee.organisation().empty()) out << "  (" << attendee.organisation() << ")";
  out << "\n";
}

void PrintAttendee(std::ostream& out, const v1::Attendee& attendee) {
  auto line = [&](const char* name, const std::string& value) {
    if (!value.empty()) out << "  " << name << ": " << value << "\n";
  };
  out << "attendee " << attendee.id() << " of event " << attendee.event_id() << "\n";
  line("external_id", attendee.external_id());
  line("name", attendee.display_name());
  line("email", attendee.email());
  line("phone", attendee.phone());
  line("organisation", attendee.organisation());
  line("role", attendee.role());
  line("bio", attendee.bio());
  line("interests", FormatInterests(attendee.interests()));
  line("offers", FormatList(attendee.offers()));
  line("seeks", FormatList(attendee.seeks()));
  line("languages", FormatList(attendee.languages()));
  line("budget", attendee.has_budget() ? absl::StrCat(attendee.budget()) : "event default");
  line("availability", attendee.availability().empty() ? std::string("all slots")
                                                       : FormatList(attendee.availability()));
  line("person_ref", attendee.person_ref());
  line("wants", FormatList(attendee.wants()));
  line("avoid", FormatList(attendee.avoid()));
  line("avoid_organisations", FormatList(attendee.avoid_organisations()));
  line("prefers_quiet", YesNo(attendee.prefers_quiet()));
  line("updated", FormatTimestamp(attendee.update_time(), "UTC") + " UTC");
}

}  // namespace parley::client
