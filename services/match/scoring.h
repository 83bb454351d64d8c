#ifndef PARLEY_SERVICES_MATCH_SCORING_H_
#define PARLEY_SERVICES_MATCH_SCORING_H_

// Reciprocal scoring of attendee pairs.
//
// Every profile is compiled once into sparse integer vectors over an event-wide tag dictionary.
// Tags are compared on their keys (tags.h): singular/plural, hyphen/space and the acronyms the
// event spells out are one tag.
// Tag weights come from rarity (IDF) and are frozen when the problem is created, so that scores
// stay comparable while profiles are added or edited (see MatchProblem::SetProfile()).
//
// THE FORMULA. All sums are in fixed point: one "point" is 1/ScoringOptions::scale.
//
//   idf_I(t) = ln(1 + N / df_I(t))^p   df_I(t): profiles listing t as an interest
//   idf_O(t) = ln(1 + N / df_O(t))^p   df_O(t): profiles offering t
//   (p = rarity_exponent; N = attendees when the problem was created)
//
//   shared(a,b) = sum over t in I_a ∩ I_b of  min(w_a(t), w_b(t)) * idf_I(t)      (w in 1..3)
//
//   u(a->b) = shared(a,b)                                  what they both love
//           + seek_weight * sum over t in S_a ∩ O_b of idf_O(t)   a gets what a is looking for
//           + give_weight * sum over t in O_a ∩ S_b of idf_O(t)   a can help b (a little reward)
//           + wish_bonus   if a asked to meet b
//           + wished_bonus if b asked to meet a
//           + introduction_bonus if somebody introduced a and b
//           + open_pairing if neither a nor b lists an interest (an "open pairing": people with
//             thin profiles still meet each other, plainly labelled as such)
//
//   pair(a,b) = HM(u(a->b), u(b->a)) * (1 + bridge_organisation * [orgs differ])
//                                     * (1 + bridge_cluster * [interest clusters differ])
//   HM(x, y) = 2xy / (x + y), and 0 when x or y is 0: a one-sided pair ranks low.
//
//   Weight = max(1, round(pair * scale)) for a feasible pair with pair > 0, else 0 (no edge).
//
// Each idf is rounded to an integer number of points once, so a pair's weight is the same
// integer whichever side computes it, in whatever order the terms are added.
//
// An attendee's interest cluster is their primary interest: the highest-weighted one, the most
// common among those, then the smallest tag id. Orgs/clusters "differ" only when both are known.
//
// HARD CONSTRAINTS (weight 0, never an edge): a == b; either budget is 0; no common available
// slot; either avoids the other; same non-empty organisation when
// MatchPolicy::avoid_same_organisation; both list languages and share none; the pair is in
// MatchInput::excluded_pairs (met within the freeze window, declined before, ...).
//
// Thread-safety: a const MatchProblem may be read from any number of threads. SetProfile()
// needs exclusive access.

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/match/graph.h"
#include "services/match/profile.h"
#include "services/match/tags.h"

namespace parley::match {

struct ScoringOptions {
  // Points per unit of the formula above. Default: 100 (weights of typical pairs are 500-5000).
  double scale = 100.0;
  // p in rarity = idf^p: how much more rare tags count than common ones. With 2, a tag in 10
  // of 150,000 profiles counts 8x one in 10% of them and 140x one in 78%. Default: 2.0.
  double rarity_exponent = 2.0;
  // Multiplier of idf_O for what a seeks and b offers. Default: 2.0.
  double seek_weight = 2.0;
  // Multiplier of idf_O for what a offers and b seeks. Default: 0.5.
  double give_weight = 0.5;
  // Added to u(a->b) when a asked to meet b. Default: 25 (about one shared tag that 1 in 300
  // attendees list).
  double wish_bonus = 25.0;
  // Added to u(a->b) when b asked to meet a. Default: 8.
  double wished_bonus = 8.0;
  // Added to both directions of an introduced pair. Default: 15.
  double introduction_bonus = 15.0;
  // Pair multiplier bonus for different organisations / interest clusters. Default: 0.1 each.
  double bridge_organisation = 0.1;
  double bridge_cluster = 0.1;
  // Added to both directions when neither attendee lists an interest ("open" attendees): two
  // thin profiles can still meet, below any pair with something real in common (a tag in 78% of
  // profiles is worth about 0.7). 0 = thin profiles meet only through offers, seeks, wishes and
  // introductions. Default: 0.5.
  double open_pairing = 0.5;

