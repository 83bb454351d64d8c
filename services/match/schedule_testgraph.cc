#include "services/match/schedule_testgraph.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace parley::match {

uint64_t TestRng::Next() {
  uint64_t x = (state_ += 0x9e3779b97f4a7c15ULL);
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

TestEvent MakeTestEvent(const TestEventOptions& options) {
  TestRng rng(options.seed * 0x2545f4914f6cdd1dULL + 17);
  const Index n = options.attendees;
  const int slots = std::max(1, std::min(options.slots, kMaxSlots));
  TestEvent event;
  event.input.num_slots = slots;
  event.input.attendees.resize(n);
  std::vector<double> appeal(n);
  for (Index u = 0; u < n; ++u) {
    AttendeeSlots& a = event.input.attendees[u];
    const double r = rng.Unit();
    if (r < options.opted_out) {
      a.budget = 0;
    } else if (r < options.opted_out + options.low_budget) {
      a.budget = 1 + static_cast<int32_t>(rng.Below(2));
    } else {
      a.budget = 3 + static_cast<int32_t>(rng.Below(4));
    }
    a.availability = slots >= 64 ? ~SlotMask{0} : (SlotMask{1} << slots) - 1;
    if (rng.Unit() >= options.full_availability && slots > 1) {
      const int missing =
          1 + static_cast<int>(rng.Below(static_cast<uint64_t>(std::min(3, slots - 1))));
      for (int i = 0; i < missing; ++i) a.availability &= ~(SlotMask{1} << rng.Below(slots));
    }
    a.prefers_quiet = rng.Unit() < options.prefers_quiet;
    appeal[u] = rng.Unit();
  }
  // A few popular attendees that many pick.
  std::vector<Index> popular;
  for (Index u = 0; u < n; u += 20) popular.push_back(u);
  std::vector<WeightedEdge> edges;
  if (n >= 2) {
    edges.reserve(static_cast<size_t>(n) * options.partners_per_attendee);
    const uint64_t window = std::min<uint64_t>(n - 1, 400);
    for (Index u = 0; u < n; ++u) {
      for (int k = 0; k < options.partners_per_attendee; ++k) {
        Index v;
        const double r = rng.Unit();
        if (r < 0.15 && !popular.empty()) {
          v = popular[rng.Below(popular.size())];
        } else if (r < 0.35) {
          v = static_cast<Index>(rng.Below(n));
        } else {
          const uint64_t offset = 1 + rng.Below(window);
          v = static_cast<Index>((u + offset) % n);
        }
        if (v == u) continue;
        const double x = rng.Unit();
        const double base = 0.6 * x * x + 0.2 * (appeal[u] + appeal[v]);
        const int32_t w =
            1 + static_cast<int32_t>(std::floor(base * base * (options.max_weight - 1)));
        edges.push_back({u, v, std::min(w, options.max_weight)});
      }
    }
  }
  event.graph = BuildCandidateGraph(n, std::move(edges));
  if (options.tables > 0) {
    Location loud, quiet;
    quiet.quiet = true;
    quiet.tables = options.tables / 5;
    loud.tables = options.tables - quiet.tables;
    event.input.locations = {loud, quiet};
  }
  return event;
}

}  // namespace parley::match
