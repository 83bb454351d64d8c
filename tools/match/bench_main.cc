// parley-bench: builds a synthetic event in memory, runs the matching engine on it and prints
// one JSON object on one line.
//
//   parley-bench --attendees N [--slots R] [--seed S] --json [--recall-sample M]
//                [--updates U] [--k K] [--threads T] [--shape real]
//   parley-bench --csv FILE [--known-pairs FILE.tsv] [--slots R] [--seed S] --json ...
//
// --csv: the attendees of an organiser's CSV export, loaded through the import's validation
// and the store into the engine input a matching run builds (tools/match/real_event.h), with
// the run's candidate and schedule options (services/runs/run.h: RunCandidateOptions,
// RunScheduleOptions; --k, --threads and --seed override them as RunOptions would); 6 slots,
// tables that never bind, avoid_same_organisation on. --known-pairs: pairs of external ids who
// already know each other, excluded as the engine excludes declined pairs. Extra fields: rows,
// rejected_rows, first_rejection, known_pairs, import_seconds, and the same-run baseline
// generated_candidate_seconds / generated_candidate_cpu_seconds (a generated event of the same
// size, --shape real) and candidate_seconds_over_generated. Needs the full build (not
// PARLEY_MATCH_ONLY).
// --shape real: the generator's real-event shape (synth.h: SynthShape::kReal).
// --no-diversify: the candidate graph as the plain union of the top-K lists
// (CandidateOptions::diversify = false), to measure what fairness costs in weight.
//
// Fields (engine I): attendees, candidate_edges, candidate_seconds (profiles -> candidate
// graph, wall clock), candidate_cpu_seconds (CPU time of all threads in that phase: on a busy
// machine, cpu / threads estimates the wall time of an idle one), its parts problem_seconds /
// search_seconds / graph_seconds and their CPU times problem_cpu_seconds / search_cpu_seconds /
// graph_cpu_seconds, the work counters postings_visited / partners_touched /
// exact_evaluations, thin_searches (attendees no partner reachable through postings can meet,
// searched over everyone;
// see candidates.h) (machine-independent),
// peak_rss_bytes (whole process so far), and
//   with --recall-sample M: candidate_recall (mean recall@K of M sampled attendees against
//   exhaustive scoring, ties counted as hits), recall_sample;
// Fields (engine II, scheduling on the candidate graph): schedule_seconds (wall clock, after
// candidates), schedule_cpu_seconds, total_seconds (candidates + schedule), weight, upper_bound
// and quality (LP bound, computed on a second thread while the schedule runs; --bound=false
// skips it), meetings, attendees_without_meeting_but_feasible, zero_no_feasible_partner
// (no edge in the candidate graph) and no_candidates_but_compatible (of those, the ones an exact
// diagnosis finds a compatible partner for: what candidate search missed), meetings_unplaced,
// fairness_cost, gini, bound_seconds;
//   with --repairs K: repair_p50_us, repair_p99_us (K random declines repaired one at a time);
//   with --dump-event PATH: the candidate graph and schedule input are also written to PATH
//   (replay with parley-schedule-bench --event PATH);
//   with --baselines (N <= 20,000): baselines {greedy, exact_per_slot}, each with weight,
//   quality and seconds, plus exact_per_slot_over_engine_seconds.
// room_searches / room_edges (Graph()'s searches beyond the lists) and their work
// room_postings_visited / room_partners_touched / room_exact_evaluations (not in the counters
// above, which are Build()'s).
// Fairness (tools/match/fairness.h): zero_meeting_attendees, zero_meeting_with_feasible_partner,
// zero_meeting_unavoidable, max_covered, left_out (the bar: 0), feasible_capacity,
// budget_filled_fraction, known_pairs_proposed, and
// candidate_thin_searches (= thin_searches).
//   with --updates U: update_p50_us, update_p99_us, update_max_us (wall clock) and
//   update_cpu_p50_us, update_cpu_p99_us (thread CPU time: immune to preemption on a busy
//   machine) of U single-profile edits, each replacing a random attendee's profile with another
//   attendee's, applied with CandidateIndex::UpsertProfile().

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "services/match/bound.h"
#include "services/match/candidates.h"
#include "services/match/explain.h"
#include "services/match/graph.h"
#include "services/match/quality.h"
#include "services/match/repair.h"
#include "services/match/room.h"
#include "services/match/schedule.h"
#include "services/match/scoring.h"
#include "tools/match/args.h"
#include "tools/match/fairness.h"
#include "tools/match/json_line.h"
#include "tools/match/schedule_testgraph.h"
#include "tools/match/synth.h"
#ifdef PARLEY_BENCH_CSV
#include "services/runs/run.h"
#include "tools/match/real_event.h"
#endif

