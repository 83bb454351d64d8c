#ifndef PARLEY_SERVICES_MATCH_SCHEDULE_ENGINE_H_
#define PARLEY_SERVICES_MATCH_SCHEDULE_ENGINE_H_

// Internal to the scheduler (schedule.cc, repair.cc): the mutable agenda of every attendee and
// the moves that change it. Not part of the public API; use schedule.h and repair.h.
//
// State: for each attendee u and slot s, the partner u meets in s (or nobody) and the meeting's
// weight. Invariants kept by every operation: partner(u, s) == v <=> partner(v, s) == u; a
// meeting's slot is available to both; meetings(u) <= Capacity(u) = min(budget, available
// slots); no pair meets twice; meetings in slot s <= tables in s. Not thread-safe (the
// constructor alone uses every core for a graph of a million edges or more, and returns after).

#include <cstdint>
#include <deque>
#include <limits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "services/match/cancel.h"
#include "services/match/graph.h"
#include "services/match/huge_pages.h"
#include "services/match/schedule.h"

namespace parley::match::internal {

inline constexpr Index kNobody = ~Index{0};

class ScheduleEngine {
 public:
  // `graph` is not owned and must outlive the engine. `input` must be valid for `graph`.
  ScheduleEngine(const CandidateGraph* graph, ScheduleInput input, uint64_t seed);

  Index num_nodes() const { return static_cast<Index>(budget_.size()); }
  int num_slots() const { return slots_; }
  const ScheduleInput& input() const { return input_; }
  const CandidateGraph* graph() const { return graph_; }
  // The graph's adjacency with each list heaviest first (ties by index), at the graph's offsets.
  const HugePageVector<std::pair<Index, Weight>>& heaviest_first() const { return by_weight_; }
  int64_t weight() const { return weight_; }
  int64_t meetings() const { return meetings_; }
  Index PartnerAt(Index u, int s) const { return slot_[At(u, s)].partner; }
  int MeetingsOf(Index u) const { return node_[u].degree; }
  int Capacity(Index u) const { return node_[u].cap; }

  // Slots that may still change (repairs never touch slots before the first open one).
  void SetOpenSlots(SlotMask open);
  SlotMask open_slots() const { return open_; }
  // Moves per improvement chain beyond the first, from attendees with budget left (`depth`) and
  // from full attendees (`full_depth`).
  void SetChainDepth(int depth, int full_depth) {
    chain_depth_ = depth;
    full_depth_ = full_depth;
  }
  // Spare partners RefillBound looks at (0 = all); beyond them the bound is the next edge's
  // weight. See ScheduleOptions::refill_scan_limit.
  void SetRefillScanLimit(int limit) { refill_limit_ = limit > 0 ? limit : -1; }
  // When set, a side may make room with a Kempe flip (Room::kKempe, kDropKempe). Walking the
  // paths costs cache misses on large events, so BuildSchedule turns it on only for a last pass
  // from the attendees with budget left, whom slot conflicts keep from a better partner.
  void SetKempe(bool on) { kempe_ = on; }
  void EnqueueWithBudgetLeft();
  // When set, no move leaves an attendee who has meetings with none.
  void SetProtectCovered(bool protect) { protect_ = protect; }
  // Polled by Greedy, Place, LocalSearch and Fairness (cancel.h): once raised they stop early,
  // leaving a valid but unfinished schedule. Not owned. Default: none.
  void SetCancel(const CancelFlag* cancel) { cancel_ = cancel; }

  // Heaviest-first greedy into the first common free slot. The whole start of BuildSchedule and
  // all of GreedySchedule.
  void Greedy();
  // Local search from a queue of attendees (all of them when `everyone`), until no attendee has
  // an improving move or the move budget runs out.
  void LocalSearch(bool everyone, int64_t max_moves);
  // Gives a meeting to every attendee with a feasible partner who has none, without leaving
  // anyone else with none: a cheap single move or two-step path first (least weight cost), else
  // the shortest augmenting path of any length (CoverByPath); then local search again, which
  // keeps everyone covered. Those still without a meeting are attendees no schedule on the graph
  // can cover together with everyone covered (their partners' budgets are taken by people with no
  // other partner), up to paths that need a slot swap or exceed kMaxPathSearch. Returns the
  // number without a meeting who have an active neighbour with a common open slot.
  int64_t Fairness(int64_t max_moves);

  // Loads chosen pairs (best heaviest first) as meetings: each into the first slot both are free
  // and available in with a table left; then the rest with a Kempe flip on either side (the s/t
  // path from one end moves so that both are free in s), again while that places some. Pairs that
  // break another constraint (capacity, banned, already meeting) or find no slot are skipped.
  // Returns the pairs placed.
  int64_t Place(const std::vector<WeightedEdge>& pairs);

