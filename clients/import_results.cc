#include "clients/attendee_csv.h"

#include <algorithm>
#include <map>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "clients/attendee_fields.h"
#include "clients/csv.h"

namespace parley::client {
namespace {

enum class Column {
  kExternalId,
  kName,
  kEmail,
  kPhone,
  kOrganisation,
  kRole,
  kBio,
  kInterests,
  kOffers,
  kSeeks,
  kLanguages,
  kBudget,
  kAvailability,
  kPersonRef,
  kWants,
  kAvoid,
  kAvoidOrganisations,
  kPrefersQuiet,
  kCount,
};

// Indexed by Column.
const std::vector<std::string>& ColumnNames() {
  static const auto* names = new std::vector<std::string>{
      "external_id",  "name",       "email",  "phone", "organisation",        "role",
      "bio",          "interests",  "offers", "seeks", "languages",           "budget",
      "availability", "person_ref", "wants",  "avoid", "avoid_organisations", "prefers_quiet"};
  return *names;
}

std::string Quoted(absl::string_view text) { return absl::StrCat("\"", text, "\""); }

// Fills `attendee` from one cell; returns an error message naming the column, or "".
std::string ApplyCell(Column column, absl::string_view cell, v1::Attendee* attendee) {
  const std::string& name = ColumnNames()[static_cast<size_t>(column)];
  if (column == Column::kExternalId && cell.empty()) return "external_id: required";
  if (column == Column::kName && cell.empty()) return "name: required";
  // Columns are named as the Attendee fields are, except `name`.
  absl::Status set =
      SetAttendeeField(column == Column::kName ? "display_name" : name, cell, attendee);
  if (!set.ok()) return absl::StrCat(name, ": ", set.message());
  return "";
}

// Maps header cells to columns; INVALID_ARGUMENT listing every unknown, repeated and missing
// column.
absl::StatusOr<std::vector<Column>> MapHeader(const CsvRecord& header) {
  if (!header.error.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("header (line ", header.line, "): ", header.error));
  }
  std::map<std::string, Column> by_name;
  for (size_t i = 0; i < ColumnNames().size(); ++i) {
    by_name[ColumnNames()[i]] = static_cast<Column>(i);
  }
  std::vector<Column> columns;
  std::vector<std::string> unknown, repeated;
  std::vector<bool> seen(static_cast<size_t>(Column::kCount), false);
  for (size_t i = 0; i < header.fields.size(); ++i) {
    const std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(header.fields[i]));
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      unknown.push_back(absl::StrCat(Quoted(header.fields[i]), " (column ", i + 1, ")"));
      continue;
    }
    if (seen[static_cast<size_t>(it->second)]) repeated.push_back(Quoted(name));
    seen[static_cast<size_t>(it->second)] = true;
    columns.push_back(it->second);
  }
  std::vector<std::string> missing;
  for (Column required : {Column::kExternalId, Column::kName}) {
    if (!seen[static_cast<size_t>(required)]) {
      missing.push_back(Quoted(ColumnNames()[static_cast<size_t>(required)]));
    }
  }
  std::vector<std::string> problems;
  if (!unknown.empty()) {
    problems.push_back(absl::StrCat("unknown columns: ", absl::StrJoin(unknown, ", ")));
  }
  if (!repeated.empty()) {
    problems.push_back(absl::StrCat("repeated columns: ", absl::StrJoin(repeated, ", ")));
  }
  if (!missing.empty()) {
    problems.push_back(absl::StrCat("missing required columns: ", absl::StrJoin(missing, ", ")));
  }
  if (!problems.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("header (line ", header.line, "): ", absl::StrJoin(problems, "; "),
                     " (known columns: ", absl::StrJoin(ColumnNames(), ", "), ")"));
  }
  return columns;
}

}  // namespace

const std::vector<std::string>& AttendeeCsvColumns() { return ColumnNames(); }