namespace {

using parley::match::CandidateIndex;
using parley::match::Index;

struct BenchOptions {
  parley::synth::SynthOptions synth;
  int64_t recall_sample = 0;
  int64_t updates = 0;
  int64_t repairs = 0;
  bool baselines = false;
  bool bound = true;
  // Writes the candidate graph and the schedule input here (parley-schedule-bench --event).
  std::string dump_event;
  parley::match::CandidateOptions candidates;
  parley::match::ScoringOptions scoring;
  parley::match::ScheduleOptions schedule;
};

// Everything a later stage (scheduling) needs: the engine input, the schedule input (budgets,
// availability, tables), the candidate index and the symmetrised graph.
struct BenchRun {
  parley::match::MatchInput input;
  parley::match::ScheduleInput schedule_input;
  // Sorted pairs (a < b) that must never be proposed (--known-pairs).
  std::vector<std::pair<Index, Index>> known_pairs;
  std::optional<CandidateIndex> index;
  parley::match::CandidateGraph graph;
};

double CpuSeconds(clockid_t clock = CLOCK_PROCESS_CPUTIME_ID) {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

int64_t PeakRssBytes() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;  // Linux: kilobytes
}

// Deterministic sample of attendees with a budget.
std::vector<Index> Sample(const CandidateIndex& index, int64_t count, uint64_t seed) {
  std::vector<Index> pool;
  for (Index a = 0; a < index.num_attendees(); ++a) {
    if (index.problem().profile(a).budget > 0) pool.push_back(a);
  }
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i < pool.size() && static_cast<int64_t>(i) < count; ++i) {
    std::swap(pool[i], pool[i + rng() % (pool.size() - i)]);
  }
  pool.resize(std::min<size_t>(pool.size(), static_cast<size_t>(std::max<int64_t>(count, 0))));
  return pool;
}

