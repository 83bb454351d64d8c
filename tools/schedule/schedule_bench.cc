// parley-schedule-bench: schedules a random event of realistic shape (schedule_testgraph.h) and
// prints one JSON line: timings, weight, the LP upper bound, quality, fairness and, on request,
// repair latencies and the two baselines.
//
//   parley-schedule-bench --attendees 150000 --slots 6 --seed 1 --repairs 1000 [--baselines]
//   parley-schedule-bench --event /tmp/event.bin   (replays parley-bench --dump-event)
//   parley-schedule-bench --event /tmp/event.bin --bmatching_only   (the slot-free b-matching
//       of bmatching.h alone: its weight, the auction's value, pairs taken as bid / rounded)
//   parley-schedule-bench --csv FILE [--known_pairs FILE.tsv]   (a real event: loaded as an
//       import and a run load it, candidates built with the run's options, then scheduled with
//       them; tools/match/real_event.h. Full build only.)
//
// Besides the schedule's figures: zero_meeting_attendees, zero_meeting_with_feasible_partner,
// zero_meeting_unavoidable, max_covered, left_out (the bar: 0), feasible_capacity,
// budget_filled_fraction, known_pairs_proposed (tools/match/fairness.h) and, for --csv,
// candidate_seconds and candidate_thin_searches.

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/match/bmatching.h"
#include "services/match/bound.h"
#include "services/match/repair.h"
#include "services/match/room.h"
#include "services/match/schedule.h"
#include "tools/match/fairness.h"
#include "tools/match/json_line.h"
#include "tools/match/schedule_testgraph.h"
#ifdef PARLEY_BENCH_CSV
#include "services/match/candidates.h"
#include "services/runs/run.h"
#include "tools/match/real_event.h"
#endif

ABSL_FLAG(uint32_t, attendees, 20000, "attendees in the generated event");
ABSL_FLAG(int, slots, 6, "slots");
ABSL_FLAG(uint64_t, seed, 1, "seed of the generator and the scheduler");
ABSL_FLAG(int, partners, 12, "partners each attendee picks (degree is about twice this)");
ABSL_FLAG(int, tables, 0, "tables per slot over two locations (0 = unlimited)");
ABSL_FLAG(int, repairs, 0, "random declines repaired one at a time; reports repair_p99_us");
ABSL_FLAG(bool, baselines, false, "also run greedy and exact_per_slot (N <= 20000 advised)");
ABSL_FLAG(bool, bound, true, "compute the LP upper bound (on a second thread)");
ABSL_FLAG(std::string, bound_algorithm, "network_simplex", "network_simplex or cost_scaling");
ABSL_FLAG(int, chain_depth, 3, "ScheduleOptions::chain_depth");
ABSL_FLAG(int, full_chain_depth, 0, "ScheduleOptions::full_chain_depth");
ABSL_FLAG(int, refill_scan_limit, 0, "ScheduleOptions::refill_scan_limit");
ABSL_FLAG(bool, bmatching_start, true, "ScheduleOptions::bmatching_start");
ABSL_FLAG(int, bmatching_chain_depth, 1, "ScheduleOptions::bmatching_chain_depth");
ABSL_FLAG(int32_t, bmatching_epsilon, 0, "ScheduleOptions::bmatching_epsilon");
ABSL_FLAG(double, bmatching_epsilon_ratio, 0.08, "ScheduleOptions::bmatching_epsilon_ratio");
ABSL_FLAG(bool, bmatching_only, false,
          "run only the slot-free b-matching (bmatching.h) and print its figures");
ABSL_FLAG(std::string, event, "",
          "schedule this event (parley-bench --dump-event) instead of a generated one");
ABSL_FLAG(bool, json, true, "print JSON (the only format)");
ABSL_FLAG(std::string, csv, "",
          "schedule this attendee CSV, loaded and matched as a run does (full build only)");
ABSL_FLAG(std::string, known_pairs, "",
          "with --csv: TSV of external id pairs who must never be proposed");

