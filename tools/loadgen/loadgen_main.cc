// parley-loadgen: measures read RPCs of a running parleyd against its health check.
//
//   parley-loadgen --setup 20000 --admin-token-file var/admin.token --tokens-file tokens.txt
//       creates a community and an OPEN event with N generated attendees (tools/match/synth.h),
//       runs matching, and writes one attendee token per line to the tokens file.
//   parley-loadgen --rpc agenda --seconds 10 --concurrency 32 --tokens-file tokens.txt --json
//       prints {"rpc","seconds","concurrency","requests","qps","p50_us","p99_us","errors"}.
//   --rpc health,agenda,suggestions [--rounds R] measures each in turn (R times, interleaved)
//       in one process against one server, one line each, then a line with the QPS ratios.
//   --scenario live --watchers W --seconds S --tokens-file F --json: the live event
//       (live_scenario.h): W attendees watch their agendas while others read and some accept,
//       decline and edit profiles; prints each read RPC, each change kind's "committed -> shown on
//       the stream" percentiles, and errors.
//   --flood-reports N --organizer-token-file F --event-id E: during each measurement, N more
//       callers call GetQualityReport of event E with the organiser's token (written by --setup
//       with --organizer-token-file); one more line per measurement reports the flood.
//
// Only loopback targets are accepted: this is a benchmark, not a load test of other machines.

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "clients/client.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "tools/loadgen/live_scenario.h"
#include "tools/loadgen/load_driver.h"
#include "tools/match/synth.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "parleyd address (loopback only).");
ABSL_FLAG(std::string, rpc, "health",
          "agenda, suggestions or health; or a comma-separated list measured in turn.");
ABSL_FLAG(double, seconds, 10, "Measured seconds per RPC (after the warm-up).");
ABSL_FLAG(double, warmup_seconds, 1, "Unmeasured seconds before each measurement.");
ABSL_FLAG(int, concurrency, 32, "Calls in flight.");
ABSL_FLAG(int, channels, 2, "Connections the calls are spread over.");
ABSL_FLAG(int, rounds, 0,
          "Interleaved rounds. With a list of RPCs: the whole list is measured this many times "
          "(default 1). With --scenario live: health, agenda and suggestions take turns this many "
          "times in the read load (default 5).");
ABSL_FLAG(bool, json, false, "Print one JSON object per measurement.");
ABSL_FLAG(bool, parse, false,
          "Parse responses into their messages (generated stubs). Default: every RPC is called "
          "through the generic stub and its response kept as bytes, so that the client's cost "
          "per call does not depend on the response's schema.");
ABSL_FLAG(std::string, tokens_file, "", "Attendee tokens, one per line.");
ABSL_FLAG(int, setup, 0, "Create an event with this many attendees and write the tokens file.");
ABSL_FLAG(std::string, admin_token_file, "", "--setup: the operator token file.");
ABSL_FLAG(uint64_t, seed, 1, "--setup: generator seed.");
ABSL_FLAG(int, slots, 6, "--setup: slots of the event.");
ABSL_FLAG(std::string, organizer_token_file, "",
          "--setup writes the organiser's token here; --flood-reports reads it.");
ABSL_FLAG(int, flood_reports, 0,
          "Callers flooding GetQualityReport (organiser token) during each measurement.");
ABSL_FLAG(uint64_t, event_id, 0, "--flood-reports: the event of the reports.");
ABSL_FLAG(std::string, scenario, "",
          "live: watchers, readers and changes at once (see live_scenario.h); --seconds is the "
          "whole measured time.");
ABSL_FLAG(int, watchers, 1000, "--scenario live: WatchMyAgenda streams, one token each.");
ABSL_FLAG(int, streams_per_channel, 900, "--scenario live: watch streams per connection.");
ABSL_FLAG(double, changes_per_second, 20,
          "--scenario live: accepts, declines and profile edits per second, all together.");
ABSL_FLAG(double, decline_share, 0.4, "--scenario live: share of the changes that decline.");
ABSL_FLAG(double, edit_share, 0.3, "--scenario live: share of the changes that edit profiles.");
ABSL_FLAG(int, actors, 8, "--scenario live: threads making changes.");
ABSL_FLAG(double, change_timeout_seconds, 5,
          "--scenario live: a change not shown on its stream by then counts as a timeout.");