bool RunCandidates(const BenchOptions& options, BenchRun* run, parley::tools::JsonLine* json,
                   double* candidate_seconds) {
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = CpuSeconds();
  auto problem = parley::match::MatchProblem::Create(run->input, options.scoring);
  if (!problem.ok()) {
    std::cerr << "parley-bench: " << problem.status() << "\n";
    return false;
  }
  const double problem_seconds = Seconds(start);
  const double search_cpu_start = CpuSeconds();
  const auto search_start = std::chrono::steady_clock::now();
  run->index.emplace(CandidateIndex::Build(*std::move(problem), options.candidates));
  const double search_seconds = Seconds(search_start);
  const double graph_cpu_start = CpuSeconds();
  const auto graph_start = std::chrono::steady_clock::now();
  parley::match::CandidateStats room;
  run->graph = run->index->Graph(&room);
  const double graph_seconds = Seconds(graph_start);
  const double graph_cpu_end = CpuSeconds();
  json->Int("candidate_edges", static_cast<int64_t>(run->graph.num_edges()));
  *candidate_seconds = Seconds(start);
  json->Double("candidate_seconds", *candidate_seconds);
  json->Double("candidate_cpu_seconds", graph_cpu_end - cpu_start);
  json->Double("problem_seconds", problem_seconds);
  json->Double("search_seconds", search_seconds);
  json->Double("graph_seconds", graph_seconds);
  json->Double("problem_cpu_seconds", search_cpu_start - cpu_start);
  json->Double("search_cpu_seconds", graph_cpu_start - search_cpu_start);
  json->Double("graph_cpu_seconds", graph_cpu_end - graph_cpu_start);
  json->Int("candidate_k", run->index->options().k);
  // "No star": the most lists anyone is on (their graph degree).
  uint64_t max_degree = 0;
  for (Index a = 0; a < run->graph.num_nodes(); ++a) {
    max_degree = std::max(max_degree, run->graph.degree(a));
  }
  json->Int("max_graph_degree", static_cast<int64_t>(max_degree));
  const parley::match::CandidateStats& stats = run->index->build_stats();
  json->Int("postings_visited", static_cast<int64_t>(stats.postings_visited));
  json->Int("partners_touched", static_cast<int64_t>(stats.partners_touched));
  json->Int("exact_evaluations", static_cast<int64_t>(stats.exact_evaluations));
  json->Int("thin_searches", static_cast<int64_t>(stats.thin_searches));
  json->Int("room_searches", static_cast<int64_t>(room.room_searches));
  json->Int("room_edges", static_cast<int64_t>(room.room_edges));
  json->Int("room_postings_visited", static_cast<int64_t>(room.postings_visited));
  json->Int("room_partners_touched", static_cast<int64_t>(room.partners_touched));
  json->Int("room_exact_evaluations", static_cast<int64_t>(room.exact_evaluations));
  json->Int("candidate_thin_searches",
            static_cast<int64_t>(stats.thin_searches + room.thin_searches));
  return true;
}

void MeasureRecall(const BenchOptions& options, const BenchRun& run,
                   parley::tools::JsonLine* json) {
  if (options.recall_sample <= 0) return;
  const std::vector<Index> sample =
      Sample(*run.index, options.recall_sample, options.synth.seed + 17);
  json->Double("candidate_recall",
               parley::match::RecallAtK(*run.index, sample, options.candidates.threads));
  json->Int("recall_sample", static_cast<int64_t>(sample.size()));
}

// Budgets and availability from the generated profiles; no table limits (the synthetic event has
// no locations), so every chosen meeting can be placed.
parley::match::ScheduleInput ScheduleInputOf(const parley::synth::SynthEvent& event, int slots) {
  parley::match::ScheduleInput input;
  input.num_slots = slots;
  input.attendees.reserve(event.attendees.size());
  for (const parley::synth::SynthAttendee& a : event.attendees) {
    parley::match::AttendeeSlots s;
    s.budget = a.profile.budget;
    s.availability = a.profile.availability;
    input.attendees.push_back(s);
  }
  return input;
}

std::string BaselineJson(const absl::StatusOr<parley::match::Schedule>& s, double seconds,
                         int64_t bound) {
  parley::tools::JsonLine json;
  if (!s.ok()) {
    json.String("error", std::string(s.status().message()));
    return json.ToString();
  }
  json.Int("weight", s->report.weight);
  json.Double("quality", bound > 0 ? static_cast<double>(s->report.weight) / bound : 0.0);
  json.Double("seconds", seconds);
  json.Int("meetings", s->report.meetings);
  json.Int("attendees_without_meeting_but_feasible", s->report.zero_left_out);
  return json.ToString();
}

