#include "clients/cli.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "clients/attendee_csv.h"
#include "clients/attendee_fields.h"
#include "clients/cli_args.h"
#include "clients/cli_print.h"
#include "clients/client.h"
#include "clients/csv.h"
#include "clients/known_pairs_file.h"
#include "google/protobuf/field_mask.pb.h"

namespace parley::client {
namespace {

// ---------------------------------------------------------------------------------------------
// Flags

struct FlagHelp {
  const char* value;  // "" for a boolean flag
  const char* help;
};

// Every flag of every command, by name.
const std::map<std::string, FlagHelp>& Flags() {
  static const auto* flags = new std::map<std::string, FlagHelp>{
      // Global.
      {"server", {"ADDR", "server address (env PARLEY_SERVER; default 127.0.0.1:50051)"}},
      {"token", {"TOKEN", "bearer token (env PARLEY_TOKEN)"}},
      {"token-file", {"FILE", "read the bearer token from FILE"}},
      {"tls", {"", "connect with TLS"}},
      {"ca-cert", {"FILE", "PEM CA certificate for TLS (default: system roots)"}},
      {"timeout", {"SECONDS", "deadline of each call (default 30)"}},
      {"json", {"", "print protobuf JSON instead of text"}},
      {"help", {"", "show help"}},
      // Lists.
      {"page-size", {"N", "items per page, 1-1000 (server default 100)"}},
      {"page-token", {"TOKEN", "continue from a previous page"}},
      {"all", {"", "fetch every page"}},
      // Admin.
      {"community", {"ID", "community id"}},
      {"label", {"TEXT", "free text to tell tokens apart"}},
      // Events.
      {"name", {"TEXT", "name"}},
      {"time-zone", {"TZ", "IANA time zone of the event, e.g. Europe/Berlin (default UTC)"}},
      {"slots", {"SPEC", "slots: \"s1=2026-12-01T10:00/10:30,s2=2026-12-01T11:00/11:30\""}},
      {"slot-count", {"N", "generate N slots s1..sN (with --start and --slot-minutes)"}},
      {"start", {"TIME", "start of the first generated slot, e.g. 2026-12-01T10:00"}},
      {"slot-minutes", {"M", "length of each generated slot"}},
      {"break-minutes", {"M", "gap between generated slots (default 0)"}},
      {"slot-prefix", {"P", "id prefix of generated slots (default s)"}},
      {"locations", {"SPEC", "locations: \"hall:20,library:4:quiet,online:50:link=https://...\""}},
      {"default-meetings", {"N", "policy: meetings per attendee unless they choose"}},
      {"max-meetings", {"N", "policy: largest budget an attendee may choose"}},
      {"avoid-same-organisation", {"BOOL", "policy: never match colleagues"}},
      {"rematch-freeze-days", {"N", "policy: days before two people may be matched again"}},
      {"proposal-expiry-minutes", {"N", "policy: unanswered proposals expire (0 = never)"}},
      {"auto-confirm", {"BOOL", "policy: confirm meetings without asking"}},
      {"allow-any-introductions", {"BOOL", "policy: any attendee may introduce any two"}},
      {"from-json", {"FILE", "start from an Event in protobuf JSON"}},
      // Attendees.
      {"event", {"ID", "event id"}},
      {"rejects", {"FILE", "where rejected rows go (default: FILE.rejects.csv)"}},
      {"batch", {"N", "rows per stream message, 1-1000 (default 1000)"}},
      {"external-id", {"TEXT", "the organiser's id of the attendee"}},
      {"email", {"TEXT", "email (private)"}},
      {"phone", {"TEXT", "phone (private)"}},
      {"organisation", {"TEXT", "organisation"}},
      {"role", {"TEXT", "role, e.g. \"PhD student\""}},
      {"person-ref", {"TEXT", "the organiser's id of the person across events"}},
      {"bio", {"TEXT", "short bio"}},
      {"interests", {"LIST", "\"books:3;bicycles\" (weight 1-3, default 1)"}},
      {"offers", {"LIST", "what I can help with, ';'-separated"}},
      {"seeks", {"LIST", "what I look for, ';'-separated"}},
      {"languages", {"LIST", "languages, ';'-separated"}},
      {"budget", {"N", "meetings wanted (0 = opt out; \"default\" = the event's)"}},
      {"availability", {"LIST", "slot ids, ';'-separated (empty = all slots)"}},
      {"wants", {"LIST", "external ids of people to meet"}},
      {"avoid", {"LIST", "external ids of people not to meet"}},
      {"avoid-organisations", {"LIST", "organisations not to meet"}},
      {"prefers-quiet", {"BOOL", "prefer quiet locations"}},
      // Matching (organiser).
      {"seed", {"S", "seed of the engine's tie-breaking (default 1)"}},
      {"progress", {"MODE", "auto (a bar on a terminal), bar or lines (default auto)"}},
      {"state", {"STATE", "proposed|confirmed|declined|expired|cancelled|held|no_show"}},
      {"attendee", {"ID", "attendee id"}},
      {"slot", {"ID", "slot id, e.g. s2"}},
      {"out", {"FILE", "write to FILE instead of standard output"}},
      {"only-new", {"", "tokens: only attendees without a token (late registrants)"}},
      // Agenda (attendee).
      {"count", {"N", "watch: stop after N updates; more: how many to ask for (0 = budget)"}},
      // Relationships (attendee).
      {"rating", {"N", "feedback: how it went, 1-5"}},
      {"follow-up", {"", "feedback: I would like to meet this person again"}},
      {"note", {"TEXT", "introductions: why they should talk (up to 500 bytes)"}},
      {"request", {"ID", "introduce: the request for introductions this answers"}},
      {"max", {"N", "who-else: at most N people (default 5, at most 20)"}},
      // Health.
      {"service", {"NAME", "service to ask about (default: the whole server)"}},
  };
  return *flags;
}

std::set<std::string> BooleanFlags() {
  std::set<std::string> names;
  for (const auto& [name, help] : Flags()) {
    if (*help.value == '\0') names.insert(name);
  }
  return names;
}

const std::vector<std::string>& GlobalFlags() {
  static const auto* names = new std::vector<std::string>{
      "server", "token", "token-file", "tls", "ca-cert", "timeout", "json", "help"};
  return *names;
}

const std::vector<std::string> kPagingFlags = {"page-size", "page-token", "all"};
const std::vector<std::string> kEventFlags = {"name",
                                              "time-zone",
                                              "slots",
                                              "slot-count",
                                              "start",
                                              "slot-minutes",
                                              "break-minutes",
                                              "slot-prefix",
                                              "locations",
                                              "default-meetings",
                                              "max-meetings",
                                              "avoid-same-organisation",
                                              "rematch-freeze-days",
                                              "proposal-expiry-minutes",
                                              "auto-confirm",
                                              "allow-any-introductions"};
// Attendee fields an attendee may change themselves, as flag -> Attendee field.
const std::vector<std::pair<std::string, std::string>> kSelfAttendeeFlags = {
    {"interests", "interests"},
    {"offers", "offers"},
    {"seeks", "seeks"},
    {"languages", "languages"},
    {"budget", "budget"},
    {"availability", "availability"},
    {"avoid", "avoid"},
    {"avoid-organisations", "avoid_organisations"},
    {"bio", "bio"},
    {"prefers-quiet", "prefers_quiet"}};
// Fields only the organiser may change.
const std::vector<std::pair<std::string, std::string>> kOrganizerAttendeeFlags = {
    {"external-id", "external_id"},
    {"name", "display_name"},
    {"email", "email"},
    {"phone", "phone"},
    {"organisation", "organisation"},
    {"role", "role"},
    {"person-ref", "person_ref"}};

std::vector<std::string> FlagNames(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::vector<std::string> names;
  for (const auto& pair : pairs) names.push_back(pair.first);
  return names;
}

template <typename... Lists>
std::vector<std::string> Concat(const Lists&... lists) {
  std::vector<std::string> all;
  (all.insert(all.end(), lists.begin(), lists.end()), ...);
  return all;
}

// ---------------------------------------------------------------------------------------------
// Commands

struct Context;
using RunFn = int (*)(Context&);

struct Command {
  std::vector<std::string> path;
  std::string operands;  // usage of the positional arguments, e.g. "ID"
  size_t min_operands;
  size_t max_operands;
  std::vector<std::string> flags;
  std::vector<std::string> required_flags;
  std::string summary;  // one line, for `parley help`
  std::string details;  // more, for `parley help COMMAND`
  RunFn run;
};

const std::vector<Command>& Commands();

struct Context {
  const Command& command;
  const ParsedArgs& args;
  std::vector<std::string> operands;
  const EnvLookup& env;
  std::ostream& out;
  std::ostream& err;
  bool json = false;
  std::unique_ptr<Client> client;
  // Whether `out` is a terminal (for `run`'s progress bar).
  bool tty = false;
};

std::string CommandName(const Command& command) { return absl::StrJoin(command.path, " "); }

std::string FlagUsage(const std::string& name) {
  const FlagHelp& help = Flags().at(name);
  return *help.value == '\0' ? absl::StrCat("--", name) : absl::StrCat("--", name, " ", help.value);
}

std::string CommandSynopsis(const Command& command) {
  std::string line = absl::StrCat("parley ", CommandName(command));
  for (const std::string& flag : command.required_flags)
    absl::StrAppend(&line, " ", FlagUsage(flag));
  if (!command.operands.empty()) absl::StrAppend(&line, " ", command.operands);
  return line;
}

std::string CommandHelp(const Command& command) {
  std::string text =
      absl::StrCat("usage: ", CommandSynopsis(command),
                   command.flags.size() > command.required_flags.size() ? " [flags]" : "", "\n\n",
                   command.summary, "\n", command.details, command.details.empty() ? "" : "\n");
  if (!command.flags.empty()) {
    absl::StrAppend(&text, "\nflags:\n");
    for (const std::string& flag : command.flags) {
      absl::StrAppend(&text, "  ", FlagUsage(flag));
      const std::string usage = FlagUsage(flag);
      absl::StrAppend(&text, std::string(usage.size() < 30 ? 30 - usage.size() : 1, ' '),
                      Flags().at(flag).help, "\n");
    }
  }
  absl::StrAppend(&text, "\nglobal flags: see `parley help`\n");
  return text;
}

int UsageError(Context& ctx, absl::string_view message) {
  ctx.err << "parley: " << message << "\n\n" << CommandHelp(ctx.command);
  return kExitUsage;
}

int Fail(Context& ctx, const absl::Status& status) {
  ctx.err << "parley: " << absl::StatusCodeToString(status.code()) << ": " << status.message()
          << "\n";
  return kExitFailure;
}

// INVALID_ARGUMENT from parsing the command line is a usage error; anything else a failure.
int LocalError(Context& ctx, const absl::Status& status) {
  if (status.code() == absl::StatusCode::kInvalidArgument) return UsageError(ctx, status.message());
  return Fail(ctx, status);
}

absl::StatusOr<ClientOptions> OptionsFromFlags(const Context& ctx) {
  ClientOptions options;
  std::string server = ctx.args.Get("server", ctx.env("PARLEY_SERVER"));
  if (!server.empty()) options.target = server;
  if (ctx.args.Has("token") && ctx.args.Has("token-file")) {
    return absl::InvalidArgumentError("give --token or --token-file, not both");
  }
  if (ctx.args.Has("token-file")) {
    absl::StatusOr<std::string> token = ReadFileToString(ctx.args.Get("token-file"));
    if (!token.ok()) return token.status();
    options.token = std::string(absl::StripAsciiWhitespace(*token));
  } else {
    options.token =
        std::string(absl::StripAsciiWhitespace(ctx.args.Get("token", ctx.env("PARLEY_TOKEN"))));
  }
  absl::StatusOr<bool> tls = ParseBool(ctx.args.Get("tls", "false"));
  if (!tls.ok()) return absl::InvalidArgumentError(absl::StrCat("--tls: ", tls.status().message()));
  options.use_tls = *tls;
  options.ca_cert_file = ctx.args.Get("ca-cert");
  if (!options.ca_cert_file.empty() && !options.use_tls) {
    return absl::InvalidArgumentError("--ca-cert needs --tls");
  }
  if (ctx.args.Has("timeout")) {
    double seconds = 0;
    if (!absl::SimpleAtod(ctx.args.Get("timeout"), &seconds) || !(seconds > 0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--timeout: \"", ctx.args.Get("timeout"), "\" is not a positive number"));
    }
    options.deadline = absl::Seconds(seconds);
  }
  return options;
}

// Connects on first use. Errors are printed; the caller returns `*exit_code`.
const Client* Connect(Context& ctx, int* exit_code) {
  if (ctx.client != nullptr) return ctx.client.get();
  absl::StatusOr<ClientOptions> options = OptionsFromFlags(ctx);
  if (!options.ok()) {
    *exit_code = LocalError(ctx, options.status());
    return nullptr;
  }
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Connect(*options);
  if (!client.ok()) {
    *exit_code = Fail(ctx, client.status());
    return nullptr;
  }
  ctx.client = *std::move(client);
  return ctx.client.get();
}

// Prints `result` (JSON or `human`) and returns the exit code.
template <typename Message, typename Human>
int Output(Context& ctx, const absl::StatusOr<Message>& result, Human human) {
  if (!result.ok()) return Fail(ctx, result.status());
  if (ctx.json) {
    PrintJson(ctx.out, *result);
  } else {
    human(*result);
  }
  return kExitOk;
}

// Parses a required id flag or operand.
bool GetId(Context& ctx, absl::string_view what, const std::string& text, uint64_t* id,
           int* exit_code) {
  absl::StatusOr<uint64_t> parsed = ParseId(what, text);
  if (!parsed.ok()) {
    *exit_code = UsageError(ctx, parsed.status().message());
    return false;
  }
  *id = *parsed;
  return true;
}

// Sets page_size and page_token of a List request from the flags.
template <typename Request>
bool ReadPaging(Context& ctx, Request* request, int* exit_code) {
  if (ctx.args.Has("page-size")) {
    absl::StatusOr<uint32_t> size = ParseCount("--page-size", ctx.args.Get("page-size"), 1000);
    if (!size.ok() || *size == 0) {
      *exit_code = UsageError(ctx, "--page-size: expected 1 to 1000");
      return false;
    }
    request->set_page_size(static_cast<int32_t>(*size));
  }
  request->set_page_token(ctx.args.Get("page-token"));
  return true;
}

// The page `request` asks for, or with --all that and every following page in one response.
template <typename Request, typename Response, typename Call>
absl::StatusOr<Response> FetchPages(Context& ctx, Request request, Call call) {
  absl::StatusOr<Response> first = call(request);
  if (!first.ok() || !ctx.args.Has("all")) return first;
  Response all = *std::move(first);
  std::set<std::string> seen;
  while (!all.next_page_token().empty() && seen.insert(all.next_page_token()).second) {
    request.set_page_token(all.next_page_token());
    absl::StatusOr<Response> page = call(request);
    if (!page.ok()) return page.status();
    std::string next = page->next_page_token();
    all.MergeFrom(*page);
    all.set_next_page_token(next);
  }
  return all;
}

// Runs a List command: paging flags, one page or all of them, then `print_items` and a hint
// for the next page.
template <typename Request, typename Response, typename PrintItems>
int RunList(Context& ctx, Request request,
            absl::StatusOr<Response> (Client::*call)(const Request&) const,
            PrintItems print_items) {
  int code = 0;
  if (!ReadPaging(ctx, &request, &code)) return code;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  absl::StatusOr<Response> result = FetchPages<Request, Response>(
      ctx, request, [&](const Request& page) { return (client->*call)(page); });
  return Output(ctx, result, [&](const Response& response) {
    print_items(response);
    if (!response.next_page_token().empty()) {
      ctx.out << "more: --page-token " << response.next_page_token() << " (or --all)\n";
    }
  });
}

// ---- admin ----------------------------------------------------------------------------------

int CommunitiesCreate(Context& ctx) {
  int code = 0;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  v1::CreateCommunityRequest request;
  request.set_name(ctx.operands[0]);
  return Output(ctx, client->CreateCommunity(request),
                [&](const v1::Community& community) { PrintCommunity(ctx.out, community); });
}

int CommunitiesList(Context& ctx) {
  return RunList(ctx, v1::ListCommunitiesRequest(), &Client::ListCommunities,
                 [&](const v1::ListCommunitiesResponse& response) {
                   for (const v1::Community& c : response.communities()) PrintCommunity(ctx.out, c);
                 });
}

int TokensIssue(Context& ctx) {
  int code = 0;
  v1::IssueOrganizerTokenRequest request;
  uint64_t community = 0;
  if (!GetId(ctx, "--community", ctx.args.Get("community"), &community, &code)) return code;
  request.set_community_id(community);
  request.set_label(ctx.args.Get("label"));
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->IssueOrganizerToken(request), [&](const v1::IssuedToken& issued) {
    PrintIssuedToken(ctx.out, issued.token(), issued.info());
  });
}