  // Speed knobs of candidate generation; they never change a score. The costliest tags to search
  // through posting lists (interest t: df_I(t)^2 / N visits per attendee on average; offer/seek
  // t: 2 df_O(t) df_S(t) / N) become "head" tags, scored through 64-bit masks and never used to
  // find partners, until the average search visits at most max_postings_per_attendee entries or
  // max_head_tags (<= 64) head tags of a kind are taken; a tag costing under 1% of the budget is
  // never a head tag. Fewer visits: faster, lower recall.
  // Default: 1000 and 64.
  double max_postings_per_attendee = 1000.0;
  int max_head_tags = 64;
};

// Everything the engine needs about one event.
struct MatchInput {
  std::vector<Profile> profiles;
  MatchPolicy policy;
  // Pairs that must never be proposed (history: met within the freeze window and not both asked
  // to follow up, declined before). Either order.
  std::vector<std::pair<Index, Index>> excluded_pairs;
  std::vector<Introduction> introductions;
};

using TagId = uint32_t;

// A tag with its interest weight (1..3).
struct WeightedTag {
  TagId tag;
  uint8_t weight;
};

// A profile compiled against the event's dictionaries. Vectors are sorted by id, no duplicates.
struct CompiledProfile {
  int32_t budget = 0;
  int32_t organisation = -1;  // -1: none
  int32_t cluster = -1;       // primary interest tag, -1: no interests
  SlotMask availability = 0;
  std::vector<Index> avoid;
  std::vector<WeightedTag> interests;
  std::vector<TagId> offers;
  std::vector<TagId> seeks;
  std::vector<uint16_t> languages;
  std::vector<Index> wants;
  // Partner and introducer of every introduction this attendee is part of, sorted by partner.
  std::vector<std::pair<Index, Index>> introductions;
};

// What candidate search reads for every visited partner, in one cache line.
struct alignas(64) SearchProfile {
  SlotMask availability = 0;  // 0 when the budget is 0
  // Bit (language id % 63); bit 63 (kSlowCheck) = the attendee is part of an avoid relation or
  // an excluded pair, so pairs with them take the full Feasible() check.
  uint64_t language_mask = 0;
  // Head-tag masks: interests with weight >= 1, >= 2, == 3; offers; seeks.
  uint64_t head_interest[3] = {0, 0, 0};
  uint64_t head_offers = 0;
  uint64_t head_seeks = 0;
  int32_t organisation = -1;
  int32_t cluster = -1;
  static constexpr uint64_t kSlowCheck = uint64_t{1} << 63;
};

// Calls fn(id) for every id in both sorted, duplicate-free lists, in ascending order.
template <typename T, typename Fn>
void ForEachCommon(const std::vector<T>& x, const std::vector<T>& y, Fn fn) {
  for (size_t i = 0, j = 0; i < x.size() && j < y.size();) {
    if (x[i] < y[j]) {
      ++i;
    } else if (y[j] < x[i]) {
      ++j;
    } else {
      fn(x[i]);
      ++i;
      ++j;
    }
  }
}

// Calls fn(tag, min(weight in x, weight in y)) for every interest both profiles list.
template <typename Fn>
void ForEachSharedInterest(const CompiledProfile& x, const CompiledProfile& y, Fn fn) {
  for (size_t i = 0, j = 0; i < x.interests.size() && j < y.interests.size();) {
    const WeightedTag& p = x.interests[i];
    const WeightedTag& q = y.interests[j];
    if (p.tag < q.tag) {
      ++i;
    } else if (q.tag < p.tag) {
      ++j;
    } else {
      fn(p.tag, std::min(p.weight, q.weight));
      ++i;
      ++j;
    }
  }
}

// Both directions of a pair's score, in points, and the resulting weight.
struct PairScore {
  int64_t gain_ab = 0;  // u(a->b)
  int64_t gain_ba = 0;  // u(b->a)
  bool feasible = false;
  Weight weight = 0;
};

// Per-tag frozen data. One TagInfo per tag key (tags.h): "LLMs", "llm" and "large language
// models (LLM)" are one tag when the event shows the acronym.
struct TagInfo {
  // The spelling most of the tag's holders used when the problem was created (ties: the first
  // seen); a tag first seen in SetProfile() keeps its first spelling. For display only.
  std::string name;
  int32_t df_interest = 0;  // live counts (updated by SetProfile)
  int32_t df_offer = 0;
  int32_t df_seek = 0;
  int32_t interest_points = 0;  // round(scale * idf_I), frozen
  int32_t seek_points = 0;      // round(scale * seek_weight * idf_O), frozen
  int32_t give_points = 0;      // round(scale * give_weight * idf_O), frozen
  int8_t interest_head_bit = -1;
  int8_t trade_head_bit = -1;  // offer/seek head bit
};

// An event's attendees compiled for scoring. Copyable (the candidate index keeps its own copy).
class MatchProblem {
 public:
  // INVALID_ARGUMENT when an index (wants, avoid, excluded pair, introduction) is out of range.
  static absl::StatusOr<MatchProblem> Create(const MatchInput& input,
                                             const ScoringOptions& options = {});

