#ifndef PARLEY_CLIENTS_CLI_PRINT_H_
#define PARLEY_CLIENTS_CLI_PRINT_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "parley/v1/admin_service.pb.h"
#include "parley/v1/attendee_service.pb.h"
#include "parley/v1/organizer_service.pb.h"

// Output of the `parley` CLI: protobuf JSON for --json, and the human-readable forms.
namespace parley::client {

// Protobuf JSON with the .proto field names and every field (defaults too), then a newline.
void PrintJson(std::ostream& out, const google::protobuf::Message& message);

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

}  // namespace parley::client

#endif  // PARLEY_CLIENTS_CLI_PRINT_H_
