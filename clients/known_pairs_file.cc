#include "clients/known_pairs_file.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace parley::client {
namespace {

std::string Field(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    text = absl::StripAsciiWhitespace(text.substr(1, text.size() - 2));
  }
  return std::string(text);
}

}  // namespace

absl::StatusOr<bool> KnownPairReader::Next(std::vector<v1::KnownPairRow>* batch, size_t max_rows) {
  std::string line;
  for (size_t added = 0; added < max_rows;) {
    if (!std::getline(*in_, line)) {
      if (in_->bad()) return absl::DataLossError(absl::StrCat("read failed after line ", line_));
      return false;
    }
    ++line_;
    if (line_ == 1 && absl::StartsWith(line, "\xEF\xBB\xBF")) line.erase(0, 3);  // UTF-8 BOM
    const absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || text[0] == '#') continue;
    const char separator = text.find('\t') != absl::string_view::npos ? '\t' : ',';
    std::vector<std::string> fields;
    for (absl::string_view f : absl::StrSplit(text, separator)) fields.push_back(Field(f));
    if (!header_checked_) {
      header_checked_ = true;
      if (fields.size() == 2 && absl::StartsWithIgnoreCase(fields[0], "external_id") &&
          absl::StartsWithIgnoreCase(fields[1], "external_id")) {
        continue;
      }
    }
    ++row_;
    std::string error;
    if (fields.size() != 2) {
      error = absl::StrCat("expected 2 fields, found ", fields.size());
    } else if (fields[0].empty() || fields[1].empty()) {
      error = "empty external_id";
    }
    if (!error.empty()) {
      rejected_.push_back({row_, line_, fields.empty() ? "" : fields[0],
                           absl::StrCat("row ", row_, " (line ", line_, "): ", error)});
      continue;
    }
    v1::KnownPairRow& row = batch->emplace_back();
    row.set_row_number(row_);
    row.mutable_pair()->set_external_id_a(std::move(fields[0]));
    row.mutable_pair()->set_external_id_b(std::move(fields[1]));
    ++added;
  }
  return true;
}

}  // namespace parley::client
