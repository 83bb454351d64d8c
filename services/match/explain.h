#ifndef PARLEY_SERVICES_MATCH_EXPLAIN_H_
#define PARLEY_SERVICES_MATCH_EXPLAIN_H_

// Why a pair was suggested: structured reasons, strongest first within each kind, and a short
// conversation starter built from them. Reasons are recomputed from the two compiled profiles, so
// they name only tags both attendees really list. Pure functions of a const MatchProblem;
// thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/match/graph.h"
#include "services/match/scoring.h"

namespace parley::match {

enum class ReasonKind {
  kSharedInterest,        // both list `tag`; rarest first
  kSeeksWhatTheyOffer,    // a seeks `tag`, b offers it
  kOffersWhatTheySeek,    // a offers `tag`, b seeks it
  kAskedToMeet,           // a asked to meet b
  kAskedToMeetYou,        // b asked to meet a
  kIntroduced,            // somebody (introducer) introduced them
  kBridgesOrganisations,  // different organisations (`tag` = b's organisation)
  kBridgesCircles,        // different primary interests (`tag` = b's, `other_tag` = a's)
};

struct Reason {
  ReasonKind kind;
  std::string tag;
  std::string other_tag;
  // What the reason adds to u(a->b) in points (0 for bridging, which multiplies).
  int64_t points = 0;
  Index introducer = Introduction::kNoIntroducer;
  // kSharedInterest: the lower of the two weights (1..3).
  int weight = 0;
  // Built from a tag more than kCommonTagShare of the event holds (IsCommonTag).
  bool common = false;
};

// "More than a few percent of the event": a tag (interest, or offer for offer/seek reasons) held
// by more attendees than this share, and by more than kMinCommonHolders (in a small event every
// tag is a large share), says little about why two of them should meet.
inline constexpr double kCommonTagShare = 0.05;
inline constexpr int kMinCommonHolders = 5;

// Whether tag `t` is common for reasons of `kind`: interests count df_interest, offer/seek
// reasons df_offer, against the attendees of the problem.
bool IsCommonTag(const MatchProblem& problem, TagId t, ReasonKind kind);

// Reasons are written from a's side ("you" = a, "they" = b).
struct PairExplanation {
  Index a = 0;
  Index b = 0;
  PairScore score;
  // In this order of kinds: shared interests, seeks/offers both ways, wishes, introductions,
  // bridging. Within a kind, most points first, then by tag. Tags are shown in their display
  // spelling (TagInfo::name). Never a "different circles" reason about a tag both list; reasons
  // built from common tags (IsCommonTag) are left out when any other reason except bridging is
  // there.
  std::vector<Reason> reasons;
};

PairExplanation ExplainPair(const MatchProblem& problem, Index a, Index b);

// A few short sentences for a, one per kind of reason, each with its own verb: "You both work on
// t-SNE and UMAP. Ada is looking for mentoring, which you offer." The partner is named once (the
// first time they are mentioned) and "they"/"them" after; `partner_name` empty: never named. At
// most `max_clauses` sentences (default 3); never names a tag that is not in the reasons. Shared
// interests read "work on" when either lists one with weight 2 or more, else "are both
// interested in"; "different circles" only when nothing else can be said.
std::string ConversationStarter(const PairExplanation& explanation,
                                absl::string_view partner_name = "", int max_clauses = 3);

// For organisers: why does attendee `a` have few or no candidates? Counts, over every other
// attendee who has something in common with a (a shared interest, an offer/seek either way, a
// wish or an introduction: pair gains > 0 both ways), the first hard constraint that rules the
// pair out, in the order of the fields. O(N) exact scoring: an organiser's query, not a hot path.
struct CandidateDiagnosis {
  bool opted_out = false;        // a's budget is 0
  bool no_availability = false;  // a is available in no slot
  int64_t in_common = 0;         // attendees with something in common with a
  int64_t feasible = 0;          // of those, pairs no constraint rules out
  int64_t partner_opted_out = 0;
  int64_t no_common_slot = 0;
  int64_t same_organisation = 0;
  int64_t no_common_language = 0;
  int64_t avoided_or_excluded = 0;  // avoid lists either way, history, known pairs
};

CandidateDiagnosis DiagnoseCandidates(const MatchProblem& problem, Index a);

}  // namespace parley::match

#endif  // PARLEY_SERVICES_MATCH_EXPLAIN_H_
