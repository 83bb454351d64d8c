#include "services/match/explain.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace parley::match {
namespace {

// Appends one reason of `kind` per tag in both sorted lists, `points(tag)` each.
template <typename Points>
void AddCommon(const MatchProblem& problem, const std::vector<TagId>& x,
               const std::vector<TagId>& y, ReasonKind kind, Points points,
               std::vector<Reason>* out) {
  ForEachCommon(x, y, [&](TagId t) {
    Reason r{kind, problem.tag(t).name, "", points(t)};
    r.common = IsCommonTag(problem, t, kind);
    out->push_back(std::move(r));
  });
}

bool ListsInterest(const CompiledProfile& p, TagId t) {
  return std::any_of(p.interests.begin(), p.interests.end(),
                     [t](const WeightedTag& w) { return w.tag == t; });
}

// Reasons built from tags most of the event holds say nothing about this pair: they go when a
// more specific reason (a rarer tag, a wish, an introduction) is there to say instead.
void DropGenericReasons(std::vector<Reason>* reasons) {
  const bool specific = std::any_of(reasons->begin(), reasons->end(), [](const Reason& r) {
    return !r.common && r.kind != ReasonKind::kBridgesOrganisations &&
           r.kind != ReasonKind::kBridgesCircles;
  });
  if (!specific) return;
  reasons->erase(
      std::remove_if(reasons->begin(), reasons->end(), [](const Reason& r) { return r.common; }),
      reasons->end());
}

bool Contains(const std::vector<Index>& sorted, Index x) {
  return std::binary_search(sorted.begin(), sorted.end(), x);
}

std::vector<std::string> TagsOf(const PairExplanation& e, ReasonKind kind, size_t limit) {
  std::vector<std::string> tags;
  for (const Reason& r : e.reasons) {
    if (r.kind == kind && tags.size() < limit) tags.push_back(r.tag);
  }
  return tags;
}

// "a", "a and b", "a, b and c".
std::string List(const std::vector<std::string>& items) {
  if (items.size() <= 1) return items.empty() ? "" : items[0];
  return absl::StrCat(absl::StrJoin(items.begin(), items.end() - 1, ", "), " and ", items.back());
}

}  // namespace

PairExplanation ExplainPair(const MatchProblem& problem, Index a, Index b) {
  PairExplanation e;
  e.a = a;
  e.b = b;
  e.score = problem.Score(a, b);
  if (a == b) return e;
  const CompiledProfile& pa = problem.profile(a);
  const CompiledProfile& pb = problem.profile(b);

  std::vector<Reason> shared;
  ForEachSharedInterest(pa, pb, [&](TagId t, uint8_t weight) {
    Reason r{ReasonKind::kSharedInterest, problem.tag(t).name, "",
             int64_t{weight} * problem.tag(t).interest_points};
    r.weight = weight;
    r.common = IsCommonTag(problem, t, ReasonKind::kSharedInterest);
    shared.push_back(std::move(r));
  });
  std::vector<Reason> trades;
  AddCommon(
      problem, pa.seeks, pb.offers, ReasonKind::kSeeksWhatTheyOffer,
      [&](TagId t) { return int64_t{problem.tag(t).seek_points}; }, &trades);
  AddCommon(
      problem, pa.offers, pb.seeks, ReasonKind::kOffersWhatTheySeek,
      [&](TagId t) { return int64_t{problem.tag(t).give_points}; }, &trades);
  auto strongest_first = [](const Reason& x, const Reason& y) {
    if (x.kind != y.kind) return x.kind < y.kind;
    return x.points != y.points ? x.points > y.points : x.tag < y.tag;
  };
  std::sort(shared.begin(), shared.end(), strongest_first);
  std::sort(trades.begin(), trades.end(), strongest_first);
  e.reasons = std::move(shared);
  e.reasons.insert(e.reasons.end(), trades.begin(), trades.end());

  if (Contains(pa.wants, b)) {
    e.reasons.push_back(Reason{ReasonKind::kAskedToMeet, "", "", problem.wish_points()});
  }
  if (Contains(pb.wants, a)) {
    e.reasons.push_back(Reason{ReasonKind::kAskedToMeetYou, "", "", problem.wished_points()});
  }
  for (const auto& [partner, by] : pa.introductions) {
    if (partner != b) continue;
    Reason r{ReasonKind::kIntroduced, "", "", problem.introduction_points()};
    r.introducer = by;
    e.reasons.push_back(r);
  }
  if (pa.organisation >= 0 && pb.organisation >= 0 && pa.organisation != pb.organisation) {
    e.reasons.push_back(Reason{ReasonKind::kBridgesOrganisations,
                               problem.organisation_name(pb.organisation), "", 0});
  }
  // "Different circles" only when neither primary interest is something they share: otherwise
  // the reason would contradict "you both list ..." next to it.
  if (pa.cluster >= 0 && pb.cluster >= 0 && pa.cluster != pb.cluster &&
      !ListsInterest(pa, static_cast<TagId>(pb.cluster)) &&
      !ListsInterest(pb, static_cast<TagId>(pa.cluster))) {
    Reason r{ReasonKind::kBridgesCircles, problem.tag(static_cast<TagId>(pb.cluster)).name,
             problem.tag(static_cast<TagId>(pa.cluster)).name, 0};
    r.common = IsCommonTag(problem, static_cast<TagId>(pb.cluster), ReasonKind::kSharedInterest) ||
               IsCommonTag(problem, static_cast<TagId>(pa.cluster), ReasonKind::kSharedInterest);
    e.reasons.push_back(std::move(r));
  }
  DropGenericReasons(&e.reasons);
  return e;
}