// The whole-event schedule on run->graph, its certificate, and optionally repairs and the
// baselines. False (after printing why) if the engine fails or breaks an invariant.
bool RunSchedule(const BenchOptions& options, BenchRun* mutable_run, double candidate_seconds,
                 parley::tools::JsonLine* json) {
  const BenchRun& run = *mutable_run;
  const parley::match::ScheduleInput& input = run.schedule_input;
  if (!options.dump_event.empty() &&
      !parley::match::SaveTestEvent({run.graph, input}, options.dump_event)) {
    std::cerr << "parley-bench: cannot write " << options.dump_event << "\n";
    return false;
  }
  absl::StatusOr<int64_t> bound = int64_t{0};
  double bound_seconds = 0;
  std::thread bound_thread;
  if (options.bound) {
    // The certificate runs on the second core while the schedule is built, as in the server.
    bound_thread = std::thread([&] {
      const auto start = std::chrono::steady_clock::now();
      bound = parley::match::ComputeUpperBound(run.graph, input);
      bound_seconds = Seconds(start);
    });
  }
  const parley::match::ScheduleOptions& schedule_options = options.schedule;
  // As a run schedules (services/match/room.h): on a copy, since the bound thread reads the
  // graph; the copy replaces it when room edges were added, and the bound is then recomputed.
  parley::match::CandidateGraph graph = run.graph;
  parley::match::RoomStats room;
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
  absl::StatusOr<parley::match::Schedule> schedule = parley::match::ScheduleWithRoom(
      *run.index, &graph, input, schedule_options, /*max_rounds=*/2, &room);
  const double schedule_seconds = Seconds(start);
  const double schedule_cpu = CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - cpu_start;
  if (bound_thread.joinable()) bound_thread.join();
  json->Int("room_rounds", room.rounds);
  json->Int("room_reached", room.reached);
  json->Int("room_edges_added", room.edges_added);
  if (room.edges_added > 0) {
    mutable_run->graph = std::move(graph);
    if (options.bound) {
      const auto bound_start = std::chrono::steady_clock::now();
      bound = parley::match::ComputeUpperBound(run.graph, input);
      bound_seconds += Seconds(bound_start);
    }
  }
  if (!schedule.ok() || !bound.ok()) {
    std::cerr << "parley-bench: schedule: " << (schedule.ok() ? bound.status() : schedule.status())
              << "\n";
    return false;
  }
  absl::Status valid = parley::match::CheckSchedule(run.graph, input, schedule->meetings);
  if (!valid.ok()) {
    std::cerr << "parley-bench: the schedule breaks an invariant: " << valid << "\n";
    return false;
  }
  if (options.bound) parley::match::SetUpperBound(*bound, &schedule->report);
  const parley::match::QualityReport& r = schedule->report;
  json->Double("schedule_seconds", schedule_seconds);
  json->Double("schedule_cpu_seconds", schedule_cpu);
  json->Double("total_seconds", candidate_seconds + schedule_seconds);
  json->Int("weight", r.weight);
  json->Int("upper_bound", r.bound);
  json->Double("quality", r.quality);
  json->Double("bound_seconds", bound_seconds);
  json->Int("meetings", r.meetings);
  json->Int("attendees_without_meeting_but_feasible", r.zero_left_out);
  json->Int("zero_no_feasible_partner", r.zero_no_feasible_partner);
  // "No feasible partner" above means no edge in the candidate graph. Of those, the attendees
  // who do have a compatible partner (exact O(N) diagnosis, outside the timed phases): what
  // candidate search missed, so 0 when it covers everyone who can meet somebody.
  if (run.index.has_value()) {
    int64_t missed = 0;
    for (parley::match::Index a = 0; a < run.graph.num_nodes(); ++a) {
      if (run.graph.degree(a) != 0 || input.attendees[a].budget <= 0) continue;
      const parley::match::CandidateDiagnosis d =
          parley::match::DiagnoseCandidates(run.index->problem(), a);
      missed += !d.opted_out && !d.no_availability && d.feasible > 0;
    }
    json->Int("no_candidates_but_compatible", missed);
  }
  json->Int("meetings_unplaced", r.meetings_unplaced);
  json->Int("fairness_cost", r.fairness_cost);
  json->Double("gini", r.gini);
  const parley::tools::FairnessFigures fair = parley::tools::MeasureFairness(
      run.index->problem(), run.graph, input, schedule->meetings, run.known_pairs);
  json->Int("zero_meeting_attendees", fair.zero_meeting_attendees);
  json->Int("zero_meeting_with_feasible_partner", fair.zero_meeting_with_feasible_partner);
  json->Int("zero_meeting_unavoidable", fair.zero_meeting_unavoidable);
  json->Int("max_covered", fair.max_covered);
  json->Int("left_out", fair.left_out);
  json->Int("feasible_capacity", fair.feasible_capacity);
  json->Double("budget_filled_fraction", fair.budget_filled_fraction);
  json->Int("known_pairs_proposed", fair.known_pairs_proposed);

  if (options.repairs > 0 && !schedule->meetings.empty()) {
    auto live =
        parley::match::LiveSchedule::Create(&run.graph, input, *schedule, options.synth.seed);
    if (!live.ok()) {
      std::cerr << "parley-bench: repair: " << live.status() << "\n";
      return false;
    }
    std::mt19937_64 rng(options.synth.seed + 41);
    std::vector<double> micros;
    for (int64_t i = 0; i < options.repairs; ++i) {
      const parley::match::Meeting& m = schedule->meetings[rng() % schedule->meetings.size()];
      const auto t = std::chrono::steady_clock::now();
      auto repaired = (*live)->Decline(m.a, m.b);
      micros.push_back(Seconds(t) * 1e6);
      if (!repaired.ok()) {
        std::cerr << "parley-bench: repair: " << repaired.status() << "\n";
        return false;
      }
    }
    valid = parley::match::CheckSchedule(run.graph, (*live)->Input(), (*live)->Meetings());
    if (!valid.ok()) {
      std::cerr << "parley-bench: repairs broke an invariant: " << valid << "\n";
      return false;
    }
    std::sort(micros.begin(), micros.end());
    json->Int("repairs", options.repairs);
    json->Double("repair_p50_us", micros[micros.size() / 2]);
    json->Double("repair_p99_us", micros[std::min(micros.size() - 1, micros.size() * 99 / 100)]);
  }

  if (options.baselines) {
    // The engine again, alone on the machine (the bound thread is done), so that all three are
    // timed alike.
    auto t = std::chrono::steady_clock::now();
    auto engine = parley::match::BuildSchedule(run.graph, input, schedule_options);
    const double engine_seconds = Seconds(t);
    t = std::chrono::steady_clock::now();
    auto greedy = parley::match::GreedySchedule(run.graph, input, schedule_options);
    const double greedy_seconds = Seconds(t);
    t = std::chrono::steady_clock::now();
    auto exact = parley::match::ExactPerSlotSchedule(run.graph, input, schedule_options);
    const double exact_seconds = Seconds(t);
    parley::tools::JsonLine baselines;
    baselines.Raw("engine", BaselineJson(engine, engine_seconds, r.bound));
    baselines.Raw("greedy", BaselineJson(greedy, greedy_seconds, r.bound));
    baselines.Raw("exact_per_slot", BaselineJson(exact, exact_seconds, r.bound));
    baselines.Double("exact_per_slot_over_engine_seconds", exact_seconds / engine_seconds);
    json->Raw("baselines", baselines.ToString());
  }
  return true;
}

