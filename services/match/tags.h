#ifndef PARLEY_SERVICES_MATCH_TAGS_H_
#define PARLEY_SERVICES_MATCH_TAGS_H_

// How the engine decides that two tags are the same: people write one keyword many ways ("LLM",
// "llms", "large language models (LLMs)", "graph-neural-network", "Graph neural networks"), and a
// shared interest or an offer/seek must not be missed because of the spelling.
//
// THE RULE. Two tags are the same when their keys are equal:
//   TagKey(tag):  ASCII lower case; '-', '_' and '–' become spaces; whitespace trimmed and
//                 collapsed; each ASCII word in singular form ("models" -> "model",
//                 "libraries" -> "library", "approaches" -> "approach"; "analysis", "focus",
//                 "class" stay). Non-ASCII text is compared as given (the server folds it).
//   Acronyms:     only where the event itself shows the pair. A tag "expansion (ACR)" or
//                 "ACR (expansion)" whose acronym is the initials of the expansion's words
//                 (stop words such as "of" may be skipped; a plural "s" on the acronym is
//                 ignored) makes the acronym, the expansion and the whole tag one tag. An
//                 acronym spelled out inside a longer tag ("machine learning (ML): general")
//                 makes the acronym and the expansion one tag. An acronym the event expands two
//                 different ways stays as written.
//
// Singular forms come from a short suffix rule (Harman's "S" stemmer with the -ches/-shes/-xes/
// -sses plurals) rather than a full stemmer: Porter/Snowball also merge words that are not the
// same topic ("organization" and "organ", "generalization" and "general", "university" and
// "universe"), which would invent shared interests.
//
// Pure functions and a value type; thread-compatible.

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"

namespace parley::match {

// The comparison key of one tag, without acronym aliases. Idempotent, and never longer than
// `tag`.
std::string TagKey(absl::string_view tag);

// TagKey(tag) == key, for a `key` that is some tag's TagKey. Most tags that differ are told apart
// without keying them (by length and first character), for callers that check one key against
// many tags.
bool HasTagKey(absl::string_view tag, absl::string_view key);

// The acronym pairs one event shows, as key -> key of the expansion.
class TagAliases {
 public:
  // Learns from every distinct tag (interests, offers and seeks) of the event.
  static TagAliases Learn(const std::vector<absl::string_view>& tags);

  // The key `tag` is compared on: TagKey(tag), or the key of its expansion.
  std::string Key(absl::string_view tag) const;
  size_t size() const { return to_expansion_.size(); }

 private:
  absl::flat_hash_map<std::string, std::string> to_expansion_;
};

// Splits "expansion (ACR)" / "ACR (expansion)" into the expansion and the acronym when the
// acronym is the initials of the expansion; false otherwise. Exposed for tests.
bool SplitAcronym(absl::string_view tag, std::string* expansion, std::string* acronym);

}  // namespace parley::match

#endif  // PARLEY_SERVICES_MATCH_TAGS_H_
