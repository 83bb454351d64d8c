#ifndef PARLEY_TOOLS_MATCH_JSON_LINE_H_
#define PARLEY_TOOLS_MATCH_JSON_LINE_H_

// A flat JSON object built field by field, in insertion order, printed on one line. Enough for
// benchmark reports; values are numbers, booleans or plain strings.

#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace parley::tools {

class JsonLine {
 public:
  void Int(const std::string& key, int64_t value) { fields_.push_back({key, absl::StrCat(value)}); }
  // Non-finite numbers are written as null.
  void Double(const std::string& key, double value) {
    fields_.push_back({key, std::isfinite(value) ? absl::StrFormat("%.6g", value) : "null"});
  }
  void Bool(const std::string& key, bool value) {
    fields_.push_back({key, value ? "true" : "false"});
  }
  void String(const std::string& key, const std::string& value) {
    std::string quoted = "\"";
    for (char ch : value) {
      if (ch == '"' || ch == '\\') quoted.push_back('\\');
      if (static_cast<unsigned char>(ch) < 0x20) {
        absl::StrAppendFormat(&quoted, "\\u%04x", ch);
        continue;
      }
      quoted.push_back(ch);
    }
    quoted.push_back('"');
    fields_.push_back({key, quoted});
  }
  // `json` must already be valid JSON (a nested object built by another JsonLine).
  void Raw(const std::string& key, const std::string& json) { fields_.push_back({key, json}); }
  std::string ToString() const {
    std::string out = "{";
    for (size_t i = 0; i < fields_.size(); ++i) {
      absl::StrAppend(&out, i == 0 ? "" : ",", "\"", fields_[i].first, "\":", fields_[i].second);
    }
    out.push_back('}');
    return out;
  }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

}  // namespace parley::tools

#endif  // PARLEY_TOOLS_MATCH_JSON_LINE_H_