// Edits change the index: run after everything that reads it.
void MeasureUpdates(const BenchOptions& options, BenchRun* run, parley::tools::JsonLine* json) {
  if (options.updates <= 0 || run->input.profiles.size() < 2) return;
  std::mt19937_64 rng(options.synth.seed + 29);
  const size_t n = run->input.profiles.size();
  std::vector<double> micros, cpu_micros;
  for (int64_t i = 0; i < options.updates; ++i) {
    const Index x = static_cast<Index>(rng() % n);
    parley::match::Profile profile = run->input.profiles[rng() % n];
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
    const absl::Status s = run->index->UpsertProfile(x, profile);
    cpu_micros.push_back((CpuSeconds(CLOCK_THREAD_CPUTIME_ID) - cpu_start) * 1e6);
    micros.push_back(Seconds(start) * 1e6);
    if (!s.ok()) std::cerr << "parley-bench: update: " << s << "\n";
  }
  std::sort(micros.begin(), micros.end());
  std::sort(cpu_micros.begin(), cpu_micros.end());
  auto at = [](const std::vector<double>& v, double q) {
    return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
  };
  json->Double("update_p50_us", at(micros, 0.5));
  json->Double("update_p99_us", at(micros, 0.99));
  json->Double("update_cpu_p50_us", at(cpu_micros, 0.5));
  json->Double("update_cpu_p99_us", at(cpu_micros, 0.99));
  json->Double("update_max_us", micros.back());
}