absl::StatusOr<AttendeeCsv> ParseAttendeeCsv(absl::string_view data) {
  CsvReader reader(data);
  CsvRecord record;
  if (!reader.Next(&record)) {
    return absl::InvalidArgumentError("empty file: expected a header row");
  }
  absl::StatusOr<std::vector<Column>> columns = MapHeader(record);
  if (!columns.ok()) return columns.status();
  size_t external_id_index = columns->size();
  for (size_t i = 0; i < columns->size(); ++i) {
    if ((*columns)[i] == Column::kExternalId) external_id_index = i;
  }

  AttendeeCsv result;
  result.row_lines.push_back(0);
  uint32_t row_number = 0;
  while (reader.Next(&record)) {
    const bool blank =
        record.error.empty() && record.fields.size() == 1 && record.fields[0].empty();
    if (blank) continue;
    ++row_number;
    result.row_lines.push_back(record.line);
    RejectedRow rejected;
    rejected.row_number = row_number;
    rejected.line = record.line;
    if (external_id_index < record.fields.size()) {
      rejected.external_id =
          std::string(absl::StripAsciiWhitespace(record.fields[external_id_index]));
    }
    std::vector<std::string> errors;
    if (!record.error.empty()) {
      errors.push_back(record.error);
    } else if (record.fields.size() != columns->size()) {
      errors.push_back(absl::StrCat("expected ", columns->size(),
                                    " fields as in the header, found ", record.fields.size()));
    } else {
      v1::ImportRow row;
      row.set_row_number(row_number);
      for (size_t i = 0; i < columns->size(); ++i) {
        std::string error = ApplyCell((*columns)[i], absl::StripAsciiWhitespace(record.fields[i]),
                                      row.mutable_attendee());
        if (!error.empty()) errors.push_back(std::move(error));
      }
      if (errors.empty()) {
        result.rows.push_back(std::move(row));
        continue;
      }
    }
    rejected.error = absl::StrCat("row ", row_number, " (line ", record.line,
                                  "): ", absl::StrJoin(errors, "; "));
    result.rejected.push_back(std::move(rejected));
  }
  return result;
}

std::string DefaultRejectsPath(absl::string_view input) {
  if (absl::EndsWithIgnoreCase(input, ".csv")) input.remove_suffix(4);
  return absl::StrCat(input, ".rejects.csv");
}

void MergeImportResults(const AttendeeCsv& csv, v1::ImportAttendeesResponse* response) {
  // The server names rows by number; the file line helps find them.
  for (v1::ImportRowResult& result : *response->mutable_results()) {
    if (result.outcome() != v1::ImportRowResult::REJECTED ||
        result.row_number() >= csv.row_lines.size()) {
      continue;
    }
    const std::string prefix = absl::StrCat("row ", result.row_number());
    const std::string located =
        absl::StrCat(prefix, " (line ", csv.row_lines[result.row_number()], ")");
    absl::string_view error = result.error();
    if (absl::ConsumePrefix(&error, prefix) && absl::StartsWith(error, ":")) {
      result.set_error(absl::StrCat(located, error));
    } else {
      result.set_error(absl::StrCat(located, ": ", error));
    }
  }
  for (const RejectedRow& rejected : csv.rejected) {
    v1::ImportRowResult* result = response->add_results();
    result->set_row_number(rejected.row_number);
    result->set_external_id(rejected.external_id);
    result->set_outcome(v1::ImportRowResult::REJECTED);
    result->set_error(rejected.error);
  }
  response->set_rejected(response->rejected() + static_cast<uint32_t>(csv.rejected.size()));
  std::stable_sort(response->mutable_results()->begin(), response->mutable_results()->end(),
                   [](const v1::ImportRowResult& a, const v1::ImportRowResult& b) {
                     return a.row_number() < b.row_number();
                   });
}

std::string FormatRejectsCsv(const v1::ImportAttendeesResponse& response) {
  return FormatRejectsCsv(response.results());
}

std::string FormatRejectsCsv(
    const google::protobuf::RepeatedPtrField<v1::ImportRowResult>& results) {
  std::string text;
  for (const v1::ImportRowResult& result : results) {
    if (result.outcome() != v1::ImportRowResult::REJECTED) continue;
    if (text.empty()) text = FormatCsvRecord({"row", "external_id", "error"});
    text +=
        FormatCsvRecord({absl::StrCat(result.row_number()), result.external_id(), result.error()});
  }
  return text;
}

}  // namespace parley::client
