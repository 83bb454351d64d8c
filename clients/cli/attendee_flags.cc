#include "clients/cli/attendee_flags.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "clients/attendee_fields.h"

namespace parley::client::cli {

const std::vector<AttendeeFlag>& SelfAttendeeFlags() {
  static const auto* flags = new std::vector<AttendeeFlag>{
      {{"interests", "LIST", "\"books:3;bicycles\" (weight 1-3, default 1)"}, "interests"},
      {{"offers", "LIST", "what I can help with, ';'-separated"}, "offers"},
      {{"seeks", "LIST", "what I look for, ';'-separated"}, "seeks"},
      {{"languages", "LIST", "languages, ';'-separated"}, "languages"},
      {{"budget", "N", "meetings wanted (0 = opt out; \"default\" = the event's)"}, "budget"},
      {{"availability", "LIST", "slot ids, ';'-separated (empty = all slots)"}, "availability"},
      {{"avoid", "LIST", "external ids of people not to meet"}, "avoid"},
      {{"avoid-organisations", "LIST", "organisations not to meet"}, "avoid_organisations"},
      {{"bio", "TEXT", "short bio"}, "bio"},
      {{"prefers-quiet", "BOOL", "prefer quiet locations"}, "prefers_quiet"},
      {{"share-email", "BOOL", "show my email to partners of meetings we both confirmed"},
       "share_email"},
      {{"share-phone", "BOOL", "show my phone to partners of meetings we both confirmed"},
       "share_phone"}};
  return *flags;
}

const std::vector<AttendeeFlag>& OrganizerAttendeeFlags() {
  static const auto* flags = new std::vector<AttendeeFlag>{
      {{"external-id", "TEXT", "the organiser's id of the attendee"}, "external_id"},
      {{"name", "TEXT", "name"}, "display_name"},
      {{"email", "TEXT", "email (private)"}, "email"},
      {{"phone", "TEXT", "phone (private)"}, "phone"},
      {{"organisation", "TEXT", "organisation"}, "organisation"},
      {{"role", "TEXT", "role, e.g. \"PhD student\""}, "role"},
      {{"person-ref", "TEXT", "the organiser's id of the person across events"}, "person_ref"}};
  return *flags;
}

std::vector<FlagSpec> FlagSpecs(const std::vector<AttendeeFlag>& flags) {
  std::vector<FlagSpec> specs;
  for (const AttendeeFlag& flag : flags) specs.push_back(flag.flag);
  return specs;
}

absl::Status ApplyAttendeeFlags(const Context& ctx, const std::vector<AttendeeFlag>& flags,
                                v1::Attendee* attendee, google::protobuf::FieldMask* mask) {
  for (const AttendeeFlag& flag : flags) {
    if (!ctx.Has(flag.flag.name)) continue;
    std::string value = ctx.Get(flag.flag.name);
    // An empty budget is the event's default, as in the import file.
    if (absl::string_view(flag.field) == "budget" && absl::EqualsIgnoreCase(value, "default")) {
      value.clear();
    }
    absl::Status set = SetAttendeeField(flag.field, value, attendee);
    if (!set.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--", flag.flag.name, ": ", set.message()));
    }
    mask->add_paths(flag.field);
  }
  return absl::OkStatus();
}

}  // namespace parley::client::cli
