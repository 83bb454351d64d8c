#include "services/match/tags.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace parley::match {
namespace {

bool EndsWith(const std::string& word, absl::string_view suffix) {
  return word.size() >= suffix.size() &&
         absl::string_view(word).substr(word.size() - suffix.size()) == suffix;
}

bool IsAsciiWord(const std::string& word) {
  for (char c : word) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// The singular of one lower-case word (see the header for why this rule and not a stemmer).
void Singularise(std::string* word) {
  if (word->size() <= 3 || !IsAsciiWord(*word) || word->back() != 's') return;
  if (EndsWith(*word, "ies") && word->size() > 4 && !EndsWith(*word, "eies") &&
      !EndsWith(*word, "aies")) {
    word->replace(word->size() - 3, 3, "y");
  } else if (EndsWith(*word, "sses") || EndsWith(*word, "xes") || EndsWith(*word, "ches") ||
             EndsWith(*word, "shes")) {
    word->resize(word->size() - 2);
  } else if (!EndsWith(*word, "ss") && !EndsWith(*word, "us") && !EndsWith(*word, "is")) {
    word->pop_back();
  }
}

bool IsStopWord(absl::string_view word) {
  static const auto* const kStop = new absl::flat_hash_set<absl::string_view>{
      "of", "and", "for", "the", "in", "on", "to", "with", "a", "an", "by", "from"};
  return kStop->contains(word);
}

// Whether `acronym` (lower-case letters and digits) can be read from `words`: every word that
// is not a stop word gives its first letter and then, optionally, more of its letters in order
// ("autoencoder" gives "ae" in "vae"); stop words may give nothing.
bool ReadsAs(absl::string_view acronym, const std::vector<std::string>& words, size_t w) {
  if (w == words.size()) return acronym.empty();
  const std::string& word = words[w];
  if (IsStopWord(word) && ReadsAs(acronym, words, w + 1)) return true;
  if (acronym.empty() || word.empty() || acronym[0] != word[0]) return false;
  // Take acronym[1..k) from the rest of the word as a subsequence, shortest first.
  size_t pos = 1;
  for (size_t k = 1;; ++k) {
    if (ReadsAs(acronym.substr(k), words, w + 1)) return true;
    if (k >= acronym.size()) return false;
    pos = word.find(acronym[k], pos);
    if (pos == std::string::npos) return false;
    ++pos;
  }
}

bool IsAcronymOf(std::string acronym, absl::string_view expansion) {
  std::string letters;
  for (char c : acronym) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) letters.push_back(c);
  }
  std::vector<std::string> words;
  for (absl::string_view w : absl::StrSplit(expansion, absl::ByAnyChar(" -/"), absl::SkipEmpty())) {
    words.emplace_back(w);
  }
  if (letters.size() < 2 || letters.size() > 10 || words.size() < 2) return false;
  if (ReadsAs(letters, words, 0)) return true;
  // "LLMs": a plural acronym.
  return letters.back() == 's' && letters.size() > 2 &&
         ReadsAs(absl::string_view(letters).substr(0, letters.size() - 1), words, 0);
}

}  // namespace

