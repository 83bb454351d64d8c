#ifndef PARLEY_SERVICES_DOMAIN_LANGUAGES_H_
#define PARLEY_SERVICES_DOMAIN_LANGUAGES_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

// Languages are a hard constraint of matching (two attendees who both list languages must share
// one), so "English", "en", "eng" and "EN-gb" must be the same language. One table, built once
// from ICU's data, maps codes and names to ISO 639-1.
namespace parley::domain {

// The ISO 639-1 code (two lowercase letters) of `text`, which may be an ISO 639-1 or 639-2/T
// code ("en", "eng"), a language tag with a region or script ("en-GB", "zh_Hant"), or the
// language's name in English or in itself ("English", "Deutsch", "français", "日本語"), in any
// case and with surrounding whitespace. nullopt if ICU knows no such language, or the language
// has no two-letter code. Thread-safe (the table is built on first use).
std::optional<std::string> LanguageCode(absl::string_view text);

}  // namespace parley::domain

#endif  // PARLEY_SERVICES_DOMAIN_LANGUAGES_H_