  // Adds meeting (u, v) in slot s when every constraint allows it (both active, free in s and
  // under capacity, available, a table left, not meeting yet, not banned); false otherwise.
  bool TryAdd(Index u, Index v, int s, Weight w);

  // Seating. After AssignTables() every meeting has a (location, table); later adds take a free
  // table of the right kind and removes return it.
  void AssignTables();
  // Loads a given schedule (meetings with their tables) into an empty engine. False when a
  // meeting breaks a constraint or a table is unknown or taken twice.
  bool Load(const std::vector<Meeting>& meetings);

  // Live operations (repair.cc). Each logs the meetings it removes and adds (see TakeLog()).
  void BanPair(Index a, Index b);
  bool IsBanned(Index a, Index b) const;
  // Cancels u's meeting with v in an open slot, if any; true when there was one.
  bool CancelPair(Index u, Index v);
  // Cancels every meeting of u in open slots within `slots`; partners are returned.
  std::vector<Index> CancelSlots(Index u, SlotMask slots);
  void SetAvailability(Index u, SlotMask availability) {
    node_[u].avail = availability & all_slots_;
    input_.attendees[u].availability = node_[u].avail;
    NoteChanged(u, u);  // u's price may fall: neighbours' refill bounds may rise
    UpdateCapacity(u);
  }
  SlotMask Availability(Index u) const { return node_[u].avail; }
  void SetBudget(Index u, int32_t budget) {
    budget_[u] = std::min<int32_t>(std::max<int32_t>(budget, 0), 255);
    input_.attendees[u].budget = budget_[u];
    NoteChanged(u, u);
    UpdateCapacity(u);
  }
  void SetPrefersQuiet(Index u, bool quiet) { input_.attendees[u].prefers_quiet = quiet; }
  // Adds edge {u, v} (both directions) to the live graph; when the pair is already among the
  // live additions it keeps the heavier weight.
  void AddEdge(Index u, Index v, Weight w);
  Index AddAttendee(const AttendeeSlots& attendee,
                    const std::vector<std::pair<Index, Weight>>& edges);
  // Fills u's free open slots with the best partners that are free in the same slot and have
  // budget left; nobody else's meetings change. Returns meetings added.
  int Refill(Index u);
  void Enqueue(Index u);
  std::vector<Index> Pending() const { return std::vector<Index>(queue_.begin(), queue_.end()); }

  struct LogEntry {
    bool added;
    Meeting meeting;
  };
  void SetLogging(bool on) { logging_ = on; }
  std::vector<LogEntry> TakeLog() { return std::move(log_); }

  // For tests: true when every cached search bound (accept, spare exactly; refund and refill
  // from above) agrees with a recomputation from the current agendas.
  bool BoundsConsistent();

  Meeting MeetingAt(Index u, int s) const;
  // Every meeting, sorted by (slot, location, table, a).
  std::vector<Meeting> Export() const;

 private:
  // How one endpoint makes room for a new meeting in slot s.
  // kKempe: the attendee has budget left and a free slot t; the meetings on the path that
  // alternates between s and t from them swap slots (a Kempe flip), so nobody loses a meeting.
  // kDropKempe: a full attendee drops their lightest meeting (in slot t) and then flips the
  // s/t path from them.
  enum class Room : uint8_t { kFree, kRelocate, kEvict, kDropLightest, kKempe, kDropKempe };
  struct Side {
    Room room = Room::kFree;
    // kRelocate: target slot; kDropLightest, kDropKempe: the slot of the dropped meeting;
    // kKempe: t
    int slot = -1;
    Weight cost = 0;
  };
  struct Move {
    Index u = kNobody, v = kNobody;
    int slot = -1;
    Weight weight = 0;
    int64_t gain = 0;
    // Order of candidates (BestMoves): the gain, or an upper bound on what a chain starting with
    // this move can gain.
    int64_t key = 0;
    Side su, sv;
  };

