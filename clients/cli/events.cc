// parley events: create, show, list, change and move events (organiser token).
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/attendee_fields.h"
#include "clients/cli/commands.h"
#include "clients/cli/context.h"
#include "clients/cli/values.h"

namespace parley::client::cli {
namespace {

// The flags that describe an event, for `events create` and `events update`.
const std::vector<FlagSpec>& EventFlags() {
  static const auto* flags = new std::vector<FlagSpec>{
      {"name", "TEXT", "name"},
      {"time-zone", "TZ", "IANA time zone of the event, e.g. Europe/Berlin (default UTC)"},
      {"slots", "SPEC", "slots: \"s1=2026-12-01T10:00/10:30,s2=2026-12-01T11:00/11:30\""},
      {"slot-count", "N", "generate N slots s1..sN (with --start and --slot-minutes)"},
      {"start", "TIME", "start of the first generated slot, e.g. 2026-12-01T10:00"},
      {"slot-minutes", "M", "length of each generated slot"},
      {"break-minutes", "M", "gap between generated slots (default 0)"},
      {"slot-prefix", "P", "id prefix of generated slots (default s)"},
      {"locations", "SPEC", "locations: \"hall:20,library:4:quiet,online:50:link=https://...\""},
      {"default-meetings", "N", "policy: meetings per attendee unless they choose"},
      {"max-meetings", "N", "policy: largest budget an attendee may choose"},
      {"avoid-same-organisation", "BOOL", "policy: never match colleagues"},
      {"rematch-freeze-days", "N", "policy: days before two people may be matched again"},
      {"proposal-expiry-minutes", "N", "policy: unanswered proposals expire (0 = never)"},
      {"auto-confirm", "BOOL", "policy: confirm meetings without asking"},
      {"allow-any-introductions", "BOOL", "policy: any attendee may introduce any two"}};
  return *flags;
}

absl::Status ApplyBoolFlag(const Context& args, const std::string& name,
                           const std::function<void(bool)>& set) {
  if (!args.Has(name)) return absl::OkStatus();
  absl::StatusOr<bool> value = ParseBool(args.Get(name));
  if (!value.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, ": ", value.status().message()));
  }
  set(*value);
  return absl::OkStatus();
}

absl::Status ApplyCountFlag(const Context& args, const std::string& name,
                            const std::function<void(uint32_t)>& set) {
  if (!args.Has(name)) return absl::OkStatus();
  absl::StatusOr<uint32_t> value = ParseCount(absl::StrCat("--", name), args.Get(name));
  if (!value.ok()) return value.status();
  set(*value);
  return absl::OkStatus();
}

