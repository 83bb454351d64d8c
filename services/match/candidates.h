#ifndef PARLEY_SERVICES_MATCH_CANDIDATES_H_
#define PARLEY_SERVICES_MATCH_CANDIDATES_H_

// Candidate generation: for every attendee the K partners with the highest pair weight
// (scoring.h), and the symmetrised candidate graph the scheduler works on (graph.h).
//
// How: exhaustive scoring is quadratic, and so is scanning the posting lists of common tags. The
// index keeps posting lists only for non-head tags (scoring.h: the costliest tags are head tags,
// up to a budget of visits per search): interests (rare-tag inverted index), offers and seeks
// (offer->seek index both ways). A search for attendee a accumulates, in one pass over
// a's non-head postings, both directions of the gain of every partner that shares a non-head
// tag, trade, wish or introduction with a ("touched" partners); head tags, constraints and
// bridging are then applied through 64-bit masks, and a partner is scored exactly only when an
// upper bound says it could still enter a's top K. Among touched partners the result is exact
// (same weights and order as MatchProblem::Score()); a partner that shares only head tags with
// a is never found. RecallAtK() measures what that costs.
//
// Open attendees (no interest; ScoringOptions::open_pairing): every two of them can meet, so an
// open attendee's search reaches the open attendees near it on a hash ring (about 8 * (k +
// slack) of them; all of them in small events) instead of every open attendee. The ring relation
// is symmetric and stable under updates, as the "touched" relation must be.
//
// Thin attendees: someone whose search through postings finds no feasible partner at all (on
// large events: a profile of only the most common tags, or rare tags held only by people they
// cannot meet) would get no candidate and so no meeting. Their search then bounds every attendee
// who shares a head tag (or the open pairing) with them, found by a mask pre-filter over the
// 16-byte summaries, and their list is the exact top K, as ExhaustiveTopK(). They are few (about
// 0.2% on the 150,000-attendee benchmark); updates keep their lists exact and their status
// current (UpsertProfile(), ExcludePair()).
//
// Order of a list: weight descending, then a per-attendee hash of the partner (TieKey), then
// partner index: a strict total order, so results are deterministic and incremental updates
// reproduce a rebuild exactly; and attendees with identical profiles get different partners
// among equally good ones instead of all the same lowest indices.
//
// Graph() is not the bare union of the lists: it spreads the lists over who can take meetings
// (capacity-aware diversification) and searches beyond the top K for attendees whose partners
// are all crowded (see Graph()).
//
// Thread-safety: const methods may run concurrently. UpsertProfile() needs exclusive access.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "services/match/cancel.h"
#include "services/match/graph.h"
#include "services/match/profile.h"
#include "services/match/scoring.h"

namespace parley::match {

struct CandidateOptions {
  // Partners kept per attendee before symmetrisation. Default: 24.
  int k = 24;
  // Extra partners kept beyond k, so that an update that pushes somebody out of a list rarely
  // forces a new search of that list. -1 = k / 2. Never changes TopK() or Graph(). Default: -1.
  int slack = -1;
  // Threads of Build(). 0 = std::thread::hardware_concurrency(). Default: 0.
  int threads = 0;
  // Graph() spreads lists over who has room and searches beyond the lists for crowded
  // attendees (see Graph()). false: the plain union of the top-K lists (for measuring what
  // fairness costs in weight). Default: true.
  bool diversify = true;
  // Polled between searches (cancel.h). Once raised, Build() and Graph() return early with an
  // incomplete result (lists, graph rows missing) that the caller must discard. Not owned; must
  // outlive the index's Build() and Graph() calls. Default: none.
  const CancelFlag* cancel = nullptr;
};

// Work done by Build(), machine-independent: what the speed knobs trade against recall.
struct CandidateStats {
  uint64_t postings_visited = 0;   // posting entries read
  uint64_t partners_touched = 0;   // distinct (attendee, partner) pairs accumulated
  uint64_t exact_evaluations = 0;  // partners whose constraints and head tags were checked
  uint64_t thin_searches = 0;      // searches over every attendee (see "Thin attendees")
  // Graph(): attendees searched again beyond their lists for partners with room, and the edges
  // those searches added.
  uint64_t room_searches = 0;
  uint64_t room_edges = 0;
};

struct Candidate {
  Weight weight = 0;
  Index partner = 0;
};

// Per-owner order among equally heavy partners: a hash of (owner, partner), so that two
// attendees with the same profile rank their ties differently.
inline uint32_t TieKey(Index owner, Index partner) {
  uint64_t z = (uint64_t{owner} << 32 | partner) + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return static_cast<uint32_t>((z ^ (z >> 31)) >> 32);
}

// True when x ranks before y in `owner`'s list: heavier first, then the smaller TieKey, then the
// smaller index.
inline bool RanksBefore(Index owner, const Candidate& x, const Candidate& y) {
  if (x.weight != y.weight) return x.weight > y.weight;
  const uint32_t kx = TieKey(owner, x.partner), ky = TieKey(owner, y.partner);
  return kx != ky ? kx < ky : x.partner < y.partner;
}

class CandidateIndex {
 public:
  // Indexes the problem and computes every attendee's top K on options.threads threads.
  static CandidateIndex Build(MatchProblem problem, const CandidateOptions& options = {});

