#include "services/match/schedule_engine.h"

#include <algorithm>
#include <cassert>
#include <limits>

namespace parley::match::internal {
namespace {

int Popcount(SlotMask m) { return __builtin_popcountll(m); }
int LowestSlot(SlotMask m) { return __builtin_ctzll(m); }

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

}  // namespace

ScheduleEngine::ScheduleEngine(const CandidateGraph* graph, ScheduleInput input, uint64_t seed)
    : graph_(graph), input_(std::move(input)), seed_(seed), slots_(input_.num_slots) {
  all_slots_ = slots_ >= 64 ? ~SlotMask{0} : ((SlotMask{1} << slots_) - 1);
  open_ = all_slots_;
  const Index n = static_cast<Index>(input_.attendees.size());
  budget_.resize(n);
  avail_.resize(n);
  for (Index u = 0; u < n; ++u) {
    budget_[u] = std::min<int32_t>(input_.attendees[u].budget, 255);
    avail_[u] = input_.attendees[u].availability & all_slots_;
  }
  partner_.assign(static_cast<size_t>(n) * slots_, kNobody);
  mweight_.assign(static_cast<size_t>(n) * slots_, 0);
  table_.assign(static_cast<size_t>(n) * slots_, -1);
  busy_.assign(n, 0);
  degree_.assign(n, 0);
  queued_.assign(n, 0);
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

int ScheduleEngine::Capacity(Index u) const {
  return std::min<int>(budget_[u], Popcount(avail_[u]));
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

bool ScheduleEngine::Meets(Index u, Index v) const {
  SlotMask busy = busy_[u];
  while (busy != 0) {
    const int s = LowestSlot(busy);
    busy &= busy - 1;
    if (partner_[At(u, s)] == v) return true;
  }
  return false;
}

bool ScheduleEngine::IsBanned(Index a, Index b) const {
  return !banned_.empty() && banned_.contains(PairKey(a, b));
}

void ScheduleEngine::BanPair(Index a, Index b) { banned_.insert(PairKey(a, b)); }

void ScheduleEngine::Add(Index u, Index v, int s, Weight w) {
  assert(partner_[At(u, s)] == kNobody && partner_[At(v, s)] == kNobody);
  assert((avail_[u] >> s & 1) && (avail_[v] >> s & 1));
  partner_[At(u, s)] = v;
  partner_[At(v, s)] = u;
  mweight_[At(u, s)] = w;
  mweight_[At(v, s)] = w;
  busy_[u] |= SlotMask{1} << s;
  busy_[v] |= SlotMask{1} << s;
  ++degree_[u];
  ++degree_[v];
  ++used_[s];
  weight_ += w;
  ++meetings_;
  if (seated_) TakeTable(u, v, s);
  if (logging_) log_.push_back({true, MeetingAt(u, s)});
}

void ScheduleEngine::Remove(Index u, int s) {
  const Index v = partner_[At(u, s)];
  assert(v != kNobody);
  if (logging_) log_.push_back({false, MeetingAt(u, s)});
  if (seated_) ReturnTable(u, s);
  weight_ -= mweight_[At(u, s)];
  --meetings_;
  --used_[s];
  --degree_[u];
  --degree_[v];
  busy_[u] &= ~(SlotMask{1} << s);
  busy_[v] &= ~(SlotMask{1} << s);
  partner_[At(u, s)] = kNobody;
  partner_[At(v, s)] = kNobody;
  mweight_[At(u, s)] = 0;
  mweight_[At(v, s)] = 0;
}

bool ScheduleEngine::TryAdd(Index u, Index v, int s, Weight w) {
  const SlotMask bit = SlotMask{1} << s;
  if (u == v || !Active(u) || !Active(v) || degree_[u] >= Capacity(u) ||
      degree_[v] >= Capacity(v) ||
      ((avail_[u] & avail_[v] & ~busy_[u] & ~busy_[v] & open_ & bit) == 0) || !SlotHasTable(s) ||
      Meets(u, v) || IsBanned(u, v)) {
    return false;
  }
  Add(u, v, s, w);
  return true;
}

Meeting ScheduleEngine::MeetingAt(Index u, int s) const {
  Meeting m;
  const Index v = partner_[At(u, s)];
  m.a = std::min(u, v);
  m.b = std::max(u, v);
  m.slot = s;
  m.weight = mweight_[At(u, s)];
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
  struct Candidate {
    uint64_t key;  // weight in the high bits, a seeded hash below: heaviest first, ties seeded
    Index u, v;
  };
  std::vector<Candidate> edges;
  const Index n = num_nodes();
  edges.reserve(graph_->num_edges());
  for (Index u = 0; u < n; ++u) {
    if (!Active(u)) continue;
    ForEachNeighbor(u, [&](Index v, Weight w) {
      if (v <= u || !Active(v) || (avail_[u] & avail_[v] & open_) == 0 || IsBanned(u, v)) return;
      const uint64_t tie = Mix(seed_ ^ PairKey(u, v)) >> 32;
      edges.push_back({(static_cast<uint64_t>(static_cast<uint32_t>(w)) << 32) | tie, u, v});
    });
  }
  std::sort(edges.begin(), edges.end(),
            [](const Candidate& x, const Candidate& y) { return x.key > y.key; });
  for (const Candidate& e : edges) {
    if (degree_[e.u] >= Capacity(e.u) || degree_[e.v] >= Capacity(e.v)) continue;
    SlotMask common = avail_[e.u] & avail_[e.v] & ~busy_[e.u] & ~busy_[e.v] & open_;
    while (common != 0) {
      const int s = LowestSlot(common);
      common &= common - 1;
      if (!SlotHasTable(s)) continue;
      Add(e.u, e.v, s, static_cast<Weight>(e.key >> 32));
      break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Local search.

bool ScheduleEngine::MakeRoom(Index u, int s, Side* side) const {
  const Index p = partner_[At(u, s)];
  if (p == kNobody) {
    if (degree_[u] < Capacity(u)) {
      *side = {Room::kFree, -1, 0};
      return true;
    }
    // At budget: drop the lightest open meeting (the new one takes its place in the budget).
    bool found = false;
    SlotMask busy = busy_[u] & open_;
    while (busy != 0) {
      const int t = LowestSlot(busy);
      busy &= busy - 1;
      const size_t i = At(u, t);
      if (protect_ && degree_[partner_[i]] <= 1) continue;
      if (!found || mweight_[i] < side->cost) {
        *side = {Room::kDropLightest, t, mweight_[i]};
        found = true;
      }
    }
    return found;
  }
  // Move (u, p) to another slot both are free and available in: costs nothing, but only frees
  // the slot, not budget.
  SlotMask other =
      degree_[u] < Capacity(u) ? avail_[u] & avail_[p] & ~busy_[u] & ~busy_[p] & open_ : 0;
  while (other != 0) {
    const int t = LowestSlot(other);
    other &= other - 1;
    if (SlotHasTable(t)) {
      *side = {Room::kRelocate, t, 0};
      return true;
    }
  }
  if (protect_ && degree_[p] <= 1) return false;
  *side = {Room::kEvict, -1, mweight_[At(u, s)]};
  return true;
}

bool ScheduleEngine::BestMove(Index u, int64_t min_gain, Move* best) const {
  if (!Active(u)) return false;
  bool found = false;
  ForEachNeighbor(u, [&](Index v, Weight w) {
    // Upper bound on the gain of any move with v: skip hopeless partners cheaply.
    if (w < min_gain || (found && w <= best->gain)) return;
    SlotMask common = avail_[u] & avail_[v] & open_;
    if (common == 0 || !Active(v) || Meets(u, v) || IsBanned(u, v)) return;
    while (common != 0) {
      const int s = LowestSlot(common);
      common &= common - 1;
      Side su, sv;
      if (!MakeRoom(u, s, &su)) continue;
      if (static_cast<int64_t>(w) - su.cost < min_gain) continue;
      if (!MakeRoom(v, s, &sv)) continue;
      const int64_t gain = static_cast<int64_t>(w) - su.cost - sv.cost;
      if (gain < min_gain || (found && gain <= best->gain)) continue;
      // Tables: the new meeting needs one in s unless a side vacates s; two relocations into the
      // same slot need two.
      const bool vacates = su.room == Room::kRelocate || su.room == Room::kEvict ||
                           sv.room == Room::kRelocate || sv.room == Room::kEvict;
      if (!vacates && !SlotHasTable(s)) continue;
      if (su.room == Room::kRelocate && sv.room == Room::kRelocate && su.slot == sv.slot &&
          used_[su.slot] + 2 > slot_tables_[su.slot]) {
        continue;
      }
      *best = {u, v, s, w, gain, su, sv};
      found = true;
    }
  });
  return found;
}

void ScheduleEngine::ApplySide(Index u, int s, const Side& side) {
  switch (side.room) {
    case Room::kFree:
      break;
    case Room::kRelocate: {
      const Index p = partner_[At(u, s)];
      const Weight w = mweight_[At(u, s)];
      Remove(u, s);
      Add(u, p, side.slot, w);
      Enqueue(p);
      break;
    }
    case Room::kEvict: {
      const Index p = partner_[At(u, s)];
      Remove(u, s);
      Enqueue(p);
      break;
    }
    case Room::kDropLightest: {
      const Index p = partner_[At(u, side.slot)];
      Remove(u, side.slot);
      Enqueue(p);
      break;
    }
  }
}

void ScheduleEngine::Apply(const Move& move) {
  ApplySide(move.u, move.slot, move.su);
  ApplySide(move.v, move.slot, move.sv);
  Add(move.u, move.v, move.slot, move.weight);
  Enqueue(move.u);
  Enqueue(move.v);
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

void ScheduleEngine::LocalSearch(bool everyone, int64_t max_moves) {
  if (everyone) {
    for (Index u = 0; u < num_nodes(); ++u) Enqueue(u);
  }
  int64_t moves = 0;
  Index u;
  Move move;
  while (moves < max_moves && PopQueue(&u)) {
    if (BestMove(u, 1, &move)) {
      Apply(move);
      ++moves;
    }
  }
}

int64_t ScheduleEngine::Fairness(int64_t max_moves) {
  const bool saved = protect_;
  protect_ = true;
  const int64_t kAnyCost = std::numeric_limits<int64_t>::min() / 4;
  Move move;
  for (Index u = 0; u < num_nodes(); ++u) {
    if (degree_[u] > 0 || !Active(u)) continue;
    if (BestMove(u, kAnyCost, &move)) Apply(move);
  }
  LocalSearch(false, max_moves);
  int64_t left_out = 0;
  for (Index u = 0; u < num_nodes(); ++u) {
    if (degree_[u] > 0 || !Active(u)) continue;
    bool feasible = false;
    ForEachNeighbor(u, [&](Index v, Weight) {
      feasible = feasible || (Active(v) && (avail_[u] & avail_[v] & open_) != 0);
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
      SlotMask busy = busy_[u];
      while (busy != 0) {
        const int s = LowestSlot(busy);
        busy &= busy - 1;
        const Index v = partner_[At(u, s)];
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
  const Index v = partner_[At(u, s)];
  const bool quiet = input_.locations[seats_[s][t].first].quiet;
  (quiet ? free_quiet_ : free_loud_)[s].push_back(t);
  table_[At(u, s)] = -1;
  table_[At(v, s)] = -1;
}

std::vector<Meeting> ScheduleEngine::Export() const {
  std::vector<Meeting> out;
  out.reserve(static_cast<size_t>(meetings_));
  for (Index u = 0; u < num_nodes(); ++u) {
    SlotMask busy = busy_[u];
    while (busy != 0) {
      const int s = LowestSlot(busy);
      busy &= busy - 1;
      if (partner_[At(u, s)] > u) out.push_back(MeetingAt(u, s));
    }
  }
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
  SlotMask busy = busy_[u] & open_;
  while (busy != 0) {
    const int s = LowestSlot(busy);
    busy &= busy - 1;
    if (partner_[At(u, s)] == v) {
      Remove(u, s);
      return true;
    }
  }
  return false;
}

std::vector<Index> ScheduleEngine::CancelSlots(Index u, SlotMask slots) {
  std::vector<Index> partners;
  SlotMask busy = busy_[u] & open_ & slots;
  while (busy != 0) {
    const int s = LowestSlot(busy);
    busy &= busy - 1;
    partners.push_back(partner_[At(u, s)]);
    Remove(u, s);
  }
  return partners;
}

Index ScheduleEngine::AddAttendee(const AttendeeSlots& attendee,
                                  const std::vector<std::pair<Index, Weight>>& edges) {
  const Index u = num_nodes();
  input_.attendees.push_back(attendee);
  budget_.push_back(std::min<int32_t>(attendee.budget, 255));
  avail_.push_back(attendee.availability & all_slots_);
  partner_.resize(partner_.size() + slots_, kNobody);
  mweight_.resize(mweight_.size() + slots_, 0);
  table_.resize(table_.size() + slots_, -1);
  busy_.push_back(0);
  degree_.push_back(0);
  queued_.push_back(0);
  if (extra_.size() < budget_.size()) extra_.resize(budget_.size());
  for (const auto& [v, w] : edges) {
    if (v >= u) continue;
    extra_[u].push_back({v, w});
    extra_[v].push_back({u, w});
  }
  return u;
}

int ScheduleEngine::Refill(Index u) {
  int added = 0;
  while (Active(u) && degree_[u] < Capacity(u)) {
    const SlotMask free_u = avail_[u] & ~busy_[u] & open_;
    if (free_u == 0) break;
    Index best_v = kNobody;
    Weight best_w = 0;
    int best_s = -1;
    ForEachNeighbor(u, [&](Index v, Weight w) {
      if (w <= best_w || degree_[v] >= Capacity(v)) return;
      SlotMask common = free_u & avail_[v] & ~busy_[v];
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