  size_t At(Index u, int s) const { return static_cast<size_t>(u) * slots_ + s; }
  bool Active(Index u) const { return Capacity(u) > 0; }
  template <typename F>
  void ForEachNeighbor(Index u, F&& f) const;
  // f(v, w) returns false to stop: later neighbours are no heavier.
  template <typename F>
  void ForEachNeighborHeaviestFirst(Index u, F&& f) const;
  // Starts loading the state of the neighbours a scan from u will look at (not met yet, edge
  // plus their side's bound at least `min_weight`), so that the cache misses overlap.
  void Prefetch(Index u, bool optimistic, int64_t min_weight) const;
  static constexpr uint64_t kPrefetch = 32;
  bool Meets(Index u, Index v) const;
  // u's partners, copied once for scans that ask Meets(u, .) of many attendees.
  struct Partners {
    Partners(const ScheduleEngine& engine, Index u);
    bool Has(Index x) const {
      bool found = false;
      for (int i = 0; i < count; ++i) found |= of[i] == x;
      return found;
    }
    Index of[kMaxSlots];
    int count = 0;
  };
  bool SlotHasTable(int s) const { return used_[s] < slot_tables_[s]; }
  // Place(): whether u and v may meet at all (active, room, not meeting yet, not banned); the
  // pair into the first common free slot with a table; or, failing that, after a Kempe flip on
  // either side. False (nothing added) when it does not fit.
  bool CanMeet(Index u, Index v) const;
  bool PlaceInFreeSlot(const WeightedEdge& e);
  bool PlaceWithFlip(const WeightedEdge& e);
  // Best way for u to make room in slot s (Kempe flips only when `kempe`); false when impossible.
  // *lightest caches u's lightest droppable meeting across calls for the same u
  // (*lightest_state: -1 unknown, 0 none, 1 set).
  bool MakeRoom(Index u, int s, bool kempe, int* lightest_state, Side* lightest, Side* side) const;
  bool Lightest(Index u, Side* side) const;
  // The partner a side takes a meeting from (kNobody: none).
  Index Evicted(Index u, int s, const Side& side) const;
  // Best spare edge of the partner a side evicts (what they could win back in a chain).
  int64_t Reach(Index u, int s, const Side& side) const;
  void UpdateCapacity(Index u);
  // u does not meet v (any more): (u, v) may be u's best spare edge.
  void NoteEdge(Index u, Index v, Weight w);
  // Up to k best moves adding a meeting at u (one per partner), by gain, descending, with gain
  // >= min_gain, or, when `optimistic`, gain plus the heaviest edges of the evicted partners >=
  // min_gain (they may refill in a chain). Returns how many.
  int BestMoves(Index u, int64_t min_gain, bool optimistic, int k, Move* best) const;
  // Applies a move; evicted[0..1] get the partners who lost a meeting (or kNobody). False when
  // a Kempe flip found when the move was chosen no longer works after the other side's change:
  // the state is then partly changed and the caller must undo (moves are applied recording).
  bool Apply(const Move& move, Index evicted[2]);
  // `other`: the other end of the new meeting, which a Kempe path must avoid. False as above.
  bool ApplySide(Index u, int s, const Side& side, Index other, Index* evicted);
  // Finds and applies a chain of moves starting at u (each next move starts at a partner the
  // previous one evicted, up to `depth` more) with total gain >= need; returns the gain, or
  // kNoChain with the state unchanged.
  int64_t Chain(Index u, int64_t need, int depth);
  // Chain from u, committed; touched attendees are queued. True when the state changed.
  bool Improve(Index u, int64_t need, int depth);
  void Undo(size_t mark);
  // Attendees on the s/t path from x (x is free in t and meets someone in s), in order, when
  // every meeting on it may swap slots and the path avoids `avoid`; false otherwise. A path
  // that comes back to x ends there (x's meeting in t is about to be dropped).
  bool KempePath(Index x, int s, int t, Index avoid, std::vector<Index>* path) const;
  void KempeFlip(const std::vector<Index>& path, int s, int t);
  mutable std::vector<Index> kempe_path_;
  // Gives uncovered u a meeting by taking the only meeting of someone who can then get another
  // (a two-step augmenting path). Requires protect_; true when u is covered.
  bool ForceCover(Index u);
  // Gives uncovered u a meeting along an augmenting path of any length (breadth first, at most
  // kMaxPathSearch attendees looked at): u meets v0, who drops a meeting with z0 to make room;
  // z0, whose only meeting that was, meets v1, who drops one with z1; ... until a partner has room
  // or drops a meeting with someone who keeps another. Everyone who had a meeting keeps one.
  // Requires protect_; true when u is covered (the change is committed and its attendees queued).
  bool CoverByPath(Index u);
  static constexpr size_t kMaxPathSearch = 4096;
  struct PathStep {
    Index x;         // needs a meeting
    int32_t parent;  // step that made x need one (-1: the root)
    Index via;       // the parent's partner, who drops its meeting with x ...
    int slot;        // ... in this slot
    Weight weight;   // of the parent's new meeting with `via`
  };
  std::vector<PathStep> path_steps_;
  // Per attendee: the search that last queued them as needing a meeting, and as a partner who
  // makes room. Separate, so that someone met as the one who loses a meeting on one branch may
  // still make room on another.
  std::vector<uint32_t> path_seen_;
  std::vector<uint32_t> path_pivot_;
  uint32_t path_search_ = 0;
  void Add(Index u, Index v, int s, Weight w);
  void Remove(Index u, int s);
  void BuildSeats();
  void TakeTable(Index u, Index v, int s);
  void ReturnTable(Index u, int s);
  bool PopQueue(Index* u);

