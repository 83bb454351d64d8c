#include "services/match/scoring.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace parley::match {
namespace {

int32_t Points(double value) {
  return static_cast<int32_t>(std::min<double>(std::llround(value), 1 << 30));
}

template <typename T>
void SortUnique(std::vector<T>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

// Sum of points[bit] over the set bits of `mask`.
int64_t SumBits(uint64_t mask, const int32_t* points) {
  int64_t sum = 0;
  while (mask != 0) {
    sum += points[__builtin_ctzll(mask)];
    mask &= mask - 1;
  }
  return sum;
}

// Sum of `points(t)` over t in both sorted id lists.
template <typename PointsFn>
int64_t SumCommon(const std::vector<TagId>& x, const std::vector<TagId>& y, PointsFn points) {
  int64_t sum = 0;
  ForEachCommon(x, y, [&](TagId t) { sum += points(t); });
  return sum;
}

}  // namespace

uint64_t MatchProblem::PairKey(Index a, Index b) {
  if (a > b) std::swap(a, b);
  return (static_cast<uint64_t>(a) << 32) | b;
}

bool MatchProblem::FindTag(absl::string_view name, TagId* id) const {
  if (auto spelled = spelling_ids_.find(name); spelled != spelling_ids_.end()) {
    *id = spellings_[spelled->second].tag;
    return true;
  }
  auto it = tag_ids_.find(aliases_.Key(name));
  if (it == tag_ids_.end()) return false;
  *id = it->second;
  return true;
}

TagId MatchProblem::InternTag(const std::string& name) {
  auto [spelled, new_spelling] =
      spelling_ids_.try_emplace(name, static_cast<uint32_t>(spellings_.size()));
  if (new_spelling) {
    auto [it, inserted] =
        tag_ids_.try_emplace(aliases_.Key(name), static_cast<TagId>(tags_.size()));
    if (inserted) {
      tags_.emplace_back();
      tags_.back().name = name;
    }
    spellings_.push_back({it->second, 0});
  }
  Spelling& spelling = spellings_[spelled->second];
  if (count_spellings_) ++spelling.uses;
  return spelling.tag;
}

void MatchProblem::ChooseDisplayNames() {
  std::vector<const std::string*> names(spellings_.size());
  for (const auto& [name, index] : spelling_ids_) names[index] = &name;
  std::vector<int32_t> best(tags_.size(), 0);
  // In the order first seen, so that ties go to the first spelling whatever the hash order.
  for (size_t i = 0; i < spellings_.size(); ++i) {
    const Spelling& s = spellings_[i];
    if (s.uses > best[s.tag]) {
      best[s.tag] = s.uses;
      tags_[s.tag].name = *names[i];
    }
  }
}

CompiledProfile MatchProblem::Compile(const Profile& p) {
  CompiledProfile c;
  c.interests.reserve(p.interests.size());
  for (const Interest& interest : p.interests) {
    if (interest.tag.empty()) continue;
    c.interests.push_back(
        {InternTag(interest.tag), static_cast<uint8_t>(std::clamp(interest.weight, 1, 3))});
  }
  // Sort by tag, heaviest first, and keep the first of each tag.
  std::sort(c.interests.begin(), c.interests.end(), [](const WeightedTag& x, const WeightedTag& y) {
    return x.tag != y.tag ? x.tag < y.tag : x.weight > y.weight;
  });
  c.interests.erase(
      std::unique(c.interests.begin(), c.interests.end(),
                  [](const WeightedTag& x, const WeightedTag& y) { return x.tag == y.tag; }),
      c.interests.end());
  for (const std::string& t : p.offers) {
    if (!t.empty()) c.offers.push_back(InternTag(t));
  }
  for (const std::string& t : p.seeks) {
    if (!t.empty()) c.seeks.push_back(InternTag(t));
  }
  SortUnique(&c.offers);
  SortUnique(&c.seeks);
  for (const std::string& language : p.languages) {
    if (language.empty()) continue;
    auto [it, inserted] =
        language_ids_.try_emplace(language, static_cast<uint16_t>(language_ids_.size()));
    c.languages.push_back(it->second);
  }
  SortUnique(&c.languages);
  if (!p.organisation.empty()) {
    auto [it, inserted] =
        organisation_ids_.try_emplace(p.organisation, static_cast<int32_t>(organisations_.size()));
    if (inserted) organisations_.push_back(p.organisation);
    c.organisation = it->second;
  }
  c.wants = p.wants;
  c.avoid = p.avoid;
  SortUnique(&c.wants);
  SortUnique(&c.avoid);
  c.budget = std::max<int32_t>(p.budget, 0);
  c.availability = p.availability;
  return c;
}

void MatchProblem::CountTags(const CompiledProfile& c, int delta) {
  for (const WeightedTag& t : c.interests) tags_[t.tag].df_interest += delta;
  for (TagId t : c.offers) tags_[t].df_offer += delta;
  for (TagId t : c.seeks) tags_[t].df_seek += delta;
}

void MatchProblem::FreezeTag(TagInfo* info) const {
  const double p = options_.rarity_exponent;
  const double idf_i = std::pow(std::log1p(frozen_n_ / std::max(info->df_interest, 1)), p);
  const double idf_o = std::pow(std::log1p(frozen_n_ / std::max(info->df_offer, 1)), p);
  // At least one point: a shared interest always counts (candidate search relies on it).
  info->interest_points = std::max(1, Points(options_.scale * idf_i));
  info->seek_points = Points(options_.scale * options_.seek_weight * idf_o);
  info->give_points = Points(options_.scale * options_.give_weight * idf_o);
}

SearchProfile MatchProblem::MakeSearchProfile(const CompiledProfile& c) const {
  SearchProfile s;
  s.availability = c.budget > 0 ? c.availability : 0;
  for (uint16_t language : c.languages) s.language_mask |= uint64_t{1} << (language % 63);
  s.organisation = c.organisation;
  s.cluster = c.cluster;
  for (const WeightedTag& t : c.interests) {
    const int bit = tags_[t.tag].interest_head_bit;
    if (bit < 0) continue;
    for (int k = 0; k < t.weight; ++k) s.head_interest[k] |= uint64_t{1} << bit;
  }
  for (TagId t : c.offers) {
    if (tags_[t].trade_head_bit >= 0) s.head_offers |= uint64_t{1} << tags_[t].trade_head_bit;
  }
  for (TagId t : c.seeks) {
    if (tags_[t].trade_head_bit >= 0) s.head_seeks |= uint64_t{1} << tags_[t].trade_head_bit;
  }
  return s;
}

void MatchProblem::FlagSlowCheck(Index a) { search_[a].language_mask |= SearchProfile::kSlowCheck; }

void MatchProblem::ComputeCluster(CompiledProfile* c) const {
  c->cluster = -1;
  int best_weight = 0;
  int32_t best_points = 0;
  for (const WeightedTag& t : c->interests) {  // ascending tag id: ties keep the smallest
    const int32_t points = tags_[t.tag].interest_points;
    if (t.weight > best_weight || (t.weight == best_weight && points < best_points)) {
      best_weight = t.weight;
      best_points = points;
      c->cluster = static_cast<int32_t>(t.tag);
    }
  }
}

absl::Status MatchProblem::CheckIndices(const Profile& p, Index n, size_t row) const {
  for (size_t i = 0; i < p.wants.size(); ++i) {
    if (p.wants[i] >= n) {
      return absl::InvalidArgumentError(
          absl::StrCat("profile ", row, ": wants[", i, "] = ", p.wants[i], " out of range"));
    }
  }
  for (size_t i = 0; i < p.avoid.size(); ++i) {
    if (p.avoid[i] >= n) {
      return absl::InvalidArgumentError(
          absl::StrCat("profile ", row, ": avoid[", i, "] = ", p.avoid[i], " out of range"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<MatchProblem> MatchProblem::Create(const MatchInput& input,
                                                  const ScoringOptions& options) {
  if (input.profiles.size() >= (size_t{1} << 30)) {
    return absl::InvalidArgumentError("profiles: at most 2^30 - 1 attendees");
  }
  const Index n = static_cast<Index>(input.profiles.size());
  MatchProblem problem;
  problem.options_ = options;
  problem.policy_ = input.policy;
  for (size_t row = 0; row < input.profiles.size(); ++row) {
    absl::Status s = problem.CheckIndices(input.profiles[row], n, row);
    if (!s.ok()) return s;
  }
  {
    // Acronyms count only where the event shows them: learn from every distinct spelling first.
    absl::flat_hash_set<absl::string_view> seen;
    std::vector<absl::string_view> spellings;
    auto add = [&](const std::string& tag) {
      if (tag.find('(') != std::string::npos && seen.insert(tag).second) spellings.push_back(tag);
    };
    for (const Profile& p : input.profiles) {
      for (const Interest& interest : p.interests) add(interest.tag);
      for (const std::string& t : p.offers) add(t);
      for (const std::string& t : p.seeks) add(t);
    }
    problem.aliases_ = TagAliases::Learn(spellings);
  }
  problem.profiles_.reserve(n);
  problem.count_spellings_ = true;
  for (const Profile& p : input.profiles) {
    problem.profiles_.push_back(problem.Compile(p));
    problem.CountTags(problem.profiles_.back(), +1);
  }
  problem.count_spellings_ = false;
  problem.ChooseDisplayNames();
  problem.frozen_n_ = std::max<double>(n, 1.0);
  const double n_frozen = problem.frozen_n_;
  for (TagInfo& info : problem.tags_) problem.FreezeTag(&info);

  // Head tags: the costliest to search through posting lists, until the rest fit the budget.
  const size_t max_head = static_cast<size_t>(std::clamp(options.max_head_tags, 0, 64));
  struct Cost {
    double visits;
    bool trade;
    TagId tag;
  };
  std::vector<Cost> costs;
  double total = 0;
  for (TagId t = 0; t < problem.tags_.size(); ++t) {
    const TagInfo& info = problem.tags_[t];
    const double interest = static_cast<double>(info.df_interest) * info.df_interest / n_frozen;
    const double trade = 2.0 * info.df_offer * info.df_seek / n_frozen;
    if (interest > 0) costs.push_back({interest, false, t});
    if (trade > 0) costs.push_back({trade, true, t});
    total += interest + trade;
  }
  std::sort(costs.begin(), costs.end(), [](const Cost& x, const Cost& y) {
    return x.visits != y.visits ? x.visits > y.visits : (x.tag != y.tag ? x.tag < y.tag : x.trade);
  });
  size_t interest_heads = 0, trade_heads = 0;
  // A tag that costs less than 1% of the budget is not worth the recall it would lose (partners
  // sharing only head tags are never found), even when the other kind ran out of head bits.
  const double worth_it = 0.01 * options.max_postings_per_attendee;
  for (const Cost& cost : costs) {
    if (total <= options.max_postings_per_attendee || cost.visits < worth_it) break;
    TagInfo& info = problem.tags_[cost.tag];
    if (!cost.trade && interest_heads < max_head) {
      info.interest_head_bit = static_cast<int8_t>(interest_heads);
      problem.head_interest_points_[interest_heads++] = info.interest_points;
      total -= cost.visits;
    } else if (cost.trade && trade_heads < max_head) {
      info.trade_head_bit = static_cast<int8_t>(trade_heads);
      problem.head_seek_points_[trade_heads] = info.seek_points;
      problem.head_give_points_[trade_heads++] = info.give_points;
      total -= cost.visits;
    }
  }
  problem.wish_points_ = Points(options.scale * options.wish_bonus);
  problem.wished_points_ = Points(options.scale * options.wished_bonus);
  problem.introduction_points_ = Points(options.scale * options.introduction_bonus);
  problem.open_points_ = Points(options.scale * std::max(0.0, options.open_pairing));
  problem.max_bridge_ = (1.0 + options.bridge_organisation) * (1.0 + options.bridge_cluster);

  problem.wanted_by_.resize(n);
  problem.search_.reserve(n);
  for (Index a = 0; a < n; ++a) {
    CompiledProfile& c = problem.profiles_[a];
    problem.ComputeCluster(&c);
    problem.search_.push_back(problem.MakeSearchProfile(c));
    for (Index w : c.wants) problem.wanted_by_[w].push_back(a);  // ascending a: sorted
  }
  for (Index a = 0; a < n; ++a) {
    for (Index b : problem.profiles_[a].avoid) {
      problem.FlagSlowCheck(a);
      problem.FlagSlowCheck(b);
    }
  }
  for (size_t i = 0; i < input.excluded_pairs.size(); ++i) {
    const auto [a, b] = input.excluded_pairs[i];
    if (a >= n || b >= n) {
      return absl::InvalidArgumentError(absl::StrCat("excluded_pairs[", i, "] out of range"));
    }
    problem.excluded_.insert(PairKey(a, b));
    problem.FlagSlowCheck(a);
    problem.FlagSlowCheck(b);
  }
  for (size_t i = 0; i < input.introductions.size(); ++i) {
    const Introduction& intro = input.introductions[i];
    if (intro.a >= n || intro.b >= n || intro.a == intro.b ||
        (intro.by != Introduction::kNoIntroducer && intro.by >= n)) {
      return absl::InvalidArgumentError(absl::StrCat("introductions[", i, "] out of range"));
    }
    problem.profiles_[intro.a].introductions.push_back({intro.b, intro.by});
    problem.profiles_[intro.b].introductions.push_back({intro.a, intro.by});
  }
  for (CompiledProfile& c : problem.profiles_) SortUnique(&c.introductions);
  return problem;
}

absl::Status MatchProblem::SetProfile(Index x, const Profile& profile) {
  const Index n = num_attendees();
  if (x > n) return absl::InvalidArgumentError(absl::StrCat("attendee ", x, " out of range"));
  if (x == n && n + 1 >= (Index{1} << 30)) {
    return absl::InvalidArgumentError("profiles: at most 2^30 - 1 attendees");
  }
  const Index new_n = x == n ? n + 1 : n;
  absl::Status s = CheckIndices(profile, new_n, x);
  if (!s.ok()) return s;
  std::vector<std::pair<Index, Index>> introductions;
  if (x < n) {
    CompiledProfile& old = profiles_[x];
    CountTags(old, -1);
    for (Index w : old.wants) {
      std::vector<Index>& by = wanted_by_[w];
      by.erase(std::lower_bound(by.begin(), by.end(), x));
    }
    introductions = std::move(old.introductions);
  }
  const size_t old_tags = tags_.size();
  CompiledProfile c = Compile(profile);
  CountTags(c, +1);
  for (size_t t = old_tags; t < tags_.size(); ++t) FreezeTag(&tags_[t]);
  ComputeCluster(&c);
  c.introductions = std::move(introductions);
  // Flags only accumulate: a stale one costs a slower check, never a wrong answer.
  const uint64_t slow = x < n ? search_[x].language_mask & SearchProfile::kSlowCheck : 0;
  if (x == n) {
    search_.push_back(MakeSearchProfile(c));
    profiles_.push_back(std::move(c));
    wanted_by_.emplace_back();
  } else {
    search_[x] = MakeSearchProfile(c);
    profiles_[x] = std::move(c);
  }
  search_[x].language_mask |= slow;
  for (Index b : profiles_[x].avoid) {
    FlagSlowCheck(x);
    FlagSlowCheck(b);
  }
  for (Index w : profiles_[x].wants) {
    std::vector<Index>& by = wanted_by_[w];
    by.insert(std::lower_bound(by.begin(), by.end(), x), x);
  }
  return absl::OkStatus();
}

absl::Status MatchProblem::ExcludePair(Index a, Index b) {
  if (a >= num_attendees() || b >= num_attendees()) {
    return absl::InvalidArgumentError(absl::StrCat("excluded pair ", a, "-", b, " out of range"));
  }
  excluded_.insert(PairKey(a, b));
  FlagSlowCheck(a);
  FlagSlowCheck(b);
  return absl::OkStatus();
}

bool MatchProblem::Feasible(Index a, Index b) const {
  if (a == b) return false;
  const CompiledProfile& pa = profiles_[a];
  const CompiledProfile& pb = profiles_[b];
  if (pa.budget <= 0 || pb.budget <= 0) return false;
  if ((pa.availability & pb.availability) == 0) return false;
  if (policy_.avoid_same_organisation && pa.organisation >= 0 &&
      pa.organisation == pb.organisation) {
    return false;
  }
  return ShareLanguage(a, b) && PassesPairLists(a, true, b, true);
}

bool MatchProblem::ShareLanguage(Index a, Index b) const {
  const std::vector<uint16_t>& x = profiles_[a].languages;
  const std::vector<uint16_t>& y = profiles_[b].languages;
  if (x.empty() || y.empty()) return true;
  for (size_t i = 0, j = 0; i < x.size() && j < y.size();) {
    if (x[i] == y[j]) return true;
    x[i] < y[j] ? ++i : ++j;
  }
  return false;
}

bool MatchProblem::PassesPairLists(Index a, bool flagged_a, Index b, bool flagged_b) const {
  // Both ends of every avoid relation and excluded pair are flagged (FlagSlowCheck).
  auto avoids = [this](Index x, Index y) {
    const std::vector<Index>& avoid = profiles_[x].avoid;
    return !avoid.empty() && std::binary_search(avoid.begin(), avoid.end(), y);
  };
  if (flagged_a && avoids(a, b)) return false;
  if (flagged_b && avoids(b, a)) return false;
  return !(flagged_a && flagged_b) || excluded_.empty() || !excluded_.contains(PairKey(a, b));
}

void MatchProblem::HeadGains(const SearchProfile& pa, const SearchProfile& pb, int64_t* gain_ab,
                             int64_t* gain_ba) const {
  int64_t shared = 0;
  for (int k = 0; k < 3; ++k) {
    shared += SumBits(pa.head_interest[k] & pb.head_interest[k], head_interest_points_);
  }
  if (IsOpen(pa) && IsOpen(pb)) shared += open_points_;
  *gain_ab += shared;
  *gain_ba += shared;
  const uint64_t a_gets = pa.head_seeks & pb.head_offers;
  const uint64_t b_gets = pa.head_offers & pb.head_seeks;
  if ((a_gets | b_gets) == 0) return;
  *gain_ab += SumBits(a_gets, head_seek_points_) + SumBits(b_gets, head_give_points_);
  *gain_ba += SumBits(b_gets, head_seek_points_) + SumBits(a_gets, head_give_points_);
}

void MatchProblem::BonusGains(Index a, Index b, int64_t* gain_ab, int64_t* gain_ba) const {
  const CompiledProfile& pa = profiles_[a];
  const CompiledProfile& pb = profiles_[b];
  if (std::binary_search(pa.wants.begin(), pa.wants.end(), b)) {
    *gain_ab += wish_points_;
    *gain_ba += wished_points_;
  }
  if (std::binary_search(pb.wants.begin(), pb.wants.end(), a)) {
    *gain_ba += wish_points_;
    *gain_ab += wished_points_;
  }
  auto it = std::lower_bound(pa.introductions.begin(), pa.introductions.end(),
                             std::pair<Index, Index>{b, 0});
  if (it != pa.introductions.end() && it->first == b) {
    *gain_ab += introduction_points_;
    *gain_ba += introduction_points_;
  }
}

Weight MatchProblem::Combine(const SearchProfile& pa, const SearchProfile& pb, int64_t gain_ab,
                             int64_t gain_ba) const {
  if (gain_ab <= 0 || gain_ba <= 0) return 0;
  const double x = static_cast<double>(gain_ab);
  const double y = static_cast<double>(gain_ba);
  double pair = 2.0 * (x * y) / (x + y);
  if (pa.organisation >= 0 && pb.organisation >= 0 && pa.organisation != pb.organisation) {
    pair *= 1.0 + options_.bridge_organisation;
  }
  if (pa.cluster >= 0 && pb.cluster >= 0 && pa.cluster != pb.cluster) {
    pair *= 1.0 + options_.bridge_cluster;
  }
  const double capped = std::min<double>(pair, std::numeric_limits<Weight>::max());
  return std::max<Weight>(1, static_cast<Weight>(std::llround(capped)));
}

PairScore MatchProblem::Score(Index a, Index b) const {
  PairScore score;
  score.feasible = Feasible(a, b);
  if (a == b) return score;
  const CompiledProfile& pa = profiles_[a];
  const CompiledProfile& pb = profiles_[b];
  int64_t shared = 0;
  ForEachSharedInterest(pa, pb, [&](TagId t, uint8_t weight) {
    shared += int64_t{weight} * tags_[t].interest_points;
  });
  if (pa.interests.empty() && pb.interests.empty()) shared += open_points_;
  auto seek = [this](TagId t) { return tags_[t].seek_points; };
  auto give = [this](TagId t) { return tags_[t].give_points; };
  score.gain_ab =
      shared + SumCommon(pa.seeks, pb.offers, seek) + SumCommon(pa.offers, pb.seeks, give);
  score.gain_ba =
      shared + SumCommon(pb.seeks, pa.offers, seek) + SumCommon(pb.offers, pa.seeks, give);
  BonusGains(a, b, &score.gain_ab, &score.gain_ba);
  if (score.feasible) score.weight = Combine(search_[a], search_[b], score.gain_ab, score.gain_ba);
  return score;
}

}  // namespace parley::match
