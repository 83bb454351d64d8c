// parley-example: the organiser and attendee flows through the C++ client library
// (clients/client.h), as the Python and Node examples do them (clients/python/examples,
// clients/node/examples).
//
//   PARLEY_TOKEN=<organiser token> parley-example organizer --csv
//   clients/examples/data/attendees.csv PARLEY_TOKEN=<attendee token> parley-example attendee
//   [--meeting ID] [--list]
//
// organizer: without --event it creates a DRAFT event with three 30-minute slots and two
// locations, imports the CSV (upsert by external_id), opens the event, runs matching while
// printing its progress, and prints the quality report; the last line is "event <id>".
// attendee: lists my suggestions with the reasons, then accepts one (the first awaiting my
// answer, or --meeting). A meeting is CONFIRMED once both people accept (double opt-in); until
// then my side shows AWAITING_THEM.

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/client.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "parleyd address.");
ABSL_FLAG(std::string, token, "", "Organiser or attendee token; default: $PARLEY_TOKEN.");
ABSL_FLAG(bool, tls, false, "Speak TLS.");
ABSL_FLAG(std::string, ca_cert, "", "PEM of the CA that signed the server certificate.");
ABSL_FLAG(int, timeout, 30, "Seconds allowed to each call.");
ABSL_FLAG(std::string, csv, "", "organizer: attendee CSV (clients/CLI.md describes the columns).");
ABSL_FLAG(uint64_t, event, 0, "organizer: an existing event; 0 creates one.");
ABSL_FLAG(uint64_t, seed, 1, "organizer: seed of the matching run.");
ABSL_FLAG(uint64_t, meeting, 0, "attendee: the proposal to accept; 0 = the first awaiting me.");
ABSL_FLAG(bool, list, false, "attendee: only list the suggestions.");