int TokensList(Context& ctx) {
  int code = 0;
  v1::ListOrganizerTokensRequest request;
  uint64_t community = 0;
  if (!GetId(ctx, "--community", ctx.args.Get("community"), &community, &code)) return code;
  request.set_community_id(community);
  return RunList(ctx, request, &Client::ListOrganizerTokens,
                 [&](const v1::ListOrganizerTokensResponse& response) {
                   for (const v1::TokenInfo& info : response.tokens())
                     PrintTokenInfo(ctx.out, info);
                 });
}

int TokensRevoke(Context& ctx) {
  int code = 0;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  v1::RevokeTokenRequest request;
  request.set_token_id(ctx.operands[0]);
  return Output(ctx, client->RevokeToken(request), [&](const v1::TokenInfo& info) {
    ctx.out << "revoked ";
    PrintTokenInfo(ctx.out, info);
  });
}

// ---- events ---------------------------------------------------------------------------------

absl::Status ApplyBoolFlag(const ParsedArgs& args, const std::string& name,
                           const std::function<void(bool)>& set) {
  if (!args.Has(name)) return absl::OkStatus();
  absl::StatusOr<bool> value = ParseBool(args.Get(name));
  if (!value.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, ": ", value.status().message()));
  }
  set(*value);
  return absl::OkStatus();
}

absl::Status ApplyCountFlag(const ParsedArgs& args, const std::string& name,
                            const std::function<void(uint32_t)>& set) {
  if (!args.Has(name)) return absl::OkStatus();
  absl::StatusOr<uint32_t> value = ParseCount(absl::StrCat("--", name), args.Get(name));
  if (!value.ok()) return value.status();
  set(*value);
  return absl::OkStatus();
}