  Index num_attendees() const { return static_cast<Index>(profiles_.size()); }
  const ScoringOptions& options() const { return options_; }
  const MatchPolicy& policy() const { return policy_; }
  const CompiledProfile& profile(Index a) const { return profiles_[a]; }
  const SearchProfile& search_profile(Index a) const { return search_[a]; }
  const TagInfo& tag(TagId t) const { return tags_[t]; }
  size_t num_tags() const { return tags_.size(); }
  // Returns false when no tag of the dictionary has `name`'s key (any spelling of it).
  bool FindTag(absl::string_view name, TagId* id) const;
  const std::string& organisation_name(int32_t org) const { return organisations_[org]; }
  // Attendees that asked to meet `a`, sorted.
  const std::vector<Index>& wanted_by(Index a) const { return wanted_by_[a]; }
  // Points of the head bits (index = bit).
  const int32_t* head_interest_points() const { return head_interest_points_; }
  const int32_t* head_seek_points() const { return head_seek_points_; }
  const int32_t* head_give_points() const { return head_give_points_; }
  int32_t wish_points() const { return wish_points_; }
  int32_t wished_points() const { return wished_points_; }
  int32_t introduction_points() const { return introduction_points_; }
  int32_t open_points() const { return open_points_; }
  // Lists no interest: open pairings with other open attendees (ScoringOptions::open_pairing).
  bool IsOpen(Index a) const { return profiles_[a].interests.empty(); }
  static bool IsOpen(const SearchProfile& p) { return p.cluster < 0; }
  // (1 + bridge_organisation) * (1 + bridge_cluster): the largest bridging factor.
  double max_bridge_factor() const { return max_bridge_; }