  CandidateIndex(CandidateIndex&&) = default;
  CandidateIndex& operator=(CandidateIndex&&) = default;

  const MatchProblem& problem() const { return problem_; }
  const CandidateOptions& options() const { return options_; }
  const CandidateStats& build_stats() const { return stats_; }
  Index num_attendees() const { return problem_.num_attendees(); }

  // a's best partners, best first; at most k. Empty for attendees with budget 0.
  absl::Span<const Candidate> TopK(Index a) const {
    return {&lists_[static_cast<size_t>(a) * capacity_], std::min<size_t>(sizes_[a], k_)};
  }
  // The candidate graph the scheduler works on, symmetrised ({a, b} in both rows), built from
  // the top-K lists only (so updates keep it equal to a rebuild's):
  //  1. diversification: in a fixed pseudo-random order of attendees, each list keeps its best
  //     k / 2 partners among those that fewer than 4 * (k + 4 * capacity(b)) lists chose
  //     already, then only partners that fewer than k + 4 * capacity(b) lists chose
  //     (capacity = min(budget, available slots)), and its best partner when it would keep none:
  //     a partner already on many lists counts less for the next one, so a thousand identical
  //     profiles do not all point at the same few, and nobody (not even a profile that shares
  //     something with everyone) is on more than about 4 * (k + 4 * capacity) + k lists;
  //  2. room: an attendee whose partners are all crowded (expected meetings, the sum over its
  //     partners b of capacity(b) / degree(b), below half its own capacity) is searched again
  //     beyond its list, among the attendees that still have room (degree below 2k), in
  //     batches so that later searches see the edges earlier ones added, and keeps up to k / 2
  //     of the best as extra edges.
  // With CandidateOptions::diversify false: the plain union of the lists. Deterministic for a
  // given index. O(N K log K) plus the room searches, whose work is added to *stats when given
  // (room_searches, room_edges, and their postings, touches, evaluations and thin searches).
  CandidateGraph Graph(CandidateStats* stats = nullptr) const;

  // Replaces attendee x's profile (x < num_attendees()) or adds a new attendee (x ==
  // num_attendees()), then updates x's list and every list x enters or leaves, without a
  // rebuild: the result equals Build() on the updated problem(). Tag weights stay frozen (see
  // MatchProblem::SetProfile()). INVALID_ARGUMENT as MatchProblem::SetProfile().
  absl::Status UpsertProfile(Index x, const Profile& profile);

  // Makes {a, b} infeasible (MatchProblem::ExcludePair()) and takes each out of the other's
  // list; only those two lists change. The result equals Build() on the updated problem().
  absl::Status ExcludePair(Index a, Index b);

  // The exact top K of `a` by scoring every attendee (MatchProblem::Score()). O(N).
  std::vector<Candidate> ExhaustiveTopK(Index a) const;

  // Thin attendees (see above), ascending.
  const std::vector<Index>& thin() const { return thin_; }

 private:
  // Both gains of one partner; all zero = not touched yet (every touch adds a positive gain).
  struct Accumulator {
    int32_t gain_ab;
    int32_t gain_ba;
  };
  // Upper bounds of both gains of a partner.
  struct Bounded {
    float gain_ab;
    float gain_ba;
    Index partner;
  };
  // An attendee's head masks in 16 bytes, for bounding head gains: every interest head bit (any
  // weight) and offer/seek head bits 0-15 (higher ones count as unknown).
  struct HeadSummary {
    uint64_t interests = 0;
    uint16_t offers = 0;
    uint16_t seeks = 0;
    uint8_t open = 0;  // lists no interest (byte 12)
    uint8_t unused[3] = {0, 0, 0};
  };
  HeadSummary MakeSummary(Index b) const;
  // a's side of the bound, as lookup tables: one per byte of the partner's summary that can
  // matter to a, giving the most both gains can grow for each value of that byte. Branch-free.
  struct HeadBound {
    struct ByteTable {
      int byte;  // index into the summary's bytes
      int32_t gain_ab[256];
      int32_t gain_ba[256];
    };
    int64_t constant_ab = 0;  // from bits the summary does not carry
    int64_t constant_ba = 0;
    int num_tables = 0;
    ByteTable tables[13];
  };
  void PrepareBound(Index a, HeadBound* bound) const;
  // Upper bound of a's head gains with a partner of this summary.
  static void BoundHeadGains(const HeadBound& bound, const HeadSummary& summary, int64_t* gain_ab,
                             int64_t* gain_ba) {
    unsigned char bytes[sizeof(HeadSummary)];
    std::memcpy(bytes, &summary, sizeof(bytes));
    int64_t ab = bound.constant_ab, ba = bound.constant_ba;
    for (int i = 0; i < bound.num_tables; ++i) {
      const HeadBound::ByteTable& t = bound.tables[i];
      ab += t.gain_ab[bytes[t.byte]];
      ba += t.gain_ba[bytes[t.byte]];
    }
    *gain_ab += ab;
    *gain_ba += ba;
  }
  // Per-thread search state.
  struct Scratch {
    std::vector<Accumulator> acc;
    std::vector<Index> touched;
    std::vector<Candidate> heap;
    std::vector<Bounded> bounded;
    CandidateStats stats;
    bool thin = false;  // the last Search() was a thin attendee's
    // When set, partners b with allowed[b] == 0 are skipped (Graph()'s room searches).
    const uint8_t* allowed = nullptr;
  };

