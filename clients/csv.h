#ifndef PARLEY_CLIENTS_CSV_H_
#define PARLEY_CLIENTS_CSV_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace parley::client {

// One record of a CSV file.
struct CsvRecord {
  std::vector<std::string> fields;
  // 1-based line of the file where the record starts (a quoted field may span several lines).
  int line = 0;
  // Empty if the record is well-formed. Otherwise what is wrong ("line 7: text after the closing
  // quote of field 3"); `fields` then holds what could be read and the reader has skipped to the
  // next line break, so the following records are read normally.
  std::string error;
};

// Reads RFC 4180 CSV from a buffer: fields separated by ',', records by CRLF or LF (a lone CR is
// kept as data), fields optionally enclosed in '"' with '""' for a quote inside; quoted fields
// may hold commas and newlines. A UTF-8 byte order mark at the start is skipped. A final line
// break is optional. A '"' inside an unquoted field is kept as data (spreadsheets write 5" that
// way); text after a closing quote, or a quote never closed, makes that record's `error` set.
// Every line break yields a record, so a blank line is a record with one empty field.
//
// The buffer is not copied: it must outlive the reader. Not thread-safe.
class CsvReader {
 public:
  explicit CsvReader(absl::string_view data);

  // Fills `record` with the next record; false at the end of the data.
  bool Next(CsvRecord* record);

 private:
  absl::string_view data_;
  size_t pos_ = 0;
  int line_ = 1;
};

// Reads all records of `data`.
std::vector<CsvRecord> ReadCsv(absl::string_view data);

// `field` as a CSV field: enclosed in quotes (inner quotes doubled) when it holds ',', '"', CR
// or LF.
std::string CsvEscape(absl::string_view field);

// One record: escaped fields joined by ',', then "\n". A record of one empty field is written
// as "\"\"" so that it is not a blank line. ReadCsv gives back exactly `fields`, which must not
// be empty.
std::string FormatCsvRecord(const std::vector<std::string>& fields);

}  // namespace parley::client

#endif  // PARLEY_CLIENTS_CSV_H_