#ifdef PARLEY_BENCH_CSV
// --csv: the real event in `run`, with the run's engine options in `options`; then, in the same
// run, the candidates of a generated event of the same size as a baseline.
bool LoadCsv(const parley::tools::Args& args, int slots, BenchOptions* options, BenchRun* run,
             parley::tools::JsonLine* json) {
  parley::tools::RealEventOptions real;
  real.csv_path = args.String("csv", "");
  real.known_pairs_path = args.String("known-pairs", "");
  real.slots = slots;
  absl::StatusOr<parley::tools::RealEvent> loaded = parley::tools::LoadRealEvent(real);
  if (!loaded.ok()) {
    std::cerr << "parley-bench: " << loaded.status() << "\n";
    return false;
  }
  parley::matching::RunOptions run_options;
  run_options.seed = options->synth.seed;
  run_options.k = options->candidates.k;
  if (options->candidates.threads > 0) run_options.threads = options->candidates.threads;
  options->candidates = parley::matching::RunCandidateOptions(run_options);
  options->schedule = parley::matching::RunScheduleOptions(run_options);
  run->input = std::move(loaded->event.input);
  run->schedule_input = std::move(loaded->event.schedule_input);
  run->known_pairs = std::move(loaded->known_pairs);
  json->Int("attendees", static_cast<int64_t>(run->input.profiles.size()));
  json->Int("rows", loaded->rows);
  json->Int("rejected_rows", loaded->rejected_rows);
  if (!loaded->first_rejection.empty()) json->String("first_rejection", loaded->first_rejection);
  json->Int("known_pairs_read", loaded->known_pairs_read);
  json->Int("known_pairs", static_cast<int64_t>(run->known_pairs.size()));
  json->Double("import_seconds", loaded->import_seconds);
  return true;
}
#endif

