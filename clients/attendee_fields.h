#ifndef PARLEY_CLIENTS_ATTENDEE_FIELDS_H_
#define PARLEY_CLIENTS_ATTENDEE_FIELDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_field.h"
#include "parley/v1/attendee.pb.h"

// Text forms of attendee fields, shared by the CSV import and the CLI flags, so that a cell of
// the import file and a command-line value mean the same. Errors are INVALID_ARGUMENT with a
// message that does not name the field: callers prefix it ("interests: ...").
namespace parley::client {

// A ';'-separated list: items trimmed of surrounding whitespace, empty items skipped.
// "a; b;;c " -> {"a", "b", "c"}.
std::vector<std::string> ParseList(absl::string_view text);

// A ';'-separated list of interests, each `tag` or `tag:weight` with weight 1-3 (absent = 1,
// sent as 0 so the server applies its default). Only a trailing ":1", ":2" or ":3" (spaces
// allowed around it) is a weight; any other colon is part of the tag: "n:m sparsity:2" is
// "n:m sparsity" with weight 2, "books:9" is the tag "books:9". A tag that itself ends in ":1"
// to ":3" is written with an explicit weight ("ratio 2:1:1"). The rule is
// services/domain/interest_text.h's, which the server's CSV import reads too. INVALID_ARGUMENT on
// an empty tag (":2").
absl::StatusOr<std::vector<v1::Interest>> ParseInterests(absl::string_view text);

// Empty (after trimming) = unset; otherwise a non-negative integer that fits 32 bits.
absl::StatusOr<std::optional<uint32_t>> ParseBudget(absl::string_view text);

// true/false, yes/no, 1/0 (case-insensitive); empty is false.
absl::StatusOr<bool> ParseBool(absl::string_view text);

// The Attendee fields that have a text form, by their .proto names: external_id, display_name,
// email, phone, organisation, role, bio, interests, offers, seeks, languages, budget,
// availability, person_ref, wants, avoid, avoid_organisations, prefers_quiet, share_email,
// share_phone.
const std::vector<std::string>& AttendeeTextFields();

// Sets the field named `field` (one of AttendeeTextFields()) of `attendee` from its text form,
// the same for a cell of the import file and a command-line value: strings verbatim; lists
// ParseList'ed and appended; interests as ParseInterests; budget as ParseBudget (empty leaves it
// unset); the booleans (prefers_quiet, share_email, share_phone) as ParseBool. INVALID_ARGUMENT for
// a bad value (the message does not name the field) or a field without a text form.
absl::Status SetAttendeeField(absl::string_view field, absl::string_view text,
                              v1::Attendee* attendee);

// Inverse forms, for printing: "books:3; bicycles" and "a; b".
std::string FormatInterests(const google::protobuf::RepeatedPtrField<v1::Interest>& interests);
std::string FormatList(const google::protobuf::RepeatedPtrField<std::string>& items);

}  // namespace parley::client

#endif  // PARLEY_CLIENTS_ATTENDEE_FIELDS_H_