namespace {

using parley::match::Schedule;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

double PeakRssMiB() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// CPU time of the calling thread: the schedule's own cost, whatever the bound thread and other
// processes on the machine do.
double ThreadCpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// 1-minute load average, so that a timing can be judged.
double LoadAverage() {
  double load[1] = {0};
  return getloadavg(load, 1) == 1 ? load[0] : -1.0;
}

void Fail(const absl::Status& status) {
  std::fprintf(stderr, "parley-schedule-bench: %s\n", status.ToString().c_str());
  std::exit(1);
}

std::string Baseline(const absl::StatusOr<Schedule>& s, double seconds, double cpu_seconds,
                     int64_t bound, const parley::match::TestEvent& event) {
  if (!s.ok()) Fail(s.status());
  absl::Status valid = parley::match::CheckSchedule(event.graph, event.input, s->meetings);
  if (!valid.ok()) Fail(valid);
  const double quality = bound > 0 ? static_cast<double>(s->report.weight) / bound : 0.0;
  return absl::StrFormat(
      "{\"weight\":%d,\"quality\":%.5f,\"seconds\":%.4f,\"cpu_seconds\":%.4f,\"meetings\":%d,"
      "\"attendees_without_meeting_but_feasible\":%d}",
      s->report.weight, quality, seconds, cpu_seconds, s->report.meetings, s->report.zero_left_out);
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  parley::match::TestEventOptions gen;
  gen.attendees = absl::GetFlag(FLAGS_attendees);
  gen.slots = absl::GetFlag(FLAGS_slots);
  gen.seed = absl::GetFlag(FLAGS_seed);
  gen.partners_per_attendee = absl::GetFlag(FLAGS_partners);
  gen.tables = absl::GetFlag(FLAGS_tables);
  Clock::time_point start = Clock::now();
  parley::match::TestEvent event;
  // For the fairness figures: the scoring problem (exact diagnosis of attendees without an edge)
  // and the known pairs; a generated graph has neither.
  std::optional<parley::match::MatchProblem> problem;
#ifdef PARLEY_BENCH_CSV
  // --csv: scheduled as a run schedules, with room searches beyond the lists (room.h).
  std::optional<parley::match::CandidateIndex> index;
#endif
  std::vector<std::pair<parley::match::Index, parley::match::Index>> known_pairs;
  parley::tools::JsonLine csv_json;
  if (!absl::GetFlag(FLAGS_csv).empty()) {
#ifdef PARLEY_BENCH_CSV
    parley::tools::RealEventOptions real;
    real.csv_path = absl::GetFlag(FLAGS_csv);
    real.known_pairs_path = absl::GetFlag(FLAGS_known_pairs);
    real.slots = gen.slots;
    absl::StatusOr<parley::tools::RealEvent> loaded = parley::tools::LoadRealEvent(real);
    if (!loaded.ok()) Fail(loaded.status());
    parley::matching::RunOptions run_options;
    run_options.seed = gen.seed;
    auto created = parley::match::MatchProblem::Create(loaded->event.input);
    if (!created.ok()) Fail(created.status());
    const Clock::time_point candidates_start = Clock::now();
    index.emplace(parley::match::CandidateIndex::Build(
        *std::move(created), parley::matching::RunCandidateOptions(run_options)));
    event.graph = index->Graph();
    csv_json.Int("rejected_rows", loaded->rejected_rows);
    csv_json.Int("known_pairs", static_cast<int64_t>(loaded->known_pairs.size()));
    csv_json.Double("candidate_seconds", Seconds(candidates_start));
    csv_json.Int("candidate_thin_searches",
                 static_cast<int64_t>(index->build_stats().thin_searches));
    event.input = std::move(loaded->event.schedule_input);
    known_pairs = std::move(loaded->known_pairs);
    problem.emplace(index->problem());
#else
    Fail(absl::InvalidArgumentError("--csv needs the full build (this one is PARLEY_MATCH_ONLY)"));
#endif
  } else if (absl::GetFlag(FLAGS_event).empty()) {
    event = parley::match::MakeTestEvent(gen);
  } else if (!parley::match::LoadTestEvent(absl::GetFlag(FLAGS_event), &event)) {
    Fail(absl::InvalidArgumentError("--event: cannot read " + absl::GetFlag(FLAGS_event)));
  }
  const double gen_seconds = Seconds(start);

  if (absl::GetFlag(FLAGS_bmatching_only)) {
    const size_t n = event.graph.num_nodes();
    const parley::match::SlotMask all = (parley::match::SlotMask{1} << event.input.num_slots) - 1;
    std::vector<int32_t> capacity(n);
    std::vector<parley::match::SlotMask> availability(n);
    for (size_t u = 0; u < n; ++u) {
      availability[u] = event.input.attendees[u].availability & all;
      capacity[u] =
          std::min<int32_t>(event.input.attendees[u].budget, __builtin_popcountll(availability[u]));
    }
    parley::match::BMatchingOptions bm;
    bm.epsilon = absl::GetFlag(FLAGS_bmatching_epsilon);
    bm.epsilon_ratio = absl::GetFlag(FLAGS_bmatching_epsilon_ratio);
    parley::match::BMatchingStats stats;
    const double cpu = ThreadCpuSeconds();
    const auto pairs =
        parley::match::MaxWeightBMatching(event.graph, capacity, availability, bm, &stats);
    std::printf(
        "{\"bmatching_cpu_seconds\":%.4f,\"load_average\":%.2f,\"pairs\":%zu,\"weight\":%lld,"
        "\"double_cover_half\":%.1f,\"two_sided\":%lld,\"one_sided\":%lld,\"bids\":%lld,"
        "\"epsilon\":%d}\n",
        ThreadCpuSeconds() - cpu, LoadAverage(), pairs.size(), static_cast<long long>(stats.weight),
        static_cast<double>(stats.double_cover) / 2, static_cast<long long>(stats.two_sided),
        static_cast<long long>(stats.one_sided), static_cast<long long>(stats.bids), stats.epsilon);
    return 0;
  }
  absl::StatusOr<int64_t> bound = int64_t{0};
  double bound_seconds = 0;
  std::thread bound_thread;
  if (absl::GetFlag(FLAGS_bound)) {
    parley::match::BoundOptions bound_options;
    if (absl::GetFlag(FLAGS_bound_algorithm) == "cost_scaling") {
      bound_options.algorithm = parley::match::BoundOptions::Algorithm::kCostScaling;
    }
    bound_thread = std::thread([&, bound_options] {
      Clock::time_point t = Clock::now();
      bound = parley::match::ComputeUpperBound(event.graph, event.input, bound_options);
      bound_seconds = Seconds(t);
    });
  }

  parley::match::ScheduleOptions options;
  options.seed = gen.seed;
  options.chain_depth = absl::GetFlag(FLAGS_chain_depth);
  options.full_chain_depth = absl::GetFlag(FLAGS_full_chain_depth);
  options.refill_scan_limit = absl::GetFlag(FLAGS_refill_scan_limit);
  options.bmatching_start = absl::GetFlag(FLAGS_bmatching_start);
  options.bmatching_chain_depth = absl::GetFlag(FLAGS_bmatching_chain_depth);
  options.bmatching_epsilon = absl::GetFlag(FLAGS_bmatching_epsilon);
  options.bmatching_epsilon_ratio = absl::GetFlag(FLAGS_bmatching_epsilon_ratio);
  const double load_before = LoadAverage();
  start = Clock::now();
  double cpu = ThreadCpuSeconds();
  absl::StatusOr<Schedule> schedule;
  parley::match::CandidateGraph room_graph;  // --csv: the graph with room edges
  parley::match::RoomStats room;
#ifdef PARLEY_BENCH_CSV
  if (index.has_value()) {
    room_graph = event.graph;  // the bound thread reads event.graph meanwhile
    schedule = parley::match::ScheduleWithRoom(*index, &room_graph, event.input, options,
                                               /*max_rounds=*/2, &room);
  }
#endif
  if (!schedule.ok() && room_graph.num_nodes() == 0) {
    schedule = parley::match::BuildSchedule(event.graph, event.input, options);
  }
  const double schedule_seconds = Seconds(start);
  const double schedule_cpu_seconds = ThreadCpuSeconds() - cpu;
  if (!schedule.ok()) Fail(schedule.status());
  if (bound_thread.joinable()) bound_thread.join();
  if (room.edges_added > 0) {
    event.graph = std::move(room_graph);
    if (absl::GetFlag(FLAGS_bound))
      bound = parley::match::ComputeUpperBound(event.graph, event.input);
  }
  absl::Status valid = parley::match::CheckSchedule(event.graph, event.input, schedule->meetings);
  if (!valid.ok()) Fail(valid);
  if (!bound.ok()) Fail(bound.status());
  parley::match::SetUpperBound(*bound, &schedule->report);
  const parley::match::QualityReport& r = schedule->report;

  std::string repairs_json;
  const int repairs = absl::GetFlag(FLAGS_repairs);
  if (repairs > 0) {
    auto live = parley::match::LiveSchedule::Create(&event.graph, event.input, *schedule, gen.seed);
    if (!live.ok()) Fail(live.status());
    parley::match::TestRng rng(gen.seed ^ 0x5eed);
    std::vector<double> us;
    us.reserve(static_cast<size_t>(repairs));
    const std::vector<parley::match::Meeting>& meetings = schedule->meetings;
    for (int i = 0; i < repairs && !meetings.empty(); ++i) {
      const parley::match::Meeting& m = meetings[rng.Below(meetings.size())];
      Clock::time_point t = Clock::now();
      auto result = (*live)->Decline(m.a, m.b);
      us.push_back(Seconds(t) * 1e6);
      if (!result.ok()) Fail(result.status());
    }
    valid = parley::match::CheckSchedule(event.graph, (*live)->Input(), (*live)->Meetings());
    if (!valid.ok()) Fail(valid);
    std::sort(us.begin(), us.end());
    auto pct = [&](double p) {
      return us.empty() ? 0.0 : us[std::min(us.size() - 1, static_cast<size_t>(p * us.size()))];
    };
    repairs_json = absl::StrFormat(
        ",\"repairs\":%d,\"repair_p50_us\":%.2f,\"repair_p99_us\":%.2f,\"repair_max_us\":%.2f,"
        "\"weight_after_repairs\":%d",
        repairs, pct(0.5), pct(0.99), us.empty() ? 0.0 : us.back(), (*live)->TotalWeight());
  }

  std::string baselines_json;
  if (absl::GetFlag(FLAGS_baselines)) {
    // The engine again, now that the bound thread is done, so that all three are timed alike.
    start = Clock::now();
    cpu = ThreadCpuSeconds();
    auto again = parley::match::BuildSchedule(event.graph, event.input, options);
    const double engine_seconds = Seconds(start);
    const double engine_cpu = ThreadCpuSeconds() - cpu;
    if (!again.ok()) Fail(again.status());
    start = Clock::now();
    cpu = ThreadCpuSeconds();
    auto greedy = parley::match::GreedySchedule(event.graph, event.input, options);
    const std::string g = Baseline(greedy, Seconds(start), ThreadCpuSeconds() - cpu, *bound, event);
    start = Clock::now();
    cpu = ThreadCpuSeconds();
    auto exact = parley::match::ExactPerSlotSchedule(event.graph, event.input, options);
    const double exact_seconds = Seconds(start);
    const double exact_cpu = ThreadCpuSeconds() - cpu;
    const std::string e = Baseline(exact, exact_seconds, exact_cpu, *bound, event);
    baselines_json = absl::StrFormat(
        ",\"baselines\":{\"engine_alone\":{\"seconds\":%.4f,\"cpu_seconds\":%.4f},"
        "\"greedy\":%s,\"exact_per_slot\":%s,\"exact_per_slot_over_engine_seconds\":%.2f,"
        "\"exact_per_slot_over_engine_cpu\":%.2f}",
        engine_seconds, engine_cpu, g, e, exact_seconds / engine_seconds, exact_cpu / engine_cpu);
  }

  std::string fairness_json;
  {
    parley::tools::FairnessFigures f;
    if (problem.has_value()) {
      f = parley::tools::MeasureFairness(*problem, event.graph, event.input, schedule->meetings,
                                         known_pairs);
    } else {
      // A generated graph has no profiles: "feasible" is "has an edge".
      parley::match::MatchProblem empty;
      f = parley::tools::MeasureFairness(empty, event.graph, event.input, schedule->meetings,
                                         known_pairs);
    }
    parley::tools::JsonLine j;
    j.Int("zero_meeting_attendees", f.zero_meeting_attendees);
    j.Int("zero_meeting_with_feasible_partner", f.zero_meeting_with_feasible_partner);
    j.Int("zero_meeting_unavoidable", f.zero_meeting_unavoidable);
    j.Int("max_covered", f.max_covered);
    j.Int("left_out", f.left_out);
    j.Int("feasible_capacity", f.feasible_capacity);
    j.Double("budget_filled_fraction", f.budget_filled_fraction);
    j.Int("known_pairs_proposed", f.known_pairs_proposed);
    j.Int("room_edges_added", room.edges_added);
    std::string body = j.ToString();
    absl::StrAppend(&fairness_json, ",", body.substr(1, body.size() - 2));
    body = csv_json.ToString();
    if (body.size() > 2) absl::StrAppend(&fairness_json, ",", body.substr(1, body.size() - 2));
  }
  std::string histogram;
  for (size_t k = 0; k < r.meetings_per_attendee.size(); ++k) {
    absl::StrAppend(&histogram, k == 0 ? "" : ",", r.meetings_per_attendee[k]);
  }
  std::printf(
      "{\"attendees\":%u,\"slots\":%d,\"seed\":%llu,\"edges\":%zu,\"generate_seconds\":%.4f,"
      "\"schedule_seconds\":%.4f,\"schedule_cpu_seconds\":%.4f,\"load_average\":%.2f,"
      "\"bound_seconds\":%.4f,\"weight\":%lld,\"upper_bound\":%lld,"
      "\"quality\":%.5f,\"meetings\":%lld,\"attendees_without_meeting_but_feasible\":%lld,"
      "\"meetings_unplaced\":%lld,\"fairness_cost\":%lld,\"gini\":%.4f,"
      "\"zero_opted_out\":%lld,\"zero_no_availability\":%lld,\"zero_no_feasible_partner\":%lld,"
      "\"meetings_per_attendee\":[%s],\"peak_rss_mib\":%.1f%s%s%s}\n",
      event.graph.num_nodes(), event.input.num_slots, static_cast<unsigned long long>(gen.seed),
      event.graph.num_edges(), gen_seconds, schedule_seconds, schedule_cpu_seconds, load_before,
      bound_seconds, static_cast<long long>(r.weight), static_cast<long long>(r.bound), r.quality,
      static_cast<long long>(r.meetings), static_cast<long long>(r.zero_left_out),
      static_cast<long long>(r.meetings_unplaced), static_cast<long long>(r.fairness_cost), r.gini,
      static_cast<long long>(r.zero_opted_out), static_cast<long long>(r.zero_no_availability),
      static_cast<long long>(r.zero_no_feasible_partner), histogram.c_str(), PeakRssMiB(),
      repairs_json.c_str(), baselines_json.c_str(), fairness_json.c_str());
  return 0;
}