bool IsCommonTag(const MatchProblem& problem, TagId t, ReasonKind kind) {
  const TagInfo& info = problem.tag(t);
  const int32_t holders = kind == ReasonKind::kSharedInterest ? info.df_interest : info.df_offer;
  return holders > std::max<double>(kCommonTagShare * problem.num_attendees(), kMinCommonHolders);
}

namespace {

// Builds the starter's sentences, naming the partner once ("Ada") and "they" after that.
class Sentences {
 public:
  explicit Sentences(absl::string_view name) : name_(name) {}

  // The partner, by name the first time they are mentioned, then "they" (a subject; Add()
  // capitalises it at the start of a sentence) or "them".
  std::string Subject() { return Use("they"); }
  std::string Object() { return Use("them"); }
  // "is" or "are" after the subject Subject() returned.
  static absl::string_view Be(absl::string_view subject) {
    return subject == "they" ? "are" : "is";
  }
  void Add(std::string sentence) {
    sentence[0] = absl::ascii_toupper(static_cast<unsigned char>(sentence[0]));
    sentences_.push_back(absl::StrCat(sentence, "."));
  }
  size_t size() const { return sentences_.size(); }
  std::string Join(int max_sentences) const {
    const size_t n = std::min(sentences_.size(), static_cast<size_t>(std::max(max_sentences, 1)));
    return absl::StrJoin(sentences_.begin(), sentences_.begin() + n, " ");
  }

 private:
  std::string Use(absl::string_view pronoun) {
    if (named_ || name_.empty()) return std::string(pronoun);
    named_ = true;
    return std::string(name_);
  }

  absl::string_view name_;
  bool named_ = false;
  std::vector<std::string> sentences_;
};

}  // namespace

std::string ConversationStarter(const PairExplanation& e, absl::string_view partner_name,
                                int max_clauses) {
  Sentences out(partner_name);
  // Each kind of reason has its own verb, so that starters do not all open the same way.
  const std::vector<std::string> shared = TagsOf(e, ReasonKind::kSharedInterest, 2);
  if (!shared.empty()) {
    const bool strong = std::any_of(e.reasons.begin(), e.reasons.end(), [](const Reason& r) {
      return r.kind == ReasonKind::kSharedInterest && r.weight >= 2;
    });
    out.Add(
        absl::StrCat(strong ? "you both work on " : "you are both interested in ", List(shared)));
  }
  const std::vector<std::string> they_seek = TagsOf(e, ReasonKind::kOffersWhatTheySeek, 2);
  const std::vector<std::string> you_seek = TagsOf(e, ReasonKind::kSeeksWhatTheyOffer, 2);
  if (!they_seek.empty() && !you_seek.empty()) {
    const std::string subject = out.Subject();
    out.Add(absl::StrCat(subject, " ", Sentences::Be(subject), " looking for ", List(they_seek),
                         ", which you offer, and can help with ", List(you_seek), " in return"));
  } else if (!they_seek.empty()) {
    const std::string subject = out.Subject();
    out.Add(absl::StrCat(subject, " ", Sentences::Be(subject), " looking for ", List(they_seek),
                         ", which you offer"));
  } else if (!you_seek.empty()) {
    out.Add(absl::StrCat(out.Subject(), " can help with ", List(you_seek),
                         ", which you are looking for"));
  }
  const bool asked = std::any_of(e.reasons.begin(), e.reasons.end(), [](const Reason& r) {
    return r.kind == ReasonKind::kAskedToMeet;
  });
  const bool asked_you = std::any_of(e.reasons.begin(), e.reasons.end(), [](const Reason& r) {
    return r.kind == ReasonKind::kAskedToMeetYou;
  });
  if (asked && asked_you) {
    out.Add(absl::StrCat("you and ", out.Object(), " both asked to meet"));
  } else if (asked) {
    out.Add(absl::StrCat("you asked to meet ", out.Object()));
  } else if (asked_you) {
    out.Add(absl::StrCat(out.Subject(), " asked to meet you"));
  }
  if (std::any_of(e.reasons.begin(), e.reasons.end(),
                  [](const Reason& r) { return r.kind == ReasonKind::kIntroduced; })) {
    out.Add("you were introduced");
  }
  if (out.size() == 0) {
    for (const Reason& r : e.reasons) {
      if (r.kind == ReasonKind::kBridgesCircles) {
        out.Add(absl::StrCat("you come from different circles: ", r.other_tag, " meets ", r.tag));
        break;
      }
    }
  }
  if (out.size() == 0) out.Add(absl::StrCat("say hello to ", out.Object()));
  return out.Join(max_clauses);
}

CandidateDiagnosis DiagnoseCandidates(const MatchProblem& problem, Index a) {
  CandidateDiagnosis d;
  const CompiledProfile& pa = problem.profile(a);
  d.opted_out = pa.budget <= 0;
  d.no_availability = pa.availability == 0;
  for (Index b = 0; b < problem.num_attendees(); ++b) {
    if (b == a) continue;
    const PairScore score = problem.Score(a, b);
    if (score.gain_ab <= 0 || score.gain_ba <= 0) continue;
    ++d.in_common;
    if (score.feasible) {
      ++d.feasible;
      continue;
    }
    const CompiledProfile& pb = problem.profile(b);
    if (pb.budget <= 0) {
      ++d.partner_opted_out;
    } else if ((pa.availability & pb.availability) == 0) {
      ++d.no_common_slot;
    } else if (problem.policy().avoid_same_organisation && pa.organisation >= 0 &&
               pa.organisation == pb.organisation) {
      ++d.same_organisation;
    } else if (!problem.ShareLanguage(a, b)) {
      ++d.no_common_language;
    } else {
      ++d.avoided_or_excluded;
    }
  }
  return d;
}

}  // namespace parley::match
