#include "clients/csv.h"

#include <cassert>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace parley::client {
namespace {

constexpr absl::string_view kUtf8Bom = "\xEF\xBB\xBF";

}  // namespace

CsvReader::CsvReader(absl::string_view data) : data_(data) {
  if (absl::StartsWith(data_, kUtf8Bom)) data_.remove_prefix(kUtf8Bom.size());
}

bool CsvReader::Next(CsvRecord* record) {
  if (pos_ >= data_.size()) return false;
  record->fields.clear();
  record->error.clear();
  record->line = line_;
  const size_t n = data_.size();
  // Consumes a record terminator at pos_ if there is one.
  auto at_end_of_record = [&]() -> bool {
    if (data_[pos_] == '\n') {
      ++pos_;
      ++line_;
      return true;
    }
    if (data_[pos_] == '\r' && pos_ + 1 < n && data_[pos_ + 1] == '\n') {
      pos_ += 2;
      ++line_;
      return true;
    }
    return false;
  };
  std::string field;
  while (true) {
    field.clear();
    if (pos_ < n && data_[pos_] == '"') {
      const int opening_line = line_;
      ++pos_;
      bool closed = false;
      while (pos_ < n) {
        const char c = data_[pos_];
        if (c == '"') {
          if (pos_ + 1 < n && data_[pos_ + 1] == '"') {
            field.push_back('"');
            pos_ += 2;
            continue;
          }
          ++pos_;
          closed = true;
          break;
        }
        if (c == '\n') ++line_;
        field.push_back(c);
        ++pos_;
      }
      record->fields.push_back(field);
      if (!closed) {
        record->error = absl::StrCat("quoted field ", record->fields.size(), " opened on line ",
                                     opening_line, " is never closed");
        return true;
      }
      if (pos_ >= n) return true;
      if (data_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (at_end_of_record()) return true;
      record->error = absl::StrCat("line ", line_, ": text after the closing quote of field ",
                                   record->fields.size());
      // Resynchronise at the next line break.
      while (pos_ < n && !at_end_of_record()) ++pos_;
      return true;
    }
    while (pos_ < n) {
      if (data_[pos_] == ',') break;
      if (at_end_of_record()) {
        record->fields.push_back(field);
        return true;
      }
      field.push_back(data_[pos_]);
      ++pos_;
    }
    record->fields.push_back(field);
    if (pos_ >= n) return true;
    ++pos_;  // the ','
  }
}

std::vector<CsvRecord> ReadCsv(absl::string_view data) {
  std::vector<CsvRecord> records;
  CsvReader reader(data);
  CsvRecord record;
  while (reader.Next(&record)) records.push_back(std::move(record));
  return records;
}

std::string CsvEscape(absl::string_view field) {
  if (field.find_first_of(",\"\r\n") == absl::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string FormatCsvRecord(const std::vector<std::string>& fields) {
  assert(!fields.empty());
  if (fields.size() == 1 && fields[0].empty()) return "\"\"\n";
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += CsvEscape(fields[i]);
  }
  out.push_back('\n');
  return out;
}

}  // namespace parley::client
