// parley-demo: fills a running parleyd with a demo community, an event and generated attendees
// (through the public API, exactly as an organiser would), runs matching so that attendees
// have proposals at once, then writes the tokens to an env file. tools/run calls it on first
// start.

#include <sys/stat.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clients/client.h"
#include "tools/match/synth.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "parleyd address.");
ABSL_FLAG(std::string, admin_token_file, "var/admin.token", "The operator token file.");
ABSL_FLAG(int, attendees, 240, "Generated attendees (>= 2).");
ABSL_FLAG(int, slots, 6, "Slots of the demo event.");
ABSL_FLAG(uint64_t, seed, 7, "Generator seed.");
ABSL_FLAG(std::string, csv_out, "var/demo-attendees.csv", "Where to keep the generated CSV.");
ABSL_FLAG(std::string, env_out, "var/demo.env", "Where to write the tokens (mode 0600).");

namespace {

using parley::client::Client;
using parley::client::ClientOptions;

template <typename T>
T OrDie(absl::StatusOr<T> value, absl::string_view what) {
  if (!value.ok()) {
    std::cerr << "parley-demo: " << what << ": " << value.status() << "\n";
    std::exit(1);
  }
  return *std::move(value);
}

std::unique_ptr<Client> Connect(const std::string& token) {
  ClientOptions options;
  options.target = absl::GetFlag(FLAGS_server);
  options.token = token;
  options.deadline = absl::Seconds(120);
  return OrDie(Client::Connect(options), "connect");
}

parley::v1::Event DemoEvent(int slots) {
  parley::v1::Event event;
  event.set_name("Parley Demo Conference");
  event.set_time_zone("UTC");
  // Tomorrow from 10:00 UTC: 30-minute meetings with 10-minute breaks.
  const int64_t day = absl::ToUnixSeconds(absl::Now()) / 86400 + 1;
  for (int i = 0; i < slots; ++i) {
    parley::v1::Slot* slot = event.add_slots();
    slot->set_id(absl::StrCat("s", i + 1));
    const int64_t start = day * 86400 + 10 * 3600 + i * 40 * 60;
    slot->set_start_time(start);
    slot->set_end_time(start + 30 * 60);
    slot->set_name(absl::StrCat("Meeting round ", i + 1));
  }
  auto add_location = [&](const char* id, const char* name, int tables, bool quiet) {
    parley::v1::Location* location = event.add_locations();
    location->set_id(id);
    location->set_name(name);
    location->set_tables(tables);
    location->set_quiet(quiet);
  };
  add_location("hall", "Main hall", 60, false);
  add_location("library", "Library (quiet)", 20, true);
  add_location("garden", "Garden benches", 40, false);
  return event;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("parley-demo: create the demo community, event and attendees.");
  absl::ParseCommandLine(argc, argv);
  std::ifstream token_file(absl::GetFlag(FLAGS_admin_token_file));
  std::stringstream admin_token;
  admin_token << token_file.rdbuf();
  if (!token_file) {
    std::cerr << "parley-demo: cannot read " << absl::GetFlag(FLAGS_admin_token_file) << "\n";
    return 1;
  }
  auto admin = Connect(std::string(absl::StripAsciiWhitespace(admin_token.str())));

  parley::v1::CreateCommunityRequest community_request;
  community_request.set_name("Parley demo community");
  parley::v1::Community community =
      OrDie(admin->CreateCommunity(community_request), "create community");
  parley::v1::IssueOrganizerTokenRequest organizer_request;
  organizer_request.set_community_id(community.id());
  organizer_request.set_label("demo organiser");
  parley::v1::IssuedToken organizer =
      OrDie(admin->IssueOrganizerToken(organizer_request), "issue organiser token");

  auto org = Connect(organizer.token());
  parley::v1::CreateEventRequest event_request;
  *event_request.mutable_event() = DemoEvent(absl::GetFlag(FLAGS_slots));
  parley::v1::Event event = OrDie(org->CreateEvent(event_request), "create event");

  parley::synth::SynthOptions synth;
  synth.attendees = absl::GetFlag(FLAGS_attendees);
  synth.slots = absl::GetFlag(FLAGS_slots);
  synth.seed = absl::GetFlag(FLAGS_seed);
  std::ostringstream csv;
  parley::synth::WriteCsv(parley::synth::GenerateEvent(synth), csv);
  std::ofstream(absl::GetFlag(FLAGS_csv_out)) << csv.str();
  parley::v1::ImportAttendeesCsvResponse imported = OrDie(
      org->ImportAttendeesCsv(event.id(), csv.str(), {}, absl::Minutes(10)), "import attendees");
  if (imported.rejected() != 0) {
    for (const parley::v1::ImportRowResult& result : imported.results()) {
      if (result.outcome() != parley::v1::ImportRowResult::REJECTED) continue;
      std::cerr << "parley-demo: the generator produced rows the server rejected, e.g. "
                << result.error() << "\n";
      break;
    }
    return 1;
  }

  parley::v1::SetEventStatusRequest open;
  open.set_event_id(event.id());
  open.set_status(parley::v1::OPEN);
  OrDie(org->SetEventStatus(open), "open event");

  // A newcomer should see proposals, reasons and agendas right away.
  parley::v1::StartMatchingRunRequest run_request;
  run_request.set_event_id(event.id());
  run_request.set_seed(absl::GetFlag(FLAGS_seed));
  parley::v1::MatchingRun run = OrDie(org->StartMatchingRun(run_request), "matching run");
  if (run.phase() != parley::v1::MatchingRun::DONE) {
    std::cerr << "parley-demo: matching run " << run.id() << " ended in phase "
              << parley::v1::MatchingRun::Phase_Name(run.phase()) << ": " << run.error() << "\n";
    return 1;
  }

  parley::v1::IssueAttendeeTokenRequest attendee_request;
  attendee_request.set_event_id(event.id());
  attendee_request.set_attendee_id(imported.results(0).attendee_id());
  attendee_request.set_label("demo attendee");
  parley::v1::IssuedAttendeeToken attendee =
      OrDie(org->IssueAttendeeToken(attendee_request), "issue attendee token");

  const std::string env_path = absl::GetFlag(FLAGS_env_out);
  {
    std::ofstream env(env_path, std::ios::trunc);
    // Every line exported, so that `. var/demo.env` hands the values to child processes too.
    env << "# Written by parley-demo. Secrets: keep this file private.\n"
        << "export PARLEY_SERVER=" << absl::GetFlag(FLAGS_server) << "\n"
        << "export PARLEY_COMMUNITY_ID=" << community.id() << "\n"
        << "export PARLEY_EVENT_ID=" << event.id() << "\n"
        << "export PARLEY_ORGANIZER_TOKEN=" << organizer.token() << "\n"
        << "export PARLEY_ATTENDEE_ID=" << imported.results(0).attendee_id() << "\n"
        << "export PARLEY_ATTENDEE_TOKEN=" << attendee.token() << "\n";
  }
  chmod(env_path.c_str(), 0600);
  std::cout << "demo: community " << community.id() << ", event " << event.id() << " with "
            << imported.created() << " attendees (CSV in " << absl::GetFlag(FLAGS_csv_out)
            << "), matching run " << run.id() << ": " << run.meetings_proposed()
            << " proposals, quality " << run.report().quality() << "; tokens in " << env_path
            << "\n";
  return 0;
}