// Applies the event flags to `event` and adds the top-level fields they touch to `fields`.
// Slot times are read in the event's time zone (after --time-zone is applied).
absl::Status ApplyEventFlags(const ParsedArgs& args, v1::Event* event,
                             std::set<std::string>* fields) {
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
  v1::Event event;
  if (ctx.args.Has("from-json")) {
    absl::StatusOr<std::string> json = ReadFileToString(ctx.args.Get("from-json"));
    if (!json.ok()) return Fail(ctx, json.status());
    absl::Status parsed = ParseJson(*json, ctx.args.Get("from-json"), &event);
    if (!parsed.ok()) return Fail(ctx, parsed);
  }
  std::set<std::string> fields;
  absl::Status applied = ApplyEventFlags(ctx.args, &event, &fields);
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
  for (const std::string& flag : kEventFlags) any = any || ctx.args.Has(flag);
  if (!any) return UsageError(ctx, "nothing to update: give at least one event flag");
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  // The current event gives the time zone for slot times and the policy fields not named.
  v1::GetEventRequest get;
  get.set_event_id(id);
  absl::StatusOr<v1::Event> event = client->GetEvent(get);
  if (!event.ok()) return Fail(ctx, event.status());
  std::set<std::string> fields;
  absl::Status applied = ApplyEventFlags(ctx.args, &*event, &fields);
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

// ---- attendees ------------------------------------------------------------------------------

// Applies attendee flags (those in `allowed`) to `attendee` and names them in `mask`.
absl::Status ApplyAttendeeFlags(const ParsedArgs& args,
                                const std::vector<std::pair<std::string, std::string>>& allowed,
                                v1::Attendee* attendee, google::protobuf::FieldMask* mask) {
  for (const auto& [flag, field] : allowed) {
    if (!args.Has(flag)) continue;
    const std::string value = args.Get(flag);
    auto list = [&](google::protobuf::RepeatedPtrField<std::string>* out) {
      for (std::string& item : ParseList(value)) out->Add(std::move(item));
    };
    if (field == "interests") {
      absl::StatusOr<std::vector<v1::Interest>> interests = ParseInterests(value);
      if (!interests.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--interests: ", interests.status().message()));
      }
      for (v1::Interest& interest : *interests) *attendee->add_interests() = std::move(interest);
    } else if (field == "offers") {
      list(attendee->mutable_offers());
    } else if (field == "seeks") {
      list(attendee->mutable_seeks());
    } else if (field == "languages") {
      list(attendee->mutable_languages());
    } else if (field == "availability") {
      list(attendee->mutable_availability());
    } else if (field == "wants") {
      list(attendee->mutable_wants());
    } else if (field == "avoid") {
      list(attendee->mutable_avoid());
    } else if (field == "avoid_organisations") {
      list(attendee->mutable_avoid_organisations());
    } else if (field == "budget") {
      absl::StatusOr<std::optional<uint32_t>> budget =
          absl::EqualsIgnoreCase(value, "default") ? std::optional<uint32_t>() : ParseBudget(value);
      if (!budget.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("--budget: ", budget.status().message()));
      }
      if (budget->has_value()) attendee->set_budget(**budget);
    } else if (field == "prefers_quiet") {
      absl::StatusOr<bool> quiet = ParseBool(value);
      if (!quiet.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--prefers-quiet: ", quiet.status().message()));
      }
      attendee->set_prefers_quiet(*quiet);
    } else {
      // A plain string field.
      const google::protobuf::FieldDescriptor* descriptor =
          v1::Attendee::descriptor()->FindFieldByName(field);
      attendee->GetReflection()->SetString(attendee, descriptor, value);
    }
    mask->add_paths(field);
  }
  return absl::OkStatus();
}

bool GetEventFlag(Context& ctx, uint64_t* event_id, int* code) {
  return GetId(ctx, "--event", ctx.args.Get("event"), event_id, code);
}

// --event ID and the ATTENDEE_ID operand, into a request with event_id and attendee_id.
template <typename Request>
bool GetAttendeeIds(Context& ctx, Request* request, int* code) {
  uint64_t event_id = 0, attendee_id = 0;
  if (!GetEventFlag(ctx, &event_id, code)) return false;
  if (!GetId(ctx, "attendee id", ctx.operands[0], &attendee_id, code)) return false;
  request->set_event_id(event_id);
  request->set_attendee_id(attendee_id);
  return true;
}

// "people.csv" -> "people.rejects.csv"; "people.txt" -> "people.txt.rejects.csv".
std::string DefaultRejectsPath(const std::string& input) {
  absl::string_view base = input;
  if (absl::EndsWithIgnoreCase(base, ".csv")) base.remove_suffix(4);
  return absl::StrCat(base, ".rejects.csv");
}

int AttendeesImport(Context& ctx) {
  int code = 0;
  uint64_t event_id = 0;
  if (!GetEventFlag(ctx, &event_id, &code)) return code;
  ImportOptions options;
  if (ctx.args.Has("batch")) {
    absl::StatusOr<uint32_t> batch = ParseCount("--batch", ctx.args.Get("batch"), 1000);
    if (!batch.ok() || *batch == 0) return UsageError(ctx, "--batch: expected 1 to 1000");
    options.batch_size = *batch;
  }
  const std::string& path = ctx.operands[0];
  const std::string rejects_path = ctx.args.Get("rejects", DefaultRejectsPath(path));
  absl::StatusOr<std::string> data = ReadFileToString(path);
  if (!data.ok()) return Fail(ctx, data.status());
  absl::StatusOr<AttendeeCsv> csv = ParseAttendeeCsv(*data);
  if (!csv.ok()) {
    return Fail(
        ctx, absl::Status(csv.status().code(), absl::StrCat(path, ": ", csv.status().message())));
  }
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  // A large file takes longer than one call: unless --timeout says otherwise, allow 10 minutes.
  options.deadline = ctx.args.Has("timeout") ? client->options().deadline : absl::Minutes(10);

  v1::ImportAttendeesResponse response;
  if (!csv->rows.empty()) {
    absl::StatusOr<v1::ImportAttendeesResponse> imported =
        client->ImportAttendees(event_id, std::move(csv->rows), options);  // not needed after
    if (!imported.ok()) {
      Fail(ctx, imported.status());
      ctx.err << "parley: the import did not finish; rows sent before the failure may be "
                 "stored. Importing the file again is safe.\n";
      return kExitFailure;
    }
    response = *std::move(imported);
  }
  // The server names rows by number; the file line helps find them.
  for (v1::ImportRowResult& result : *response.mutable_results()) {
    if (result.outcome() != v1::ImportRowResult::REJECTED ||
        result.row_number() >= csv->row_lines.size()) {
      continue;
    }
    const std::string prefix = absl::StrCat("row ", result.row_number());
    const std::string located =
        absl::StrCat(prefix, " (line ", csv->row_lines[result.row_number()], ")");
    absl::string_view error = result.error();
    if (absl::ConsumePrefix(&error, prefix) && absl::StartsWith(error, ":")) {
      result.set_error(absl::StrCat(located, error));
    } else {
      result.set_error(absl::StrCat(located, ": ", error));
    }
  }
  // Rows the CSV already rejected join the server's results, in row order.
  for (const RejectedRow& rejected : csv->rejected) {
    v1::ImportRowResult* result = response.add_results();
    result->set_row_number(rejected.row_number);
    result->set_external_id(rejected.external_id);
    result->set_outcome(v1::ImportRowResult::REJECTED);
    result->set_error(rejected.error);
  }
  response.set_rejected(response.rejected() + static_cast<uint32_t>(csv->rejected.size()));
  std::stable_sort(response.mutable_results()->begin(), response.mutable_results()->end(),
                   [](const v1::ImportRowResult& a, const v1::ImportRowResult& b) {
                     return a.row_number() < b.row_number();
                   });

  std::vector<const v1::ImportRowResult*> rejected;
  for (const v1::ImportRowResult& result : response.results()) {
    if (result.outcome() == v1::ImportRowResult::REJECTED) rejected.push_back(&result);
  }
  if (!rejected.empty()) {
    std::string text = FormatCsvRecord({"row", "external_id", "error"});
    for (const v1::ImportRowResult* result : rejected) {
      text += FormatCsvRecord(
          {absl::StrCat(result->row_number()), result->external_id(), result->error()});
    }
    std::ofstream file(rejects_path, std::ios::binary | std::ios::trunc);
    file << text;
    file.close();
    if (!file) {
      return Fail(ctx, absl::PermissionDeniedError(absl::StrCat("cannot write ", rejects_path)));
    }
  }
  if (ctx.json) {
    PrintJson(ctx.out, response);
  } else {
    const size_t rows = csv->rows.size() + csv->rejected.size();
    ctx.out << path << " -> event " << event_id << ": " << rows << " rows, " << response.created()
            << " created, " << response.updated() << " updated, " << response.unchanged()
            << " unchanged, " << response.rejected() << " rejected\n";
    constexpr size_t kShown = 10;
    for (size_t i = 0; i < rejected.size() && i < kShown; ++i) {
      ctx.out << "  " << rejected[i]->error() << "\n";
    }
    if (rejected.size() > kShown) ctx.out << "  ... and " << rejected.size() - kShown << " more\n";
    if (!rejected.empty()) ctx.out << "rejected rows written to " << rejects_path << "\n";
  }
  return rejected.empty() ? kExitOk : kExitRejected;
}

