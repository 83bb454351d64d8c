#ifndef PARLEY_CLIENTS_IMPORT_RESULTS_H_
#define PARLEY_CLIENTS_IMPORT_RESULTS_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_field.h"
#include "parley/v1/organizer_service.pb.h"

// What a client keeps of an import's answer for the person who ran it: the rejects file.
// Clients never read attendee CSVs themselves: they upload the file to
// OrganizerService.ImportAttendeesCsv (Client::ImportAttendeesCsv), and the server's one reader
// (services/domain/import_csv.h) answers per row, with row and line numbers.
// Pure functions; thread-safe.
namespace parley::client {

// A record of an input file that a client refused before sending it (known_pairs_file.h).
struct RejectedRow {
  uint32_t row_number = 0;
  // 1-based line of the file where the row starts.
  int line = 0;
  // As far as it could be read; may be empty.
  std::string external_id;
  // "row 3 (line 4): expected two fields".
  std::string error;
};

// Where the rejected rows of `input` go by default: "people.csv" -> "people.rejects.csv",
// "people.txt" -> "people.txt.rejects.csv".
std::string DefaultRejectsPath(absl::string_view input);

// The rejects file for an import's per-row results: the header row,external_id,error, then one
// record per REJECTED result, in the order given. "" if no row was rejected.
std::string FormatRejectsCsv(
    const google::protobuf::RepeatedPtrField<v1::ImportRowResult>& results);

}  // namespace parley::client

#endif  // PARLEY_CLIENTS_IMPORT_RESULTS_H_
