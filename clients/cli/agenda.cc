// parley calendar, suggestions, respond, agenda, more, cancel: an attendee's proposals and
// meetings (attendee token; `calendar` also for organisers).
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clients/cli/commands.h"
#include "clients/cli/context.h"
#include "clients/cli/values.h"

namespace parley::client::cli {
namespace {

// `calendar --event E --attendee A` is the organiser's; without both it is the attendee's own.
int Calendar(Context& ctx) {
  int code = 0;
  const bool organiser = ctx.Has("event") || ctx.Has("attendee");
  absl::StatusOr<v1::Calendar> calendar;
  if (organiser) {
    if (!ctx.Has("event") || !ctx.Has("attendee")) {
      return UsageError(ctx, "give both --event and --attendee (organiser), or neither (attendee)");
    }
    v1::GetAttendeeCalendarRequest request;
    uint64_t event_id = 0, attendee_id = 0;
    if (!GetEventFlag(ctx, &event_id, &code)) return code;
    if (!GetId(ctx, "--attendee", ctx.Get("attendee"), &attendee_id, &code)) return code;
    request.set_event_id(event_id);
    request.set_attendee_id(attendee_id);
    const Client* client = Connect(ctx, &code);
    if (client == nullptr) return code;
    calendar = client->GetAttendeeCalendar(request);
  } else {
    const Client* client = Connect(ctx, &code);
    if (client == nullptr) return code;
    calendar = client->GetMyCalendar(v1::GetMyCalendarRequest());
  }
  if (!calendar.ok()) return Fail(ctx, calendar.status());
  if (ctx.json) {
    PrintJson(ctx.out, *calendar);
    return kExitOk;
  }
  return WriteOut(ctx, calendar->ics());
}

// The time zone of the token's event, for printing times; "" (UTC) if it cannot be fetched.
std::string MyTimeZone(const Client& client) {
  absl::StatusOr<v1::MyProfile> profile = client.GetMyProfile(v1::GetMyProfileRequest());
  return profile.ok() ? profile->event().time_zone() : "";
}

// Prints proposals with the event's time zone; `empty` if there are none.
void PrintProposals(Context& ctx, const Client& client,
                    const google::protobuf::RepeatedPtrField<v1::Proposal>& proposals,
                    absl::string_view empty) {
  if (proposals.empty()) {
    ctx.out << empty << "\n";
    return;
  }
  const std::string zone = MyTimeZone(client);
  bool first = true;
  for (const v1::Proposal& proposal : proposals) {
    if (!first) ctx.out << "\n";
    first = false;
    PrintProposal(ctx.out, proposal, zone);
  }
}

int Suggestions(Context& ctx) {
  int code = 0;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->ListMySuggestions(v1::ListMySuggestionsRequest()),
                [&](const v1::ListMySuggestionsResponse& response) {
                  PrintProposals(ctx, *client, response.proposals(),
                                 "no open suggestions (try `parley more`)");
                  if (!response.proposals().empty()) {
                    ctx.out << "\nanswer with: parley respond MEETING_ID accept|decline\n";
                  }
                });
}

int Respond(Context& ctx) {
  int code = 0;
  uint64_t meeting_id = 0;
  if (!GetId(ctx, "meeting id", ctx.operands[0], &meeting_id, &code)) return code;
  bool accept = false;
  if (!GetAnswer(ctx, ctx.operands[1], &accept, &code)) return code;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  v1::RespondToProposalRequest request;
  request.set_meeting_id(meeting_id);
  request.set_accept(accept);
  return Output(ctx, client->RespondToProposal(request), [&](const v1::Proposal& proposal) {
    PrintProposal(ctx.out, proposal, MyTimeZone(*client));
  });
}

int Agenda(Context& ctx) {
  int code = 0;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->GetMyAgenda(v1::GetMyAgendaRequest()), [&](const v1::Agenda& agenda) {
    PrintAgenda(ctx.out, agenda, MyTimeZone(*client));
  });
}

