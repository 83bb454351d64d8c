#ifndef PARLEY_SERVICES_MATCH_PROFILE_H_
#define PARLEY_SERVICES_MATCH_PROFILE_H_

// Plain input structs of the matching engine: what one attendee says about themselves and what
// the event's policy is. No dependencies on storage or RPC types; the server converts its
// records into these (tags already normalised: lower case, trimmed, see NormalizeTag()).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/match/graph.h"

namespace parley::match {

// One interest with how much the attendee cares about it.
struct Interest {
  std::string tag;
  // 1 (curious) .. 3 (passionate). Values outside are clamped. Default: 1.
  int weight = 1;
};

// One attendee of one event. Indices (wants, avoid) refer to positions in the vector of profiles
// handed to the engine.
struct Profile {
  std::vector<Interest> interests;
  // Things this attendee can give (e.g. "rust mentoring", "investment") and is looking for. Same
  // tag space as each other: a's seek matches b's offer when the strings are equal.
  std::vector<std::string> offers;
  std::vector<std::string> seeks;
  // Empty = none given; then the same-organisation rule never applies to this attendee.
  std::string organisation;
  // Spoken languages. Empty = not given: then any partner is fine.
  std::vector<std::string> languages;
  // Meetings wanted at most. 0 = opted out: never a candidate, never gets candidates.
  int32_t budget = 3;
  // Slots this attendee can meet in (bit s = slot s). Default: every slot.
  SlotMask availability = ~SlotMask{0};
  // People this attendee asked to meet, and people they never want to meet.
  std::vector<Index> wants;
  std::vector<Index> avoid;
};

// A pair suggested by somebody (an organiser, a mutual contact). Hook for later: the bonus is
// added to both directions of the pair's score.
struct Introduction {
  Index a = 0;
  Index b = 0;
  // Who introduced them (an attendee index), or kNoIntroducer.
  Index by = kNoIntroducer;
  static constexpr Index kNoIntroducer = ~Index{0};
};

// Event-level rules that make pairs infeasible.
struct MatchPolicy {
  // Never pair two attendees of the same (non-empty) organisation. Default: true.
  bool avoid_same_organisation = true;
};

// Lower case ASCII, trims and collapses whitespace ("  Rust  Mentoring " -> "rust mentoring").
// Non-ASCII bytes are kept as they are. Provided for callers and tools; the engine compares tags
// as given.
std::string NormalizeTag(absl::string_view tag);

}  // namespace parley::match

#endif  // PARLEY_SERVICES_MATCH_PROFILE_H_
