#ifndef PARLEY_SERVICES_DOMAIN_IMPORT_CSV_H_
#define PARLEY_SERVICES_DOMAIN_IMPORT_CSV_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "parley/v1/attendee.pb.h"
#include "parley/v1/organizer_service.pb.h"

// The attendee CSV: a registration system's export (Eventbrite, Tito, a Google Form, a
// spreadsheet) read into Attendee rows. The one reader of that format: OrganizerService's
// ImportAttendeesCsv uses it, every client uploads the file. No gRPC, no store.
//
// The first record is the header. Each Attendee field is read from
//   1. the column(s) the explicit mapping names for it (CsvImportOptions.mapping: field ->
//      "Column" or "Column A+Column B"; columns matched case-insensitively), else
//   2. the first column whose name is one of the field's aliases, compared after lower-casing
//      and turning punctuation into spaces ("E-mail" = "e mail"): the field's own name
//      ("external_id", "name", ..., as the CLI's old format had them) and the names real
//      exports use (Email/E-mail/Email Address, Company/Organisation/Organization, Job
//      Title/Role, Attendee #/Ticket Reference, Attendee Status, ...; FieldAliases()).
//   A missing name column is First Name + Last Name when the export has those. A missing
//   external_id column is the email column (lower-cased), with a warning. Order # is never an
//   alias: a group order shares one number; map it explicitly if it is one per person.
// Columns that map to no field are ignored with one warning line (strict: INVALID_ARGUMENT).
//
// Cells are trimmed. Lists (interests, offers, seeks, languages, availability, wants, avoid,
// avoid_organisations) are split on the column's separator: explicit, else ';', else ',' when
// the column has commas and no semicolons anywhere (a warning says so). An interest may carry a
// weight as "tag:2" (1-3; only a trailing ":1" to ":3" is a weight). Booleans (prefers_quiet,
// wants_meetings) are yes/no, true/false, y/n, 1/0 in any case; empty is unset. budget is a
// non-negative integer; empty is the event's default. wants_meetings "no" sets budget 0.
// A status cell equal (case-insensitively) to one of the cancelled values marks the row
// cancelled: only its external_id is read, to remove the attendee.
//
// Rows are numbered from 1 (the first data record); blank lines are skipped and not numbered.
// A bad row is rejected with an error naming its row, line and column ("row 3 (line 5), column 7
// \"Wants 1:1 meetings?\": \"maybe\" is not yes or no") and never stops the others. Only the
// header can fail the whole file. Content (tag lengths, slot ids, policy limits) is checked
// later against the event (validation.h NormalizeAttendee); CsvImport::DescribeError adds the
// row, line and column to those messages.
namespace parley::domain {

// The largest file ImportAttendeesCsv accepts.
inline constexpr size_t kMaxCsvImportBytes = size_t{256} << 20;

// The cancelled values used when the options give none.
const std::vector<std::string>& DefaultCancelledValues();

// The fields a column can map to, in the order the summary lists them.
const std::vector<std::string>& CsvFields();

// One data row of the file.
struct CsvImportRow {
  uint32_t row_number = 0;
  uint32_t line = 0;
  // The mapped cells, form-checked only.
  v1::Attendee attendee;
  // The status column says cancelled; `status` is the cell.
  bool cancelled = false;
  std::string status;
  // Non-empty: the row is rejected, and this says why, naming row, line and column.
  std::string error;
};

struct CsvImport {
  std::vector<CsvImportRow> rows;
  // columns, ignored_columns, the header's and the format's warnings, duplicate_external_ids,
  // rows. AcceptedTally adds the rest.
  v1::CsvImportSummary summary;
  // Field name -> the header's description of its columns, for messages ("column 7
  // \"Topics\"").
  std::map<std::string, std::string> column_of_field;

  // `message` (NormalizeAttendee's, which starts with the field: "interests[2]: ...") about
  // `row`, with row, line and column: "row 3 (line 5), column 7 \"Topics\": interests[2]: ...".
  std::string DescribeError(const CsvImportRow& row, absl::string_view message) const;
};

// Reads the whole file. INVALID_ARGUMENT (naming the header's line and the columns) when the
// file is empty, the header is malformed, an explicit mapping names an unknown field or a
// missing column, a separator is not one of ";", "," and "|", or there is no column for
// external_id or name; also for unknown columns with options.strict. dry_run and sync are not
// read.
absl::StatusOr<CsvImport> ReadAttendeeCsv(absl::string_view data,
                                          const v1::CsvImportOptions& options);

// Called by ReadAttendeeCsv for each row as soon as it is read, in file order, so that a caller
// can validate and store rows while later ones are read. `file` is the import so far (its
// column_of_field is complete: DescribeError works); `row` keeps its address in the CsvImport
// returned, and the reader does not touch it again.
using CsvRowSink = std::function<void(const CsvImport& file, CsvImportRow& row)>;
// ReadAttendeeCsv, calling `on_row` (if set) for each row. Nothing is called when the header
// fails the file.
absl::StatusOr<CsvImport> ReadAttendeeCsv(absl::string_view data,
                                          const v1::CsvImportOptions& options,
                                          const CsvRowSink& on_row);

// Completes a file's summary from the rows that validated (normalised): emails on several rows,
// the most common interests, rows without interests, and warnings for what usually means a wrong
// mapping (every row has one interest containing commas). Rows are added as they validate, so
// that the tally is done when the last one is (the import's critical path ends with the store).
// It keeps views of each row's email and tags: the rows must outlive it with those unchanged.
// Emails and tags are grouped ASCII case-insensitively. Not thread-safe.
class AcceptedTally {
 public:
  void Add(const v1::Attendee& accepted);
  void Finish(v1::CsvImportSummary* summary) const;

 private:
  // Keys view the rows' own strings, as written: hashing and comparing them is cheap, and the few
  // distinct spellings are folded case-insensitively once, in Finish().
  struct TagTally {
    size_t first_seen = 0;  // order of the spelling's first row
    size_t rows = 0;
  };
  absl::flat_hash_map<absl::string_view, size_t> emails_;
  absl::flat_hash_map<absl::string_view, TagTally> tags_;
  size_t without_interests_ = 0;
  size_t with_interests_ = 0;
  size_t one_with_commas_ = 0;
};

}  // namespace parley::domain

#endif  // PARLEY_SERVICES_DOMAIN_IMPORT_CSV_H_