// Applies the event flags to `event` and adds the top-level fields they touch to `fields`.
// Slot times are read in the event's time zone (after --time-zone is applied).
absl::Status ApplyEventFlags(const Context& args, v1::Event* event, std::set<std::string>* fields) {
  if (args.Has("name")) {
    event->set_name(args.Get("name"));
    fields->insert("name");
  }
  if (args.Has("time-zone")) {
    absl::StatusOr<absl::TimeZone> zone = LoadZone(args.Get("time-zone"));
    if (!zone.ok())
      return absl::InvalidArgumentError(absl::StrCat("--time-zone: ", zone.status().message()));
    event->set_time_zone(args.Get("time-zone"));
    fields->insert("time_zone");
  }
  const bool series = args.Has("slot-count") || args.Has("start") || args.Has("slot-minutes") ||
                      args.Has("break-minutes") || args.Has("slot-prefix");
  if (args.Has("slots") && series) {
    return absl::InvalidArgumentError(
        "give --slots or --slot-count/--start/--slot-minutes, not both");
  }
  if (args.Has("slots") || series) {
    absl::StatusOr<absl::TimeZone> zone =
        LoadZone(event->time_zone().empty() ? "UTC" : event->time_zone());
    if (!zone.ok()) return zone.status();
    std::vector<v1::Slot> slots;
    if (args.Has("slots")) {
      absl::StatusOr<std::vector<v1::Slot>> parsed = ParseSlots(args.Get("slots"), *zone);
      if (!parsed.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("--slots: ", parsed.status().message()));
      }
      slots = *std::move(parsed);
    } else {
      if (!args.Has("slot-count") || !args.Has("start") || !args.Has("slot-minutes")) {
        return absl::InvalidArgumentError(
            "generated slots need --slot-count, --start and --slot-minutes");
      }
      SlotSeries spec;
      absl::StatusOr<uint32_t> count = ParseCount("--slot-count", args.Get("slot-count"), 64);
      if (!count.ok()) return count.status();
      absl::StatusOr<uint32_t> minutes =
          ParseCount("--slot-minutes", args.Get("slot-minutes"), 24 * 60);
      if (!minutes.ok()) return minutes.status();
      if (*minutes == 0) return absl::InvalidArgumentError("--slot-minutes: must be positive");
      absl::StatusOr<uint32_t> gap =
          ParseCount("--break-minutes", args.Get("break-minutes", "0"), 7 * 24 * 60);
      if (!gap.ok()) return gap.status();
      absl::StatusOr<absl::Time> start = ParseTimeIn(args.Get("start"), *zone);
      if (!start.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("--start: ", start.status().message()));
      }
      spec.count = *count;
      spec.start = *start;
      spec.length = absl::Minutes(*minutes);
      spec.gap = absl::Minutes(*gap);
      spec.prefix = args.Get("slot-prefix", "s");
      slots = MakeSlotSeries(spec);
    }
    event->clear_slots();
    for (v1::Slot& slot : slots) *event->add_slots() = std::move(slot);
    fields->insert("slots");
  }
  if (args.Has("locations")) {
    absl::StatusOr<std::vector<v1::Location>> locations = ParseLocations(args.Get("locations"));
    if (!locations.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--locations: ", locations.status().message()));
    }
    event->clear_locations();
    for (v1::Location& location : *locations) *event->add_locations() = std::move(location);
    fields->insert("locations");
  }
  v1::EventPolicy* policy = event->mutable_policy();
  for (const absl::Status& status : {
           ApplyCountFlag(args, "default-meetings",
                          [&](uint32_t v) { policy->set_default_meetings(v); }),
           ApplyCountFlag(args, "max-meetings", [&](uint32_t v) { policy->set_max_meetings(v); }),
           ApplyBoolFlag(args, "avoid-same-organisation",
                         [&](bool v) { policy->set_avoid_same_organisation(v); }),
           ApplyCountFlag(args, "rematch-freeze-days",
                          [&](uint32_t v) { policy->set_rematch_freeze_days(v); }),
           ApplyCountFlag(args, "proposal-expiry-minutes",
                          [&](uint32_t v) { policy->set_proposal_expiry_minutes(v); }),
           ApplyBoolFlag(args, "auto-confirm", [&](bool v) { policy->set_auto_confirm(v); }),
           ApplyBoolFlag(args, "allow-any-introductions",
                         [&](bool v) { policy->set_allow_any_introductions(v); }),
       }) {
    if (!status.ok()) return status;
  }
  for (const char* flag :
       {"default-meetings", "max-meetings", "avoid-same-organisation", "rematch-freeze-days",
        "proposal-expiry-minutes", "auto-confirm", "allow-any-introductions"}) {
    if (args.Has(flag)) fields->insert("policy");
  }
  return absl::OkStatus();
}

int EventsCreate(Context& ctx) {
  if (!ctx.Has("name") && !ctx.Has("from-json")) return UsageError(ctx, "--name is required");
  v1::Event event;
  if (ctx.Has("from-json")) {
    absl::StatusOr<std::string> json = ReadFileToString(ctx.Get("from-json"));
    if (!json.ok()) return Fail(ctx, json.status());
    absl::Status parsed = ParseJson(*json, ctx.Get("from-json"), &event);
    if (!parsed.ok()) return Fail(ctx, parsed);
  }
  std::set<std::string> fields;
  absl::Status applied = ApplyEventFlags(ctx, &event, &fields);
  if (!applied.ok()) return LocalError(ctx, applied);
  if (event.name().empty()) return UsageError(ctx, "--name is required (or a name in --from-json)");
  int code = 0;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  v1::CreateEventRequest request;
  *request.mutable_event() = event;
  return Output(ctx, client->CreateEvent(request),
                [&](const v1::Event& created) { PrintEvent(ctx.out, created); });
}