namespace {

using parley::client::Client;

[[noreturn]] void Die(const std::string& message) {
  std::cerr << "parley-loadgen: " << message << "\n";
  std::exit(1);
}

template <typename T>
T OrDie(absl::StatusOr<T> value, absl::string_view what) {
  if (!value.ok()) Die(absl::StrCat(what, ": ", value.status().ToString()));
  return *std::move(value);
}

// 127.0.0.1:P, localhost:P, [::1]:P (with or without ipv4:/ipv6:/dns:/// prefixes).
bool IsLoopback(std::string target) {
  for (absl::string_view prefix : {"dns:///", "ipv4:", "ipv6:"}) {
    if (absl::StartsWith(target, prefix)) target = target.substr(prefix.size());
  }
  return absl::StartsWith(target, "127.0.0.1:") || absl::StartsWith(target, "localhost:") ||
         absl::StartsWith(target, "[::1]:");
}

std::unique_ptr<Client> Connect(const std::string& token, absl::Duration deadline) {
  parley::client::ClientOptions options;
  options.target = absl::GetFlag(FLAGS_target);
  options.token = token;
  options.deadline = deadline;
  return OrDie(Client::Connect(options), "connect");
}

std::string ReadTrimmed(const std::string& path) {
  return std::string(absl::StripAsciiWhitespace(
      OrDie(parley::client::ReadFileToString(path), absl::StrCat("read ", path))));
}

// --setup: community, organiser token, event, attendees, a run, and one token per attendee.
int Setup(int attendees) {
  const std::string admin_file = absl::GetFlag(FLAGS_admin_token_file);
  const std::string tokens_file = absl::GetFlag(FLAGS_tokens_file);
  if (admin_file.empty() || tokens_file.empty()) {
    Die("--setup needs --admin-token-file and --tokens-file");
  }
  const absl::Time start = absl::Now();
  auto admin = Connect(ReadTrimmed(admin_file), absl::Seconds(60));
  parley::v1::CreateCommunityRequest community_request;
  community_request.set_name(absl::StrCat("loadgen ", attendees));
  const parley::v1::Community community =
      OrDie(admin->CreateCommunity(community_request), "create community");
  parley::v1::IssueOrganizerTokenRequest organiser_request;
  organiser_request.set_community_id(community.id());
  organiser_request.set_label("parley-loadgen");
  const parley::v1::IssuedToken organiser =
      OrDie(admin->IssueOrganizerToken(organiser_request), "issue organiser token");
  auto org = Connect(organiser.token(), absl::Minutes(15));
  if (!absl::GetFlag(FLAGS_organizer_token_file).empty()) {
    std::ofstream out(absl::GetFlag(FLAGS_organizer_token_file), std::ios::trunc);
    out << organiser.token() << "\n";
    out.close();
    if (!out) Die("cannot write --organizer-token-file");
    chmod(absl::GetFlag(FLAGS_organizer_token_file).c_str(), 0600);
  }

  const int slots = absl::GetFlag(FLAGS_slots);
  parley::v1::CreateEventRequest event_request;
  parley::v1::Event* event = event_request.mutable_event();
  event->set_name(absl::StrCat("Load test, ", attendees, " attendees"));
  event->set_time_zone("UTC");
  const int64_t day = absl::ToUnixSeconds(absl::Now()) / 86400 + 1;
  for (int i = 0; i < slots; ++i) {
    parley::v1::Slot* slot = event->add_slots();
    slot->set_id(absl::StrCat("s", i + 1));
    slot->set_start_time(day * 86400 + 9 * 3600 + i * 3600);
    slot->set_end_time(slot->start_time() + 30 * 60);
  }
  // Room for everyone in every slot: at most attendees / 2 meetings at once.
  int tables_needed = attendees / 2 + 1;
  for (int i = 0; tables_needed > 0; ++i) {
    parley::v1::Location* location = event->add_locations();
    location->set_id(absl::StrCat("hall", i + 1));
    location->set_tables(static_cast<uint32_t>(std::min(tables_needed, 10000)));
    tables_needed -= 10000;
  }
  const parley::v1::Event created = OrDie(org->CreateEvent(event_request), "create event");

  parley::synth::SynthOptions synth;
  synth.attendees = attendees;
  synth.slots = slots;
  synth.seed = absl::GetFlag(FLAGS_seed);
  std::ostringstream csv;
  parley::synth::WriteCsv(parley::synth::GenerateEvent(synth), csv);
  // Uploaded as an organiser's export is (the server reads it): the product path.
  const parley::v1::ImportAttendeesCsvResponse imported =
      OrDie(org->ImportAttendeesCsv(created.id(), csv.str(), {}, absl::Minutes(30)), "import");
  for (const parley::v1::ImportRowResult& result : imported.results()) {
    if (result.outcome() == parley::v1::ImportRowResult::REJECTED) {
      Die(absl::StrCat("the server rejected ", imported.rejected(), " generated rows, e.g. ",
                       result.error()));
    }
  }
  std::cerr << "setup: event " << created.id() << ", " << imported.created() << " attendees in "
            << absl::FormatDuration(absl::Now() - start) << "\n";

  parley::v1::SetEventStatusRequest open;
  open.set_event_id(created.id());
  open.set_status(parley::v1::OPEN);
  OrDie(org->SetEventStatus(open), "open event");
  parley::v1::StartMatchingRunRequest run_request;
  run_request.set_event_id(created.id());
  run_request.set_seed(absl::GetFlag(FLAGS_seed));
  // Each phase with the time since the run started, as the client sees it: the product path's
  // candidates and schedule times (parleyd's run, not the engine alone).
  const absl::Time run_start = absl::Now();
  const parley::v1::MatchingRun run = OrDie(
      org->StartMatchingRun(run_request,
                            [run_start](const parley::v1::MatchingRun& progress) {
                              std::cerr << "setup: run " << progress.id() << " "
                                        << parley::v1::MatchingRun::Phase_Name(progress.phase())
                                        << " at +"
                                        << absl::FormatDuration(absl::Trunc(absl::Now() - run_start,
                                                                            absl::Milliseconds(1)))
                                        << "\n";
                              return true;
                            }),
      "matching run");
  if (run.phase() != parley::v1::MatchingRun::DONE) Die("matching run: " + run.error());
  std::cerr << "setup: " << run.meetings_proposed() << " proposals, quality "
            << run.report().quality() << "\n";

  std::vector<uint64_t> ids;
  for (const parley::v1::ImportRowResult& result : imported.results()) {
    ids.push_back(result.attendee_id());
  }
  // 1,000 per call (IssueAttendeeTokens: one durable write per call).
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (size_t first = 0; first < ids.size(); first += 1000) {
    parley::v1::IssueAttendeeTokensRequest request;
    request.set_event_id(created.id());
    request.set_label("parley-loadgen");
    for (size_t i = first; i < std::min(ids.size(), first + 1000); ++i) {
      request.add_attendee_ids(ids[i]);
    }
    parley::v1::IssueAttendeeTokensResponse issued =
        OrDie(org->IssueAttendeeTokens(request), "issue attendee tokens");
    for (const parley::v1::IssuedAttendeeToken& t : issued.tokens()) tokens.push_back(t.token());
  }
  {
    std::ofstream out(tokens_file, std::ios::trunc);
    for (const std::string& token : tokens) out << token << "\n";
    out.close();
    if (!out) Die(absl::StrCat("cannot write ", tokens_file));
  }
  chmod(tokens_file.c_str(), 0600);
  std::cerr << "setup: " << tokens.size() << " attendee tokens in " << tokens_file << " after "
            << absl::FormatDuration(absl::Now() - start) << "\n";
  std::cout << "{\"setup\":" << attendees << ",\"event_id\":" << created.id()
            << ",\"run_id\":" << run.id() << ",\"proposals\":" << run.meetings_proposed() << "}\n";
  return 0;
}

// Abseil flags use '_': accept --tokens-file as --tokens_file.
std::vector<char*> UnderscoreFlagNames(int argc, char** argv, std::vector<std::string>* storage) {
  storage->assign(argv, argv + argc);
  for (std::string& arg : *storage) {
    if (!absl::StartsWith(arg, "--")) continue;
    const size_t end = std::min(arg.find('='), arg.size());
    std::replace(arg.begin() + 2, arg.begin() + static_cast<std::ptrdiff_t>(end), '-', '_');
  }
  std::vector<char*> args;
  for (std::string& arg : *storage) args.push_back(arg.data());
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "parley-loadgen --target 127.0.0.1:PORT --rpc agenda|suggestions|health[,...] --seconds S "
      "--concurrency C [--json] [--tokens-file F]\n"
      "parley-loadgen --setup N --admin-token-file F --tokens-file F");
  std::vector<std::string> storage;
  std::vector<char*> args = UnderscoreFlagNames(argc, argv, &storage);
  absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  if (!IsLoopback(absl::GetFlag(FLAGS_target))) {
    Die(absl::StrCat("--target ", absl::GetFlag(FLAGS_target),
                     ": only loopback addresses (127.0.0.1, localhost, [::1])"));
  }
  if (absl::GetFlag(FLAGS_setup) > 0) return Setup(absl::GetFlag(FLAGS_setup));