// Candidates of a generated event of the same size and shape options, timed like the real
// event's, for a same-run ratio.
bool GeneratedBaseline(const BenchOptions& options, size_t attendees, double candidate_seconds,
                       parley::tools::JsonLine* json) {
  BenchOptions generated = options;
  generated.synth.attendees = static_cast<int>(attendees);
  generated.synth.shape = parley::synth::SynthShape::kReal;
  BenchRun run;
  run.input = parley::synth::GenerateEvent(generated.synth).ToMatchInput();
  parley::tools::JsonLine ignored;
  double seconds = 0;
  const double cpu = CpuSeconds();
  if (!RunCandidates(generated, &run, &ignored, &seconds)) return false;
  json->Double("generated_candidate_seconds", seconds);
  json->Double("generated_candidate_cpu_seconds", CpuSeconds() - cpu);
  json->Double("candidate_seconds_over_generated", candidate_seconds / seconds);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  parley::tools::Args args;
  std::string error;
  int64_t attendees = 0, slots = 0, seed = 0, k = 0, threads = 0;
  BenchOptions options;
  if (!args.Parse(argc, argv,
                  {"json", "baselines", "no-bound", "no-generated-baseline", "no-diversify"},
                  {"attendees", "slots", "seed", "recall-sample", "updates", "k", "threads",
                   "postings-budget", "rarity-exponent", "repairs", "dump-event", "csv",
                   "known-pairs", "shape"},
                  &error) ||
      !args.Int64("repairs", 0, &options.repairs, &error) ||
      !args.Int64("attendees", 10000, &attendees, &error) ||
      !args.Int64("slots", 6, &slots, &error) || !args.Int64("seed", 1, &seed, &error) ||
      !args.Int64("recall-sample", 0, &options.recall_sample, &error) ||
      !args.Int64("updates", 0, &options.updates, &error) || !args.Int64("k", 24, &k, &error) ||
      !args.Int64("threads", 0, &threads, &error)) {
    std::cerr << "parley-bench: " << error
              << "\nusage: parley-bench (--attendees N [--shape default|real] | --csv FILE "
                 "[--known-pairs FILE.tsv]) [--slots R] [--seed S] --json "
                 "[--recall-sample M] [--updates U] [--repairs K] [--baselines] [--no-bound] "
                 "[--k K] [--threads T] [--dump-event PATH]\n";
    return 2;
  }
  if (attendees < 0 || attendees > (1 << 29) || slots < 1 || slots > 64 || k < 1 || k > 1000) {
    std::cerr << "parley-bench: --attendees 0..2^29, --slots 1..64, --k 1..1000\n";
    return 2;
  }
  const std::string shape = args.String("shape", "default");
  if (shape != "default" && shape != "real") {
    std::cerr << "parley-bench: --shape default or real\n";
    return 2;
  }
  options.baselines = args.Has("baselines");
  options.bound = !args.Has("no-bound");
  options.dump_event = args.String("dump-event", "");
  options.synth.attendees = static_cast<int>(attendees);
  options.synth.slots = static_cast<int>(slots);
  options.synth.seed = static_cast<uint64_t>(seed);
  options.synth.shape =
      shape == "real" ? parley::synth::SynthShape::kReal : parley::synth::SynthShape::kDefault;
  options.candidates.k = static_cast<int>(k);
  options.candidates.threads = static_cast<int>(threads);
  options.candidates.diversify = !args.Has("no-diversify");
  options.schedule.seed = options.synth.seed;
  parley::match::ScoringOptions& scoring = options.scoring;
  if (!absl::SimpleAtod(
          args.String("postings-budget", absl::StrCat(scoring.max_postings_per_attendee)),
          &scoring.max_postings_per_attendee) ||
      !absl::SimpleAtod(args.String("rarity-exponent", absl::StrCat(scoring.rarity_exponent)),
                        &scoring.rarity_exponent)) {
    std::cerr << "parley-bench: --postings-budget and --rarity-exponent take numbers\n";
    return 2;
  }

  parley::tools::JsonLine json;
  BenchRun run;
  const bool csv = args.Has("csv");
  if (csv) {
#ifdef PARLEY_BENCH_CSV
    if (!LoadCsv(args, static_cast<int>(slots), &options, &run, &json)) return 1;
    options.candidates.diversify = !args.Has("no-diversify");
#else
    std::cerr << "parley-bench: --csv needs the full build (this one is PARLEY_MATCH_ONLY)\n";
    return 2;
#endif
  } else {
    const parley::synth::SynthEvent event = parley::synth::GenerateEvent(options.synth);
    run.input = event.ToMatchInput();
    run.schedule_input = ScheduleInputOf(event, options.synth.slots);
    json.Int("attendees", attendees);
    json.String("shape", shape);
  }
  json.Int("slots", slots);
  json.Int("seed", seed);
  double candidate_seconds = 0;
  if (!RunCandidates(options, &run, &json, &candidate_seconds)) return 1;
  if (csv && !args.Has("no-generated-baseline") &&
      !GeneratedBaseline(options, run.input.profiles.size(), candidate_seconds, &json)) {
    return 1;
  }
  MeasureRecall(options, run, &json);
  if (!RunSchedule(options, &run, candidate_seconds, &json)) return 1;
  MeasureUpdates(options, &run, &json);
  json.Int("peak_rss_bytes", PeakRssBytes());
  std::cout << json.ToString() << std::endl;
  return 0;
}
