#include "services/domain/languages.h"

#include <unicode/locid.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/strip.h"

namespace parley::domain {
namespace {

// Full Unicode case folding, so "FRANÇAIS" finds "français". ASCII (nearly every value an
// import sees) without ICU.
std::string Fold(absl::string_view text) {
  if (std::all_of(text.begin(), text.end(), [](char c) { return absl::ascii_isascii(c); })) {
    return absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  }
  icu::UnicodeString s = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  s.foldCase();
  s.trim();
  std::string out;
  s.toUTF8String(out);
  return out;
}

using Table = absl::flat_hash_map<std::string, std::string>;

// Codes and names (English and native) of every language with a two-letter code that ICU has
// data for.
const Table& LanguageTable() {
  static const Table* const table = [] {
    auto* t = new Table;
    for (const char* const* code = icu::Locale::getISOLanguages(); *code != nullptr; ++code) {
      const std::string two(*code);
      if (two.size() != 2) continue;
      const icu::Locale locale(two.c_str());
      t->emplace(two, two);
      const std::string three = locale.getISO3Language();
      if (!three.empty()) t->emplace(three, two);
      icu::UnicodeString english, native;
      locale.getDisplayLanguage(icu::Locale::getEnglish(), english);
      locale.getDisplayLanguage(locale, native);
      for (const icu::UnicodeString* name : {&english, &native}) {
        std::string utf8;
        name->toUTF8String(utf8);
        // ICU answers with the code itself when it has no name.
        if (utf8.empty() || utf8 == two) continue;
        t->emplace(Fold(utf8), two);
      }
    }
    return t;
  }();
  return *table;
}

}  // namespace

std::optional<std::string> LanguageCode(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  if (text.empty()) return std::nullopt;
  const Table& table = LanguageTable();
  const std::string folded = Fold(text);
  if (auto it = table.find(folded); it != table.end()) return it->second;
  // A tag: the language subtag before the region or script.
  const size_t cut = folded.find_first_of("-_");
  if (cut != std::string::npos && cut > 0) {
    if (auto it = table.find(folded.substr(0, cut)); it != table.end()) return it->second;
  }
  // "English (UK)".
  const size_t paren = folded.find(" (");
  if (paren != std::string::npos && paren > 0) {
    if (auto it = table.find(folded.substr(0, paren)); it != table.end()) return it->second;
  }
  return std::nullopt;
}

}  // namespace parley::domain