// parley known-pairs import: pairs of attendees who already know each other, streamed from a
// TSV/CSV file of external ids (known_pairs_file.h).
int KnownPairsImport(Context& ctx) {
  int code = 0;
  uint64_t event_id = 0;
  if (!GetEventFlag(ctx, &event_id, &code)) return code;
  const std::string& path = ctx.operands[0];
  std::ifstream file(path, std::ios::binary);
  if (!file) return Fail(ctx, absl::NotFoundError(absl::StrCat("cannot open ", path)));
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  KnownPairReader reader(&file);
  // Streamed: the file is read as the pairs are sent. A large file takes longer than one call:
  // unless --timeout says otherwise, allow 10 minutes.
  const absl::Duration deadline =
      ctx.args.Has("timeout") ? client->options().deadline : absl::Minutes(10);
  absl::StatusOr<v1::ImportKnownPairsResponse> imported = client->ImportKnownPairs(
      event_id,
      [&](std::vector<v1::KnownPairRow>* batch, size_t max_rows) {
        return reader.Next(batch, max_rows);
      },
      deadline);
  if (!imported.ok()) {
    Fail(ctx, imported.status());
    ctx.err << "parley: the import did not finish; pairs sent before the failure may be "
               "stored. Importing the file again is safe.\n";
    return kExitFailure;
  }
  v1::ImportKnownPairsResponse response = *std::move(imported);
  for (const RejectedRow& rejected : reader.rejected()) {
    v1::KnownPairResult* result = response.add_results();
    result->set_row_number(rejected.row_number);
    result->set_outcome(v1::KnownPairResult::REJECTED);
    result->set_error(rejected.error);
  }
  response.set_rejected(response.rejected() + static_cast<uint32_t>(reader.rejected().size()));
  std::stable_sort(response.mutable_results()->begin(), response.mutable_results()->end(),
                   [](const v1::KnownPairResult& a, const v1::KnownPairResult& b) {
                     return a.row_number() < b.row_number();
                   });
  std::vector<const v1::KnownPairResult*> rejected;
  for (const v1::KnownPairResult& result : response.results()) {
    if (result.outcome() == v1::KnownPairResult::REJECTED) rejected.push_back(&result);
  }
  if (ctx.json) {
    PrintJson(ctx.out, response);
  } else {
    ctx.out << path << " -> event " << event_id << ": " << reader.rows() << " pairs, "
            << response.added() << " added, " << response.unchanged() << " already known, "
            << response.rejected() << " rejected\n";
    constexpr size_t kShown = 10;
    for (size_t i = 0; i < rejected.size() && i < kShown; ++i) {
      ctx.out << "  " << rejected[i]->error() << "\n";
    }
    if (rejected.size() > kShown) ctx.out << "  ... and " << rejected.size() - kShown << " more\n";
  }
  return rejected.empty() ? kExitOk : kExitRejected;
}

int AttendeesGet(Context& ctx) {
  int code = 0;
  v1::GetAttendeeRequest request;
  if (!GetAttendeeIds(ctx, &request, &code)) return code;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->GetAttendee(request),
                [&](const v1::Attendee& attendee) { PrintAttendee(ctx.out, attendee); });
}

int AttendeesList(Context& ctx) {
  int code = 0;
  v1::ListAttendeesRequest request;
  uint64_t event_id = 0;
  if (!GetEventFlag(ctx, &event_id, &code)) return code;
  request.set_event_id(event_id);
  return RunList(ctx, request, &Client::ListAttendees,
                 [&](const v1::ListAttendeesResponse& response) {
                   for (const v1::Attendee& a : response.attendees()) PrintAttendeeLine(ctx.out, a);
                 });
}

int AttendeesUpdate(Context& ctx) {
  int code = 0;
  v1::UpdateAttendeeRequest request;
  uint64_t event_id = 0, attendee_id = 0;
  if (!GetEventFlag(ctx, &event_id, &code)) return code;
  if (!GetId(ctx, "attendee id", ctx.operands[0], &attendee_id, &code)) return code;
  v1::Attendee* attendee = request.mutable_attendee();
  attendee->set_event_id(event_id);
  attendee->set_id(attendee_id);
  absl::Status applied =
      ApplyAttendeeFlags(ctx.args, kSelfAttendeeFlags, attendee, request.mutable_update_mask());
  if (applied.ok()) {
    applied = ApplyAttendeeFlags(ctx.args, kOrganizerAttendeeFlags, attendee,
                                 request.mutable_update_mask());
  }
  if (!applied.ok()) return LocalError(ctx, applied);
  if (request.update_mask().paths().empty()) {
    return UsageError(ctx, "nothing to update: give at least one attendee flag");
  }
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->UpdateAttendee(request),
                [&](const v1::Attendee& updated) { PrintAttendee(ctx.out, updated); });
}

int AttendeesRemove(Context& ctx) {
  int code = 0;
  v1::RemoveAttendeeRequest request;
  if (!GetAttendeeIds(ctx, &request, &code)) return code;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->RemoveAttendee(request),
                [&](const v1::RemoveAttendeeResponse& response) {
                  ctx.out << "attendee " << request.attendee_id()
                          << (response.removed() ? " removed" : " was already gone") << "\n";
                });
}

int AttendeesToken(Context& ctx) {
  int code = 0;
  v1::IssueAttendeeTokenRequest request;
  if (!GetAttendeeIds(ctx, &request, &code)) return code;
  request.set_label(ctx.args.Get("label"));
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->IssueAttendeeToken(request),
                [&](const v1::IssuedAttendeeToken& issued) {
                  PrintIssuedToken(ctx.out, issued.token(), issued.info());
                });
}

// Tokens for every attendee of the event (or those without one), 1,000 per call, into a new
// CSV file only the user can read: the secrets exist nowhere else.
int AttendeesTokens(Context& ctx) {
  int code = 0;
  uint64_t event_id = 0;
  if (!GetEventFlag(ctx, &event_id, &code)) return code;
  const std::string path = ctx.args.Get("out");
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    return Fail(ctx, absl::FailedPreconditionError(absl::StrCat(
                         "cannot create ", path, ": ", std::strerror(errno),
                         " (tokens go to a new file only you can read; choose another name)")));
  }
  close(fd);
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << FormatCsvRecord({"attendee_id", "external_id", "name", "email", "token"});
  int64_t issued = 0, skipped = 0;
  v1::ListAttendeesRequest list;
  list.set_event_id(event_id);
  list.set_page_size(1000);
  while (true) {
    absl::StatusOr<v1::ListAttendeesResponse> page = client->ListAttendees(list);
    if (!page.ok()) return Fail(ctx, page.status());
    if (page->attendees().empty()) break;
    v1::IssueAttendeeTokensRequest request;
    request.set_event_id(event_id);
    request.set_label(ctx.args.Get("label"));
    request.set_only_without_token(ctx.args.Has("only-new"));
    absl::flat_hash_map<uint64_t, const v1::Attendee*> by_id;
    for (const v1::Attendee& a : page->attendees()) {
      request.add_attendee_ids(a.id());
      by_id[a.id()] = &a;
    }
    absl::StatusOr<v1::IssueAttendeeTokensResponse> tokens = client->IssueAttendeeTokens(request);
    if (!tokens.ok()) {
      Fail(ctx, tokens.status());
      ctx.err << "parley: " << issued << " tokens were issued and written to " << path
              << " before the failure; --only-new continues without issuing them twice\n";
      return kExitFailure;
    }
    for (const v1::IssuedAttendeeToken& t : tokens->tokens()) {
      const v1::Attendee& a = *by_id.at(t.info().attendee_id());
      file << FormatCsvRecord(
          {absl::StrCat(a.id()), a.external_id(), a.display_name(), a.email(), t.token()});
    }
    file.flush();
    if (!file) {
      return Fail(ctx,
                  absl::DataLossError(absl::StrCat(
                      "cannot write ", path, ": ", tokens->tokens_size(),
                      " tokens of this page are lost; revoke them or re-run with --only-new")));
    }
    issued += tokens->tokens_size();
    skipped += tokens->skipped_attendee_ids_size();
    if (page->next_page_token().empty()) break;
    list.set_page_token(page->next_page_token());
  }
  ctx.out << "event " << event_id << ": " << issued << " attendee tokens written to " << path;
  if (skipped > 0) {
    ctx.out << " (" << skipped << (skipped == 1 ? " attendee" : " attendees")
            << " already had one)";
  }
  ctx.out << "\n";
  return kExitOk;
}

// ---- matching (organiser) -------------------------------------------------------------------

// Redraws a one-line progress bar: on every message, and twice a second with the time spent in
// the current phase, so that a long phase visibly moves.
class ProgressBar {
 public:
  explicit ProgressBar(std::ostream& out) : out_(out), ticker_([this] { Tick(); }) {}
  ~ProgressBar() { Stop(); }

  void Update(const v1::MatchingRun& run) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!have_run_ || run.phase() != run_.phase()) phase_start_ = absl::Now();
    run_ = run;
    have_run_ = true;
    DrawLocked();
  }

  // Ends the line; idempotent.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) return;
      stopped_ = true;
      if (have_run_) out_ << "\n" << std::flush;
    }
    wake_.notify_all();
    ticker_.join();
  }

 private:
  void Tick() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopped_) {
      wake_.wait_for(lock, std::chrono::milliseconds(500));
      if (!stopped_ && have_run_) DrawLocked();
    }
  }

  void DrawLocked() {
    const double seconds = absl::ToDoubleSeconds(absl::Now() - phase_start_);
    out_ << "\r" << RunProgressBar(run_, 24) << "  " << absl::StrFormat("%.1fs", seconds)
         << "\x1b[K" << std::flush;
  }

  std::ostream& out_;
  std::mutex mu_;
  std::condition_variable wake_;
  v1::MatchingRun run_;
  bool have_run_ = false;
  bool stopped_ = false;
  absl::Time phase_start_ = absl::Now();
  std::thread ticker_;
};

