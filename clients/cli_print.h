#ifndef PARLEY_CLIENTS_CLI_PRINT_H_
#define PARLEY_CLIENTS_CLI_PRINT_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "parley/v1/admin_service.pb.h"
#include "parley/v1/agenda_service.pb.h"
#include "parley/v1/attendee_service.pb.h"
#include "parley/v1/matching.pb.h"
#include "parley/v1/matching_service.pb.h"
#include "parley/v1/organizer_service.pb.h"

// Output of the `parley` CLI: protobuf JSON for --json, and the human-readable forms.
namespace parley::client {

// Protobuf JSON with the .proto field names and every field (defaults too), then a newline.
void PrintJson(std::ostream& out, const google::protobuf::Message& message);

// Protobuf JSON on one line (JSON Lines), for streams such as `agenda watch --json`.
void PrintJsonLine(std::ostream& out, const google::protobuf::Message& message);

// Parses protobuf JSON (either field-name style); INVALID_ARGUMENT naming `what` on failure.
absl::Status ParseJson(const std::string& json, const std::string& what,
                       google::protobuf::Message* message);

// "2026-12-01 10:00" in `time_zone` (UTC if it cannot be loaded); "-" for 0.
std::string FormatTimestamp(int64_t unix_seconds, const std::string& time_zone);

void PrintCommunity(std::ostream& out, const v1::Community& community);
// One line per token: id, role, label, created, revoked.
void PrintTokenInfo(std::ostream& out, const v1::TokenInfo& info);
// The secret and its metadata, with a reminder that it is shown once.
void PrintIssuedToken(std::ostream& out, const std::string& token, const v1::TokenInfo& info);
// All of the event, several lines.
void PrintEvent(std::ostream& out, const v1::Event& event);
// One line: id, status, name, slot and location counts.
void PrintEventLine(std::ostream& out, const v1::Event& event);
// All of the attendee, one field per line; empty fields are left out.
void PrintAttendee(std::ostream& out, const v1::Attendee& attendee);
// One line: id, external id, name, organisation.
void PrintAttendeeLine(std::ostream& out, const v1::Attendee& attendee);

// A reason as the attendee reads it: "you both list bicycles", "they offer rust mentoring,
// which you seek", "introduced by Ada Lovelace".
std::string DescribeReason(const v1::Reason& reason);

// A proposal or meeting as its attendee sees it: when, where, with whom, why, how to start,
// several lines. Times in `time_zone` (UTC if empty or unknown).
void PrintProposal(std::ostream& out, const v1::Proposal& proposal, const std::string& time_zone);
// Counts, then every item as PrintProposal does.
void PrintAgenda(std::ostream& out, const v1::Agenda& agenda, const std::string& time_zone);

// One line: id, state, slot, location/table, the pair, score, answers.
void PrintMeetingLine(std::ostream& out, const v1::Meeting& meeting,
                      const google::protobuf::Map<uint64_t, std::string>* external_ids = nullptr);

// "CANDIDATES" for the user: "candidates".
std::string PhaseName(v1::MatchingRun::Phase phase);
// One line per progress message, for logs and pipes: "run 3: candidates  2000 attendees, ...".
std::string RunPhaseLine(const v1::MatchingRun& run);
// A progress bar of `width` cells over the phases LOADING..DONE, then the phase and counts:
// "[##########----------] 2/4 candidates  2000 attendees". No newline.
std::string RunProgressBar(const v1::MatchingRun& run, int width);
// The outcome of a run: counts and the quality report (weight, bound, distribution, zeros).
void PrintMatchingRun(std::ostream& out, const v1::MatchingRun& run);
// The run's report, then each attendee without a meeting with the cause and hint.
void PrintQualityReport(std::ostream& out, const v1::GetQualityReportResponse& report);

}  // namespace parley::client

#endif  // PARLEY_CLIENTS_CLI_PRINT_H_
