#ifndef PARLEY_CLIENTS_ATTENDEE_CSV_H_
#define PARLEY_CLIENTS_ATTENDEE_CSV_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "parley/v1/organizer_service.pb.h"

// The attendee CSV that organisers export from their registration system, mapped to ImportRows.
//
// The first record is the header: column names in any order, case-insensitive, surrounding
// whitespace ignored. Columns (csv name -> Attendee field):
//   external_id (required), name (required; display_name), email, phone, organisation, role,
//   bio, interests, offers, seeks, languages, budget, availability, person_ref, wants, avoid,
//   avoid_organisations, prefers_quiet.
// Cells are trimmed. List cells are ';'-separated (attendee_fields.h): interests may carry a
// weight as `tag:2` (1-3); availability lists slot ids (empty = all slots); wants and avoid list
// external_ids. budget: empty = unset (the event's default), else an integer. prefers_quiet:
// true/false/yes/no/1/0, empty = false.
//
// Rows are numbered from 1 (the first data record); blank lines are skipped and not numbered.
// Only the header can fail the file; a bad row becomes a RejectedRow and never stops the rest.
// Values are checked only for their form here; the server validates content (tag lengths, slot
// ids, ...) and reports its own per-row results.
namespace parley::client {

struct RejectedRow {
  uint32_t row_number = 0;
  // 1-based line of the file where the row starts.
  int line = 0;
  // As far as it could be read; may be empty.
  std::string external_id;
  // "row 3 (line 4): budget: \"lots\" is not a non-negative integer".
  std::string error;
};

struct AttendeeCsv {
  // In file order; rows[i].row_number() is the row's number.
  std::vector<v1::ImportRow> rows;
  // In file order.
  std::vector<RejectedRow> rejected;
  // row_lines[n] is the file line where row n starts; row_lines[0] is unused.
  std::vector<int> row_lines;
};

// The column names understood, in the documented order.
const std::vector<std::string>& AttendeeCsvColumns();

// Parses a whole file. INVALID_ARGUMENT when the file has no header, or the header has unknown
// or repeated columns or lacks a required one; the message lists every such column.
absl::StatusOr<AttendeeCsv> ParseAttendeeCsv(absl::string_view data);

// Where the rejected rows of `input` go by default: "people.csv" -> "people.rejects.csv",
// "people.txt" -> "people.txt.rejects.csv".
std::string DefaultRejectsPath(absl::string_view input);

// Completes the server's answer to importing `csv.rows` (`response`, empty if nothing was sent)
// into the outcome of the whole file: the server's rejected rows gain the file line where they
// start ("row 3 (line 4): ..."), the rows the file itself rejected are added, results are in row
// order and `rejected` counts both.
void MergeImportResults(const AttendeeCsv& csv, v1::ImportAttendeesResponse* response);

// The rejects file for `response`: the header row,external_id,error, then one record per
// rejected row. "" if no row was rejected.
std::string FormatRejectsCsv(const v1::ImportAttendeesResponse& response);
// The same for the results of an ImportAttendeesCsv upload.
std::string FormatRejectsCsv(
    const google::protobuf::RepeatedPtrField<v1::ImportRowResult>& results);

}  // namespace parley::client

#endif  // PARLEY_CLIENTS_ATTENDEE_CSV_H_