std::string TagKey(absl::string_view tag) {
  std::string spaced;
  spaced.reserve(tag.size());
  for (size_t i = 0; i < tag.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(tag[i]);
    if (c == '-' || c == '_') {
      spaced.push_back(' ');
    } else if (c == 0xE2 && i + 2 < tag.size() && static_cast<unsigned char>(tag[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(tag[i + 2]) == 0x93 ||
                static_cast<unsigned char>(tag[i + 2]) == 0x90)) {
      spaced.push_back(' ');  // en dash, hyphen
      i += 2;
    } else {
      spaced.push_back(static_cast<char>(absl::ascii_tolower(c)));
    }
  }
  std::string key;
  key.reserve(spaced.size());
  for (absl::string_view piece :
       absl::StrSplit(spaced, absl::ByAnyChar(" \t\n\r\f\v"), absl::SkipEmpty())) {
    std::string word(piece);
    Singularise(&word);
    if (!key.empty()) key.push_back(' ');
    key += word;
  }
  return key;
}

bool HasTagKey(absl::string_view tag, absl::string_view key) {
  if (key.empty()) return TagKey(tag).empty();  // a tag of separators only
  if (tag.size() < key.size()) return false;    // TagKey never lengthens
  // The key starts with the tag's first character past separators, lowered (unless that is a
  // non-ASCII byte: an en dash is a separator too).
  size_t first = 0;
  while (first < tag.size() && (tag[first] == '-' || tag[first] == '_' ||
                                absl::ascii_isspace(static_cast<unsigned char>(tag[first])))) {
    ++first;
  }
  if (first < tag.size() && static_cast<unsigned char>(tag[first]) < 0x80 &&
      absl::ascii_tolower(static_cast<unsigned char>(tag[first])) != key[0]) {
    return false;
  }
  return TagKey(tag) == key;
}

bool SplitAcronym(absl::string_view tag, std::string* expansion, std::string* acronym) {
  const std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(tag));
  if (lower.size() < 4 || lower.back() != ')') return false;
  const size_t open = lower.rfind('(');
  if (open == std::string::npos || open == 0) return false;
  const std::string outer(absl::StripAsciiWhitespace(absl::string_view(lower).substr(0, open)));
  const std::string inner(absl::StripAsciiWhitespace(
      absl::string_view(lower).substr(open + 1, lower.size() - open - 2)));
  if (outer.empty() || inner.empty() || inner.find('(') != std::string::npos) return false;
  const bool inner_short = inner.find(' ') == std::string::npos;
  const bool outer_short = outer.find(' ') == std::string::npos;
  if (inner_short && IsAcronymOf(inner, outer)) {
    *expansion = outer;
    *acronym = inner;
    return true;
  }
  if (outer_short && IsAcronymOf(outer, inner)) {
    *expansion = inner;
    *acronym = outer;
    return true;
  }
  return false;
}

namespace {

// Every "expansion (ACR)" inside `tag` (IJCAI-style "machine learning (ml): general" too): the
// expansion is the fewest words before the parenthesis that spell the acronym.
std::vector<std::pair<std::string, std::string>> InnerAcronyms(absl::string_view tag) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::string lower = absl::AsciiStrToLower(tag);
  for (size_t open = lower.find('('); open != std::string::npos; open = lower.find('(', open + 1)) {
    const size_t close = lower.find(')', open);
    if (close == std::string::npos) break;
    const std::string acronym(
        absl::StripAsciiWhitespace(absl::string_view(lower).substr(open + 1, close - open - 1)));
    if (acronym.empty() || acronym.find(' ') != std::string::npos) continue;
    std::vector<std::string> words;
    for (absl::string_view w : absl::StrSplit(absl::string_view(lower).substr(0, open),
                                              absl::ByAnyChar(" :;,"), absl::SkipEmpty())) {
      words.emplace_back(w);
    }
    for (size_t k = 2; k <= words.size() && k <= 2 * acronym.size() + 2; ++k) {
      std::string expansion;
      for (size_t i = words.size() - k; i < words.size(); ++i) {
        if (!expansion.empty()) expansion.push_back(' ');
        expansion += words[i];
      }
      if (IsAcronymOf(acronym, expansion)) {
        out.emplace_back(std::move(expansion), acronym);
        break;
      }
    }
  }
  return out;
}

}  // namespace

TagAliases TagAliases::Learn(const std::vector<absl::string_view>& tags) {
  TagAliases aliases;
  absl::flat_hash_set<std::string> ambiguous;
  absl::flat_hash_map<std::string, std::string> acronyms;
  auto learn_acronym = [&](const std::string& acronym, const std::string& target) {
    const std::string short_key = TagKey(acronym);
    if (short_key == target || ambiguous.contains(short_key)) return;
    auto [it, inserted] = acronyms.try_emplace(short_key, target);
    if (!inserted && it->second != target) {
      ambiguous.insert(short_key);
      acronyms.erase(it);
    }
  };
  for (absl::string_view tag : tags) {
    std::string expansion, acronym;
    if (SplitAcronym(tag, &expansion, &acronym)) {
      const std::string target = TagKey(expansion);
      const std::string whole = TagKey(tag);
      if (whole != target) aliases.to_expansion_[whole] = target;
      learn_acronym(acronym, target);
      continue;
    }
    for (const auto& [inner_expansion, inner_acronym] : InnerAcronyms(tag)) {
      learn_acronym(inner_acronym, TagKey(inner_expansion));
    }
  }
  for (auto& [short_key, target] : acronyms) aliases.to_expansion_[short_key] = target;
  return aliases;
}

std::string TagAliases::Key(absl::string_view tag) const {
  std::string key = TagKey(tag);
  auto it = to_expansion_.find(key);
  return it == to_expansion_.end() ? key : it->second;
}

}  // namespace parley::match
