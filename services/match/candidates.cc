#include "services/match/candidates.h"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <functional>
#include <utility>

#include "services/match/parallel.h"

namespace parley::match {
namespace {

constexpr uint32_t kIndexMask = (uint32_t{1} << 30) - 1;

// Heap order (in `owner`'s list) with the worst kept candidate at the front.
struct WorseLast {
  Index owner;
  bool operator()(const Candidate& x, const Candidate& y) const { return RanksBefore(owner, x, y); }
};

// Keeps the best `k` of the offered candidates of `owner` in a heap whose front is the worst
// kept.
void HeapOffer(Index owner, std::vector<Candidate>* heap, size_t k, Candidate c) {
  if (heap->size() < k) {
    heap->push_back(c);
    std::push_heap(heap->begin(), heap->end(), WorseLast{owner});
  } else if (RanksBefore(owner, c, heap->front())) {
    std::pop_heap(heap->begin(), heap->end(), WorseLast{owner});
    heap->back() = c;
    std::push_heap(heap->begin(), heap->end(), WorseLast{owner});
  }
}

// Touch() prefetches the accumulator of the posting this far ahead: the accumulators (8 bytes
// per attendee, 1.2 MB at 150,000) do not fit in a core's L2 (512 KB on the project machine),
// and almost every posting reaches a partner not touched yet.
constexpr size_t kTouchAhead = 32;

// Open attendees an open attendee's search reaches on the ring, per kept list entry.
constexpr size_t kRingPerEntry = 8;

template <typename T>
void EraseValue(std::vector<T>* v, T value) {
  auto it = std::find(v->begin(), v->end(), value);
  assert(it != v->end());
  v->erase(it);
}

}  // namespace

CandidateIndex::CandidateIndex(MatchProblem problem, const CandidateOptions& options)
    : problem_(std::move(problem)),
      options_(options),
      k_(static_cast<size_t>(std::clamp(options.k, 1, 30000))),
      capacity_(k_ + static_cast<size_t>(options.slack < 0 ? options.k / 2
                                                           : std::min(options.slack, 30000))) {}

CandidateIndex CandidateIndex::Build(MatchProblem problem, const CandidateOptions& options) {
  CandidateIndex index(std::move(problem), options);
  const Index n = index.num_attendees();
  index.interest_postings_.resize(index.problem_.num_tags());
  index.offer_postings_.resize(index.problem_.num_tags());
  index.seek_postings_.resize(index.problem_.num_tags());
  for (Index a = 0; a < n; ++a) index.AddPostings(a, /*building=*/true);
  std::sort(index.ring_.begin(), index.ring_.end());
  const size_t reach = kRingPerEntry * index.capacity_;
  index.ring_all_ = index.ring_.size() <= reach;
  if (!index.ring_all_) {
    // Expected neighbours within distance d on either side: 2 d / 2^32 * ring size.
    index.ring_reach_ = static_cast<uint32_t>(std::min<double>(
        4294967295.0,
        static_cast<double>(reach) / 2.0 * 4294967296.0 / static_cast<double>(index.ring_.size())));
  }
  index.lists_.resize(static_cast<size_t>(n) * index.capacity_);
  index.sizes_.assign(n, 0);
  index.complete_.assign(n, 1);

  const int threads = ThreadCount(options.threads);
  std::vector<Scratch> scratches(static_cast<size_t>(threads));
  std::vector<uint8_t> thin(n, 0);  // one byte per attendee: threads write distinct ones
  ParallelFor(n, threads, [&](int thread, size_t a) {
    if (Cancelled(options.cancel)) return;  // the caller discards the index
    Scratch& scratch = scratches[static_cast<size_t>(thread)];
    index.Search(static_cast<Index>(a), &scratch);
    index.StoreList(static_cast<Index>(a), scratch.heap);
    thin[a] = scratch.thin;
  });
  for (Index a = 0; a < n; ++a) {
    if (thin[a]) index.thin_.push_back(a);
  }
  for (const Scratch& scratch : scratches) {
    index.stats_.postings_visited += scratch.stats.postings_visited;
    index.stats_.partners_touched += scratch.stats.partners_touched;
    index.stats_.exact_evaluations += scratch.stats.exact_evaluations;
    index.stats_.thin_searches += scratch.stats.thin_searches;
  }
  return index;
}

CandidateIndex::HeadSummary CandidateIndex::MakeSummary(Index b) const {
  const SearchProfile& p = problem_.search_profile(b);
  HeadSummary summary;
  summary.interests = p.head_interest[0];
  summary.offers = static_cast<uint16_t>(p.head_offers & 0xFFFF);
  summary.seeks = static_cast<uint16_t>(p.head_seeks & 0xFFFF);
  summary.open = MatchProblem::IsOpen(p) ? 1 : 0;
  return summary;
}

void CandidateIndex::AddToRing(Index a) {
  const std::pair<uint32_t, Index> entry{TieKey(0, a), a};
  ring_.insert(std::lower_bound(ring_.begin(), ring_.end(), entry), entry);
}

void CandidateIndex::RemoveFromRing(Index a) {
  const std::pair<uint32_t, Index> entry{TieKey(0, a), a};
  auto it = std::lower_bound(ring_.begin(), ring_.end(), entry);
  assert(it != ring_.end() && *it == entry);
  ring_.erase(it);
}

template <typename TouchFn>
void CandidateIndex::TouchRing(Index a, TouchFn touch) const {
  if (ring_all_) {
    for (const auto& entry : ring_) {
      if (entry.second != a) touch(entry.second);
    }
    return;
  }
  // Keys within ring_reach_ of a's key, circularly: one or two ranges of the sorted ring.
  const uint32_t key = TieKey(0, a);
  const uint32_t low = key - ring_reach_;
  const uint32_t high = key + ring_reach_;
  auto visit = [&](uint32_t from, uint32_t to) {  // from <= to
    auto it = std::lower_bound(ring_.begin(), ring_.end(), std::pair<uint32_t, Index>{from, 0});
    for (; it != ring_.end() && it->first <= to; ++it) {
      if (it->second != a) touch(it->second);
    }
  };
  if (low <= high) {
    visit(low, high);
  } else {
    visit(low, ~uint32_t{0});
    visit(0, high);
  }
}

void CandidateIndex::AddPostings(Index a, bool building) {
  if (summaries_.size() <= a) summaries_.resize(a + 1);
  summaries_[a] = MakeSummary(a);
  const CompiledProfile& p = problem_.profile(a);
  if (p.budget <= 0) return;  // never a candidate
  if (p.interests.empty()) {
    if (building) {
      ring_.push_back({TieKey(0, a), a});  // Build() sorts once
    } else {
      AddToRing(a);
    }
  }
  const size_t tags = problem_.num_tags();
  if (interest_postings_.size() < tags) {
    interest_postings_.resize(tags);
    offer_postings_.resize(tags);
    seek_postings_.resize(tags);
  }
  for (const WeightedTag& t : p.interests) {
    if (problem_.tag(t.tag).interest_head_bit >= 0) continue;
    interest_postings_[t.tag].push_back(a | (uint32_t{t.weight} << 30));
  }
  for (TagId t : p.offers) {
    if (problem_.tag(t).trade_head_bit < 0) offer_postings_[t].push_back(a);
  }
  for (TagId t : p.seeks) {
    if (problem_.tag(t).trade_head_bit < 0) seek_postings_[t].push_back(a);
  }
}

void CandidateIndex::RemovePostings(Index a, const CompiledProfile& old) {
  if (old.budget <= 0) return;
  if (old.interests.empty()) RemoveFromRing(a);
  for (const WeightedTag& t : old.interests) {
    if (problem_.tag(t.tag).interest_head_bit >= 0) continue;
    EraseValue(&interest_postings_[t.tag], a | (uint32_t{t.weight} << 30));
  }
  for (TagId t : old.offers) {
    if (problem_.tag(t).trade_head_bit < 0) EraseValue(&offer_postings_[t], a);
  }
  for (TagId t : old.seeks) {
    if (problem_.tag(t).trade_head_bit < 0) EraseValue(&seek_postings_[t], a);
  }
}

void CandidateIndex::Touch(Index a, Scratch* scratch) const {
  const Index n = num_attendees();
  Accumulator* acc = scratch->acc.data();
  std::vector<Index>& touched = scratch->touched;
  for (Index b : touched) acc[b] = Accumulator{0, 0};  // the previous search's
  touched.clear();
  if (scratch->acc.size() < n) {
    scratch->acc.resize(n, Accumulator{0, 0});
    acc = scratch->acc.data();
  }
  // Callers skip terms whose gains are both zero, so that "all zero" means "not touched".
  auto touch = [&](Index b, int32_t gain_ab, int32_t gain_ba) {
    Accumulator& s = acc[b];
    if ((s.gain_ab | s.gain_ba) == 0) touched.push_back(b);
    s.gain_ab += gain_ab;
    s.gain_ba += gain_ba;
  };
  const CompiledProfile& p = problem_.profile(a);
  for (const WeightedTag& t : p.interests) {
    const TagInfo& info = problem_.tag(t.tag);
    if (info.interest_head_bit >= 0) continue;
    int32_t points[4];
    for (uint32_t w = 0; w < 4; ++w)
      points[w] = info.interest_points * std::min<int32_t>(w, t.weight);
    const std::vector<uint32_t>& list = interest_postings_[t.tag];
    scratch->stats.postings_visited += list.size();
    for (size_t i = 0; i < list.size(); ++i) {
      if (i + kTouchAhead < list.size())
        __builtin_prefetch(&acc[list[i + kTouchAhead] & kIndexMask]);
      const uint32_t entry = list[i];
      const int32_t gain = points[entry >> 30];
      touch(entry & kIndexMask, gain, gain);
    }
  }
  for (TagId t : p.seeks) {
    const TagInfo& info = problem_.tag(t);
    if (info.trade_head_bit >= 0 || (info.seek_points | info.give_points) == 0) continue;
    scratch->stats.postings_visited += offer_postings_[t].size();
    const std::vector<Index>& list = offer_postings_[t];
    for (size_t i = 0; i < list.size(); ++i) {
      if (i + kTouchAhead < list.size()) __builtin_prefetch(&acc[list[i + kTouchAhead]]);
      touch(list[i], info.seek_points, info.give_points);
    }
  }
  for (TagId t : p.offers) {
    const TagInfo& info = problem_.tag(t);
    if (info.trade_head_bit >= 0 || (info.seek_points | info.give_points) == 0) continue;
    scratch->stats.postings_visited += seek_postings_[t].size();
    const std::vector<Index>& list = seek_postings_[t];
    for (size_t i = 0; i < list.size(); ++i) {
      if (i + kTouchAhead < list.size()) __builtin_prefetch(&acc[list[i + kTouchAhead]]);
      touch(list[i], info.give_points, info.seek_points);
    }
  }
  if ((problem_.wish_points() | problem_.wished_points()) != 0) {
    for (Index b : p.wants) touch(b, problem_.wish_points(), problem_.wished_points());
    for (Index b : problem_.wanted_by(a)) {
      touch(b, problem_.wished_points(), problem_.wish_points());
    }
  }
  for (size_t i = 0; problem_.introduction_points() != 0 && i < p.introductions.size(); ++i) {
    // One bonus per pair, however many people introduced them.
    if (i > 0 && p.introductions[i].first == p.introductions[i - 1].first) continue;
    const Index b = p.introductions[i].first;
    touch(b, problem_.introduction_points(), problem_.introduction_points());
  }
  // Last, so that an untouched accumulator still means "first time here": the open pairing's
  // gains come from HeadGains() (both open), so ring partners only need to be reached.
  if (p.interests.empty() && p.budget > 0 && problem_.open_points() > 0) {
    TouchRing(a, [&](Index b) {
      if ((acc[b].gain_ab | acc[b].gain_ba) == 0) touched.push_back(b);
    });
  }
}

void CandidateIndex::PrepareBound(Index a, HeadBound* bound) const {
  const SearchProfile& p = problem_.search_profile(a);
  bound->constant_ab = bound->constant_ba = 0;
  bound->num_tables = 0;
  // Adds a table for summary byte `byte` whose bit j stands for a's bit (first + j) of `mask`:
  // present, it adds ab_points[first + j] and ba_points[first + j].
  auto add_table = [bound](int byte, uint64_t mask, int first, const int32_t* ab_points,
                           const int32_t* ba_points) {
    const uint32_t m = static_cast<uint32_t>(mask >> first) & 0xFF;
    if (m == 0) return;
    HeadBound::ByteTable& t = bound->tables[bound->num_tables++];
    t.byte = byte;
    t.gain_ab[0] = t.gain_ba[0] = 0;
    for (uint32_t i = 1; i < 256; ++i) {
      const uint32_t rest = i & (i - 1);
      const int j = __builtin_ctz(i);
      const bool counts = ((m >> j) & 1) != 0;
      t.gain_ab[i] = t.gain_ab[rest] + (counts ? ab_points[first + j] : 0);
      t.gain_ba[i] = t.gain_ba[rest] + (counts ? ba_points[first + j] : 0);
    }
  };
  // Shared head interests: the partner's weight is unknown, count a's (min(w_a, w_b) <= w_a).
  int32_t interest[64];
  const int32_t* points = problem_.head_interest_points();
  for (int bit = 0; bit < 64; ++bit) {
    const uint64_t one = uint64_t{1} << bit;
    interest[bit] =
        points[bit] * (((p.head_interest[0] & one) != 0) + ((p.head_interest[1] & one) != 0) +
                       ((p.head_interest[2] & one) != 0));
  }
  for (int byte = 0; byte < 8; ++byte) {
    add_table(byte, p.head_interest[0], 8 * byte, interest, interest);
  }
  // Trades: summary bytes 8-9 hold the partner's offers 0-15, bytes 10-11 its seeks 0-15.
  const int32_t* seek = problem_.head_seek_points();
  const int32_t* give = problem_.head_give_points();
  for (int byte = 0; byte < 2; ++byte) {
    add_table(8 + byte, p.head_seeks, 8 * byte, seek, give);    // a gets what b offers
    add_table(10 + byte, p.head_offers, 8 * byte, give, seek);  // b gets what a offers
  }
  // Summary byte 12: the partner is open; with a open too, the pair gets the open pairing.
  const int32_t open_points = problem_.open_points();
  if (MatchProblem::IsOpen(p) && open_points > 0) {
    add_table(12, 1, 0, &open_points, &open_points);
  }
  for (uint64_t m = p.head_seeks >> 16 << 16; m != 0; m &= m - 1) {
    bound->constant_ab += seek[__builtin_ctzll(m)];
    bound->constant_ba += give[__builtin_ctzll(m)];
  }
  for (uint64_t m = p.head_offers >> 16 << 16; m != 0; m &= m - 1) {
    bound->constant_ab += give[__builtin_ctzll(m)];
    bound->constant_ba += seek[__builtin_ctzll(m)];
  }
}

bool CandidateIndex::MayReach(int64_t gain_ab, int64_t gain_ba, Weight threshold) const {
  if (threshold <= 1) return true;
  // The weight is at most round(HM(gain_ab, gain_ba) * max bridge factor); a weight below the
  // threshold cannot enter. Division-free: HM * f < threshold - 1.
  const double x = static_cast<double>(gain_ab);
  const double y = static_cast<double>(gain_ba);
  if (x <= 0 || y <= 0) return false;
  return 2.0 * x * y * problem_.max_bridge_factor() >= (threshold - 1.0) * (x + y);
}

Weight CandidateIndex::ExactWeight(Index a, Index b, const Accumulator& acc,
                                   Weight threshold) const {
  const SearchProfile& pa = problem_.search_profile(a);
  const SearchProfile& pb = problem_.search_profile(b);
  if (!problem_.FeasibleFast(a, pa, b, pb)) return 0;
  int64_t gain_ab = acc.gain_ab;
  int64_t gain_ba = acc.gain_ba;
  problem_.HeadGains(pa, pb, &gain_ab, &gain_ba);
  if (!MayReach(gain_ab, gain_ba, threshold)) return 0;
  return problem_.Combine(pa, pb, gain_ab, gain_ba);
}

void CandidateIndex::Search(Index a, Scratch* scratch) const {
  std::vector<Candidate>& heap = scratch->heap;
  heap.clear();
  scratch->thin = false;
  if (problem_.profile(a).budget <= 0) return;
  Touch(a, scratch);
  HeadBound bound;
  PrepareBound(a, &bound);
  const Accumulator* acc = scratch->acc.data();
  const std::vector<Index>& touched = scratch->touched;
  // Bound every partner's weight from the accumulator and its head summary (no random reads),
  // score exactly the most promising 2 * capacity, then only those whose bound still reaches the
  // heap. Exact: a partner is skipped only when its bound proves it cannot enter.
  std::vector<Bounded>& bounded = scratch->bounded;
  bounded.clear();
  constexpr size_t kAhead = 16;  // summaries and search profiles are random reads: prefetch
  const uint8_t* allowed = scratch->allowed;
  auto offer_bound = [&](Index b) {
    if (allowed != nullptr && allowed[b] == 0) return;
    int64_t bound_ab = acc[b].gain_ab, bound_ba = acc[b].gain_ba;
    BoundHeadGains(bound, summaries_[b], &bound_ab, &bound_ba);
    if (bound_ab <= 0 || bound_ba <= 0) return;
    bounded.push_back({static_cast<float>(bound_ab), static_cast<float>(bound_ba), b});
  };
  for (size_t i = 0; i < touched.size(); ++i) {
    if (i + kAhead < touched.size()) {
      __builtin_prefetch(&summaries_[touched[i + kAhead]]);
      __builtin_prefetch(&acc[touched[i + kAhead]]);
    }
    offer_bound(touched[i]);
  }
  SelectTopK(a, scratch);
  if (heap.empty()) {
    // Thin: nobody reachable through postings can meet a. Bound everyone who shares a head tag
    // (or the open pairing) with a instead: a mask pre-filter over the summaries in order skips
    // the rest, whose head gains are 0 (untouched partners' accumulators are zero, which is
    // exact for them; touched ones were all infeasible or bounded out already).
    scratch->thin = true;
    ++scratch->stats.thin_searches;
    bounded.clear();
    const SearchProfile& p = problem_.search_profile(a);
    const uint64_t interests = p.head_interest[0];
    const uint16_t seeks = static_cast<uint16_t>(p.head_seeks & 0xFFFF);
    const uint16_t offers = static_cast<uint16_t>(p.head_offers & 0xFFFF);
    const uint8_t open = MatchProblem::IsOpen(p) && problem_.open_points() > 0 ? 1 : 0;
    // Trade head bits 16-63 are not in the summaries: then nothing can be filtered out.
    const bool filter = ((p.head_seeks | p.head_offers) >> 16) == 0;
    const Index n = num_attendees();
    for (Index b = 0; b < n; ++b) {
      const HeadSummary& sb = summaries_[b];
      if (filter && ((sb.interests & interests) | (sb.offers & seeks) | (sb.seeks & offers) |
                     (sb.open & open)) == 0) {
        continue;
      }
      if (b != a) offer_bound(b);
    }
    SelectTopK(a, scratch);
  }
  scratch->stats.partners_touched += touched.size();
}

void CandidateIndex::SelectTopK(Index a, Scratch* scratch) const {
  std::vector<Candidate>& heap = scratch->heap;
  std::vector<Bounded>& bounded = scratch->bounded;
  const Accumulator* acc = scratch->acc.data();
  const float max_bridge = static_cast<float>(problem_.max_bridge_factor());
  constexpr size_t kAhead = 8;
  // The most promising first: HM(x, y) is within [min(x, y), 2 min(x, y)].
  const size_t first = std::min(bounded.size(), 2 * capacity_);
  std::nth_element(bounded.begin(), bounded.begin() + static_cast<ptrdiff_t>(first), bounded.end(),
                   [](const Bounded& p, const Bounded& q) {
                     return std::min(p.gain_ab, p.gain_ba) > std::min(q.gain_ab, q.gain_ba);
                   });
  // Division-free HM(x, y) * f < threshold - 1, padded by 0.1% for float rounding.
  const float factor = 2.0f * max_bridge * 1.001f;
  for (size_t i = 0; i < bounded.size(); ++i) {
    // Past the first batch most partners fail the bound: prefetching them costs more than it
    // saves.
    if (i + kAhead < first)
      __builtin_prefetch(&problem_.search_profile(bounded[i + kAhead].partner));
    const Weight threshold = heap.size() == capacity_ ? heap.front().weight : 0;
    const float x = bounded[i].gain_ab;
    const float y = bounded[i].gain_ba;
    if (factor * x * y < (static_cast<float>(threshold) - 1.0f) * (x + y)) continue;
    const Index b = bounded[i].partner;
    ++scratch->stats.exact_evaluations;
    const Weight w = ExactWeight(a, b, acc[b], threshold);
    if (w > 0) HeapOffer(a, &heap, capacity_, Candidate{w, b});
  }
  std::sort_heap(heap.begin(), heap.end(), WorseLast{a});
}

void CandidateIndex::Research(Index a) {
  Search(a, &scratch_);
  StoreList(a, scratch_.heap);
  SetThin(a, scratch_.thin);
}

void CandidateIndex::SetThin(Index a, bool thin) {
  auto it = std::lower_bound(thin_.begin(), thin_.end(), a);
  const bool was = it != thin_.end() && *it == a;
  if (was && !thin) thin_.erase(it);
  if (!was && thin) thin_.insert(it, a);
}

void CandidateIndex::StoreList(Index a, const std::vector<Candidate>& best) {
  std::copy(best.begin(), best.end(), lists_.begin() + static_cast<ptrdiff_t>(a * capacity_));
  sizes_[a] = static_cast<uint16_t>(best.size());
  complete_[a] = best.size() < capacity_;
}

Weight CandidateIndex::EntryWeight(Index b) const {
  if (sizes_[b] == 0 || (complete_[b] && sizes_[b] < capacity_)) return 0;
  return lists_[b * capacity_ + sizes_[b] - 1].weight;
}

void CandidateIndex::OfferToList(Index b, Candidate c) {
  Candidate* list = &lists_[b * capacity_];
  size_t size = sizes_[b];
  if (!complete_[b] || size == capacity_) {
    // The best `size` only: c must beat the last, and a full list drops it.
    if (size == 0 || !RanksBefore(b, c, list[size - 1])) return;
    if (size == capacity_) --size;
    complete_[b] = 0;
  }
  size_t pos = size;
  while (pos > 0 && RanksBefore(b, c, list[pos - 1])) {
    list[pos] = list[pos - 1];
    --pos;
  }
  list[pos] = c;
  sizes_[b] = static_cast<uint16_t>(size + 1);
}

absl::Status CandidateIndex::UpsertProfile(Index x, const Profile& profile) {
  const Index n = num_attendees();
  // Lists that hold x before the change: x's partners are exactly the attendees x touches
  // (the touch relation is symmetric), so a search from x finds them all.
  std::vector<Index> holders;
  if (x < n) {
    Touch(x, &scratch_);
    for (Index b : scratch_.touched) {
      const Candidate* list = &lists_[b * capacity_];
      for (const Candidate& c : absl::MakeConstSpan(list, sizes_[b])) {
        if (c.partner == x) {
          holders.push_back(b);
          break;
        }
      }
    }
  }
  // Thin lists are exact over everyone, so they may hold x without x touching them.
  for (Index a : thin_) {
    if (a == x) continue;
    const Candidate* list = &lists_[a * capacity_];
    for (const Candidate& c : absl::MakeConstSpan(list, sizes_[a])) {
      if (c.partner == x) {
        holders.push_back(a);
        break;
      }
    }
  }
  CompiledProfile old;
  if (x < n) old = problem_.profile(x);
  absl::Status s = problem_.SetProfile(x, profile);
  if (!s.ok()) return s;
  if (x < n) {
    RemovePostings(x, old);
  } else {
    lists_.resize(lists_.size() + capacity_);
    sizes_.push_back(0);
    complete_.push_back(1);
  }
  AddPostings(x);

  // New weights of x with every partner it now touches (the partners a rebuild would see). For
  // lists that did not hold x only weights that may enter them are needed.
  std::sort(holders.begin(), holders.end());
  holders.erase(std::unique(holders.begin(), holders.end()), holders.end());
  auto held = [&holders](Index b) { return std::binary_search(holders.begin(), holders.end(), b); };
  std::vector<Candidate> fresh;  // partner b, weight of {x, b}
  // Thin attendees x now touches and can meet are thin no more: searched again below.
  std::vector<Index> research;
  if (problem_.profile(x).budget > 0) {
    HeadBound bound;
    PrepareBound(x, &bound);
    Touch(x, &scratch_);
    for (Index b : scratch_.touched) {
      const Accumulator& acc = scratch_.acc[b];
      const bool thin = IsThin(b);
      const Weight threshold = held(b) || thin ? 0 : EntryWeight(b);
      int64_t bound_ab = acc.gain_ab, bound_ba = acc.gain_ba;
      BoundHeadGains(bound, summaries_[b], &bound_ab, &bound_ba);
      if (!MayReach(bound_ab, bound_ba, threshold)) continue;
      const Weight w = ExactWeight(x, b, acc, threshold);
      if (w > 0) fresh.push_back(Candidate{w, b});
      if (w > 0 && thin && b != x) research.push_back(b);
    }
    // Thin attendees x does not touch: x shares no searched tag with them, so the pair's weight
    // is its head gains alone (and that does not make them reachable through postings). Ring
    // partners are touched with empty accumulators: look them up.
    std::vector<Index> ring_touched;
    if (!thin_.empty() && problem_.IsOpen(x)) {
      for (Index b : scratch_.touched) {
        const Accumulator& acc = scratch_.acc[b];
        if ((acc.gain_ab | acc.gain_ba) == 0) ring_touched.push_back(b);
      }
      std::sort(ring_touched.begin(), ring_touched.end());
    }
    for (Index a : thin_) {
      const Accumulator& acc = scratch_.acc[a];
      if (a == x || (acc.gain_ab | acc.gain_ba) != 0) continue;
      if (std::binary_search(ring_touched.begin(), ring_touched.end(), a)) continue;
      const Weight w = ExactWeight(x, a, Accumulator{0, 0}, held(a) ? 0 : EntryWeight(a));
      if (w > 0) fresh.push_back(Candidate{w, a});
    }
    std::sort(fresh.begin(), fresh.end(),
              [](const Candidate& p, const Candidate& q) { return p.partner < q.partner; });
  }
  auto fresh_weight = [&fresh](Index b) -> Weight {
    auto it = std::lower_bound(fresh.begin(), fresh.end(), b,
                               [](const Candidate& c, Index v) { return c.partner < v; });
    return it != fresh.end() && it->partner == b ? it->weight : 0;
  };

  // Lists that held x: drop x and offer it again with its new weight. A list that falls below k
  // entries without holding all candidates is searched again, and so is one left empty (x was
  // their only partner reachable through postings: thin now).
  for (Index b : holders) {
    Candidate* list = &lists_[b * capacity_];
    const size_t size = sizes_[b];
    const size_t pos = static_cast<size_t>(
        std::find_if(list, list + size, [x](const Candidate& c) { return c.partner == x; }) - list);
    std::copy(list + pos + 1, list + size, list + pos);
    sizes_[b] = static_cast<uint16_t>(size - 1);
    const Weight w = fresh_weight(b);
    if (w > 0) OfferToList(b, Candidate{w, x});
    if (NeedsResearch(b)) research.push_back(b);
  }
  // A search sees x's new profile, so x is not offered again to the lists searched.
  std::sort(research.begin(), research.end());
  research.erase(std::unique(research.begin(), research.end()), research.end());
  for (Index b : research) Research(b);
  Research(x);
  for (const Candidate& c : fresh) {
    if (c.partner != x && !held(c.partner) &&
        !std::binary_search(research.begin(), research.end(), c.partner)) {
      OfferToList(c.partner, Candidate{c.weight, x});
    }
  }
  return absl::OkStatus();
}

void CandidateIndex::DropFromList(Index a, Index partner) {
  Candidate* list = &lists_[a * capacity_];
  const size_t size = sizes_[a];
  Candidate* it = std::find_if(list, list + size,
                               [partner](const Candidate& c) { return c.partner == partner; });
  if (it == list + size) return;
  std::copy(it + 1, list + size, it);
  sizes_[a] = static_cast<uint16_t>(size - 1);
  if (NeedsResearch(a)) Research(a);
}

bool CandidateIndex::NeedsResearch(Index a) const {
  // Below k without all candidates; or empty, which a thin search may fill.
  return (!complete_[a] && sizes_[a] < k_) ||
         (sizes_[a] == 0 && problem_.profile(a).budget > 0 && !IsThin(a));
}

absl::Status CandidateIndex::ExcludePair(Index a, Index b) {
  absl::Status s = problem_.ExcludePair(a, b);
  if (!s.ok()) return s;
  DropFromList(a, b);
  DropFromList(b, a);
  return absl::OkStatus();
}

namespace {

// Symmetric CSR rows from directed picks (owner, candidate), each pick landing in both rows;
// duplicates keep one entry (both directions of a pair carry the same weight).
CandidateGraph RowsToGraph(Index n, const std::vector<uint64_t>& offsets_in,
                           const std::vector<Candidate>& picks, int threads) {
  // offsets_in: picks of owner a are picks[offsets_in[a] .. offsets_in[a + 1]).
  std::vector<uint64_t> offsets(static_cast<size_t>(n) + 1, 0);
  for (Index a = 0; a < n; ++a) {
    for (uint64_t i = offsets_in[a]; i < offsets_in[a + 1]; ++i) {
      ++offsets[a + 1];
      ++offsets[picks[i].partner + 1];
    }
  }
  for (Index a = 0; a < n; ++a) offsets[a + 1] += offsets[a];
  std::vector<Candidate> rows(offsets[n]);
  std::vector<uint64_t> fill(offsets.begin(), offsets.end() - 1);
  for (Index a = 0; a < n; ++a) {
    for (uint64_t i = offsets_in[a]; i < offsets_in[a + 1]; ++i) {
      const Candidate& c = picks[i];
      rows[fill[a]++] = c;
      rows[fill[c.partner]++] = Candidate{c.weight, a};
    }
  }
  // Sort and deduplicate every row in place (both cores), then compact.
  std::vector<uint64_t> degree(n, 0);
  ParallelFor(n, threads, [&](int, size_t a) {
    auto begin = rows.begin() + static_cast<ptrdiff_t>(offsets[a]);
    auto end = rows.begin() + static_cast<ptrdiff_t>(offsets[a + 1]);
    std::sort(begin, end,
              [](const Candidate& x, const Candidate& y) { return x.partner < y.partner; });
    end = std::unique(
        begin, end, [](const Candidate& x, const Candidate& y) { return x.partner == y.partner; });
    degree[a] = static_cast<uint64_t>(end - begin);
  });
  CandidateGraph graph;
  graph.offsets.assign(static_cast<size_t>(n) + 1, 0);
  for (Index a = 0; a < n; ++a) graph.offsets[a + 1] = graph.offsets[a] + degree[a];
  graph.neighbors.resize(graph.offsets[n]);
  graph.weights.resize(graph.offsets[n]);
  ParallelFor(n, threads, [&](int, size_t a) {
    for (uint64_t i = 0; i < degree[a]; ++i) {
      const Candidate& c = rows[offsets[a] + i];
      graph.neighbors[graph.offsets[a] + i] = c.partner;
      graph.weights[graph.offsets[a] + i] = c.weight;
    }
  });
  return graph;
}

// `graph` plus the picks (owner, candidate), none of which is an edge of `graph` already; a pair
// picked from both sides is added once. Each row is merged with its few new partners (both
// cores) instead of rebuilding the graph from all its edges.
CandidateGraph WithExtraEdges(const CandidateGraph& graph,
                              const std::vector<std::pair<Index, Candidate>>& picks, int threads) {
  const Index n = graph.num_nodes();
  std::vector<uint64_t> at(static_cast<size_t>(n) + 1, 0);
  for (const auto& [a, c] : picks) {
    ++at[a + 1];
    ++at[c.partner + 1];
  }
  for (Index a = 0; a < n; ++a) at[a + 1] += at[a];
  std::vector<Candidate> added(at[n]);
  {
    std::vector<uint64_t> fill(at.begin(), at.end() - 1);
    for (const auto& [a, c] : picks) {
      added[fill[a]++] = c;
      added[fill[c.partner]++] = Candidate{c.weight, a};
    }
  }
  std::vector<uint64_t> added_count(n, 0);
  ParallelFor(n, threads, [&](int, size_t a) {
    auto begin = added.begin() + static_cast<ptrdiff_t>(at[a]);
    auto end = added.begin() + static_cast<ptrdiff_t>(at[a + 1]);
    std::sort(begin, end,
              [](const Candidate& x, const Candidate& y) { return x.partner < y.partner; });
    end = std::unique(
        begin, end, [](const Candidate& x, const Candidate& y) { return x.partner == y.partner; });
    added_count[a] = static_cast<uint64_t>(end - begin);
  });
  CandidateGraph out;
  out.offsets.assign(static_cast<size_t>(n) + 1, 0);
  for (Index a = 0; a < n; ++a) {
    out.offsets[a + 1] = out.offsets[a] + graph.degree(a) + added_count[a];
  }
  out.neighbors.resize(out.offsets[n]);
  out.weights.resize(out.offsets[n]);
  ParallelFor(n, threads, [&](int, size_t a) {
    uint64_t i = graph.begin(static_cast<Index>(a));
    const uint64_t i_end = graph.end(static_cast<Index>(a));
    uint64_t j = at[a];
    const uint64_t j_end = at[a] + added_count[a];
    for (uint64_t o = out.offsets[a]; o < out.offsets[a + 1]; ++o) {
      if (j == j_end || (i < i_end && graph.neighbors[i] < added[j].partner)) {
        out.neighbors[o] = graph.neighbors[i];
        out.weights[o] = graph.weights[i++];
      } else {
        out.neighbors[o] = added[j].partner;
        out.weights[o] = added[j++].weight;
      }
    }
  });
  return out;
}

// Attendees in a fixed pseudo-random order, so that no index range always chooses first.
std::vector<Index> ShuffledOrder(Index n, Index salt) {
  std::vector<std::pair<uint32_t, Index>> keyed(n);
  for (Index a = 0; a < n; ++a) keyed[a] = {TieKey(salt, a), a};
  std::sort(keyed.begin(), keyed.end());
  std::vector<Index> order(n);
  for (Index a = 0; a < n; ++a) order[a] = keyed[a].second;
  return order;
}

}  // namespace

CandidateGraph CandidateIndex::Graph(CandidateStats* stats) const {
  const Index n = num_attendees();
  const int threads = ThreadCount(options_.threads);
  // What an attendee can take: min(budget, available slots).
  std::vector<int32_t> capacity(n, 0);
  for (Index a = 0; a < n; ++a) {
    const CompiledProfile& p = problem_.profile(a);
    capacity[a] = p.budget > 0 ? std::min(p.budget, __builtin_popcountll(p.availability)) : 0;
  }

  // 1. Diversification: each list keeps its best k / 2 partners that fewer than
  // 4 * (k + 4 * capacity) lists chose already, then only partners that fewer than
  // k + 4 * capacity lists chose (a partner on many lists counts less for the next one: here,
  // not at all). Only TopK() is read, which updates keep equal to a rebuild.
  std::vector<uint32_t> picked(n, 0);
  std::vector<uint64_t> pick_offsets(static_cast<size_t>(n) + 1, 0);
  for (Index a = 0; a < n; ++a) pick_offsets[a + 1] = pick_offsets[a] + TopK(a).size();
  std::vector<Candidate> picks(pick_offsets[n]);
  std::vector<uint64_t> pick_ends(n, 0);
  const size_t floor = k_ / 2;
  for (Index a : ShuffledOrder(n, 0x5eed)) {
    uint64_t at = pick_offsets[a];
    size_t kept = 0;
    for (const Candidate& c : TopK(a)) {
      const Index b = c.partner;
      const uint32_t crowd = static_cast<uint32_t>(k_) + 4 * static_cast<uint32_t>(capacity[b]);
      // The best k / 2 are kept unless b is already on four times as many lists: a profile
      // that shares something with everyone (dozens of interests) would otherwise be among the
      // best of a large part of the event and become a star.
      if (options_.diversify && picked[b] >= (kept < floor ? 4 * crowd : crowd)) continue;
      picks[at++] = c;
      ++picked[b];
      ++kept;
    }
    // Never an empty row for a non-empty list: its best partner stays, crowded or not.
    if (kept == 0 && !TopK(a).empty()) {
      picks[at++] = TopK(a)[0];
      ++picked[TopK(a)[0].partner];
    }
    pick_ends[a] = at;
  }
  // Compact (RowsToGraph reads picks[offsets[a] .. offsets[a + 1])).
  {
    uint64_t at = 0;
    std::vector<uint64_t> compact(static_cast<size_t>(n) + 1, 0);
    for (Index a = 0; a < n; ++a) {
      for (uint64_t i = pick_offsets[a]; i < pick_ends[a]; ++i) picks[at++] = picks[i];
      compact[a + 1] = at;
    }
    pick_offsets = std::move(compact);
  }
  CandidateGraph graph = RowsToGraph(n, pick_offsets, picks, threads);
  picks.clear();
  picks.shrink_to_fit();

  // 2. Room: attendees whose partners are all crowded search again among those with room.
  std::vector<uint32_t> degree(n);
  for (Index a = 0; a < n; ++a) degree[a] = static_cast<uint32_t>(graph.degree(a));
  std::vector<Index> crowded;
  for (Index a : ShuffledOrder(n, 0xc0de)) {
    if (capacity[a] <= 0 || sizes_[a] == 0 || (sizes_[a] < k_ && complete_[a])) {
      continue;  // opted out, or a search found nobody else (a list that is all it can have)
    }
    double expected = 0;
    for (uint64_t i = graph.begin(a); i < graph.end(a); ++i) {
      const Index b = graph.neighbors[i];
      expected += static_cast<double>(capacity[b]) / std::max<uint32_t>(degree[b], 1);
    }
    if (expected < 0.5 * capacity[a]) crowded.push_back(a);
  }
  if (crowded.empty() || !options_.diversify) return graph;
  // A partner has room while its degree is at most a typical one (2k: its own list plus as many
  // lists holding it).
  const uint32_t room = static_cast<uint32_t>(2 * k_);
  std::vector<uint8_t> allowed(n, 0);
  for (Index b = 0; b < n; ++b) allowed[b] = capacity[b] > 0 && degree[b] < room ? 1 : 0;
  const size_t extra_per_attendee = std::max<size_t>(1, k_ / 2);
  std::vector<Scratch> scratches(static_cast<size_t>(threads));
  for (Scratch& scratch : scratches) scratch.allowed = allowed.data();
  std::vector<std::vector<Candidate>> found;
  std::vector<uint64_t> extra_offsets{0};
  std::vector<Candidate> extra;  // picks of crowded[i]: extra[extra_offsets[i] ..]
  // Batches: searches in parallel against the current `allowed`, then picks one attendee at a
  // time, so that attendees with the same profile do not all take the same partners.
  const size_t batch = 64 * static_cast<size_t>(threads);
  CandidateStats room_stats;
  for (size_t first = 0; first < crowded.size() && !Cancelled(options_.cancel); first += batch) {
    const size_t count = std::min(batch, crowded.size() - first);
    found.assign(count, {});
    ParallelFor(count, threads, [&](int thread, size_t i) {
      Scratch& scratch = scratches[static_cast<size_t>(thread)];
      Search(crowded[first + i], &scratch);
      found[i] = scratch.heap;
    });
    for (size_t i = 0; i < count; ++i) {
      const Index a = crowded[first + i];
      const uint64_t row_begin = graph.begin(a), row_end = graph.end(a);
      auto is_neighbour = [&](Index b) {
        return std::binary_search(graph.neighbors.begin() + static_cast<ptrdiff_t>(row_begin),
                                  graph.neighbors.begin() + static_cast<ptrdiff_t>(row_end), b);
      };
      size_t taken = 0;
      ++room_stats.room_searches;
      for (const Candidate& c : found[i]) {
        if (taken == extra_per_attendee) break;
        if (allowed[c.partner] == 0 || is_neighbour(c.partner)) continue;
        extra.push_back(c);
        ++taken;
        for (Index x : {a, c.partner}) {
          if (++degree[x] >= room) allowed[x] = 0;
        }
      }
      extra_offsets.push_back(extra.size());
    }
  }
  room_stats.room_edges = extra.size();
  for (const Scratch& scratch : scratches) {
    room_stats.postings_visited += scratch.stats.postings_visited;
    room_stats.partners_touched += scratch.stats.partners_touched;
    room_stats.exact_evaluations += scratch.stats.exact_evaluations;
    room_stats.thin_searches += scratch.stats.thin_searches;
  }
  if (stats != nullptr) {
    stats->room_searches += room_stats.room_searches;
    stats->room_edges += room_stats.room_edges;
    stats->postings_visited += room_stats.postings_visited;
    stats->partners_touched += room_stats.partners_touched;
    stats->exact_evaluations += room_stats.exact_evaluations;
    stats->thin_searches += room_stats.thin_searches;
  }
  if (extra.empty()) return graph;
  std::vector<std::pair<Index, Candidate>> owned;  // (owner, pick)
  owned.reserve(extra.size());
  for (size_t i = 0; i + 1 < extra_offsets.size(); ++i) {
    for (uint64_t j = extra_offsets[i]; j < extra_offsets[i + 1]; ++j) {
      owned.push_back({crowded[i], extra[j]});
    }
  }
  return WithExtraEdges(graph, owned, threads);
}

std::vector<Candidate> CandidateIndex::ExhaustiveTopK(Index a) const {
  std::vector<Candidate> heap;
  if (problem_.profile(a).budget <= 0) return heap;
  for (Index b = 0; b < num_attendees(); ++b) {
    const Weight w = problem_.Score(a, b).weight;
    if (w > 0) HeapOffer(a, &heap, k_, Candidate{w, b});
  }
  std::sort_heap(heap.begin(), heap.end(), WorseLast{a});
  return heap;
}

double RecallAtK(const CandidateIndex& index, const std::vector<Index>& sample, int threads) {
  if (sample.empty()) return 1.0;
  const int t = ThreadCount(threads);
  std::vector<double> recall(sample.size(), 1.0);
  ParallelFor(sample.size(), t, [&](int, size_t i) {
    const Index a = sample[i];
    const std::vector<Candidate> exact = index.ExhaustiveTopK(a);
    if (exact.empty()) return;
    const Weight kth = exact.back().weight;
    size_t hits = 0;
    for (const Candidate& c : index.TopK(a)) hits += c.weight >= kth ? 1 : 0;
    recall[i] = static_cast<double>(std::min(hits, exact.size())) / exact.size();
  });
  double sum = 0;
  for (double r : recall) sum += r;
  return sum / static_cast<double>(sample.size());
}

}  // namespace parley::match