  const CandidateGraph* graph_;
  ScheduleInput input_;
  uint64_t seed_;
  int slots_;
  SlotMask all_slots_;
  SlotMask open_;
  bool protect_ = false;
  bool kempe_ = false;
  const CancelFlag* cancel_ = nullptr;

  std::vector<int32_t> budget_;
  static constexpr Weight kCannotAccept = std::numeric_limits<Weight>::max() / 4;
  static constexpr Index kStale = kNobody - 1;
  struct RefillCache {
    Weight value;
    Index arg;  // the spare partner giving `value`; kNobody: none; kStale: to recompute
  };
  // Hot per-attendee state in one cache line, so that looking at a neighbour (its slots, price
  // and search bounds) costs one miss.
  struct alignas(64) NodeState {
    SlotMask avail = 0;
    SlotMask busy = 0;  // slots with a meeting
    uint8_t degree = 0;
    uint8_t cap = 0;  // min(budget, available slots)
    // A lower bound on what they give up to accept one more meeting: 0 with budget left, else
    // their lightest meeting in an open slot (kCannotAccept: none to give up).
    Weight accept = 0;
    // An upper bound on what their side adds to a move when the partner they evict may win some
    // back (max over their meetings of partner's spare - meeting weight; 0 with budget left).
    // Exact after their own changes, raised when a partner's spare edge rises.
    Weight refund = 0;
    // The heaviest edge to someone they do not meet (their best spare partner) and that
    // partner: what they could win back if they lost a meeting. Kept exact by Add/Remove.
    Weight spare = 0;
    Index spare_partner = kNobody;
    // An upper bound on the gain of their best single move once they have room: the best over
    // their spare partners x of w(p, x) - x's accept in the last committed state. Computed when
    // asked, exact then; FlushChanged raises it when a neighbour gets cheaper and recomputes it
    // when their own agenda changes (a neighbour getting dearer leaves it high). Inside a chain
    // being tried it describes the committed state, not the tried one: it steers and prunes the
    // chain search (a heuristic there), it never decides feasibility.
    mutable RefillCache refill{0, kStale};
  };
  struct SlotState {
    Index partner = kNobody;
    Weight weight = 0;
  };
  HugePageVector<NodeState> node_;
  HugePageVector<SlotState> slot_;    // n * slots
  std::vector<int32_t> table_;        // n * slots: table id in the slot, -1 = unseated
  std::vector<int64_t> slot_tables_;  // capacity per slot
  std::vector<int64_t> used_;         // meetings per slot
  int64_t weight_ = 0;
  int64_t meetings_ = 0;

  // Seating (after AssignTables): per slot, table id -> (location, table), and free table ids.
  bool seated_ = false;
  std::vector<std::vector<std::pair<int32_t, int32_t>>> seats_;
  std::vector<std::vector<int32_t>> seat_base_;  // [slot][location]: id of its table 0
  std::vector<std::vector<int32_t>> free_quiet_, free_loud_;

  // Live additions to the graph and banned pairs.
  std::vector<std::vector<std::pair<Index, Weight>>> extra_;  // heaviest first
  // The graph's adjacency again, each list heaviest first (same offsets as the graph).
  HugePageVector<std::pair<Index, Weight>> by_weight_;
  absl::flat_hash_set<uint64_t> banned_;

  std::deque<Index> queue_;
  std::vector<uint8_t> queued_;

  bool logging_ = false;
  std::vector<LogEntry> log_;

  // Undo stack of the chain being tried.
  struct Change {
    bool added;
    Index u, v;
    int slot;
    Weight weight;
  };
  static constexpr int kChainWidth = 3;
  static constexpr int64_t kNoChain = std::numeric_limits<int64_t>::min();
  int chain_depth_ = 2;
  int full_depth_ = 1;
  bool recording_ = false;
  std::vector<Change> undo_;
  Weight RefillBound(Index p) const;
  int refill_limit_ = -1;  // -1: no limit
  // Attendees whose agenda changed since the last flush (with repeats).
  std::vector<Index> changed_;
  void NoteChanged(Index u, Index v);
  void FlushChanged();
  // Refill bounds computed while a chain was being tried; stale again if it is undone.
  mutable std::vector<Index> trial_refills_;
  void ForgetTrial();
  // Recomputes u's accept and refund.
  void UpdateAccept(Index u);
  void RaiseRefunds(Index p);
  void RecomputeSpare(Index u);
  Weight max_weight_ = 0;
};

}  // namespace parley::match::internal

#endif  // PARLEY_SERVICES_MATCH_SCHEDULE_ENGINE_H_