namespace {

namespace v1 = parley::v1;
using parley::client::Client;

// Prints the failure and ends the program: an example keeps its error handling short.
template <typename T>
T OrExit(absl::StatusOr<T> value, absl::string_view what) {
  if (!value.ok()) {
    std::cerr << "parley-example: " << what << ": " << value.status() << "\n";
    std::exit(1);
  }
  return *std::move(value);
}

v1::Event ExampleEvent() {
  v1::Event event;
  event.set_name("Parley example meetup");
  event.set_time_zone("UTC");
  // Three rounds tomorrow from 10:00 UTC, 30 minutes each with 10-minute breaks.
  const int64_t start = (absl::ToUnixSeconds(absl::Now()) / 86400 + 1) * 86400 + 10 * 3600;
  for (int i = 0; i < 3; ++i) {
    v1::Slot* slot = event.add_slots();
    slot->set_id(absl::StrCat("s", i + 1));
    slot->set_name(absl::StrCat("Round ", i + 1));
    slot->set_start_time(start + i * 40 * 60);
    slot->set_end_time(start + i * 40 * 60 + 30 * 60);
  }
  v1::Location* hall = event.add_locations();
  hall->set_id("hall");
  hall->set_name("Main hall");
  hall->set_tables(10);
  v1::Location* library = event.add_locations();
  library->set_id("library");
  library->set_name("Library");
  library->set_tables(2);
  library->set_quiet(true);
  return event;
}

std::string PhaseName(v1::MatchingRun::Phase phase) {
  return absl::AsciiStrToLower(v1::MatchingRun::Phase_Name(phase));
}

void PrintReport(const v1::GetQualityReportResponse& response) {
  const v1::MatchingRun& run = response.run();
  const v1::QualityReport& report = run.report();
  std::cout << "run " << run.id() << ": " << PhaseName(run.phase()) << ": " << run.attendees()
            << " attendees, " << run.candidate_edges() << " candidate edges, "
            << run.meetings_kept() << " kept, " << run.meetings_proposed() << " proposed\n";
  std::cout << "quality " << report.quality() << " (weight " << report.weight()
            << " of upper bound " << report.upper_bound() << "), " << report.meetings()
            << " meetings, gini " << report.gini() << "\n";
  std::cout << "meetings per attendee:";
  for (int k = 0; k < report.meetings_per_attendee_size(); ++k) {
    if (report.meetings_per_attendee(k) != 0) {
      std::cout << "  " << k << ": " << report.meetings_per_attendee(k);
    }
  }
  std::cout << "\nwithout a meeting: " << report.zero_opted_out() << " opted out, "
            << report.zero_no_availability() << " no availability, "
            << report.zero_no_feasible_partner() << " no feasible partner, "
            << report.zero_left_out() << " left out\n";
  for (const v1::AttendeeDiagnostic& diagnostic : response.without_meeting()) {
    std::cout << "  " << diagnostic.external_id() << " " << diagnostic.display_name() << " ["
              << absl::AsciiStrToLower(v1::AttendeeDiagnostic::Cause_Name(diagnostic.cause()))
              << "] " << diagnostic.hint() << "\n";
  }
}

int RunOrganizer(const Client& client) {
  if (absl::GetFlag(FLAGS_csv).empty()) {
    std::cerr << "parley-example: organizer needs --csv FILE\n";
    return 64;
  }

  const std::string csv_path = absl::GetFlag(FLAGS_csv);
  const std::string csv = OrExit(parley::client::ReadFileToString(csv_path), "read");

  v1::Event event;
  if (absl::GetFlag(FLAGS_event) != 0) {
    v1::GetEventRequest request;
    request.set_event_id(absl::GetFlag(FLAGS_event));
    event = OrExit(client.GetEvent(request), "get event");
  } else {
    v1::CreateEventRequest request;
    *request.mutable_event() = ExampleEvent();
    event = OrExit(client.CreateEvent(request), "create event");
    std::cout << "created event " << event.id() << " (" << event.name() << ") with "
              << event.slots_size() << " slots\n";
  }

  // The server reads the file (its header aliases, separators and checks); the client uploads it.
  const v1::ImportAttendeesCsvResponse imported =
      OrExit(client.ImportAttendeesCsv(event.id(), csv, v1::CsvImportOptions(), absl::Minutes(10)),
             "import");
  std::cout << csv_path << " -> event " << event.id() << ": " << imported.created() << " created, "
            << imported.updated() << " updated, " << imported.unchanged() << " unchanged, "
            << imported.rejected() << " rejected\n";
  for (const std::string& warning : imported.summary().warnings()) {
    std::cout << "  warning: " << warning << "\n";
  }
  for (const v1::ImportRowResult& result : imported.results()) {
    if (result.outcome() == v1::ImportRowResult::REJECTED)
      std::cout << "  " << result.error() << "\n";
  }

  if (event.status() == v1::DRAFT) {
    v1::SetEventStatusRequest open;
    open.set_event_id(event.id());
    open.set_status(v1::OPEN);
    event = OrExit(client.SetEventStatus(open), "open event");
  }

  v1::StartMatchingRunRequest run_request;
  run_request.set_event_id(event.id());
  run_request.set_seed(absl::GetFlag(FLAGS_seed));
  auto show = [](const v1::MatchingRun& progress) {
    std::cout << "run " << progress.id() << ": " << PhaseName(progress.phase()) << "  "
              << progress.attendees() << " attendees, " << progress.candidate_edges()
              << " candidate edges, " << progress.meetings_proposed() << " proposed" << std::endl;
    return true;
  };
  // A run may take longer than one call's deadline: ten minutes for the whole stream.
  const v1::MatchingRun run =
      OrExit(client.StartMatchingRun(run_request, show, absl::Minutes(10)), "matching run");
  if (run.phase() != v1::MatchingRun::DONE) {
    std::cerr << "organizer: run " << run.id() << " failed: " << run.error() << "\n";
    return 1;
  }

  v1::GetQualityReportRequest report_request;
  report_request.set_event_id(event.id());
  report_request.set_page_size(1000);
  PrintReport(OrExit(client.GetQualityReport(report_request), "quality report"));
  std::cout << "event " << event.id() << "\n";
  return 0;
}

std::string DescribeReason(const v1::Reason& reason, const std::string& partner) {
  switch (reason.kind()) {
    case v1::Reason::SHARED_INTEREST:
      return absl::StrCat("you both list ", reason.tag());
    case v1::Reason::THEY_OFFER_WHAT_YOU_SEEK:
      return absl::StrCat(partner, " offers ", reason.tag(), ", which you seek");
    case v1::Reason::YOU_OFFER_WHAT_THEY_SEEK:
      return absl::StrCat("you offer ", reason.tag(), ", which ", partner, " seeks");
    case v1::Reason::YOU_ASKED_TO_MEET:
      return absl::StrCat("you asked to meet ", partner);
    case v1::Reason::INTRODUCED:
      return absl::StrCat(reason.introducer_name(), " introduced you");
    case v1::Reason::BRIDGES_ORGANISATIONS:
      return absl::StrCat("another organisation: ", reason.tag());
    case v1::Reason::BRIDGES_CIRCLES:
      return absl::StrCat("a different circle: ", reason.tag(), " (yours: ", reason.other_tag(),
                          ")");
    default:
      return v1::Reason::Kind_Name(reason.kind());
  }
}

std::string When(int64_t seconds) {
  return absl::FormatTime("%Y-%m-%d %H:%M UTC", absl::FromUnixSeconds(seconds),
                          absl::UTCTimeZone());
}

void PrintProposal(const v1::Proposal& proposal) {
  const v1::PublicProfile& partner = proposal.partner();
  std::cout << "meeting " << proposal.meeting_id() << "  ["
            << v1::Proposal::Status_Name(proposal.status()) << "]\n"
            << "  when:  " << proposal.slot_id() << "  " << When(proposal.start_time()) << " - "
            << When(proposal.end_time()) << "\n"
            << "  where: "
            << (proposal.location_name().empty() ? proposal.location_id()
                                                 : proposal.location_name())
            << ", table " << proposal.table() << "\n"
            << "  with:  " << partner.display_name();
  std::vector<std::string> about;
  if (!partner.role().empty()) about.push_back(partner.role());
  if (!partner.organisation().empty()) about.push_back(partner.organisation());
  if (!about.empty()) std::cout << " (" << absl::StrJoin(about, ", ") << ")";
  std::cout << "\n  why:\n";
  for (const v1::Reason& reason : proposal.reasons()) {
    std::cout << "    - " << DescribeReason(reason, partner.display_name()) << "\n";
  }
  if (!proposal.conversation_starter().empty()) {
    std::cout << "  starter: " << proposal.conversation_starter() << "\n";
  }
}

int RunAttendee(const Client& client) {
  const v1::MyProfile me = OrExit(client.GetMyProfile(v1::GetMyProfileRequest()), "profile");
  std::cout << me.attendee().display_name() << " at " << me.event().name() << "\n";
  const v1::ListMySuggestionsResponse suggestions =
      OrExit(client.ListMySuggestions(v1::ListMySuggestionsRequest()), "suggestions");
  std::cout << suggestions.proposals_size() << " suggestions\n";
  for (const v1::Proposal& proposal : suggestions.proposals()) PrintProposal(proposal);
  if (absl::GetFlag(FLAGS_list)) return 0;

  uint64_t meeting_id = absl::GetFlag(FLAGS_meeting);
  for (const v1::Proposal& proposal : suggestions.proposals()) {
    if (meeting_id != 0) break;
    if (proposal.status() == v1::Proposal::AWAITING_ME) meeting_id = proposal.meeting_id();
  }
  if (meeting_id == 0) {
    std::cout << "nothing awaits my answer\n";
    return 0;
  }
  v1::RespondToProposalRequest answer;
  answer.set_meeting_id(meeting_id);
  answer.set_accept(true);
  const v1::Proposal answered = OrExit(client.RespondToProposal(answer), "respond");
  std::cout << "accepted meeting " << answered.meeting_id() << ": now "
            << v1::Proposal::Status_Name(answered.status()) << "\n";
  const v1::Agenda agenda = OrExit(client.GetMyAgenda(v1::GetMyAgendaRequest()), "agenda");
  std::cout << "agenda: " << agenda.confirmed() << " confirmed, " << agenda.open()
            << " open, budget " << agenda.budget() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "parley-example organizer --csv FILE [--event ID] | attendee [--meeting ID] [--list]");
  const std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  const std::string mode = args.size() == 2 ? args[1] : "";
  if (mode != "organizer" && mode != "attendee") {
    std::cerr << "usage: parley-example organizer|attendee [flags] (--help for the flags)\n";
    return 64;
  }
  parley::client::ClientOptions options;
  options.target = absl::GetFlag(FLAGS_server);
  options.token = absl::GetFlag(FLAGS_token);
  if (options.token.empty() && std::getenv("PARLEY_TOKEN") != nullptr) {
    options.token = std::getenv("PARLEY_TOKEN");
  }
  if (options.token.empty()) {
    std::cerr << "parley-example: a token (--token or PARLEY_TOKEN) is needed\n";
    return 64;
  }
  options.use_tls = absl::GetFlag(FLAGS_tls);
  options.ca_cert_file = absl::GetFlag(FLAGS_ca_cert);
  options.deadline = absl::Seconds(absl::GetFlag(FLAGS_timeout));
  const std::unique_ptr<Client> client = OrExit(Client::Connect(options), "connect");
  return mode == "organizer" ? RunOrganizer(*client) : RunAttendee(*client);
}