int EventsGet(Context& ctx) {
  int code = 0;
  v1::GetEventRequest request;
  uint64_t id = 0;
  if (!GetId(ctx, "event id", ctx.operands[0], &id, &code)) return code;
  request.set_event_id(id);
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->GetEvent(request),
                [&](const v1::Event& event) { PrintEvent(ctx.out, event); });
}

int EventsList(Context& ctx) {
  return RunList(ctx, v1::ListEventsRequest(), &Client::ListEvents,
                 [&](const v1::ListEventsResponse& response) {
                   for (const v1::Event& event : response.events()) PrintEventLine(ctx.out, event);
                 });
}

int EventsUpdate(Context& ctx) {
  int code = 0;
  uint64_t id = 0;
  if (!GetId(ctx, "event id", ctx.operands[0], &id, &code)) return code;
  bool any = false;
  for (const FlagSpec& flag : EventFlags()) any = any || ctx.Has(flag.name);
  if (!any) return UsageError(ctx, "nothing to update: give at least one event flag");
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  // The current event gives the time zone for slot times and the policy fields not named.
  v1::GetEventRequest get;
  get.set_event_id(id);
  absl::StatusOr<v1::Event> event = client->GetEvent(get);
  if (!event.ok()) return Fail(ctx, event.status());
  std::set<std::string> fields;
  absl::Status applied = ApplyEventFlags(ctx, &*event, &fields);
  if (!applied.ok()) return LocalError(ctx, applied);
  v1::UpdateEventRequest request;
  *request.mutable_event() = *event;
  for (const std::string& field : fields) request.mutable_update_mask()->add_paths(field);
  return Output(ctx, client->UpdateEvent(request),
                [&](const v1::Event& updated) { PrintEvent(ctx.out, updated); });
}

int EventsStatus(Context& ctx) {
  int code = 0;
  v1::SetEventStatusRequest request;
  uint64_t id = 0;
  if (!GetId(ctx, "event id", ctx.operands[0], &id, &code)) return code;
  absl::StatusOr<v1::EventStatus> status = ParseEventStatus(ctx.operands[1]);
  if (!status.ok()) return UsageError(ctx, status.status().message());
  request.set_event_id(id);
  request.set_status(*status);
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->SetEventStatus(request), [&](const v1::Event& event) {
    ctx.out << "event " << event.id() << " is now " << v1::EventStatus_Name(event.status()) << "\n";
  });
}

}  // namespace

void AddEventCommands(CommandTree& tree) {
  const std::vector<FlagSpec>& flags = EventFlags();
  tree.Add({"events", "create"}, "Creates an event (in DRAFT).",
           "Needs an organiser token.\n"
           "Slots: --slots \"s1=2026-12-01T10:00/10:30,s2=2026-12-01T11:00/11:30\" or\n"
           "--slot-count 6 --start 2026-12-01T10:00 --slot-minutes 30 [--break-minutes 10]; times "
           "are\n"
           "in --time-zone (default UTC) unless they carry an offset.\n"
           "Locations: --locations "
           "\"hall:20,library:4:quiet,online:50:link=https://meet.example/x\".\n"
           "Policy flags left out get the server's defaults. --from-json FILE starts from an "
           "Event\n"
           "in protobuf JSON; flags given as well override it.",
           EventsCreate)
      // --name may come from --from-json instead: EventsCreate checks it.
      .RequiredInSynopsis(flags[0])
      .Flags(std::vector<FlagSpec>(flags.begin() + 1, flags.end()))
      .Flag({"from-json", "FILE", "start from an Event in protobuf JSON"});
  tree.Add({"events", "get"}, "Shows an event.", "Needs an organiser token.", EventsGet)
      .Operands({"ID"});
  tree.Add({"events", "list"}, "Lists the community's events.", "Needs an organiser token.",
           EventsList)
      .Flags(kPagingFlags);
  tree.Add({"events", "update"}, "Changes an event.",
           "Needs an organiser token. Only the fields given are changed. Slot times are read in "
           "the\n"
           "event's time zone; policy flags change only the policy values named.",
           EventsUpdate)
      .Operands({"ID"})
      .Flags(flags);
  tree.Add({"events", "status"}, "Moves an event to a status.",
           "Needs an organiser token. DRAFT -> OPEN -> SCHEDULED -> CLOSED, and SCHEDULED -> OPEN.",
           EventsStatus)
      .Operands({"ID", "draft|open|scheduled|closed"});
}

}  // namespace parley::client::cli