int AgendaWatch(Context& ctx) {
  int code = 0;
  uint32_t count = 0;  // 0: until interrupted or the deadline
  if (ctx.Has("count")) {
    absl::StatusOr<uint32_t> parsed = ParseCount("--count", ctx.Get("count"));
    if (!parsed.ok() || *parsed == 0) return UsageError(ctx, "--count: expected a positive number");
    count = *parsed;
  }
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  const std::string zone = ctx.json ? "" : MyTimeZone(*client);
  // A watch lasts until interrupted unless --timeout bounds it.
  const absl::Duration deadline =
      ctx.Has("timeout") ? client->options().deadline : absl::Hours(24 * 365);
  uint32_t seen = 0;
  absl::Status watched = client->WatchMyAgenda(
      v1::GetMyAgendaRequest(),
      [&](const v1::Agenda& agenda) {
        ++seen;
        if (ctx.json) {
          PrintJsonLine(ctx.out, agenda);
        } else {
          ctx.out << (seen == 1 ? "" : "\n") << "--- update " << seen << " at "
                  << absl::FormatTime("%H:%M:%S", absl::Now(), absl::LocalTimeZone()) << " ---\n";
          PrintAgenda(ctx.out, agenda, zone);
        }
        ctx.out << std::flush;
        return count == 0 || seen < count;
      },
      deadline);
  if (!watched.ok()) return Fail(ctx, watched);
  return kExitOk;
}

int More(Context& ctx) {
  int code = 0;
  v1::RequestMoreSuggestionsRequest request;
  if (ctx.Has("count")) {
    absl::StatusOr<uint32_t> parsed = ParseCount("--count", ctx.Get("count"), 1000);
    if (!parsed.ok()) return UsageError(ctx, parsed.status().message());
    request.set_count(*parsed);
  }
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->RequestMoreSuggestions(request),
                [&](const v1::ListMySuggestionsResponse& response) {
                  ctx.out << response.proposals_size() << " new suggestion"
                          << (response.proposals_size() == 1 ? "" : "s");
                  if (!response.nothing_new_message().empty()) {
                    ctx.out << ": " << response.nothing_new_message();
                  }
                  ctx.out << "\n";
                  if (!response.proposals().empty()) {
                    ctx.out << "\n";
                    PrintProposals(ctx, *client, response.proposals(), "");
                  }
                });
}

int Cancel(Context& ctx) {
  int code = 0;
  uint64_t meeting_id = 0;
  if (!GetId(ctx, "meeting id", ctx.operands[0], &meeting_id, &code)) return code;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  v1::CancelMeetingRequest request;
  request.set_meeting_id(meeting_id);
  return Output(ctx, client->CancelMeeting(request), [&](const v1::Proposal& proposal) {
    PrintProposal(ctx.out, proposal, MyTimeZone(*client));
  });
}

}  // namespace

void AddAgendaCommands(CommandTree& tree) {
  tree.Add({"calendar"}, "Prints an iCalendar (.ics) of meetings.",
           "With an attendee token and no flags: my calendar. With an organiser token:\n"
           "--event ID --attendee ID for that attendee's. --out FILE writes it to a file.",
           Calendar)
      .Flag(kEventFlag)
      .Flag(kAttendeeFlag)
      .Flag(kOutFlag);
  tree.Add({"suggestions"}, "Shows my open proposals: who, when, where, why.",
           "Needs an attendee token.", Suggestions);
  tree.Add({"respond"}, "Accepts or declines a proposal.",
           "Needs an attendee token. A meeting is confirmed once both accept. A decline is "
           "private:\n"
           "the other person only sees the proposal replaced.",
           Respond)
      .Operands({"MEETING_ID", "accept|decline"});
  const FlagSpec count = {"count", "N",
                          "watch: stop after N updates; more: how many to ask for (0 = budget)"};
  tree.Add({"agenda"}, "Shows my confirmed meetings and open proposals.",
           "Needs an attendee token.", Agenda);
  tree.Add({"agenda", "watch"}, "Prints my agenda now and after every change.",
           "Needs an attendee token. Runs until interrupted, --count N updates (the first is the\n"
           "agenda now), or --timeout. With --json, one JSON object per line.",
           AgendaWatch)
      .Flag(count);
  tree.Add({"more"}, "Asks for more proposals, up to my budget.",
           "Needs an attendee token. --count N asks for up to N more (default: up to the budget).",
           More)
      .Flag(count);
  tree.Add({"cancel"}, "Cancels a meeting (or withdraws my acceptance).",
           "Needs an attendee token. The other person gets a replacement where one is feasible.",
           Cancel)
      .Operands({"MEETING_ID"});
}

}  // namespace parley::client::cli