int Run(Context& ctx) {
  int code = 0;
  uint64_t event_id = 0;
  if (!GetEventFlag(ctx, &event_id, &code)) return code;
  v1::StartMatchingRunRequest request;
  request.set_event_id(event_id);
  if (ctx.args.Has("seed")) {
    uint64_t seed = 0;
    if (!absl::SimpleAtoi(ctx.args.Get("seed"), &seed)) {
      return UsageError(ctx, absl::StrCat("--seed: \"", ctx.args.Get("seed"),
                                          "\" is not a non-negative integer"));
    }
    request.set_seed(seed);
  }
  const std::string mode = ctx.args.Get("progress", "auto");
  if (mode != "auto" && mode != "bar" && mode != "lines") {
    return UsageError(ctx, absl::StrCat("--progress: \"", mode, "\": expected auto, bar or lines"));
  }
  const bool bar = !ctx.json && (mode == "bar" || (mode == "auto" && ctx.tty));
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  // A run of a large event takes longer than one call: unless --timeout says otherwise, allow
  // 10 minutes.
  const absl::Duration deadline =
      ctx.args.Has("timeout") ? client->options().deadline : absl::Minutes(10);
  std::unique_ptr<ProgressBar> progress;
  if (bar) progress = std::make_unique<ProgressBar>(ctx.out);
  absl::StatusOr<v1::MatchingRun> run = client->StartMatchingRun(
      request,
      [&](const v1::MatchingRun& message) {
        if (progress != nullptr) {
          progress->Update(message);
        } else if (!ctx.json) {
          ctx.out << RunPhaseLine(message) << "\n" << std::flush;
        }
        return true;
      },
      deadline);
  if (progress != nullptr) progress->Stop();
  code = Output(ctx, run, [&](const v1::MatchingRun& done) { PrintMatchingRun(ctx.out, done); });
  if (code != kExitOk) return code;
  if (run->phase() != v1::MatchingRun::DONE) {
    ctx.err << "parley: run " << run->id() << " ended in phase " << PhaseName(run->phase())
            << (run->error().empty() ? "" : ": ") << run->error() << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

int Report(Context& ctx) {
  int code = 0;
  uint64_t event_id = 0;
  if (!GetEventFlag(ctx, &event_id, &code)) return code;
  v1::GetQualityReportRequest request;
  request.set_event_id(event_id);
  if (!ReadPaging(ctx, &request, &code)) return code;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  // Pages repeat the run; only the diagnostics are collected (FetchPages would merge the run's
  // repeated fields too).
  absl::StatusOr<v1::GetQualityReportResponse> report =
      FetchPages<v1::GetQualityReportRequest, v1::GetQualityReportResponse>(
          ctx, request, [&, first = true](const v1::GetQualityReportRequest& page) mutable {
            absl::StatusOr<v1::GetQualityReportResponse> response = client->GetQualityReport(page);
            if (response.ok() && !first) response->clear_run();
            first = false;
            return response;
          });
  return Output(ctx, report, [&](const v1::GetQualityReportResponse& response) {
    PrintQualityReport(ctx.out, response);
    if (!response.next_page_token().empty()) {
      ctx.out << "more: --page-token " << response.next_page_token() << " (or --all)\n";
    }
  });
}

int MeetingsList(Context& ctx) {
  int code = 0;
  uint64_t event_id = 0;
  if (!GetEventFlag(ctx, &event_id, &code)) return code;
  v1::ListMeetingsRequest request;
  request.set_event_id(event_id);
  if (ctx.args.Has("state")) {
    absl::StatusOr<v1::Meeting::State> state = ParseMeetingState(ctx.args.Get("state"));
    if (!state.ok()) return UsageError(ctx, absl::StrCat("--state: ", state.status().message()));
    request.set_state(*state);
  }
  if (ctx.args.Has("attendee")) {
    uint64_t attendee = 0;
    if (!GetId(ctx, "--attendee", ctx.args.Get("attendee"), &attendee, &code)) return code;
    request.set_attendee_id(attendee);
  }
  request.set_slot_id(ctx.args.Get("slot"));
  return RunList(ctx, request, &Client::ListMeetings,
                 [&](const v1::ListMeetingsResponse& response) {
                   for (const v1::Meeting& m : response.meetings()) {
                     PrintMeetingLine(ctx.out, m, &response.external_ids());
                   }
                 });
}

int Publish(Context& ctx) {
  int code = 0;
  uint64_t event_id = 0;
  if (!GetEventFlag(ctx, &event_id, &code)) return code;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  v1::PublishScheduleRequest request;
  request.set_event_id(event_id);
  return Output(ctx, client->PublishSchedule(request), [&](const v1::Event& event) {
    ctx.out << "event " << event.id() << " is now " << v1::EventStatus_Name(event.status())
            << ": attendees see their confirmed meetings in their calendars\n";
  });
}

// Writes `text` to --out, or to standard output without it.
int WriteOut(Context& ctx, const std::string& text) {
  if (!ctx.args.Has("out")) {
    ctx.out << text << std::flush;
    return kExitOk;
  }
  const std::string path = ctx.args.Get("out");
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) return Fail(ctx, absl::PermissionDeniedError(absl::StrCat("cannot write ", path)));
  return kExitOk;
}

int MeetingsExport(Context& ctx) {
  int code = 0;
  uint64_t event_id = 0;
  if (!GetEventFlag(ctx, &event_id, &code)) return code;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  v1::ExportMeetingsRequest request;
  request.set_event_id(event_id);
  const absl::Duration deadline =
      ctx.args.Has("timeout") ? client->options().deadline : absl::Minutes(10);
  if (!ctx.args.Has("out")) {
    absl::Status exported = client->ExportMeetings(request, &ctx.out, deadline);
    ctx.out << std::flush;
    return exported.ok() ? kExitOk : Fail(ctx, exported);
  }
  // Into a temporary file renamed at the end, so that a failed export leaves no partial file.
  const std::string path = ctx.args.Get("out");
  const std::string partial = absl::StrCat(path, ".partial");
  std::ofstream file(partial, std::ios::binary | std::ios::trunc);
  if (!file) return Fail(ctx, absl::PermissionDeniedError(absl::StrCat("cannot write ", partial)));
  absl::Status exported = client->ExportMeetings(request, &file, deadline);
  file.close();
  if (exported.ok() && !file) {
    exported = absl::DataLossError(absl::StrCat("writing ", partial, " failed"));
  }
  if (exported.ok() && std::rename(partial.c_str(), path.c_str()) != 0) {
    exported = absl::PermissionDeniedError(absl::StrCat("cannot rename ", partial, " to ", path));
  }
  if (!exported.ok()) {
    std::remove(partial.c_str());
    return Fail(ctx, exported);
  }
  return kExitOk;
}

// `calendar --event E --attendee A` is the organiser's; without both it is the attendee's own.
int Calendar(Context& ctx) {
  int code = 0;
  const bool organiser = ctx.args.Has("event") || ctx.args.Has("attendee");
  absl::StatusOr<v1::Calendar> calendar;
  if (organiser) {
    if (!ctx.args.Has("event") || !ctx.args.Has("attendee")) {
      return UsageError(ctx, "give both --event and --attendee (organiser), or neither (attendee)");
    }
    v1::GetAttendeeCalendarRequest request;
    uint64_t event_id = 0, attendee_id = 0;
    if (!GetEventFlag(ctx, &event_id, &code)) return code;
    if (!GetId(ctx, "--attendee", ctx.args.Get("attendee"), &attendee_id, &code)) return code;
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

// ---- agenda (attendee) ----------------------------------------------------------------------

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

// "accept" or "decline" (any case); otherwise a usage error in *exit_code.
bool GetAnswer(Context& ctx, const std::string& text, bool* accept, int* exit_code) {
  const std::string answer = absl::AsciiStrToLower(text);
  if (answer != "accept" && answer != "decline") {
    *exit_code = UsageError(ctx, absl::StrCat("answer \"", text, "\": expected accept or decline"));
    return false;
  }
  *accept = answer == "accept";
  return true;
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
  if (ctx.args.Has("count")) {
    absl::StatusOr<uint32_t> parsed = ParseCount("--count", ctx.args.Get("count"));
    if (!parsed.ok() || *parsed == 0) return UsageError(ctx, "--count: expected a positive number");
    count = *parsed;
  }
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  const std::string zone = ctx.json ? "" : MyTimeZone(*client);
  // A watch lasts until interrupted unless --timeout bounds it.
  const absl::Duration deadline =
      ctx.args.Has("timeout") ? client->options().deadline : absl::Hours(24 * 365);
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
  if (ctx.args.Has("count")) {
    absl::StatusOr<uint32_t> parsed = ParseCount("--count", ctx.args.Get("count"), 1000);
    if (!parsed.ok()) return UsageError(ctx, parsed.status().message());
    request.set_count(*parsed);
  }
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->RequestMoreSuggestions(request),
                [&](const v1::ListMySuggestionsResponse& response) {
                  ctx.out << response.proposals_size() << " new suggestion"
                          << (response.proposals_size() == 1 ? "" : "s") << "\n";
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

// ---- relationships --------------------------------------------------------------------------

void PrintPerson(std::ostream& out, const v1::PublicProfile& p) {
  out << p.display_name() << " (attendee " << p.attendee_id() << ")";
  if (!p.organisation().empty()) out << ", " << p.organisation();
}

void PrintReasons(std::ostream& out,
                  const google::protobuf::RepeatedPtrField<v1::Reason>& reasons) {
  for (const v1::Reason& r : reasons) out << "    - " << DescribeReason(r) << "\n";
}

absl::string_view IntroductionStatus(v1::Introduction::Status status) {
  switch (status) {
    case v1::Introduction::ACCEPTED:
      return "accepted by both";
    case v1::Introduction::DECLINED_BY_ME:
      return "declined by me";
    default:
      return "pending";
  }
}

void PrintIntroduction(std::ostream& out, const v1::Introduction& intro) {
  out << "introduction " << intro.id() << "  [" << IntroductionStatus(intro.status()) << "]\n  ";
  if (intro.made_by_me()) {
    out << "I introduced ";
    PrintPerson(out, intro.person());
    out << " and ";
    PrintPerson(out, intro.other_person());
  } else {
    PrintPerson(out, intro.introducer());
    out << " introduced me to ";
    PrintPerson(out, intro.person());
  }
  out << "\n  note: " << intro.note() << "\n";
  if (intro.meeting_id() != 0) out << "  proposal: meeting " << intro.meeting_id() << "\n";
}

int FeedbackGive(Context& ctx) {
  int code = 0;
  uint64_t meeting_id = 0;
  if (!GetId(ctx, "meeting id", ctx.operands[0], &meeting_id, &code)) return code;
  const std::string outcome = absl::AsciiStrToLower(ctx.operands[1]);
  v1::RecordFeedbackRequest request;
  request.set_meeting_id(meeting_id);
  if (outcome == "happened") {
    request.set_outcome(v1::Feedback::HAPPENED);
  } else if (outcome == "no-show") {
    request.set_outcome(v1::Feedback::NO_SHOW);
  } else {
    return UsageError(
        ctx, absl::StrCat("outcome \"", ctx.operands[1], "\": expected happened or no-show"));
  }
  if (ctx.args.Has("rating")) {
    absl::StatusOr<uint32_t> rating = ParseCount("--rating", ctx.args.Get("rating"), 5);
    if (!rating.ok() || *rating == 0) return UsageError(ctx, "--rating: expected 1 to 5");
    request.set_rating(*rating);
  } else if (request.outcome() == v1::Feedback::HAPPENED) {
    return UsageError(ctx, "--rating is required when the meeting happened");
  }
  request.set_follow_up(ctx.args.Has("follow-up"));
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->RecordFeedback(request), [&](const v1::Feedback& f) {
    ctx.out << "feedback on meeting " << f.meeting_id() << " with ";
    PrintPerson(ctx.out, f.partner());
    ctx.out << ": "
            << (f.outcome() == v1::Feedback::HAPPENED ? absl::StrCat("happened, rated ", f.rating())
                                                      : std::string("no-show"))
            << (f.follow_up() ? ", follow up" : "") << "\n(private: only you see it)\n";
  });
}

int FeedbackList(Context& ctx) {
  int code = 0;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->ListMyFeedback(v1::ListMyFeedbackRequest()),
                [&](const v1::ListMyFeedbackResponse& response) {
                  if (response.feedback().empty()) ctx.out << "no feedback given yet\n";
                  for (const v1::Feedback& f : response.feedback()) {
                    ctx.out << "meeting " << f.meeting_id() << "  ";
                    PrintPerson(ctx.out, f.partner());
                    ctx.out << "  "
                            << (f.outcome() == v1::Feedback::HAPPENED
                                    ? absl::StrCat("rated ", f.rating())
                                    : std::string("no-show"))
                            << (f.follow_up() ? "  follow up" : "") << "\n";
                  }
                });
}

int Introduce(Context& ctx) {
  int code = 0;
  uint64_t a = 0, b = 0;
  if (!GetId(ctx, "attendee id", ctx.operands[0], &a, &code)) return code;
  if (!GetId(ctx, "attendee id", ctx.operands[1], &b, &code)) return code;
  v1::IntroduceRequest request;
  request.set_attendee_a(a);
  request.set_attendee_b(b);
  request.set_note(ctx.args.Get("note"));
  if (ctx.args.Has("request")) {
    uint64_t request_id = 0;
    if (!GetId(ctx, "--request", ctx.args.Get("request"), &request_id, &code)) return code;
    request.set_request_id(request_id);
  }
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->Introduce(request),
                [&](const v1::Introduction& intro) { PrintIntroduction(ctx.out, intro); });
}

int Introductions(Context& ctx) {
  int code = 0;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->ListMyIntroductions(v1::ListMyIntroductionsRequest()),
                [&](const v1::ListMyIntroductionsResponse& response) {
                  if (response.introductions().empty()) ctx.out << "no introductions\n";
                  for (const v1::Introduction& intro : response.introductions()) {
                    PrintIntroduction(ctx.out, intro);
                  }
                });
}

int IntroductionRespond(Context& ctx) {
  int code = 0;
  uint64_t id = 0;
  if (!GetId(ctx, "introduction id", ctx.operands[0], &id, &code)) return code;
  bool accept = false;
  if (!GetAnswer(ctx, ctx.operands[1], &accept, &code)) return code;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  v1::RespondToIntroductionRequest request;
  request.set_introduction_id(id);
  request.set_accept(accept);
  return Output(ctx, client->RespondToIntroduction(request),
                [&](const v1::Introduction& intro) { PrintIntroduction(ctx.out, intro); });
}

int IntroductionAsk(Context& ctx) {
  int code = 0;
  uint64_t id = 0;
  if (!GetId(ctx, "attendee id", ctx.operands[0], &id, &code)) return code;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  v1::AskForIntroductionsRequest request;
  request.set_attendee_id(id);
  request.set_note(ctx.args.Get("note"));
  return Output(ctx, client->AskForIntroductions(request), [&](const v1::IntroductionRequest& r) {
    ctx.out << "request " << r.id() << " sent to ";
    PrintPerson(ctx.out, r.person());
    ctx.out << "\n";
  });
}

int IntroductionRequests(Context& ctx) {
  int code = 0;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->ListIntroductionRequests(v1::ListIntroductionRequestsRequest()),
                [&](const v1::ListIntroductionRequestsResponse& response) {
                  if (response.requests().empty()) ctx.out << "no requests for introductions\n";
                  for (const v1::IntroductionRequest& r : response.requests()) {
                    ctx.out << "request " << r.id() << "  "
                            << (r.sent_by_me() ? "I asked " : "asked by ");
                    PrintPerson(ctx.out, r.person());
                    ctx.out << "  answered " << r.answered() << "\n";
                    if (!r.note().empty()) ctx.out << "  note: " << r.note() << "\n";
                    if (!r.sent_by_me()) {
                      ctx.out << "  answer with: parley introduce " << r.person().attendee_id()
                              << " ATTENDEE_ID --note TEXT --request " << r.id() << "\n";
                    }
                  }
                });
}

