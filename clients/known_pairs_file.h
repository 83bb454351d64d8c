#ifndef PARLEY_CLIENTS_KNOWN_PAIRS_FILE_H_
#define PARLEY_CLIENTS_KNOWN_PAIRS_FILE_H_

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clients/import_results.h"
#include "parley/v1/organizer_service.pb.h"

// A file of pairs of attendees who already know each other (co-authors, colleagues), for
// OrganizerService.ImportKnownPairs: one pair per line, two external_ids separated by a tab (TSV)
// or a comma (CSV), in either order. Fields are trimmed and may be enclosed in double quotes.
// Blank lines and lines starting with '#' are skipped. A first data line whose two fields both
// start with "external_id" (any case) is a header and skipped.
//
// Read line by line, so a file of millions of pairs is never held in memory. Rows are numbered
// from 1 (the first pair). A line that is not two non-empty fields becomes a RejectedRow
// ("row 3 (line 5): expected 2 fields, found 1") and never stops the rest.
namespace parley::client {

class KnownPairReader {
 public:
  // `in` is not owned and must outlive the reader.
  explicit KnownPairReader(std::istream* in) : in_(in) {}

  // Appends up to `max_rows` rows to `batch`; false once the input is exhausted (the rows
  // appended by that call still count). DATA_LOSS if reading fails.
  absl::StatusOr<bool> Next(std::vector<v1::KnownPairRow>* batch, size_t max_rows);

  // Lines rejected so far, in file order; external_id holds the first field.
  const std::vector<RejectedRow>& rejected() const { return rejected_; }
  // Rows read so far (accepted and rejected).
  uint32_t rows() const { return row_; }

 private:
  std::istream* in_;
  int line_ = 0;
  uint32_t row_ = 0;
  bool header_checked_ = false;
  std::vector<RejectedRow> rejected_;
};

}  // namespace parley::client

#endif  // PARLEY_CLIENTS_KNOWN_PAIRS_FILE_H_