  // Hard constraints only.
  bool Feasible(Index a, Index b) const;
  // True when either lists no language or they share one.
  bool ShareLanguage(Index a, Index b) const;
  // Feasible() from the search profiles, reading the full profiles only for flagged attendees.
  bool FeasibleFast(Index a, const SearchProfile& pa, Index b, const SearchProfile& pb) const {
    if ((pa.availability & pb.availability) == 0 || a == b) return false;
    if (policy_.avoid_same_organisation && pa.organisation >= 0 &&
        pa.organisation == pb.organisation) {
      return false;
    }
    const uint64_t la = pa.language_mask & ~SearchProfile::kSlowCheck;
    const uint64_t lb = pb.language_mask & ~SearchProfile::kSlowCheck;
    if (la != 0 && lb != 0 && (la & lb) == 0) return false;
    const bool slow_a = (pa.language_mask & SearchProfile::kSlowCheck) != 0;
    const bool slow_b = (pb.language_mask & SearchProfile::kSlowCheck) != 0;
    if ((slow_a || slow_b) && !PassesPairLists(a, slow_a, b, slow_b)) return false;
    return language_ids_.size() <= 63 || ShareLanguage(a, b);
  }
  // The reference scorer: merges the two profiles, no masks, no indexes. Used by tests, recall
  // measurement and explanations.
  PairScore Score(Index a, Index b) const;
  // Weight of a feasible pair from its two gains: bridging, harmonic mean, quantisation.
  // Symmetric: Combine(a, b, x, y) == Combine(b, a, y, x).
  Weight Combine(const SearchProfile& pa, const SearchProfile& pb, int64_t gain_ab,
                 int64_t gain_ba) const;
  // Gains contributed by head tags (masks) and the open pairing (both open).
  void HeadGains(const SearchProfile& pa, const SearchProfile& pb, int64_t* gain_ab,
                 int64_t* gain_ba) const;
  // Gains contributed by wishes and introductions only.
  void BonusGains(Index a, Index b, int64_t* gain_ab, int64_t* gain_ba) const;

  // Replaces attendee x's profile (x < num_attendees()) or appends one (x == num_attendees()).
  // Tag weights and head tags stay frozen; tags never seen get weights from their current
  // document frequency against the frozen N. Introductions and excluded pairs are kept.
  // INVALID_ARGUMENT on out-of-range indices or x > num_attendees().
  absl::Status SetProfile(Index x, const Profile& profile);
  // Makes {a, b} infeasible from now on (a decline, a meeting in the freeze window).
  // INVALID_ARGUMENT when an index is out of range.
  absl::Status ExcludePair(Index a, Index b);

 private:
  CompiledProfile Compile(const Profile& p);
  // The tag of `name` (any spelling of its key), added when new; counts the spelling's use while
  // count_spellings_.
  TagId InternTag(const std::string& name);
  void ChooseDisplayNames();
  void CountTags(const CompiledProfile& c, int delta);
  void FreezeTag(TagInfo* info) const;
  SearchProfile MakeSearchProfile(const CompiledProfile& c) const;
  // Avoid lists (either way) and excluded pairs. An attendee that is in no avoid relation and no
  // excluded pair (flagged false) needs no look at its list.
  bool PassesPairLists(Index a, bool flagged_a, Index b, bool flagged_b) const;
  void FlagSlowCheck(Index a);
  void ComputeCluster(CompiledProfile* c) const;
  absl::Status CheckIndices(const Profile& p, Index n, size_t row) const;
  static uint64_t PairKey(Index a, Index b);

  ScoringOptions options_;
  MatchPolicy policy_;
  double frozen_n_ = 1.0;
  std::vector<CompiledProfile> profiles_;
  std::vector<SearchProfile> search_;
  std::vector<std::vector<Index>> wanted_by_;
  std::vector<TagInfo> tags_;
  absl::flat_hash_map<std::string, TagId> tag_ids_;  // by key (tags.h)
  TagAliases aliases_;
  // Every spelling seen: a spelling interned before skips the key computation. Uses are counted
  // while the problem is created (count_spellings_) to choose the display names.
  struct Spelling {
    TagId tag;
    int32_t uses;
  };
  absl::flat_hash_map<std::string, uint32_t> spelling_ids_;
  std::vector<Spelling> spellings_;
  bool count_spellings_ = false;
  std::vector<std::string> organisations_;
  absl::flat_hash_map<std::string, int32_t> organisation_ids_;
  absl::flat_hash_map<std::string, uint16_t> language_ids_;
  absl::flat_hash_set<uint64_t> excluded_;
  int32_t head_interest_points_[64] = {};
  int32_t head_seek_points_[64] = {};
  int32_t head_give_points_[64] = {};
  int32_t wish_points_ = 0;
  int32_t wished_points_ = 0;
  int32_t introduction_points_ = 0;
  int32_t open_points_ = 0;
  double max_bridge_ = 1.0;
};

}  // namespace parley::match

#endif  // PARLEY_SERVICES_MATCH_SCORING_H_
