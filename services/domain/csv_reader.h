#ifndef PARLEY_SERVICES_DOMAIN_CSV_READER_H_
#define PARLEY_SERVICES_DOMAIN_CSV_READER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

// The server's CSV reader, for files that organisers upload (import_csv.h). The CLI keeps its
// own writer and a reader for the files it handles itself (clients/csv.h): clients depend on the
// protos only.
namespace parley::domain {

// One record of a CSV file.
struct CsvRecord {
  std::vector<std::string> fields;
  // 1-based line of the file where the record starts (a quoted field may span several lines).
  uint32_t line = 0;
  // Empty if the record is well-formed. Otherwise what is wrong ("quoted field 3 opened on line
  // 7 is never closed"); error_field is the 0-based field it concerns, `fields` holds what could
  // be read, and the reader has skipped to the next line break, so the following records are
  // read normally.
  std::string error;
  size_t error_field = 0;
};

// Reads RFC 4180 CSV from a buffer: fields separated by ',', records by CRLF or LF (a lone CR is
// kept as data), fields optionally enclosed in '"' with '""' for a quote inside; quoted fields
// may hold commas, line breaks and any UTF-8. A UTF-8 byte order mark at the start is skipped. A
// final line break is optional. A '"' inside an unquoted field is kept as data (spreadsheets
// write 5" that way); text after a closing quote, or a quote never closed, sets the record's
// `error`. Every line break yields a record, so a blank line is a record with one empty field.
//
// The buffer is not copied: it must outlive the reader. Not thread-safe.
class CsvReader {
 public:
  explicit CsvReader(absl::string_view data);

  // Fills `record` with the next record (reusing its strings); false at the end of the data.
  bool Next(CsvRecord* record);

 private:
  // Consumes a record terminator at pos_ if there is one.
  bool AtEndOfRecord();

  absl::string_view data_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
};

}  // namespace parley::domain

#endif  // PARLEY_SERVICES_DOMAIN_CSV_READER_H_
