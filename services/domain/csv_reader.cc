#include "services/domain/csv_reader.h"

#include <cassert>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace parley::domain {
namespace {

constexpr absl::string_view kUtf8Bom = "\xEF\xBB\xBF";

}  // namespace

CsvReader::CsvReader(absl::string_view data) : data_(data) {
  if (absl::StartsWith(data_, kUtf8Bom)) data_.remove_prefix(kUtf8Bom.size());
}

bool CsvReader::AtEndOfRecord() {
  if (data_[pos_] == '\n') {
    ++pos_;
    ++line_;
    return true;
  }
  if (data_[pos_] == '\r' && pos_ + 1 < data_.size() && data_[pos_ + 1] == '\n') {
    pos_ += 2;
    ++line_;
    return true;
  }
  return false;
}

bool CsvReader::Next(CsvRecord* record) {
  if (pos_ >= data_.size()) return false;
  record->error.clear();
  record->error_field = 0;
  record->line = line_;
  size_t count = 0;
  // Reuses the record's strings: an import reads ~20 fields per row, many rows.
  auto next_field = [&]() -> std::string& {
    if (record->fields.size() <= count) record->fields.emplace_back();
    std::string& field = record->fields[count++];
    field.clear();
    return field;
  };
  auto finish = [&]() {
    record->fields.resize(count);
    return true;
  };
  const size_t n = data_.size();
  while (true) {
    std::string& field = next_field();
    if (pos_ < n && data_[pos_] == '"') {
      const uint32_t opening_line = line_;
      ++pos_;
      bool closed = false;
      while (pos_ < n) {
        // Copies the run up to the next quote at once.
        const size_t quote = data_.find('"', pos_);
        const size_t end = quote == absl::string_view::npos ? n : quote;
        const absl::string_view run = data_.substr(pos_, end - pos_);
        for (char c : run) line_ += c == '\n';
        field.append(run.data(), run.size());
        pos_ = end;
        if (pos_ >= n) break;
        if (pos_ + 1 < n && data_[pos_ + 1] == '"') {
          field.push_back('"');
          pos_ += 2;
          continue;
        }
        ++pos_;
        closed = true;
        break;
      }
      if (!closed) {
        record->error = absl::StrCat("quoted field ", count, " opened on line ", opening_line,
                                     " is never closed");
        record->error_field = count - 1;
        return finish();
      }
      if (pos_ >= n) return finish();
      if (data_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (AtEndOfRecord()) return finish();
      record->error = absl::StrCat("text after the closing quote of field ", count);
      record->error_field = count - 1;
      // Resynchronise at the next line break.
      while (pos_ < n && !AtEndOfRecord()) ++pos_;
      return finish();
    }
    const size_t start = pos_;
    while (pos_ < n && data_[pos_] != ',' && data_[pos_] != '\n' &&
           !(data_[pos_] == '\r' && pos_ + 1 < n && data_[pos_ + 1] == '\n')) {
      ++pos_;
    }
    field.assign(data_.data() + start, pos_ - start);
    if (pos_ >= n) return finish();
    if (data_[pos_] == ',') {
      ++pos_;
      continue;
    }
    AtEndOfRecord();
    return finish();
  }
}

std::vector<CsvRecord> ReadCsv(absl::string_view data) {
  std::vector<CsvRecord> records;
  CsvReader reader(data);
  CsvRecord record;
  while (reader.Next(&record)) records.push_back(std::move(record));
  return records;
}

void AppendCsvField(absl::string_view field, std::string* out) {
  if (field.find_first_of(",\"\r\n") == absl::string_view::npos) {
    out->append(field.data(), field.size());
    return;
  }
  out->push_back('"');
  for (char c : field) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

std::string CsvEscape(absl::string_view field) {
  std::string out;
  AppendCsvField(field, &out);
  return out;
}

void AppendCsvRecord(const std::vector<std::string>& fields, absl::string_view line_break,
                     std::string* out) {
  assert(!fields.empty());
  // Written bare, a lone empty field would be a blank line, which readers that skip blank lines
  // (the import does) drop, and which vanishes if it is last and the final line break goes.
  if (fields.size() == 1 && fields[0].empty()) {
    out->append("\"\"");
  } else {
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) out->push_back(',');
      AppendCsvField(fields[i], out);
    }
  }
  out->append(line_break.data(), line_break.size());
}

std::string FormatCsvRecord(const std::vector<std::string>& fields) {
  std::string out;
  AppendCsvRecord(fields, "\n", &out);
  return out;
}

}  // namespace parley::domain
