#include "services/match/room.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace parley::match {
namespace {

constexpr size_t kPartnersPerAttendee = 8;

int Capacity(const AttendeeSlots& slots) {
  return std::min<int>(slots.budget, __builtin_popcountll(slots.availability));
}

}  // namespace

absl::StatusOr<Schedule> ScheduleWithRoom(const CandidateIndex& index, CandidateGraph* graph,
                                          const ScheduleInput& input,
                                          const ScheduleOptions& options, int max_rounds,
                                          RoomStats* stats) {
  absl::StatusOr<Schedule> schedule = BuildSchedule(*graph, input, options);
  const MatchProblem& problem = index.problem();
  const Index n = graph->num_nodes();
  for (int round = 0; round < max_rounds && schedule.ok(); ++round) {
    std::vector<int32_t> count(n, 0);
    std::vector<SlotMask> busy(n, 0);
    for (const Meeting& m : schedule->meetings) {
      for (Index x : {m.a, m.b}) {
        ++count[x];
        busy[x] |= SlotMask{1} << m.slot;
      }
    }
    auto free_of = [&](Index y) -> SlotMask {
      if (count[y] >= Capacity(input.attendees[y])) return 0;
      return input.attendees[y].availability & ~busy[y];
    };
    std::vector<WeightedEdge> added;
    for (Index x = 0; x < n; ++x) {
      // Each search scores the whole event: poll before every one.
      if (Cancelled(options.cancel)) return CancelledStatus("scheduling (searching beyond lists)");
      if (count[x] > 0 || free_of(x) == 0 || x >= problem.num_attendees()) continue;
      if (stats != nullptr) ++stats->reached;
      // Partners with room in a common free slot first; then, when the event has none for x,
      // full partners it shares a slot with, so that the fairness pass has more meetings to
      // trade (it evicts along short augmenting paths).
      struct Found {
        bool room;
        Candidate c;
      };
      std::vector<Found> best;  // best first, at most kPartnersPerAttendee
      auto better = [x](const Found& u, const Found& v) {
        return u.room != v.room ? u.room : RanksBefore(x, u.c, v.c);
      };
      const auto row_begin = graph->neighbors.begin() + static_cast<ptrdiff_t>(graph->begin(x));
      const auto row_end = graph->neighbors.begin() + static_cast<ptrdiff_t>(graph->end(x));
      for (Index y = 0; y < n; ++y) {
        if (y == x || (input.attendees[x].availability & input.attendees[y].availability) == 0) {
          continue;
        }
        if (std::binary_search(row_begin, row_end, y)) continue;  // the schedule had it already
        const PairScore score = problem.Score(x, y);
        if (!score.feasible || score.weight <= 0) continue;
        const Found f{(free_of(x) & free_of(y)) != 0, Candidate{score.weight, y}};
        auto at = std::upper_bound(best.begin(), best.end(), f, better);
        if (best.size() == kPartnersPerAttendee && at == best.end()) continue;
        best.insert(at, f);
        if (best.size() > kPartnersPerAttendee) best.pop_back();
      }
      for (const Found& f : best) added.push_back({x, f.c.partner, f.c.weight});
    }
    if (added.empty()) break;
    // The graph's edges plus the new ones (duplicates keep the larger weight: the same pair has
    // the same weight either way).
    std::vector<WeightedEdge> edges;
    edges.reserve(graph->num_edges() + added.size());
    for (Index a = 0; a < n; ++a) {
      for (uint64_t i = graph->begin(a); i < graph->end(a); ++i) {
        if (a < graph->neighbors[i]) edges.push_back({a, graph->neighbors[i], graph->weights[i]});
      }
    }
    if (stats != nullptr) {
      stats->edges_added += static_cast<int64_t>(added.size());
      ++stats->rounds;
    }
    edges.insert(edges.end(), added.begin(), added.end());
    *graph = BuildCandidateGraph(n, std::move(edges));
    schedule = BuildSchedule(*graph, input, options);
  }
  return schedule;
}

}  // namespace parley::match