int WhoElse(Context& ctx) {
  int code = 0;
  v1::WhoElseShouldIMeetRequest request;
  if (ctx.args.Has("max")) {
    absl::StatusOr<uint32_t> max = ParseCount("--max", ctx.args.Get("max"), 20);
    if (!max.ok() || *max == 0) return UsageError(ctx, "--max: expected 1 to 20");
    request.set_max_results(*max);
  }
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->WhoElseShouldIMeet(request),
                [&](const v1::WhoElseShouldIMeetResponse& response) {
                  if (response.people().empty()) {
                    ctx.out << "nobody yet: rate the people you met (parley feedback)\n";
                  }
                  for (const v1::PersonSuggestion& p : response.people()) {
                    PrintPerson(ctx.out, p.person());
                    ctx.out << "\n";
                    PrintReasons(ctx.out, p.reasons());
                  }
                });
}

int Wishes(Context& ctx) {
  int code = 0;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  absl::StatusOr<v1::ListMyWishesResponse> result;
  const std::string verb = CommandName(ctx.command);
  if (verb == "wishes") {
    result = client->ListMyWishes(v1::ListMyWishesRequest());
  } else {
    uint64_t id = 0;
    if (!GetId(ctx, "attendee id", ctx.operands[0], &id, &code)) return code;
    v1::WishRequest request;
    request.set_attendee_id(id);
    result = verb == "wishes add" ? client->AddWish(request) : client->RemoveWish(request);
  }
  return Output(ctx, result, [&](const v1::ListMyWishesResponse& response) {
    if (response.wishes().empty()) ctx.out << "no wishes\n";
    for (const v1::Wish& w : response.wishes()) {
      PrintPerson(ctx.out, w.person());
      ctx.out << "\n";
    }
  });
}

void PrintAnalytics(std::ostream& out, const v1::Analytics& a) {
  out << (a.event_id() == 0 ? std::string("all events")
                            : absl::StrCat("event ", a.event_id(), ": ", a.event_name()))
      << "\n"
      << absl::StrFormat("  proposals %u: confirmed %u, declined %u, expired %u, cancelled %u\n",
                         a.proposals(), a.confirmed(), a.declined(), a.expired(), a.cancelled())
      << absl::StrFormat("  acceptance rate %.2f, held %u (rate %.2f), no-shows %u\n",
                         a.acceptance_rate(), a.held(), a.held_rate(), a.no_show())
      << "  feedback " << a.feedback() << ", ratings 1-5:";
  for (uint32_t count : a.rating_counts()) out << " " << count;
  out << absl::StrFormat(" (mean %.2f), follow-ups %u (rate %.2f)\n", a.mean_rating(),
                         a.follow_ups(), a.follow_up_rate())
      << "  introductions made " << a.introductions_made() << ", accepted by both "
      << a.introductions_accepted() << "\n";
}

int Analytics(Context& ctx) {
  int code = 0;
  v1::GetAnalyticsRequest request;
  if (ctx.args.Has("event")) {
    uint64_t event_id = 0;
    if (!GetId(ctx, "--event", ctx.args.Get("event"), &event_id, &code)) return code;
    request.set_event_id(event_id);
  }
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->GetAnalytics(request), [&](const v1::GetAnalyticsResponse& response) {
    for (const v1::Analytics& a : response.events()) PrintAnalytics(ctx.out, a);
    if (response.events_size() > 1) PrintAnalytics(ctx.out, response.total());
  });
}

// ---- me, health -----------------------------------------------------------------------------

void PrintProfile(std::ostream& out, const v1::MyProfile& profile) {
  PrintAttendee(out, profile.attendee());
  const v1::Event& event = profile.event();
  out << "event: " << event.name() << "  [" << v1::EventStatus_Name(event.status()) << "]\n";
  for (const v1::Slot& slot : event.slots()) {
    out << "  slot " << slot.id() << "  " << FormatTimestamp(slot.start_time(), event.time_zone())
        << "\n";
  }
}

int Me(Context& ctx) {
  int code = 0;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->GetMyProfile(v1::GetMyProfileRequest()),
                [&](const v1::MyProfile& profile) { PrintProfile(ctx.out, profile); });
}

int MeUpdate(Context& ctx) {
  int code = 0;
  v1::UpdateMyProfileRequest request;
  absl::Status applied = ApplyAttendeeFlags(
      ctx.args, kSelfAttendeeFlags, request.mutable_attendee(), request.mutable_update_mask());
  if (!applied.ok()) return LocalError(ctx, applied);
  if (request.update_mask().paths().empty()) {
    return UsageError(ctx, "nothing to update: give at least one profile flag");
  }
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->UpdateMyProfile(request),
                [&](const v1::MyProfile& profile) { PrintProfile(ctx.out, profile); });
}

