#include "tools/match/schedule_testgraph.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
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

namespace {

using File = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

template <typename T>
bool WriteVector(const std::vector<T>& v, std::FILE* f) {
  const uint64_t size = v.size();
  return std::fwrite(&size, sizeof(size), 1, f) == 1 &&
         std::fwrite(v.data(), sizeof(T), v.size(), f) == v.size();
}

template <typename T>
bool ReadVector(std::FILE* f, std::vector<T>* v) {
  uint64_t size = 0;
  if (std::fread(&size, sizeof(size), 1, f) != 1 || size > (uint64_t{1} << 36)) return false;
  v->resize(size);
  return std::fread(v->data(), sizeof(T), v->size(), f) == v->size();
}

}  // namespace

bool SaveTestEvent(const TestEvent& event, const std::string& path) {
  File f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (f == nullptr) return false;
  std::vector<int64_t> header = {event.input.num_slots};
  std::vector<int32_t> budgets;
  std::vector<SlotMask> availability;
  std::vector<uint8_t> quiet;
  for (const AttendeeSlots& a : event.input.attendees) {
    budgets.push_back(a.budget);
    availability.push_back(a.availability);
    quiet.push_back(a.prefers_quiet ? 1 : 0);
  }
  return WriteVector(header, f.get()) && WriteVector(event.graph.offsets, f.get()) &&
         WriteVector(event.graph.neighbors, f.get()) && WriteVector(event.graph.weights, f.get()) &&
         WriteVector(budgets, f.get()) && WriteVector(availability, f.get()) &&
         WriteVector(quiet, f.get());
}

bool LoadTestEvent(const std::string& path, TestEvent* event) {
  File f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (f == nullptr) return false;
  std::vector<int64_t> header;
  std::vector<int32_t> budgets;
  std::vector<SlotMask> availability;
  std::vector<uint8_t> quiet;
  CandidateGraph& g = event->graph;
  if (!ReadVector(f.get(), &header) || header.size() != 1 || !ReadVector(f.get(), &g.offsets) ||
      !ReadVector(f.get(), &g.neighbors) || !ReadVector(f.get(), &g.weights) ||
      !ReadVector(f.get(), &budgets) || !ReadVector(f.get(), &availability) ||
      !ReadVector(f.get(), &quiet) || g.offsets.empty() || g.offsets.back() != g.neighbors.size() ||
      g.weights.size() != g.neighbors.size() || budgets.size() != g.num_nodes() ||
      availability.size() != budgets.size() || quiet.size() != budgets.size()) {
    return false;
  }
  event->input = ScheduleInput{};
  event->input.num_slots = static_cast<int>(header[0]);
  event->input.attendees.resize(budgets.size());
  for (size_t i = 0; i < budgets.size(); ++i) {
    event->input.attendees[i] = {budgets[i], availability[i], quiet[i] != 0};
  }
  return true;
}

}  // namespace parley::match
