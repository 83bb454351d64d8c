#include "services/match/schedule_engine.h"

#include <algorithm>
#include <cassert>
#include <functional>
#include <limits>

#include "services/match/parallel.h"

namespace parley::match::internal {
namespace {

int Popcount(SlotMask m) { return __builtin_popcountll(m); }
int LowestSlot(SlotMask m) { return __builtin_ctzll(m); }

bool HeavierFirst(const std::pair<Index, Weight>& x, const std::pair<Index, Weight>& y) {
  return x.second != y.second ? x.second > y.second : x.first < y.first;
}

uint64_t PairKey(Index a, Index b) {
  if (a > b) std::swap(a, b);
  return (static_cast<uint64_t>(a) << 32) | b;
}

// SplitMix64: a fixed, portable mixer, so tie-breaks do not depend on the standard library.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

struct Candidate {
  uint64_t key;  // weight in the high bits, a seeded hash below: heaviest first, ties seeded
  Index u, v;
};

// Signed weights in unsigned order.
uint32_t WeightKey(Weight w) { return static_cast<uint32_t>(w) ^ 0x80000000u; }

}  // namespace

ScheduleEngine::ScheduleEngine(const CandidateGraph* graph, ScheduleInput input, uint64_t seed)
    : graph_(graph), input_(std::move(input)), seed_(seed), slots_(input_.num_slots) {
  all_slots_ = slots_ >= 64 ? ~SlotMask{0} : ((SlotMask{1} << slots_) - 1);
  open_ = all_slots_;
  const Index n = static_cast<Index>(input_.attendees.size());
  budget_.resize(n);
  node_.resize(n);
  for (Index u = 0; u < n; ++u) {
    budget_[u] = std::min<int32_t>(input_.attendees[u].budget, 255);
    node_[u].avail = input_.attendees[u].availability & all_slots_;
  }
  slot_.assign(static_cast<size_t>(n) * slots_, SlotState{});
  table_.assign(static_cast<size_t>(n) * slots_, -1);

  queued_.assign(n, 0);
  for (Index u = 0; u < n; ++u) UpdateCapacity(u);
  // Each list heaviest first, ties by index (the order of HeavierFirst), sorted as one distinct
  // integer per edge (the signed weight's order, then the complemented index). Lists are short:
  // each key's rank is the number of larger keys, counted without branches. Lists are
  // independent, so large graphs sort on every core (at 150,000 attendees this is most of the
  // set-up, on the scheduler's critical path).
  by_weight_.resize(graph_->neighbors.size());
  constexpr size_t kParallelEdges = size_t{1} << 20;
  const int threads = graph_->neighbors.size() >= kParallelEdges ? ThreadCount(0) : 1;
  std::vector<std::vector<uint64_t>> keys_of(threads);
  ParallelFor(graph_->num_nodes(), threads, [&](int thread, size_t node) {
    const Index u = static_cast<Index>(node);
    std::vector<uint64_t>& keys = keys_of[thread];
    const uint64_t begin = graph_->begin(u);
    const size_t size = graph_->end(u) - begin;
    keys.resize(size);
    for (size_t k = 0; k < size; ++k) {
      keys[k] = static_cast<uint64_t>(WeightKey(graph_->weights[begin + k])) << 32 |
                static_cast<uint32_t>(~graph_->neighbors[begin + k]);
    }
    if (size > 64) std::sort(keys.begin(), keys.end(), std::greater<uint64_t>());
    for (size_t k = 0; k < size; ++k) {
      size_t rank = k;
      if (size <= 64) {
        rank = 0;
        for (size_t j = 0; j < size; ++j) rank += keys[j] > keys[k] ? 1 : 0;
      }
      by_weight_[begin + rank] = {
          ~static_cast<Index>(keys[k]),
          static_cast<Weight>(static_cast<uint32_t>(keys[k] >> 32) ^ 0x80000000u)};
    }
  });
  // Nobody meets yet: each best spare partner is the head of the list.
  for (Index u = 0; u < n && u < graph_->num_nodes(); ++u) {
    if (graph_->begin(u) < graph_->end(u)) {
      NoteEdge(u, by_weight_[graph_->begin(u)].first, by_weight_[graph_->begin(u)].second);
    }
  }
  slot_tables_.assign(slots_, 0);
  used_.assign(slots_, 0);
  for (int s = 0; s < slots_; ++s) {
    if (input_.locations.empty()) {
      slot_tables_[s] = std::numeric_limits<int64_t>::max();
    } else {
      for (const Location& loc : input_.locations) slot_tables_[s] += loc.TablesIn(s);
    }
  }
}

void ScheduleEngine::UpdateCapacity(Index u) {
  node_[u].cap = static_cast<uint8_t>(std::min<int>(budget_[u], Popcount(node_[u].avail)));
  UpdateAccept(u);
}

void ScheduleEngine::SetOpenSlots(SlotMask open) {
  open_ = open;
  // Prices change everywhere: refill bounds are recomputed when next asked.
  for (Index u = 0; u < num_nodes(); ++u) {
    UpdateAccept(u);
    node_[u].refill.arg = kStale;
  }
}

template <typename F>
void ScheduleEngine::ForEachNeighbor(Index u, F&& f) const {
  if (u < graph_->num_nodes()) {
    const uint64_t end = graph_->end(u);
    for (uint64_t i = graph_->begin(u); i < end; ++i) f(graph_->neighbors[i], graph_->weights[i]);
  }
  if (u < extra_.size()) {
    for (const auto& [v, w] : extra_[u]) f(v, w);
  }
}

void ScheduleEngine::Prefetch(Index u, bool optimistic, int64_t min_weight) const {
  if (u >= graph_->num_nodes()) return;
  const uint64_t begin = graph_->begin(u);
  const uint64_t end = std::min(graph_->end(u), begin + kPrefetch);
  const Partners partners(*this, u);
  for (uint64_t i = begin; i < end && by_weight_[i].second + max_weight_ >= min_weight; ++i) {
    const Index v = by_weight_[i].first;
    if (partners.Has(v)) continue;
    if (by_weight_[i].second + (optimistic ? node_[v].refund : -node_[v].accept) < min_weight)
      continue;
    __builtin_prefetch(&node_[v]);
    __builtin_prefetch(&slot_[At(v, 0)]);
    __builtin_prefetch(&slot_[At(v, slots_ - 1)]);
  }
}

template <typename F>
void ScheduleEngine::ForEachNeighborHeaviestFirst(Index u, F&& f) const {
  if (u < graph_->num_nodes()) {
    const uint64_t end = graph_->end(u);
    for (uint64_t i = graph_->begin(u); i < end; ++i) {
      if (!f(by_weight_[i].first, by_weight_[i].second)) break;
    }
  }
  if (u < extra_.size()) {
    for (const auto& [v, w] : extra_[u]) {
      if (!f(v, w)) break;
    }
  }
}

bool ScheduleEngine::Meets(Index u, Index v) const {
  SlotMask busy = node_[u].busy;
  while (busy != 0) {
    const int s = LowestSlot(busy);
    busy &= busy - 1;
    if (slot_[At(u, s)].partner == v) return true;
  }
  return false;
}

ScheduleEngine::Partners::Partners(const ScheduleEngine& engine, Index u) {
  SlotMask busy = engine.node_[u].busy;
  while (busy != 0) {
    of[count++] = engine.slot_[engine.At(u, LowestSlot(busy))].partner;
    busy &= busy - 1;
  }
}

bool ScheduleEngine::IsBanned(Index a, Index b) const {
  return !banned_.empty() && banned_.contains(PairKey(a, b));
}

void ScheduleEngine::BanPair(Index a, Index b) { banned_.insert(PairKey(a, b)); }

void ScheduleEngine::Add(Index u, Index v, int s, Weight w) {
  assert(slot_[At(u, s)].partner == kNobody && slot_[At(v, s)].partner == kNobody);
  assert((node_[u].avail >> s & 1) && (node_[v].avail >> s & 1));
  slot_[At(u, s)].partner = v;
  slot_[At(v, s)].partner = u;
  slot_[At(u, s)].weight = w;
  slot_[At(v, s)].weight = w;
  node_[u].busy |= SlotMask{1} << s;
  node_[v].busy |= SlotMask{1} << s;
  ++node_[u].degree;
  ++node_[v].degree;
  ++used_[s];
  weight_ += w;
  ++meetings_;
  if (seated_) TakeTable(u, v, s);
  if (logging_) log_.push_back({true, MeetingAt(u, s)});
  if (recording_) undo_.push_back({true, u, v, s, w});
  NoteChanged(u, v);
  if (node_[u].spare_partner == v) RecomputeSpare(u);
  if (node_[v].spare_partner == u) RecomputeSpare(v);
  UpdateAccept(u);
  UpdateAccept(v);
}

void ScheduleEngine::Remove(Index u, int s) {
  const Index v = slot_[At(u, s)].partner;
  assert(v != kNobody);
  if (logging_) log_.push_back({false, MeetingAt(u, s)});
  if (recording_) undo_.push_back({false, u, v, s, slot_[At(u, s)].weight});
  if (seated_) ReturnTable(u, s);
  NoteChanged(u, v);
  weight_ -= slot_[At(u, s)].weight;
  --meetings_;
  --used_[s];
  --node_[u].degree;
  --node_[v].degree;
  node_[u].busy &= ~(SlotMask{1} << s);
  node_[v].busy &= ~(SlotMask{1} << s);
  slot_[At(u, s)].partner = kNobody;
  slot_[At(v, s)].partner = kNobody;
  const Weight w = slot_[At(u, s)].weight;
  slot_[At(u, s)].weight = 0;
  slot_[At(v, s)].weight = 0;
  NoteEdge(u, v, w);
  NoteEdge(v, u, w);
  UpdateAccept(u);
  UpdateAccept(v);
}

Weight ScheduleEngine::RefillBound(Index p) const {
  RefillCache& r = node_[p].refill;
  if (r.arg != kStale) return r.value;
  // Computed inside a chain being tried: forget it if the chain is undone.
  if (recording_) trial_refills_.push_back(p);
  r = {0, kNobody};
  int looked = 0;
  const Partners partners(*this, p);
  ForEachNeighborHeaviestFirst(p, [&](Index x, Weight w) {
    if (w <= r.value) return false;
    if (partners.Has(x)) return true;
    if (looked++ == refill_limit_) {
      // The rest are no heavier than w, and nobody accepts at a negative price.
      r = {w, kNobody};
      return false;
    }
    if (w - node_[x].accept > r.value) r = {w - node_[x].accept, x};
    return true;
  });
  return r.value;
}

void ScheduleEngine::UpdateAccept(Index u) {
  const NodeState& node = node_[u];
  Weight cost = 0;
  if (node.cap == 0) {
    cost = kCannotAccept;
  } else if (node.degree >= node.cap) {
    cost = kCannotAccept;
    SlotMask busy = node.busy & open_;
    while (busy != 0) {
      const int s = LowestSlot(busy);
      busy &= busy - 1;
      cost = std::min(cost, slot_[At(u, s)].weight);
    }
  }
  node_[u].accept = cost;
  Weight refund = node.cap == 0 ? -kCannotAccept : node.degree < node.cap ? 0 : -kCannotAccept;
  SlotMask busy = node.busy & open_;
  while (busy != 0) {
    const int s = LowestSlot(busy);
    busy &= busy - 1;
    const SlotState& slot = slot_[At(u, s)];
    refund = std::max(refund, node_[slot.partner].spare - slot.weight);
  }
  node_[u].refund = refund;
}

void ScheduleEngine::RaiseRefunds(Index p) {
  SlotMask busy = node_[p].busy & open_;
  while (busy != 0) {
    const int s = LowestSlot(busy);
    busy &= busy - 1;
    const SlotState& slot = slot_[At(p, s)];
    Weight& refund = node_[slot.partner].refund;
    refund = std::max(refund, node_[p].spare - slot.weight);
  }
}

void ScheduleEngine::RecomputeSpare(Index u) {
  node_[u].spare = 0;
  node_[u].spare_partner = kNobody;
  // Heaviest first, so the first neighbour u does not meet is the best spare one; the graph's
  // list and the live additions are each sorted, so look at the head of both.
  if (u < graph_->num_nodes()) {
    const uint64_t end = graph_->end(u);
    for (uint64_t i = graph_->begin(u); i < end; ++i) {
      if (Meets(u, by_weight_[i].first)) continue;
      NoteEdge(u, by_weight_[i].first, by_weight_[i].second);
      break;
    }
  }
  if (u < extra_.size()) {
    for (const auto& [v, w] : extra_[u]) {
      if (Meets(u, v)) continue;
      NoteEdge(u, v, w);
      break;
    }
  }
}

bool ScheduleEngine::TryAdd(Index u, Index v, int s, Weight w) {
  const SlotMask bit = SlotMask{1} << s;
  if (u == v || !Active(u) || !Active(v) || node_[u].degree >= Capacity(u) ||
      node_[v].degree >= Capacity(v) ||
      ((node_[u].avail & node_[v].avail & ~node_[u].busy & ~node_[v].busy & open_ & bit) == 0) ||
      !SlotHasTable(s) || Meets(u, v) || IsBanned(u, v)) {
    return false;
  }
  Add(u, v, s, w);
  return true;
}

bool ScheduleEngine::CanMeet(Index u, Index v) const {
  return u != v && u < num_nodes() && v < num_nodes() && Active(u) && Active(v) &&
         node_[u].degree < Capacity(u) && node_[v].degree < Capacity(v) && !Meets(u, v) &&
         !IsBanned(u, v);
}

bool ScheduleEngine::PlaceInFreeSlot(const WeightedEdge& e) {
  SlotMask common =
      node_[e.a].avail & node_[e.b].avail & ~node_[e.a].busy & ~node_[e.b].busy & open_;
  while (common != 0 && !SlotHasTable(LowestSlot(common))) common &= common - 1;
  if (common == 0) return false;
  Add(e.a, e.b, LowestSlot(common), e.weight);
  return true;
}

bool ScheduleEngine::PlaceWithFlip(const WeightedEdge& e) {
  if (PlaceInFreeSlot(e)) return true;
  for (int side = 0; side < 2; ++side) {
    // x is busy in s where y is free; x's s/t path (t free at x) flips so that x frees s.
    const Index x = side == 0 ? e.a : e.b;
    const Index y = side == 0 ? e.b : e.a;
    SlotMask slots = node_[x].avail & node_[y].avail & open_ & node_[x].busy & ~node_[y].busy;
    while (slots != 0) {
      const int s = LowestSlot(slots);
      slots &= slots - 1;
      SlotMask free_x = node_[x].avail & ~node_[x].busy & open_;
      while (free_x != 0) {
        const int t = LowestSlot(free_x);
        free_x &= free_x - 1;
        if (!KempePath(x, s, t, y, &kempe_path_)) continue;
        KempeFlip(kempe_path_, s, t);  // nobody loses a meeting, so it stays even on failure
        if (slot_[At(x, s)].partner == kNobody && slot_[At(y, s)].partner == kNobody &&
            SlotHasTable(s)) {
          Add(e.a, e.b, s, e.weight);
          return true;
        }
      }
    }
  }
  return false;
}

int64_t ScheduleEngine::Place(const std::vector<WeightedEdge>& pairs) {
  int64_t placed = 0;
  std::vector<const WeightedEdge*> left;
  CancelPoll cancel(cancel_);
  for (const WeightedEdge& e : pairs) {
    if (cancel.Poll()) return placed;
    if (!CanMeet(e.a, e.b)) continue;
    if (PlaceInFreeSlot(e)) {
      ++placed;
    } else {
      left.push_back(&e);
    }
  }
  // Flips move other meetings: a pair that failed may fit after a later pair's flip, so the
  // pairs left over are tried again while that places some.
  for (int64_t before = -1; before != placed && !left.empty();) {
    before = placed;
    std::vector<const WeightedEdge*> again;
    for (const WeightedEdge* e : left) {
      if (cancel.Poll()) return placed;
      if (!CanMeet(e->a, e->b)) continue;
      if (PlaceWithFlip(*e)) {
        ++placed;
      } else {
        again.push_back(e);
      }
    }
    left.swap(again);
  }
  return placed;
}

Meeting ScheduleEngine::MeetingAt(Index u, int s) const {
  Meeting m;
  const Index v = slot_[At(u, s)].partner;
  m.a = std::min(u, v);
  m.b = std::max(u, v);
  m.slot = s;
  m.weight = slot_[At(u, s)].weight;
  const int32_t t = table_[At(u, s)];
  if (t >= 0) {
    m.location = seats_[s][t].first;
    m.table = seats_[s][t].second;
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Greedy start.

void ScheduleEngine::Greedy() {
  std::vector<Candidate> edges;
  const Index n = num_nodes();
  edges.reserve(graph_->num_edges());
  // The slots each attendee could meet in (none when inactive), compact: read once per edge.
  std::vector<SlotMask> usable(n);
  for (Index u = 0; u < n; ++u) usable[u] = Active(u) ? node_[u].avail & open_ : 0;
  for (Index u = 0; u < n; ++u) {
    if (usable[u] == 0) continue;
    ForEachNeighbor(u, [&](Index v, Weight w) {
      if (v <= u || (usable[u] & usable[v]) == 0 || IsBanned(u, v)) return;
      const uint64_t tie = Mix(seed_ ^ PairKey(u, v)) >> 32;
      edges.push_back({(static_cast<uint64_t>(static_cast<uint32_t>(w)) << 32) | tie, u, v});
    });
  }
  // Heaviest first. One pass deals the edges into buckets by the top bits of their keys; when a
  // bucket's turn comes, the edges with an end already full are dropped (degrees only grow, so
  // the loop would skip them) and only the rest are sorted: most light edges are never sorted.
  constexpr int kBucketBits = 11;
  uint64_t max_key = 0;
  for (const Candidate& e : edges) max_key = std::max(max_key, e.key);
  const int top = max_key == 0 ? 0 : 64 - __builtin_clzll(max_key);
  const int shift = std::max(0, top - kBucketBits);
  std::vector<size_t> start((size_t{1} << kBucketBits) + 1, 0);
  for (const Candidate& e : edges) ++start[(e.key >> shift) + 1];
  for (size_t b = 1; b < start.size(); ++b) start[b] += start[b - 1];
  std::vector<Candidate> dealt(edges.size());
  {
    std::vector<size_t> next(start.begin(), start.end() - 1);
    for (const Candidate& e : edges) dealt[next[e.key >> shift]++] = e;
  }
  edges.clear();
  for (size_t b = start.size() - 1; b-- > 0 && !Cancelled(cancel_);) {
    edges.clear();
    for (size_t i = start[b]; i < start[b + 1]; ++i) {
      const Candidate& e = dealt[i];
      if (node_[e.u].degree < Capacity(e.u) && node_[e.v].degree < Capacity(e.v)) {
        edges.push_back(e);
      }
    }
    std::sort(edges.begin(), edges.end(),
              [](const Candidate& x, const Candidate& y) { return x.key > y.key; });
    for (const Candidate& e : edges) {
      if (node_[e.u].degree >= Capacity(e.u) || node_[e.v].degree >= Capacity(e.v)) continue;
      SlotMask common =
          node_[e.u].avail & node_[e.v].avail & ~node_[e.u].busy & ~node_[e.v].busy & open_;
      while (common != 0) {
        const int s = LowestSlot(common);
        common &= common - 1;
        if (!SlotHasTable(s)) continue;
        Add(e.u, e.v, s, static_cast<Weight>(e.key >> 32));
        break;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Local search.

bool ScheduleEngine::Lightest(Index u, Side* side) const {
  bool found = false;
  SlotMask busy = node_[u].busy & open_;
  while (busy != 0) {
    const int t = LowestSlot(busy);
    busy &= busy - 1;
    const size_t i = At(u, t);
    if (protect_ && node_[slot_[i].partner].degree <= 1) continue;
    if (!found || slot_[i].weight < side->cost) {
      *side = {Room::kDropLightest, t, slot_[i].weight};
      found = true;
    }
  }
  return found;
}

bool ScheduleEngine::MakeRoom(Index u, int s, bool kempe, int* lightest_state, Side* lightest,
                              Side* side) const {
  const Index p = slot_[At(u, s)].partner;
  if (p == kNobody) {
    if (node_[u].degree < Capacity(u)) {
      *side = {Room::kFree, -1, 0};
      return true;
    }
    // At budget: drop the lightest open meeting (the new one takes its place in the budget).
    if (*lightest_state < 0) *lightest_state = Lightest(u, lightest) ? 1 : 0;
    if (*lightest_state == 0) return false;
    *side = *lightest;
    return true;
  }
  // Move (u, p) to another slot both are free and available in: costs nothing, but only frees
  // the slot, not budget.
  SlotMask other = node_[u].degree < Capacity(u)
                       ? node_[u].avail & node_[p].avail & ~node_[u].busy & ~node_[p].busy & open_
                       : 0;
  while (other != 0) {
    const int t = LowestSlot(other);
    other &= other - 1;
    if (SlotHasTable(t)) {
      *side = {Room::kRelocate, t, 0};
      return true;
    }
  }
  if (kempe && node_[u].degree < Capacity(u)) {
    SlotMask free = node_[u].avail & ~node_[u].busy & open_;
    while (free != 0) {
      const int t = LowestSlot(free);
      free &= free - 1;
      if (KempePath(u, s, t, kNobody, &kempe_path_)) {
        *side = {Room::kKempe, t, 0};
        return true;
      }
    }
  }
  const Weight w = slot_[At(u, s)].weight;
  if (kempe && node_[u].degree >= Capacity(u)) {
    // Dropping a lighter meeting elsewhere and flipping costs less than evicting p.
    if (*lightest_state < 0) *lightest_state = Lightest(u, lightest) ? 1 : 0;
    if (*lightest_state == 1 && lightest->slot != s && lightest->cost < w &&
        KempePath(u, s, lightest->slot, kNobody, &kempe_path_)) {
      *side = {Room::kDropKempe, lightest->slot, lightest->cost};
      return true;
    }
  }
  if (protect_ && node_[p].degree <= 1) return false;
  *side = {Room::kEvict, -1, w};
  return true;
}

Index ScheduleEngine::Evicted(Index u, int s, const Side& side) const {
  switch (side.room) {
    case Room::kEvict:
      return slot_[At(u, s)].partner;
    case Room::kDropLightest:
    case Room::kDropKempe:
      return slot_[At(u, side.slot)].partner;
    default:
      return kNobody;
  }
}

int64_t ScheduleEngine::Reach(Index u, int s, const Side& side) const {
  const int t = side.room == Room::kEvict                                           ? s
                : side.room == Room::kDropLightest || side.room == Room::kDropKempe ? side.slot
                                                                                    : -1;
  if (t < 0) return 0;
  return RefillBound(slot_[At(u, t)].partner);
}

void ScheduleEngine::NoteEdge(Index u, Index v, Weight w) {
  if (w > node_[u].spare) {
    node_[u].spare = w;
    node_[u].spare_partner = v;
    RaiseRefunds(u);
  }
  max_weight_ = std::max(max_weight_, w);
}

int ScheduleEngine::BestMoves(Index u, int64_t min_gain, bool optimistic, int k, Move* best) const {
  if (!Active(u)) return 0;
  // u's side does not depend on the partner: once per slot.
  Side side_u[kMaxSlots];
  int64_t reach_u[kMaxSlots];
  SlotMask room_u = 0;
  int64_t max_reach_u = std::numeric_limits<int64_t>::min() / 4;
  // The most u's side adds to a move's own gain (<= 0), without what chains win back.
  int64_t max_gain_u = std::numeric_limits<int64_t>::min() / 4;
  {
    int state = -1;
    Side lightest;
    SlotMask slots = node_[u].avail & open_;
    while (slots != 0) {
      const int s = LowestSlot(slots);
      slots &= slots - 1;
      if (!MakeRoom(u, s, kempe_, &state, &lightest, &side_u[s])) continue;
      room_u |= SlotMask{1} << s;
      reach_u[s] = optimistic ? Reach(u, s, side_u[s]) - side_u[s].cost : -side_u[s].cost;
      max_reach_u = std::max(max_reach_u, reach_u[s]);
      max_gain_u = std::max(max_gain_u, -static_cast<int64_t>(side_u[s].cost));
    }
  }
  // Every new partner is someone u does not meet yet, so no move gains more than u's best spare
  // edge plus what u's side can add.
  const int64_t reach_v = optimistic ? max_weight_ : 0;
  if (room_u == 0 || node_[u].spare + max_reach_u + reach_v < min_gain) return 0;
  int found = 0;
  // Keeps best[0..found) sorted by key, descending, at most one move per partner. The key is the
  // gain, or when `optimistic` the gain plus what the evicted partners may win back: chains then
  // try first the moves whose evicted partners can refill best.
  auto offer = [&](const Move& m) {
    if (found == k && m.key <= best[k - 1].key) return;
    int i = found < k ? found++ : k - 1;
    while (i > 0 && best[i - 1].key < m.key) {
      best[i] = best[i - 1];
      --i;
    }
    best[i] = m;
  };
  // Upper bounds on the key of a move with a neighbour over edge weight w: u's side adds at most
  // max_key_u, v's side (node_[v].refund or -node_[v].accept) at most reach_v.
  const int64_t max_key_u = optimistic ? max_reach_u : max_gain_u;
  Prefetch(u, optimistic, min_gain - max_reach_u);
  const Partners partners_u(*this, u);
  ForEachNeighborHeaviestFirst(u, [&](Index v, Weight w) {
    // Cheap bounds first: the gain of any move with v is at most w plus what u's side and the
    // partner v evicts could add back in a chain. Neighbours come heaviest first, so the first
    // one that cannot help ends the scan.
    if (w + max_reach_u + reach_v < min_gain ||
        (found == k && w + max_key_u + reach_v <= best[k - 1].key)) {
      return false;
    }
    // u's own state first: its partners are often its heaviest neighbours. Then v's cheapest
    // way to accept a meeting (compact, so cheaper to look at than v's agenda).
    if (partners_u.Has(v)) return true;
    const int64_t side_v = optimistic ? node_[v].refund : -static_cast<int64_t>(node_[v].accept);
    if (static_cast<int64_t>(w) + side_v + max_reach_u < min_gain ||
        (found == k && static_cast<int64_t>(w) + side_v + max_key_u <= best[k - 1].key)) {
      return true;
    }
    SlotMask common = room_u & node_[v].avail;
    if (common == 0 || !Active(v) || IsBanned(u, v)) return true;
    if (optimistic) {
      // A move that evicts v's partner in s asks for that partner's refill bound: start loading
      // their states together.
      SlotMask evicting = common & node_[v].busy;
      while (evicting != 0) {
        __builtin_prefetch(&node_[slot_[At(v, LowestSlot(evicting))].partner]);
        evicting &= evicting - 1;
      }
    }
    Move mv;
    bool have = false;
    int state = -1;
    Side lightest;
    while (common != 0) {
      const int s = LowestSlot(common);
      common &= common - 1;
      const Side& su = side_u[s];
      const int64_t most = optimistic ? w + reach_u[s] + side_v : w - su.cost + side_v;
      if (have && most <= mv.key) continue;
      Side sv;
      // Kempe flips on v's side only when covering someone (protect_: the fairness pass, few
      // searches): for weight, v's would walk paths for every neighbour and slot, and u's are
      // the ones that free u for a better partner.
      if (!MakeRoom(v, s, kempe_ && protect_, &state, &lightest, &sv)) continue;
      // Each side keeps someone covered on its own; both dropping the same partner, whose two
      // meetings they are, would not.
      if (protect_) {
        const Index pu = Evicted(u, s, su);
        if (pu != kNobody && pu == Evicted(v, s, sv) && node_[pu].degree <= 2) continue;
      }
      const int64_t gain = static_cast<int64_t>(w) - su.cost - sv.cost;
      const int64_t upper = optimistic ? gain + (reach_u[s] + su.cost) + Reach(v, s, sv) : gain;
      if (upper < min_gain || (have && upper <= mv.key)) continue;
      // Tables: the new meeting needs one in s unless a side vacates s; two relocations into the
      // same slot need two.
      const bool vacates = su.room == Room::kRelocate || su.room == Room::kEvict ||
                           sv.room == Room::kRelocate || sv.room == Room::kEvict;
      if (!vacates && !SlotHasTable(s)) continue;
      if (su.room == Room::kRelocate && sv.room == Room::kRelocate && su.slot == sv.slot &&
          used_[su.slot] + 2 > slot_tables_[su.slot]) {
        continue;
      }
      mv = {u, v, s, w, gain, upper, su, sv};
      have = true;
    }
    if (have) offer(mv);
    return true;
  });
  return found;
}

bool ScheduleEngine::ApplySide(Index u, int s, const Side& side, Index other, Index* evicted) {
  *evicted = kNobody;
  switch (side.room) {
    case Room::kFree:
      return true;
    case Room::kRelocate: {
      const Index p = slot_[At(u, s)].partner;
      const Weight w = slot_[At(u, s)].weight;
      // The other side of the move may have taken the target slot's last table (or the slot
      // itself) since the move was chosen.
      if (p == kNobody || !SlotHasTable(side.slot) || slot_[At(u, side.slot)].partner != kNobody ||
          slot_[At(p, side.slot)].partner != kNobody) {
        return false;
      }
      Remove(u, s);
      Add(u, p, side.slot, w);
      return true;
    }
    case Room::kEvict: {
      *evicted = slot_[At(u, s)].partner;
      Remove(u, s);
      return true;
    }
    case Room::kDropLightest: {
      *evicted = slot_[At(u, side.slot)].partner;
      Remove(u, side.slot);
      return true;
    }
    case Room::kKempe: {
      if (slot_[At(u, side.slot)].partner != kNobody ||
          !KempePath(u, s, side.slot, other, &kempe_path_)) {
        return false;
      }
      KempeFlip(kempe_path_, s, side.slot);
      return true;
    }
    case Room::kDropKempe: {
      *evicted = slot_[At(u, side.slot)].partner;
      if (*evicted == kNobody) return false;
      Remove(u, side.slot);
      if (!KempePath(u, s, side.slot, other, &kempe_path_)) return false;
      KempeFlip(kempe_path_, s, side.slot);
      return true;
    }
  }
  return true;
}

bool ScheduleEngine::Apply(const Move& move, Index evicted[2]) {
  evicted[0] = evicted[1] = kNobody;
  if (!ApplySide(move.u, move.slot, move.su, move.v, &evicted[0]) ||
      !ApplySide(move.v, move.slot, move.sv, move.u, &evicted[1])) {
    return false;
  }
  const int s = move.slot;
  if (slot_[At(move.u, s)].partner != kNobody || slot_[At(move.v, s)].partner != kNobody ||
      !SlotHasTable(s)) {
    return false;
  }
  Add(move.u, move.v, s, move.weight);
  return true;
}

void ScheduleEngine::Undo(size_t mark) {
  const bool was_recording = recording_;
  recording_ = false;
  while (undo_.size() > mark) {
    const Change c = undo_.back();
    undo_.pop_back();
    if (c.added) {
      Remove(c.u, c.slot);
    } else {
      Add(c.u, c.v, c.slot, c.weight);
    }
  }
  recording_ = was_recording;
}

int64_t ScheduleEngine::Chain(Index u, int64_t need, int depth) {
  Move candidates[kChainWidth];
  // The last move of a chain must reach `need` by itself, so only the best one can; earlier
  // moves try as many candidates as moves may follow (up to kChainWidth). Candidates whose
  // evicted partners cannot win back enough (RefillBound) are not offered at all.
  const int width = std::max(1, std::min(kChainWidth, depth));
  const int count = BestMoves(u, need, depth > 0, width, candidates);
  for (int i = 0; i < count; ++i) {
    const Move& m = candidates[i];
    if (depth <= 0 && m.gain < need) continue;
    const size_t mark = undo_.size();
    Index evicted[2];
    if (!Apply(m, evicted)) {
      Undo(mark);
      continue;
    }
    int64_t gain = m.gain;
    if (gain >= need) return gain;
    if (depth > 0) {
      for (Index p : evicted) {
        if (p == kNobody || gain >= need) continue;
        const int64_t more = Chain(p, need - gain, depth - 1);
        if (more != kNoChain) gain += more;
      }
      if (gain >= need) return gain;
    }
    Undo(mark);
  }
  return kNoChain;
}

void ScheduleEngine::Enqueue(Index u) {
  if (u >= queued_.size()) queued_.resize(static_cast<size_t>(u) + 1, 0);
  if (queued_[u]) return;
  queued_[u] = 1;
  queue_.push_back(u);
}

bool ScheduleEngine::PopQueue(Index* u) {
  if (queue_.empty()) return false;
  *u = queue_.front();
  queue_.pop_front();
  queued_[*u] = 0;
  return true;
}

void ScheduleEngine::NoteChanged(Index u, Index v) {
  // Beyond a quarter of the attendees the flush refreshes everyone anyway.
  if (changed_.size() > num_nodes() / 4) return;
  changed_.push_back(u);
  changed_.push_back(v);
}

void ScheduleEngine::ForgetTrial() {
  // The state is back to what it was: its changes need no flush, and bounds computed in the
  // middle of the chain may not hold for it.
  changed_.clear();
  for (Index p : trial_refills_) node_[p].refill.arg = kStale;
  trial_refills_.clear();
}

bool ScheduleEngine::BoundsConsistent() {
  FlushChanged();
  for (Index u = 0; u < num_nodes(); ++u) {
    const Weight accept = node_[u].accept;
    const Weight refund = node_[u].refund;
    const Weight spare = node_[u].spare;
    const RefillCache refill = node_[u].refill;
    UpdateAccept(u);
    RecomputeSpare(u);
    if (node_[u].accept != accept || node_[u].refund > refund || node_[u].spare != spare)
      return false;
    node_[u].refund = refund;
    if (refill.arg == kStale) continue;
    node_[u].refill.arg = kStale;
    if (RefillBound(u) > refill.value) return false;
  }
  return true;
}

void ScheduleEngine::FlushChanged() {
  if (changed_.size() > num_nodes() / 4) {
    for (NodeState& node : node_) node.refill = {0, kStale};
    changed_.clear();
    return;
  }
  // Each move notes both ends of every meeting it adds or removes: the same attendees repeat.
  std::sort(changed_.begin(), changed_.end());
  changed_.erase(std::unique(changed_.begin(), changed_.end()), changed_.end());
  for (Index x : changed_) node_[x].refill.arg = kStale;  // x's spare partners changed
  for (Index x : changed_) {
    // x's price changed: a neighbour that can now win more from x raises its bound; one whose
    // best was x and now meets x recomputes.
    SlotMask busy = node_[x].busy;
    while (busy != 0) {
      const int s = LowestSlot(busy);
      busy &= busy - 1;
      RefillCache& r = node_[slot_[At(x, s)].partner].refill;
      if (r.arg == x) r.arg = kStale;
    }
    // Bounds are never negative, so only neighbours heavier than x's price can be raised.
    const int64_t price = node_[x].accept;
    const Partners partners(*this, x);
    ForEachNeighborHeaviestFirst(x, [&](Index y, Weight w) {
      if (w < price) return false;
      RefillCache& r = node_[y].refill;
      if (r.arg == kStale || w - price < r.value || partners.Has(y)) return true;
      r = {static_cast<Weight>(w - price), x};  // x is cheaper (or as cheap): still the best
      // x got dearer: the bound stays an upper bound (recomputed when y's own agenda changes);
      // refreshing every neighbour of each attendee that fills up costs more than it steers.
      return true;
    });
  }
  changed_.clear();
}

bool ScheduleEngine::Improve(Index u, int64_t need, int depth) {
  // Bounds are refreshed for committed changes only: a chain that is tried and undone leaves
  // the state (and so the bounds) as they were.
  FlushChanged();
  // A full attendee's single move gives up at least their price, and the partner's side at
  // least the partner's: it gains at most their refill bound minus their price. The bound holds
  // for the committed state (refreshed just above), and once computed it serves the later
  // looks at u too: most full attendees are done without a scan of their neighbours' agendas.
  if (depth == 0 && node_[u].degree >= Capacity(u) &&
      static_cast<int64_t>(RefillBound(u)) - node_[u].accept < need) {
    return false;
  }
  recording_ = true;
  undo_.clear();
  const bool improved = Chain(u, need, depth) != kNoChain;
  if (!improved) ForgetTrial();
  trial_refills_.clear();
  if (improved) {
    for (const Change& c : undo_) {
      Enqueue(c.u);
      Enqueue(c.v);
    }
  }
  undo_.clear();
  recording_ = false;
  return improved;
}

void ScheduleEngine::EnqueueWithBudgetLeft() {
  for (Index u = 0; u < num_nodes(); ++u) {
    if (Active(u) && node_[u].degree < Capacity(u)) Enqueue(u);
  }
}

void ScheduleEngine::LocalSearch(bool everyone, int64_t max_moves) {
  if (everyone) {
    for (Index u = 0; u < num_nodes(); ++u) Enqueue(u);
  }
  int64_t moves = 0;
  Index u;
  CancelPoll cancel(cancel_);
  while (moves < max_moves && !cancel.Poll() && PopQueue(&u)) {
    // Improving alternating paths start at attendees with budget left; from a full attendee
    // only single moves (with up to two evictions) are tried.
    const int depth =
        node_[u].degree < Capacity(u) ? chain_depth_ : std::min(chain_depth_, full_depth_);
    if (Improve(u, 1, depth)) ++moves;
  }
}

bool ScheduleEngine::KempePath(Index x, int s, int t, Index avoid, std::vector<Index>* path) const {
  // Long paths are rare and expensive to flip; 2 * kMaxKempe meetings at most.
  constexpr size_t kMaxKempe = 8;
  path->clear();
  path->push_back(x);
  int64_t delta_s = 0;  // change of meetings in s (and minus that in t) after the flip
  int slot = s;
  while (true) {
    const Index y = slot_[At(x, slot)].partner;
    if (y == kNobody || y == path->front()) break;
    const int other = slot == s ? t : s;
    if (y == avoid || path->size() > 2 * kMaxKempe || !(node_[x].avail >> other & 1) ||
        !(node_[y].avail >> other & 1)) {
      return false;
    }
    path->push_back(y);
    delta_s += slot == s ? -1 : 1;
    x = y;
    slot = other;
  }
  // The path alternates, so the counts move by at most one meeting.
  if (delta_s > 0 && used_[s] + delta_s > slot_tables_[s]) return false;
  if (delta_s < 0 && used_[t] - delta_s > slot_tables_[t]) return false;
  return true;
}

void ScheduleEngine::KempeFlip(const std::vector<Index>& path, int s, int t) {
  struct Swap {
    Index a, b;
    int to;
    Weight w;
  };
  Swap swaps[64];
  size_t count = 0;
  int slot = s;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    swaps[count++] = {path[i], path[i + 1], slot == s ? t : s, slot_[At(path[i], slot)].weight};
    Remove(path[i], slot);
    slot = slot == s ? t : s;
  }
  for (size_t i = 0; i < count; ++i) Add(swaps[i].a, swaps[i].b, swaps[i].to, swaps[i].w);
}

bool ScheduleEngine::ForceCover(Index u) {
  const int64_t kAnyCost = std::numeric_limits<int64_t>::min() / 4;
  FlushChanged();
  recording_ = true;
  undo_.clear();
  Move candidates[kChainWidth];
  // First move may take the only meeting of someone...
  protect_ = false;
  const int count = BestMoves(u, kAnyCost, false, kChainWidth, candidates);
  protect_ = true;
  bool covered = false;
  for (int i = 0; i < count && !covered; ++i) {
    Index evicted[2];
    covered = Apply(candidates[i], evicted);
    // ... who must then get another without anyone else losing their only one.
    for (Index p : evicted) {
      if (p == kNobody || node_[p].degree > 0 || !covered) continue;
      Move m;
      Index again[2];
      if (BestMoves(p, kAnyCost, false, 1, &m) == 1) {
        covered = Apply(m, again);
      } else {
        covered = false;
      }
    }
    if (!covered) Undo(0);
  }
  if (!covered) ForgetTrial();
  trial_refills_.clear();
  if (covered) {
    for (const Change& c : undo_) {
      Enqueue(c.u);
      Enqueue(c.v);
    }
  }
  undo_.clear();
  recording_ = false;
  return covered;
}

bool ScheduleEngine::CoverByPath(Index root) {
  if (path_seen_.size() < node_.size()) {
    path_seen_.resize(node_.size(), 0);
    path_pivot_.resize(node_.size(), 0);
  }
  if (++path_search_ == 0) {
    std::fill(path_seen_.begin(), path_seen_.end(), 0);
    std::fill(path_pivot_.begin(), path_pivot_.end(), 0);
    path_search_ = 1;
  }
  FlushChanged();
  path_steps_.clear();
  path_steps_.push_back({root, -1, kNobody, -1, 0});
  path_seen_[root] = path_search_;

  // Commits the path that ends at step `last`, where x meets v in `slot` after v drops its
  // meeting in `drop` (-1: v has room). Drops first, then the new meetings, each into the slot
  // the drop freed when both are available in it (no table needed), else any common free slot.
  // False, with the state unchanged, when a meeting no longer fits.
  auto commit = [&](size_t last, Index v, int drop, Weight w) -> bool {
    recording_ = true;
    undo_.clear();
    // An attendee may play two parts on one path (make room at one step, need a meeting at
    // another): each drop checks that the meeting is still there.
    auto drop_meeting = [&](Index a, int slot, Index partner) {
      if (slot_[At(a, slot)].partner != partner) return false;
      Remove(a, slot);
      return true;
    };
    bool ok = drop < 0 || drop_meeting(v, drop, slot_[At(v, drop)].partner);
    for (int32_t j = static_cast<int32_t>(last); ok && path_steps_[j].parent >= 0;
         j = path_steps_[j].parent) {
      ok = drop_meeting(path_steps_[j].via, path_steps_[j].slot, path_steps_[j].x);
    }
    auto meet = [&](Index a, Index b, int preferred, Weight weight) {
      if (preferred >= 0 && TryAdd(a, b, preferred, weight)) return true;
      SlotMask common = node_[a].avail & node_[b].avail & ~node_[a].busy & ~node_[b].busy & open_;
      for (; common != 0; common &= common - 1) {
        if (TryAdd(a, b, LowestSlot(common), weight)) return true;
      }
      return false;
    };
    ok = ok && meet(path_steps_[last].x, v, drop, w);
    for (int32_t j = static_cast<int32_t>(last); ok && path_steps_[j].parent >= 0;
         j = path_steps_[j].parent) {
      const PathStep& step = path_steps_[j];
      ok = meet(path_steps_[step.parent].x, step.via, step.slot, step.weight);
    }
    // Everyone the path touched ends with a meeting (the root gains one, the others keep one).
    for (size_t c = 0; ok && c < undo_.size(); ++c) {
      ok = node_[undo_[c].u].degree > 0 && node_[undo_[c].v].degree > 0;
    }
    if (ok) {
      for (const Change& c : undo_) {
        Enqueue(c.u);
        Enqueue(c.v);
      }
    } else {
      Undo(0);
      ForgetTrial();
    }
    trial_refills_.clear();
    undo_.clear();
    recording_ = false;
    return ok;
  };

  for (size_t i = 0; i < path_steps_.size(); ++i) {
    const Index x = path_steps_[i].x;
    const Index dropped_by = path_steps_[i].via;
    // x has no meeting, or only the one with dropped_by, which the path removes.
    const SlotMask x_free = node_[x].avail & open_;
    bool covered = false;
    ForEachNeighborHeaviestFirst(x, [&](Index v, Weight w) {
      if (v == dropped_by || v == root || path_pivot_[v] == path_search_ || !Active(v) ||
          IsBanned(x, v)) {
        return true;
      }
      const SlotMask common = x_free & node_[v].avail;
      if (common == 0) return true;
      path_pivot_[v] = path_search_;
      if (node_[v].degree < Capacity(v)) {
        for (SlotMask free = common & ~node_[v].busy; free != 0; free &= free - 1) {
          if (!SlotHasTable(LowestSlot(free))) continue;
          covered = commit(i, v, -1, w);
          return !covered;
        }
      }
      // v drops a meeting to make room: the lightest whose partner keeps another ends the path;
      // a partner for whom it was the only one needs a meeting next.
      int end_slot = -1;
      SlotMask busy = node_[v].busy & open_;
      for (; busy != 0; busy &= busy - 1) {
        const int t = LowestSlot(busy);
        const Index z = slot_[At(v, t)].partner;
        // The new meeting goes into t, or a common slot v is free in.
        bool fits = (common >> t & 1) != 0;
        for (SlotMask free = common & ~node_[v].busy; !fits && free != 0; free &= free - 1) {
          fits = SlotHasTable(LowestSlot(free));
        }
        if (!fits || path_seen_[z] == path_search_) continue;
        if (node_[z].degree >= 2) {
          if (end_slot < 0 || slot_[At(v, t)].weight < slot_[At(v, end_slot)].weight) end_slot = t;
        } else if (path_steps_.size() < kMaxPathSearch) {
          path_seen_[z] = path_search_;
          path_steps_.push_back({z, static_cast<int32_t>(i), v, t, w});
        }
      }
      if (end_slot >= 0) covered = commit(i, v, end_slot, w);
      return !covered;
    });
    if (covered) return true;
  }
  return false;
}

int64_t ScheduleEngine::Fairness(int64_t max_moves) {
  const bool saved = protect_;
  protect_ = true;
  const int64_t kAnyCost = std::numeric_limits<int64_t>::min() / 4;
  CancelPoll cancel(cancel_);
  for (Index u = 0; u < num_nodes() && !cancel.Poll(); ++u) {
    if (node_[u].degree > 0 || !Active(u)) continue;
    if (!Improve(u, kAnyCost, 0) && !ForceCover(u)) CoverByPath(u);
  }
  LocalSearch(false, max_moves);
  // The local search keeps everyone covered move by move; a chain of moves may still uncover
  // someone on the way. Once more for them.
  bool again = false;
  for (Index u = 0; u < num_nodes(); ++u) {
    if (node_[u].degree == 0 && Active(u)) again = CoverByPath(u) || again;
  }
  if (again) LocalSearch(false, max_moves);
  int64_t left_out = 0;
  for (Index u = 0; u < num_nodes(); ++u) {
    if (node_[u].degree > 0 || !Active(u)) continue;
    bool feasible = false;
    ForEachNeighbor(u, [&](Index v, Weight) {
      feasible = feasible || (Active(v) && (node_[u].avail & node_[v].avail & open_) != 0);
    });
    left_out += feasible ? 1 : 0;
  }
  protect_ = saved;
  return left_out;
}

// ---------------------------------------------------------------------------------------------
// Seating.

void ScheduleEngine::BuildSeats() {
  seats_.assign(slots_, {});
  seat_base_.assign(slots_, {});
  free_quiet_.assign(slots_, {});
  free_loud_.assign(slots_, {});
  for (int s = 0; s < slots_; ++s) {
    for (int32_t l = 0; l < static_cast<int32_t>(input_.locations.size()); ++l) {
      const Location& loc = input_.locations[l];
      seat_base_[s].push_back(static_cast<int32_t>(seats_[s].size()));
      for (int32_t t = 0; t < loc.TablesIn(s); ++t) seats_[s].push_back({l, t});
    }
  }
}

void ScheduleEngine::AssignTables() {
  if (input_.locations.empty()) return;
  BuildSeats();
  const Index n = num_nodes();
  for (int s = 0; s < slots_; ++s) {
    // Free lists are stacks: the lowest table id on top.
    for (int32_t id = static_cast<int32_t>(seats_[s].size()) - 1; id >= 0; --id) {
      (input_.locations[seats_[s][id].first].quiet ? free_quiet_ : free_loud_)[s].push_back(id);
    }
  }
  seated_ = true;
  // Quiet-preferring meetings first, so they get the quiet tables.
  for (int pass = 0; pass < 2; ++pass) {
    for (Index u = 0; u < n; ++u) {
      SlotMask busy = node_[u].busy;
      while (busy != 0) {
        const int s = LowestSlot(busy);
        busy &= busy - 1;
        const Index v = slot_[At(u, s)].partner;
        if (v < u) continue;
        const bool quiet = input_.attendees[u].prefers_quiet ||
                           (v < input_.attendees.size() && input_.attendees[v].prefers_quiet);
        if (quiet == (pass == 0)) TakeTable(u, v, s);
      }
    }
  }
}

bool ScheduleEngine::Load(const std::vector<Meeting>& meetings) {
  for (const Meeting& m : meetings) {
    if (m.a >= num_nodes() || m.b >= num_nodes() || m.slot < 0 || m.slot >= slots_ ||
        !TryAdd(m.a, m.b, m.slot, m.weight)) {
      return false;
    }
  }
  if (input_.locations.empty()) return true;
  BuildSeats();
  for (int s = 0; s < slots_; ++s) {
    std::vector<uint8_t> taken(seats_[s].size(), 0);
    for (const Meeting& m : meetings) {
      if (m.slot != s) continue;
      if (m.location < 0 || m.location >= static_cast<int>(input_.locations.size()) ||
          m.table < 0 || m.table >= input_.locations[m.location].TablesIn(s)) {
        return false;
      }
      const int32_t id = seat_base_[s][m.location] + m.table;
      if (taken[id]) return false;
      taken[id] = 1;
      table_[At(m.a, s)] = id;
      table_[At(m.b, s)] = id;
    }
    for (int32_t id = static_cast<int32_t>(seats_[s].size()) - 1; id >= 0; --id) {
      if (taken[id]) continue;
      (input_.locations[seats_[s][id].first].quiet ? free_quiet_ : free_loud_)[s].push_back(id);
    }
  }
  seated_ = true;
  return true;
}

void ScheduleEngine::TakeTable(Index u, Index v, int s) {
  const bool quiet = input_.attendees[u].prefers_quiet || input_.attendees[v].prefers_quiet;
  std::vector<int32_t>& first = quiet ? free_quiet_[s] : free_loud_[s];
  std::vector<int32_t>& second = quiet ? free_loud_[s] : free_quiet_[s];
  std::vector<int32_t>& from = first.empty() ? second : first;
  assert(!from.empty());
  const int32_t t = from.back();
  from.pop_back();
  table_[At(u, s)] = t;
  table_[At(v, s)] = t;
}

void ScheduleEngine::ReturnTable(Index u, int s) {
  const int32_t t = table_[At(u, s)];
  if (t < 0) return;
  const Index v = slot_[At(u, s)].partner;
  const bool quiet = input_.locations[seats_[s][t].first].quiet;
  (quiet ? free_quiet_ : free_loud_)[s].push_back(t);
  table_[At(u, s)] = -1;
  table_[At(v, s)] = -1;
}

std::vector<Meeting> ScheduleEngine::Export() const {
  // Placed by slot, each slot's meetings in the order of their first attendee: the final order
  // when there are no tables, (slot, a).
  std::vector<size_t> next(static_cast<size_t>(slots_) + 1, 0);
  for (int s = 0; s < slots_; ++s) next[s + 1] = next[s] + static_cast<size_t>(used_[s]);
  std::vector<Meeting> out(static_cast<size_t>(meetings_));
  for (Index u = 0; u < num_nodes(); ++u) {
    SlotMask busy = node_[u].busy;
    while (busy != 0) {
      const int s = LowestSlot(busy);
      busy &= busy - 1;
      if (slot_[At(u, s)].partner > u) out[next[s]++] = MeetingAt(u, s);
    }
  }
  if (!seated_) return out;
  std::sort(out.begin(), out.end(), [](const Meeting& x, const Meeting& y) {
    if (x.slot != y.slot) return x.slot < y.slot;
    if (x.location != y.location) return x.location < y.location;
    if (x.table != y.table) return x.table < y.table;
    return x.a < y.a;
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Live operations.

bool ScheduleEngine::CancelPair(Index u, Index v) {
  SlotMask busy = node_[u].busy & open_;
  while (busy != 0) {
    const int s = LowestSlot(busy);
    busy &= busy - 1;
    if (slot_[At(u, s)].partner == v) {
      Remove(u, s);
      return true;
    }
  }
  return false;
}

std::vector<Index> ScheduleEngine::CancelSlots(Index u, SlotMask slots) {
  std::vector<Index> partners;
  SlotMask busy = node_[u].busy & open_ & slots;
  while (busy != 0) {
    const int s = LowestSlot(busy);
    busy &= busy - 1;
    partners.push_back(slot_[At(u, s)].partner);
    Remove(u, s);
  }
  return partners;
}

Index ScheduleEngine::AddAttendee(const AttendeeSlots& attendee,
                                  const std::vector<std::pair<Index, Weight>>& edges) {
  const Index u = num_nodes();
  input_.attendees.push_back(attendee);
  budget_.push_back(std::min<int32_t>(attendee.budget, 255));
  node_.push_back(NodeState{});
  node_[u].avail = attendee.availability & all_slots_;
  UpdateCapacity(u);
  slot_.resize(slot_.size() + slots_, SlotState{});
  table_.resize(table_.size() + slots_, -1);

  queued_.push_back(0);
  if (extra_.size() < budget_.size()) extra_.resize(budget_.size());
  for (const auto& [v, w] : edges) {
    if (v >= u) continue;
    extra_[u].push_back({v, w});
    extra_[v].insert(std::upper_bound(extra_[v].begin(), extra_[v].end(),
                                      std::pair<Index, Weight>{u, w}, HeavierFirst),
                     {u, w});
    NoteEdge(u, v, w);
    NoteEdge(v, u, w);
    node_[v].refill.arg = kStale;  // u is a new spare partner of v
  }
  std::sort(extra_[u].begin(), extra_[u].end(), HeavierFirst);
  return u;
}

void ScheduleEngine::AddEdge(Index u, Index v, Weight w) {
  if (u == v || w < 1) return;
  if (extra_.size() < budget_.size()) extra_.resize(budget_.size());
  for (Index x : {u, v}) {
    const Index y = x == u ? v : u;
    std::vector<std::pair<Index, Weight>>& list = extra_[x];
    auto it = std::find_if(list.begin(), list.end(),
                           [y](const std::pair<Index, Weight>& e) { return e.first == y; });
    if (it != list.end()) {
      if (it->second >= w) continue;
      list.erase(it);
    }
    list.insert(
        std::upper_bound(list.begin(), list.end(), std::pair<Index, Weight>{y, w}, HeavierFirst),
        {y, w});
    NoteEdge(x, y, w);
    node_[x].refill.arg = kStale;  // y is a new spare partner of x
  }
}

int ScheduleEngine::Refill(Index u) {
  int added = 0;
  while (Active(u) && node_[u].degree < Capacity(u)) {
    const SlotMask free_u = node_[u].avail & ~node_[u].busy & open_;
    if (free_u == 0) break;
    Index best_v = kNobody;
    Weight best_w = 0;
    int best_s = -1;
    ForEachNeighbor(u, [&](Index v, Weight w) {
      if (w <= best_w || node_[v].degree >= Capacity(v)) return;
      SlotMask common = free_u & node_[v].avail & ~node_[v].busy;
      while (common != 0 && !SlotHasTable(LowestSlot(common))) common &= common - 1;
      if (common == 0 || Meets(u, v) || IsBanned(u, v)) return;
      best_v = v;
      best_w = w;
      best_s = LowestSlot(common);
    });
    if (best_v == kNobody) break;
    Add(u, best_v, best_s, best_w);
    ++added;
  }
  return added;
}

}  // namespace parley::match::internal
