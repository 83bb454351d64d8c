#ifndef PARLEY_TOOLS_MATCH_SCHEDULE_TESTGRAPH_H_
#define PARLEY_TOOLS_MATCH_SCHEDULE_TESTGRAPH_H_

// Random events of a realistic shape for scheduler tests and benchmarks, independent of the
// candidate generator: ~2 * partners_per_attendee neighbours per attendee (each picks that many,
// mostly nearby in an interest "neighbourhood", some among a few popular attendees, so degrees
// and weights are skewed), budgets 3-6 with some 1-2 and a few opted out, partial availability.
// Deterministic for given options (own generator, no <random> distributions).

#include <cstdint>
#include <string>

#include "services/match/graph.h"
#include "services/match/schedule.h"

namespace parley::match {

struct TestEventOptions {
  Index attendees = 1000;
  int slots = 6;
  int partners_per_attendee = 12;
  uint64_t seed = 1;
  // Share of attendees available in every slot; the others miss 1-3 slots.
  double full_availability = 0.7;
  // Share with budget 1-2, and with budget 0.
  double low_budget = 0.1;
  double opted_out = 0.01;
  // Weights 1 .. max_weight, skewed towards small values.
  int32_t max_weight = 1000;
  // 0 = no locations (unlimited tables). Otherwise two locations per slot, a quiet one with a
  // fifth of the tables.
  int32_t tables = 0;
  double prefers_quiet = 0.1;
};

struct TestEvent {
  CandidateGraph graph;
  ScheduleInput input;
};

TestEvent MakeTestEvent(const TestEventOptions& options);

// Writes / reads an event (graph, slots, budgets, availability, quiet preference; no locations)
// in a raw native-endian file, so that benchmarks can replay parley-bench's candidate graph
// without regenerating it. False on an I/O error or a malformed file.
bool SaveTestEvent(const TestEvent& event, const std::string& path);
bool LoadTestEvent(const std::string& path, TestEvent* event);

// SplitMix64, for tests that need their own random numbers.
class TestRng {
 public:
  explicit TestRng(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  // Uniform in [0, n), n > 0.
  uint64_t Below(uint64_t n) { return Next() % n; }
  // Uniform in [0, 1).
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

}  // namespace parley::match

#endif  // PARLEY_TOOLS_MATCH_SCHEDULE_TESTGRAPH_H_
