#include "clients/import_results.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/domain/csv_reader.h"

namespace parley::client {

std::string DefaultRejectsPath(absl::string_view input) {
  if (absl::EndsWithIgnoreCase(input, ".csv")) input.remove_suffix(4);
  return absl::StrCat(input, ".rejects.csv");
}

std::string FormatRejectsCsv(
    const google::protobuf::RepeatedPtrField<v1::ImportRowResult>& results) {
  std::string text;
  for (const v1::ImportRowResult& result : results) {
    if (result.outcome() != v1::ImportRowResult::REJECTED) continue;
    if (text.empty()) text = domain::FormatCsvRecord({"row", "external_id", "error"});
    text += domain::FormatCsvRecord(
        {absl::StrCat(result.row_number()), result.external_id(), result.error()});
  }
  return text;
}

}  // namespace parley::client