  CandidateIndex(MatchProblem problem, const CandidateOptions& options);
  // building: during Build(), which sorts the ring once at the end.
  void AddPostings(Index a, bool building = false);
  // Open attendees on the hash ring (see "Open attendees"): insert or remove a.
  void AddToRing(Index a);
  void RemoveFromRing(Index a);
  // Touches the open attendees within ring distance of a.
  template <typename TouchFn>
  void TouchRing(Index a, TouchFn touch) const;
  void RemovePostings(Index a, const CompiledProfile& old);
  // Fills scratch->touched and the accumulators of the partners of `a`.
  void Touch(Index a, Scratch* scratch) const;
  // Touch() then selects the top K into scratch->heap (sorted best first); over everyone when a
  // is thin (scratch->thin).
  void Search(Index a, Scratch* scratch) const;
  // Scores scratch->bounded (from Search) into scratch->heap, sorted best first.
  void SelectTopK(Index a, Scratch* scratch) const;
  // Search() and StoreList() with scratch_, keeping thin_ current.
  void Research(Index a);
  // After a list lost an entry: whether it must be searched again.
  bool NeedsResearch(Index a) const;
  bool IsThin(Index a) const { return std::binary_search(thin_.begin(), thin_.end(), a); }
  void SetThin(Index a, bool thin);
  // Exact weight of a touched partner from its accumulator; 0 when infeasible or provably
  // below `threshold` (then it could not enter a list whose entry weight is `threshold`).
  Weight ExactWeight(Index a, Index b, const Accumulator& acc, Weight threshold) const;
  // False when a pair with (upper bounds of) these gains is certainly lighter than `threshold`.
  bool MayReach(int64_t gain_ab, int64_t gain_ba, Weight threshold) const;
  void StoreList(Index a, const std::vector<Candidate>& best);
  // Offers a partner that b's list does not hold; keeps the invariant below.
  void OfferToList(Index b, Candidate c);
  // Weight a new partner must beat to enter b's list (0: any).
  Weight EntryWeight(Index b) const;
  // Removes `partner` from a's list if it is there; searches a again when the list then falls
  // below k without holding all of a's candidates.
  void DropFromList(Index a, Index partner);

  MatchProblem problem_;
  CandidateOptions options_;
  size_t k_ = 24;
  // Postings of non-head tags. Interests: attendee | weight << 30.
  std::vector<std::vector<uint32_t>> interest_postings_;
  std::vector<std::vector<Index>> offer_postings_;
  std::vector<std::vector<Index>> seek_postings_;
  std::vector<HeadSummary> summaries_;
  // Open attendees with a budget, by (ring key, index); ring keys are TieKey(0, a). Ring
  // neighbours are those within ring_reach_ of a's key (circular); ring_all_: everyone.
  std::vector<std::pair<uint32_t, Index>> ring_;
  uint32_t ring_reach_ = 0;
  bool ring_all_ = true;
  std::vector<Index> thin_;  // sorted
  // Invariant: attendee a's stored list (capacity_ slots at a * capacity_, sizes_[a] used) is
  // the best sizes_[a] of a's candidates; complete_[a] says it holds all of them, otherwise
  // k_ <= sizes_[a] <= capacity_. TopK() is its first k_ entries.
  size_t capacity_ = 36;
  std::vector<Candidate> lists_;
  std::vector<uint16_t> sizes_;
  std::vector<uint8_t> complete_;
  Scratch scratch_;  // for UpsertProfile()
  CandidateStats stats_;
};

// Mean over `sample` of recall@K against ExhaustiveTopK(), counting ties at the K-th weight as
// hits: |{c in TopK(a) : c.weight >= K-th exhaustive weight}| / |ExhaustiveTopK(a)|. Attendees
// with no feasible partner count as 1. Runs on `threads` threads (0 = all cores).
double RecallAtK(const CandidateIndex& index, const std::vector<Index>& sample, int threads = 0);

}  // namespace parley::match

#endif  // PARLEY_SERVICES_MATCH_CANDIDATES_H_
