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
    out->push_back(Reason{kind, problem.tag(t).name, "", points(t)});
  });
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
    shared.push_back(Reason{ReasonKind::kSharedInterest, problem.tag(t).name, "",
                            int64_t{weight} * problem.tag(t).interest_points});
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
  if (pa.cluster >= 0 && pb.cluster >= 0 && pa.cluster != pb.cluster) {
    e.reasons.push_back(Reason{ReasonKind::kBridgesCircles,
                               problem.tag(static_cast<TagId>(pb.cluster)).name,
                               problem.tag(static_cast<TagId>(pa.cluster)).name, 0});
  }
  return e;
}

std::string ConversationStarter(const PairExplanation& e, absl::string_view partner_name,
                                int max_clauses) {
  const bool named = !partner_name.empty();
  const std::string they = named ? std::string(partner_name) : "they";
  const std::string they_are = named ? absl::StrCat(partner_name, " is") : "they are";
  const std::string they_offer = named ? absl::StrCat(partner_name, " offers") : "they offer";
  std::vector<std::string> clauses;

  const std::vector<std::string> shared = TagsOf(e, ReasonKind::kSharedInterest, 2);
  if (!shared.empty()) clauses.push_back(absl::StrCat("you both love ", List(shared)));
  const std::vector<std::string> they_seek = TagsOf(e, ReasonKind::kOffersWhatTheySeek, 2);
  if (!they_seek.empty()) {
    clauses.push_back(
        absl::StrCat(they_are, " looking for ", List(they_seek), ", which you offer"));
  }
  const std::vector<std::string> you_seek = TagsOf(e, ReasonKind::kSeeksWhatTheyOffer, 2);
  if (!you_seek.empty()) {
    clauses.push_back(absl::StrCat(they_offer, " ", List(you_seek), ", which you are looking for"));
  }
  for (const Reason& r : e.reasons) {
    switch (r.kind) {
      case ReasonKind::kAskedToMeet:
        clauses.push_back(absl::StrCat("you asked to meet ", named ? they : "them"));
        break;
      case ReasonKind::kAskedToMeetYou:
        clauses.push_back(absl::StrCat(they, " asked to meet you"));
        break;
      case ReasonKind::kIntroduced:
        clauses.push_back("you were introduced");
        break;
      case ReasonKind::kBridgesCircles:
        if (clauses.empty()) {
          clauses.push_back(
              absl::StrCat("you come from different circles: ", r.other_tag, " meets ", r.tag));
        }
        break;
      default:
        break;
    }
  }
  if (clauses.empty()) clauses.push_back(absl::StrCat("say hello to ", named ? they : "them"));
  if (static_cast<int>(clauses.size()) > max_clauses) {
    clauses.resize(static_cast<size_t>(std::max(max_clauses, 1)));
  }
  std::string out = absl::StrCat(absl::StrJoin(clauses, "; "), ".");
  out[0] = absl::ascii_toupper(static_cast<unsigned char>(out[0]));
  return out;
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