int Health(Context& ctx) {
  int code = 0;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(ctx.args.Get("service"));
  absl::StatusOr<grpc::health::v1::HealthCheckResponse> response = client->Check(request);
  code = Output(ctx, response, [&](const grpc::health::v1::HealthCheckResponse& r) {
    ctx.out << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(r.status()) << "\n";
  });
  if (code != kExitOk) return code;
  return response->status() == grpc::health::v1::HealthCheckResponse::SERVING ? kExitOk
                                                                              : kExitFailure;
}

const std::vector<Command>& Commands() {
  static const auto* commands = new std::vector<Command>{
      {{"admin", "communities", "create"},
       "NAME",
       1,
       1,
       {},
       {},
       "Creates a community.",
       "Needs the operator token.",
       CommunitiesCreate},
      {{"admin", "communities", "list"},
       "",
       0,
       0,
       kPagingFlags,
       {},
       "Lists communities.",
       "Needs the operator token.",
       CommunitiesList},
      {{"admin", "tokens", "issue"},
       "",
       0,
       0,
       {"community", "label"},
       {"community"},
       "Issues an organiser token.",
       "Needs the operator token. The secret is shown once: store it.",
       TokensIssue},
      {{"admin", "tokens", "list"},
       "",
       0,
       0,
       Concat(std::vector<std::string>{"community"}, kPagingFlags),
       {"community"},
       "Lists a community's organiser tokens.",
       "Needs the operator token. Shows ids and labels, never secrets.",
       TokensList},
      {{"admin", "tokens", "revoke"},
       "TOKEN_ID",
       1,
       1,
       {},
       {},
       "Revokes a token.",
       "Needs the operator token. TOKEN_ID is the id shown by `issue` and `list`.",
       TokensRevoke},
      {{"events", "create"},
       "",
       0,
       0,
       Concat(kEventFlags, std::vector<std::string>{"from-json"}),
       {"name"},
       "Creates an event (in DRAFT).",
       "Needs an organiser token.\n"
       "Slots: --slots \"s1=2026-12-01T10:00/10:30,s2=2026-12-01T11:00/11:30\" or\n"
       "--slot-count 6 --start 2026-12-01T10:00 --slot-minutes 30 [--break-minutes 10]; times are\n"
       "in --time-zone (default UTC) unless they carry an offset.\n"
       "Locations: --locations \"hall:20,library:4:quiet,online:50:link=https://meet.example/x\".\n"
       "Policy flags left out get the server's defaults. --from-json FILE starts from an Event\n"
       "in protobuf JSON; flags given as well override it.",
       EventsCreate},
      {{"events", "get"},
       "ID",
       1,
       1,
       {},
       {},
       "Shows an event.",
       "Needs an organiser token.",
       EventsGet},
      {{"events", "list"},
       "",
       0,
       0,
       kPagingFlags,
       {},
       "Lists the community's events.",
       "Needs an organiser token.",
       EventsList},
      {{"events", "update"},
       "ID",
       1,
       1,
       kEventFlags,
       {},
       "Changes an event.",
       "Needs an organiser token. Only the fields given are changed. Slot times are read in the\n"
       "event's time zone; policy flags change only the policy values named.",
       EventsUpdate},
      {{"events", "status"},
       "ID draft|open|scheduled|closed",
       2,
       2,
       {},
       {},
       "Moves an event to a status.",
       "Needs an organiser token. DRAFT -> OPEN -> SCHEDULED -> CLOSED, and SCHEDULED -> OPEN.",
       EventsStatus},
      {{"attendees", "import"},
       "FILE.csv",
       1,
       1,
       {"event", "rejects", "batch"},
       {"event"},
       "Imports attendees from a CSV file.",
       "Needs an organiser token. Upserts by external_id: importing a file again changes nothing.\n"
       "Header columns, any order, case-insensitive: external_id and name (required), email,\n"
       "phone, organisation, role, bio, interests, offers, seeks, languages, budget, "
       "availability,\n"
       "person_ref, wants, avoid, avoid_organisations, prefers_quiet. Lists are ';'-separated;\n"
       "an interest may carry a weight as tag:2 (1-3); availability lists slot ids (empty = all).\n"
       "Rejected rows go to --rejects (default FILE.rejects.csv; columns row,external_id,error).\n"
       "Exit 0 if every row was accepted, 2 if some were rejected, 1 on failure. The deadline\n"
       "of the whole import is --timeout if given, else 10 minutes.",
       AttendeesImport},
      {{"attendees", "get"},
       "ATTENDEE_ID",
       1,
       1,
       {"event"},
       {"event"},
       "Shows an attendee.",
       "Needs an organiser token.",
       AttendeesGet},
      {{"attendees", "list"},
       "",
       0,
       0,
       Concat(std::vector<std::string>{"event"}, kPagingFlags),
       {"event"},
       "Lists an event's attendees.",
       "Needs an organiser token.",
       AttendeesList},
      {{"attendees", "update"},
       "ATTENDEE_ID",
       1,
       1,
       Concat(std::vector<std::string>{"event"}, FlagNames(kOrganizerAttendeeFlags),
              FlagNames(kSelfAttendeeFlags)),
       {"event"},
       "Changes an attendee.",
       "Needs an organiser token. Only the fields given are changed; an empty list value clears\n"
       "the list; --budget default restores the event's default.",
       AttendeesUpdate},
      {{"attendees", "remove"},
       "ATTENDEE_ID",
       1,
       1,
       {"event"},
       {"event"},
       "Removes an attendee.",
       "Needs an organiser token. Also revokes the attendee's tokens.",
       AttendeesRemove},
      {{"attendees", "token"},
       "ATTENDEE_ID",
       1,
       1,
       {"event", "label"},
       {"event"},
       "Issues an attendee token.",
       "Needs an organiser token. The secret is shown once: put it in the attendee's invitation.",
       AttendeesToken},
      {{"attendees", "tokens"},
       "",
       0,
       0,
       {"event", "out", "label", "only-new"},
       {"event", "out"},
       "Issues tokens for every attendee into a CSV file.",
       "Needs an organiser token. For invitation mail-merges: writes attendee_id, external_id,\n"
       "name, email and token of every attendee of the event to --out, a new file (mode 0600:\n"
       "the secrets are shown nowhere else). --only-new skips attendees who already hold a\n"
       "token (e.g. after importing late registrants). 1,000 attendees per call.",
       AttendeesTokens},
      {{"known-pairs", "import"},
       "FILE.tsv",
       1,
       1,
       {"event"},
       {"event"},
       "Imports pairs of attendees who already know each other.",
       "Needs an organiser token. One pair per line: two external ids separated by a tab or\n"
       "a comma, in either order (co-authors, colleagues). Such pairs are never proposed,\n"
       "however many each person has. Import the attendees first. Importing a file again\n"
       "changes nothing. The file is read as it is sent. Exit 0 if every pair was accepted,\n"
       "2 if some were rejected (unknown external id), 1 on failure. The deadline of the\n"
       "whole import is --timeout if given, else 10 minutes.",
       KnownPairsImport},
      {{"run"},
       "",
       0,
       0,
       {"event", "seed", "progress"},
       {"event"},
       "Runs matching for an event and shows its progress.",
       "Needs an organiser token. The event must be OPEN or SCHEDULED, with slots and locations.\n"
       "Confirmed meetings and declined pairs are kept; open proposals are re-planned. On a\n"
       "terminal a progress bar shows the phases (loading, candidates, scheduling, writing),\n"
       "otherwise one line per phase; then the quality report. Exit 1 if the run FAILED. The\n"
       "deadline is --timeout if given, else 10 minutes (the run finishes on the server anyway).",
       Run},
      {{"report"},
       "",
       0,
       0,
       Concat(std::vector<std::string>{"event"}, kPagingFlags),
       {"event"},
       "Shows the latest run's quality and why attendees got nothing.",
       "Needs an organiser token. Quality is weight / upper bound (LP relaxation). The \"why\n"
       "nothing?\" list pages like a list command (--all for every attendee).",
       Report},
      {{"meetings", "list"},
       "",
       0,
       0,
       Concat(std::vector<std::string>{"event", "state", "attendee", "slot"}, kPagingFlags),
       {"event"},
       "Lists an event's meetings.",
       "Needs an organiser token. Filters combine: --state confirmed --slot s2.",
       MeetingsList},
      {{"meetings", "export"},
       "",
       0,
       0,
       {"event", "out"},
       {"event"},
       "Exports every meeting as CSV.",
       "Needs an organiser token. The CSV (header row first) goes to standard output or --out\n"
       "FILE (written whole or not at all).",
       MeetingsExport},
      {{"publish"},
       "",
       0,
       0,
       {"event"},
       {"event"},
       "Publishes the schedule (status SCHEDULED).",
       "Needs an organiser token and a finished run.",
       Publish},
      {{"calendar"},
       "",
       0,
       0,
       {"event", "attendee", "out"},
       {},
       "Prints an iCalendar (.ics) of meetings.",
       "With an attendee token and no flags: my calendar. With an organiser token:\n"
       "--event ID --attendee ID for that attendee's. --out FILE writes it to a file.",
       Calendar},
      {{"suggestions"},
       "",
       0,
       0,
       {},
       {},
       "Shows my open proposals: who, when, where, why.",
       "Needs an attendee token.",
       Suggestions},
      {{"respond"},
       "MEETING_ID accept|decline",
       2,
       2,
       {},
       {},
       "Accepts or declines a proposal.",
       "Needs an attendee token. A meeting is confirmed once both accept. A decline is private:\n"
       "the other person only sees the proposal replaced.",
       Respond},
      {{"agenda"},
       "",
       0,
       0,
       {},
       {},
       "Shows my confirmed meetings and open proposals.",
       "Needs an attendee token.",
       Agenda},
      {{"agenda", "watch"},
       "",
       0,
       0,
       {"count"},
       {},
       "Prints my agenda now and after every change.",
       "Needs an attendee token. Runs until interrupted, --count N updates (the first is the\n"
       "agenda now), or --timeout. With --json, one JSON object per line.",
       AgendaWatch},
      {{"more"},
       "",
       0,
       0,
       {"count"},
       {},
       "Asks for more proposals, up to my budget.",
       "Needs an attendee token. --count N asks for up to N more (default: up to the budget).",
       More},
      {{"cancel"},
       "MEETING_ID",
       1,
       1,
       {},
       {},
       "Cancels a meeting (or withdraws my acceptance).",
       "Needs an attendee token. The other person gets a replacement where one is feasible.",
       Cancel},
      {{"feedback"},
       "MEETING_ID happened|no-show",
       2,
       2,
       {"rating", "follow-up"},
       {},
       "Records my feedback on a meeting after its slot.",
       "Needs an attendee token. --rating 1-5 (required when it happened), --follow-up if I\n"
       "would like to meet them again. Private: the other person never sees it.",
       FeedbackGive},
      {{"feedback", "list"},
       "",
       0,
       0,
       {},
       {},
       "Lists the feedback I gave.",
       "Needs an attendee token.",
       FeedbackList},
      {{"introduce"},
       "ATTENDEE_ID ATTENDEE_ID",
       2,
       2,
       {"note", "request"},
       {"note"},
       "Introduces two people I met to each other.",
       "Needs an attendee token. Both are asked; once both accept they get a proposal in the\n"
       "next slot both have free. --request ID answers a request for introductions.",
       Introduce},
      {{"introductions"},
       "",
       0,
       0,
       {},
       {},
       "Lists introductions I made and introductions made to me.",
       "Needs an attendee token. A decline is never shown to anybody else.",
       Introductions},
      {{"introductions", "respond"},
       "INTRODUCTION_ID accept|decline",
       2,
       2,
       {},
       {},
       "Accepts or declines an introduction made to me.",
       "Needs an attendee token.",
       IntroductionRespond},
      {{"introductions", "ask"},
       "ATTENDEE_ID",
       1,
       1,
       {"note"},
       {},
       "Asks someone I met to introduce me to people they know.",
       "Needs an attendee token.",
       IntroductionAsk},
      {{"introductions", "requests"},
       "",
       0,
       0,
       {},
       {},
       "Lists requests for introductions, sent and received.",
       "Needs an attendee token.",
       IntroductionRequests},
      {{"who-else"},
       "",
       0,
       0,
       {"max"},
       {},
       "Suggests people to meet, reached through people I rated highly.",
       "Needs an attendee token.",
       WhoElse},
      {{"wishes"},
       "",
       0,
       0,
       {},
       {},
       "Lists the people I wish to meet.",
       "Needs an attendee token. A wish is never shown to its target; a mutual one shows as a\n"
       "reason on your proposal.",
       Wishes},
      {{"wishes", "add"},
       "ATTENDEE_ID",
       1,
       1,
       {},
       {},
       "Adds a wish (at most 10).",
       "Needs an attendee token. Only people you were shown (suggestions, meetings,\n"
       "introductions, who-else). A wish raises the pair's weight in matching.",
       Wishes},
      {{"wishes", "remove"},
       "ATTENDEE_ID",
       1,
       1,
       {},
       {},
       "Removes a wish.",
       "Needs an attendee token.",
       Wishes},
      {{"analytics"},
       "",
       0,
       0,
       {"event"},
       {},
       "Shows acceptance, held and follow-up rates, ratings and introductions.",
       "Needs an organiser token. --event ID for one event; without it every event of the\n"
       "community and the total.",
       Analytics},
      {{"me"}, "", 0, 0, {}, {}, "Shows my profile and event.", "Needs an attendee token.", Me},
      {{"me", "update"},
       "",
       0,
       0,
       FlagNames(kSelfAttendeeFlags),
       {},
       "Changes my profile.",
       "Needs an attendee token. Only the fields given are changed, e.g.\n"
       "parley me update --interests \"books:3;bicycles\" --budget 2 --availability \"s1;s2\"",
       MeUpdate},
      {{"health"},
       "",
       0,
       0,
       {"service"},
       {},
       "Checks that the server is serving.",
       "No token needed. Exit 0 if SERVING, 1 otherwise.",
       Health},
  };
  return *commands;
}