  std::vector<parley::loadgen::Rpc> rpcs;
  for (absl::string_view name : absl::StrSplit(absl::GetFlag(FLAGS_rpc), ',')) {
    rpcs.push_back(OrDie(parley::loadgen::ParseRpc(std::string(name)), "--rpc"));
  }
  parley::loadgen::LoadOptions options;
  options.concurrency = absl::GetFlag(FLAGS_concurrency);
  options.parse = absl::GetFlag(FLAGS_parse);
  options.duration = absl::Seconds(absl::GetFlag(FLAGS_seconds));
  options.warmup = absl::Seconds(absl::GetFlag(FLAGS_warmup_seconds));
  if (options.duration <= absl::ZeroDuration()) Die("--seconds: must be positive");
  if (!absl::GetFlag(FLAGS_tokens_file).empty()) {
    for (absl::string_view line :
         absl::StrSplit(OrDie(parley::client::ReadFileToString(absl::GetFlag(FLAGS_tokens_file)),
                              "--tokens-file"),
                        '\n')) {
      line = absl::StripAsciiWhitespace(line);
      if (!line.empty()) options.tokens.emplace_back(line);
    }
  }

  if (absl::GetFlag(FLAGS_scenario) == "live") {
    parley::loadgen::LiveOptions live;
    live.tokens = options.tokens;
    live.watchers = absl::GetFlag(FLAGS_watchers);
    live.streams_per_channel = absl::GetFlag(FLAGS_streams_per_channel);
    live.duration = options.duration;
    live.changes_per_second = absl::GetFlag(FLAGS_changes_per_second);
    live.decline_share = absl::GetFlag(FLAGS_decline_share);
    live.edit_share = absl::GetFlag(FLAGS_edit_share);
    live.actors = absl::GetFlag(FLAGS_actors);
    live.read_concurrency = options.concurrency;
    if (absl::GetFlag(FLAGS_rounds) > 0) live.read_rounds = absl::GetFlag(FLAGS_rounds);
    live.read_channels = absl::GetFlag(FLAGS_channels);
    live.change_timeout = absl::Seconds(absl::GetFlag(FLAGS_change_timeout_seconds));
    live.seed = absl::GetFlag(FLAGS_seed);
    for (const std::string& line :
         OrDie(parley::loadgen::RunLiveScenario(absl::GetFlag(FLAGS_target), live), "live")) {
      std::cout << line << std::endl;
    }
    return 0;
  }
  if (!absl::GetFlag(FLAGS_scenario).empty()) {
    Die(absl::StrCat("--scenario ", absl::GetFlag(FLAGS_scenario), ": expected live"));
  }

  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < std::max(1, absl::GetFlag(FLAGS_channels)); ++i) {
    grpc::ChannelArguments channel_args;
    // A connection per channel rather than one shared subchannel.
    channel_args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    channel_args.SetInt("parley.loadgen.channel", i);
    channels.push_back(grpc::CreateCustomChannel(absl::GetFlag(FLAGS_target),
                                                 grpc::InsecureChannelCredentials(), channel_args));
  }

  // The flood runs on its own connection, over each measurement's warm-up and window.
  const int flood = absl::GetFlag(FLAGS_flood_reports);
  parley::loadgen::LoadOptions flood_options;
  std::vector<std::shared_ptr<grpc::Channel>> flood_channels;
  if (flood > 0) {
    if (absl::GetFlag(FLAGS_organizer_token_file).empty() || absl::GetFlag(FLAGS_event_id) == 0) {
      Die("--flood-reports needs --organizer-token-file and --event-id");
    }
    flood_options.rpc = parley::loadgen::Rpc::kReport;
    flood_options.concurrency = flood;
    flood_options.event_id = absl::GetFlag(FLAGS_event_id);
    flood_options.tokens = {ReadTrimmed(absl::GetFlag(FLAGS_organizer_token_file))};
    flood_options.warmup = absl::ZeroDuration();
    flood_options.duration = options.warmup + options.duration;
    flood_options.call_deadline = absl::Seconds(60);
    grpc::ChannelArguments channel_args;
    channel_args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    channel_args.SetInt("parley.loadgen.flood", 1);
    flood_channels.push_back(grpc::CreateCustomChannel(
        absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials(), channel_args));
  }

  std::map<parley::loadgen::Rpc, std::pair<uint64_t, double>> totals;  // requests, seconds
  const bool json = absl::GetFlag(FLAGS_json);
  const int rounds = rpcs.size() > 1 ? std::max(1, absl::GetFlag(FLAGS_rounds)) : 1;
  for (int round = 0; round < rounds; ++round) {
    for (parley::loadgen::Rpc rpc : rpcs) {
      options.rpc = rpc;
      absl::StatusOr<parley::loadgen::LoadResult> flood_result;
      std::thread flooding;
      if (flood > 0) {
        flooding = std::thread(
            [&] { flood_result = parley::loadgen::RunLoad(flood_channels, flood_options); });
      }
      const parley::loadgen::LoadResult result =
          OrDie(parley::loadgen::RunLoad(channels, options), "load");
      if (flooding.joinable()) {
        flooding.join();
        const parley::loadgen::LoadResult flooded = OrDie(flood_result, "flood");
        std::cout << (json ? parley::loadgen::ResultJson(flooded)
                           : absl::StrFormat("flood: %d reports = %.1f/s, p50 %d us, %d errors "
                                             "(first: %s)",
                                             flooded.requests, flooded.qps, flooded.p50_us,
                                             flooded.errors, flooded.first_error))
                  << std::endl;
        if (json && flooded.errors != 0) {
          std::cerr << "parley-loadgen: flood: " << flooded.errors
                    << " errors, first: " << flooded.first_error << "\n";
        }
      }
      if (json) {
        std::cout << parley::loadgen::ResultJson(result) << std::endl;
      } else {
        std::cout << absl::StrFormat(
                         "%-12s %8d requests in %gs = %9.1f qps  p50 %6d us  p99 %6d us  %d errors",
                         parley::loadgen::RpcName(rpc), result.requests, result.seconds, result.qps,
                         result.p50_us, result.p99_us, result.errors)
                  << std::endl;
      }
      if (result.errors != 0) {
        std::cerr << "parley-loadgen: " << parley::loadgen::RpcName(rpc) << ": " << result.errors
                  << " errors, first: " << result.first_error << "\n";
      }
      totals[rpc].first += result.requests;
      totals[rpc].second += result.seconds;
    }
  }
  auto qps = [&](parley::loadgen::Rpc rpc) {
    return totals[rpc].second > 0 ? totals[rpc].first / totals[rpc].second : 0.0;
  };
  if (totals.count(parley::loadgen::Rpc::kHealth) && totals.size() > 1) {
    const double health = qps(parley::loadgen::Rpc::kHealth);
    std::string line =
        absl::StrFormat("{\"summary\":true,\"rounds\":%d,\"health_qps\":%.1f", rounds, health);
    for (parley::loadgen::Rpc rpc :
         {parley::loadgen::Rpc::kAgenda, parley::loadgen::Rpc::kSuggestions}) {
      if (!totals.count(rpc)) continue;
      absl::StrAppendFormat(&line, ",\"%s_qps\":%.1f,\"%s_vs_health\":%.3f",
                            parley::loadgen::RpcName(rpc), qps(rpc), parley::loadgen::RpcName(rpc),
                            health > 0 ? qps(rpc) / health : 0.0);
    }
    std::cout << line << "}" << std::endl;
  }
  return 0;
}
