#ifndef PARLEY_SERVICES_DOMAIN_CSV_READER_H_
#define PARLEY_SERVICES_DOMAIN_CSV_READER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

// The one RFC 4180 reader and writer. The server reads the files organisers upload with it
// (import_csv.h); the C++ client writes its rejects and token files and reads exports with it.
// Built as its own library (parley_csv, absl only) so that the client links it without the
// server's domain library, RocksDB or gRPC.
namespace parley::domain {

// One record of a CSV file.
struct CsvRecord {
  std::vector<std::string> fields;
  // 1-based line of the file where the record starts (a quoted field may span several lines).
  uint32_t line = 0;
  // Empty if the record is well-formed. Otherwise what is wrong, without the line, which the
  // caller has in `line` ("quoted field 3 opened on line 7 is never closed", "text after the
  // closing quote of field 2"); error_field is the 0-based field it concerns, `fields` holds what
  // could be read, and the reader has skipped to the next line break, so the following records
  // are read normally.
  std::string error;
  size_t error_field = 0;
};

// Reads RFC 4180 CSV from a buffer: fields separated by ',', records by CRLF or LF (a lone CR is
// kept as data), fields optionally enclosed in '"' with '""' for a quote inside; quoted fields
// may hold commas, line breaks and any UTF-8. A UTF-8 byte order mark at the start is skipped (one
// anywhere else is data). A final line break is optional. A '"' inside an unquoted field is kept
// as data (spreadsheets write 5" that way); text after a closing quote, or a quote never closed,
// sets the record's `error`. Every line break yields a record, so a blank line is a record with
// one empty field. Spaces around fields are data. Never fails as a whole: a malformed record
// carries its error and reading goes on.
//
// The buffer is not copied: it must outlive the reader. Not thread-safe; separate readers may
// read the same buffer concurrently.
class CsvReader {
 public:
  explicit CsvReader(absl::string_view data);

  // Fills `record` with the next record; false at the end of the data. Reuses the strings of
  // `record`, so a loop that passes the same record allocates only while fields grow.
  bool Next(CsvRecord* record);

 private:
  // Consumes a record terminator at pos_ if there is one.
  bool AtEndOfRecord();

  absl::string_view data_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
};

// Every record of `data`, for callers that want them all; errors are in the records.
std::vector<CsvRecord> ReadCsv(absl::string_view data);

// The writer. Pure functions; thread-safe.
//
// Appends `field` as a CSV field: enclosed in quotes (inner quotes doubled) when it holds ',',
// '"', CR or LF, as is otherwise.
void AppendCsvField(absl::string_view field, std::string* out);

// AppendCsvField into a new string.
std::string CsvEscape(absl::string_view field);

// Appends one record: escaped fields joined by ',', then `line_break` ("\n", or "\r\n" for
// RFC 4180's own line break). A record of one empty field is written as "\"\"" so that it is not
// a blank line. CsvReader gives back exactly `fields`, which must not be empty.
void AppendCsvRecord(const std::vector<std::string>& fields, absl::string_view line_break,
                     std::string* out);

// AppendCsvRecord with "\n" into a new string.
std::string FormatCsvRecord(const std::vector<std::string>& fields);

}  // namespace parley::domain

#endif  // PARLEY_SERVICES_DOMAIN_CSV_READER_H_