// The command whose path is the longest prefix of `positional`, or null.
const Command* FindCommand(const std::vector<std::string>& positional) {
  const Command* best = nullptr;
  for (const Command& command : Commands()) {
    if (command.path.size() > positional.size()) continue;
    if (!std::equal(command.path.begin(), command.path.end(), positional.begin())) continue;
    if (best == nullptr || command.path.size() > best->path.size()) best = &command;
  }
  return best;
}

// Commands under `prefix` ("events"), for a partial command.
std::vector<const Command*> CommandsUnder(const std::vector<std::string>& prefix) {
  std::vector<const Command*> found;
  for (const Command& command : Commands()) {
    if (command.path.size() > prefix.size() &&
        std::equal(prefix.begin(), prefix.end(), command.path.begin())) {
      found.push_back(&command);
    }
  }
  return found;
}

}  // namespace

std::string CliUsage() {
  std::string text =
      "usage: parley [global flags] COMMAND [flags] [args]\n"
      "\n"
      "The command-line client of parleyd. `parley help COMMAND` or `parley COMMAND --help`\n"
      "shows a command's flags.\n"
      "\n"
      "commands:\n";
  for (const Command& command : Commands()) {
    const std::string synopsis = CommandSynopsis(command).substr(7);  // without "parley "
    absl::StrAppend(&text, "  ", synopsis,
                    std::string(synopsis.size() < 47 ? 47 - synopsis.size() : 1, ' '),
                    command.summary, "\n");
  }
  absl::StrAppend(&text, "  help [COMMAND]", std::string(33, ' '), "This text, or a command's.\n",
                  "\nglobal flags:\n");
  for (const std::string& flag : GlobalFlags()) {
    const std::string usage = FlagUsage(flag);
    absl::StrAppend(&text, "  ", usage, std::string(usage.size() < 30 ? 30 - usage.size() : 1, ' '),
                    Flags().at(flag).help, "\n");
  }
  absl::StrAppend(&text,
                  "\nenvironment: PARLEY_SERVER, PARLEY_TOKEN (flags win).\n"
                  "exit codes: 0 ok, 1 failure, 2 import with rejected rows, 64 usage error.\n");
  return text;
}

namespace {

int RunCommandLine(const std::vector<std::string>& args, const EnvLookup& env, std::ostream& out,
                   std::ostream& err, bool tty) {
  absl::StatusOr<ParsedArgs> parsed = ParseArgs(args, BooleanFlags());
  if (!parsed.ok()) {
    err << "parley: " << parsed.status().message() << "\n\n" << CliUsage();
    return kExitUsage;
  }
  std::vector<std::string> positional = parsed->positional;
  const bool help_command = !positional.empty() && positional[0] == "help";
  if (help_command) positional.erase(positional.begin());
  if (positional.empty()) {
    if (help_command || parsed->Has("help")) {
      out << CliUsage();
      return kExitOk;
    }
    err << CliUsage();
    return kExitUsage;
  }
  const Command* command = FindCommand(positional);
  if (command == nullptr) {
    std::vector<const Command*> under = CommandsUnder(positional);
    if (under.empty()) {
      err << "parley: unknown command \"" << absl::StrJoin(positional, " ") << "\"\n\n"
          << CliUsage();
      return kExitUsage;
    }
    std::ostream& stream = help_command ? out : err;
    if (!help_command)
      stream << "parley: \"" << absl::StrJoin(positional, " ") << "\" needs a subcommand\n\n";
    stream << "commands:\n";
    for (const Command* sub : under) stream << "  " << CommandSynopsis(*sub) << "\n";
    return help_command ? kExitOk : kExitUsage;
  }
  if (help_command || parsed->Has("help")) {
    out << CommandHelp(*command);
    return kExitOk;
  }
  Context ctx{*command, *parsed, {}, env, out, err, false, nullptr, tty};
  ctx.operands.assign(positional.begin() + command->path.size(), positional.end());
  for (const auto& [name, value] : parsed->flags) {
    const bool known = std::count(GlobalFlags().begin(), GlobalFlags().end(), name) > 0 ||
                       std::count(command->flags.begin(), command->flags.end(), name) > 0;
    if (!known) {
      return UsageError(
          ctx, absl::StrCat("unknown flag --", name, " for \"", CommandName(*command), "\""));
    }
  }
  if (ctx.operands.size() < command->min_operands) {
    return UsageError(ctx, absl::StrCat("missing ", command->operands));
  }
  if (ctx.operands.size() > command->max_operands) {
    return UsageError(
        ctx, absl::StrCat("unexpected argument \"", ctx.operands[command->max_operands], "\""));
  }
  for (const std::string& flag : command->required_flags) {
    if (!parsed->Has(flag) && !(flag == "name" && parsed->Has("from-json"))) {
      return UsageError(ctx, absl::StrCat("--", flag, " is required"));
    }
  }
  absl::StatusOr<bool> json = ParseBool(parsed->Get("json", "false"));
  if (!json.ok()) return UsageError(ctx, absl::StrCat("--json: ", json.status().message()));
  ctx.json = *json;
  return command->run(ctx);
}

}  // namespace

int RunCli(const std::vector<std::string>& args, const EnvLookup& env, std::ostream& out,
           std::ostream& err) {
  return RunCommandLine(args, env, out, err, /*tty=*/false);
}

int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return RunCommandLine(
      args,
      [](const std::string& name) -> std::string {
        const char* value = std::getenv(name.c_str());
        return value == nullptr ? "" : value;
      },
      out, err, &out == &std::cout && isatty(STDOUT_FILENO) == 1);
}

}  // namespace parley::client
