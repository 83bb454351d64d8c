// parley-bound-gap: how tight is the LP certificate on the candidate graph of the synthetic event
// (the graph parley-bench schedules)? Builds the event and its candidate graph exactly as
// tools/match/bench_main.cc does, then prints one JSON line with
//
//   lp_bound         ComputeUpperBound (bound.h): the b-matching LP on the bipartite double cover;
//   bmatching_opt    the exact maximum-weight b-matching ignoring slots (degree <= min(budget,
//                    available slots), feasible pairs only): LEMON MaxWeightedMatching on the
//                    textbook reduction (b(u) copies of u; per pair (u, v) two gadget nodes
//                    e_u - e_v, every copy of u joined to e_u and every copy of v to e_v, all three
//                    kinds of edge weighted w(u, v); a maximum matching weighs sum(w) + optimum);
//   slot_lp          with --slot_lp: the LP with slots (x_{uv,s} for each common slot, at most one
//                    meeting per attendee per slot, at most min(budget, slots) per attendee, a pair
//                    at most once), solved by GLPK in floating point: a diagnostic, not a
//                    certificate;
//   slot_opt         with --slot_mip: the same as an integer program (the true schedule optimum);
//                    only for small events;
//   engine           BuildSchedule with default options, and its ratios to each of the above.
//
// Every schedule is a b-matching of the kind bmatching_opt maximises, so bmatching_opt is also an
// upper bound; lp_bound / bmatching_opt > 1 is the LP's integrality gap on this graph.
//
//   parley-bound-gap --attendees 2000 --slots 6 --seed 1 [--slot_lp] [--slot_mip]

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "lemon/lp.h"
#include "lemon/matching.h"
#include "lemon/smart_graph.h"
#include "services/match/bound.h"
#include "services/match/candidates.h"
#include "services/match/schedule.h"
#include "services/match/scoring.h"
#include "tools/match/synth.h"

ABSL_FLAG(int, attendees, 2000, "attendees in the synthetic event");
ABSL_FLAG(int, slots, 6, "slots");
ABSL_FLAG(uint64_t, seed, 1, "seed of the generator and the scheduler");
ABSL_FLAG(bool, slot_lp, false, "also solve the LP with slots (GLPK)");
ABSL_FLAG(int, chain_depth, 3, "ScheduleOptions::chain_depth of the engine run");
ABSL_FLAG(int, full_chain_depth, 0, "ScheduleOptions::full_chain_depth of the engine run");
ABSL_FLAG(bool, exact, true, "compute the bound and the exact optimum (false: engine only)");
ABSL_FLAG(bool, slot_mip, false, "also solve the integer program with slots (GLPK; small only)");

namespace {

using parley::match::CandidateGraph;
using parley::match::Index;
using parley::match::ScheduleInput;
using parley::match::SlotMask;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

struct Pair {
  Index u, v;
  int64_t w;
  SlotMask common;
};

// Feasible pairs (u < v) and capacities, as bound.cc sees them.
std::vector<Pair> FeasiblePairs(const CandidateGraph& graph, const ScheduleInput& input,
                                std::vector<int>* cap) {
  const SlotMask all = (SlotMask{1} << input.num_slots) - 1;
  cap->assign(graph.num_nodes(), 0);
  for (Index u = 0; u < graph.num_nodes(); ++u) {
    (*cap)[u] = std::min(input.attendees[u].budget,
                         __builtin_popcountll(input.attendees[u].availability & all));
  }
  std::vector<Pair> pairs;
  for (Index u = 0; u < graph.num_nodes(); ++u) {
    for (uint64_t i = graph.begin(u); i < graph.end(u); ++i) {
      const Index v = graph.neighbors[i];
      const SlotMask common =
          input.attendees[u].availability & input.attendees[v].availability & all;
      if (v <= u || (*cap)[u] <= 0 || (*cap)[v] <= 0 || common == 0) continue;
      pairs.push_back({u, v, graph.weights[i], common});
    }
  }
  return pairs;
}

// The optimum's pairs go to *chosen.
int64_t ExactBMatching(const CandidateGraph& graph, const ScheduleInput& input,
                       std::vector<parley::match::WeightedEdge>* chosen) {
  std::vector<int> cap;
  const std::vector<Pair> pairs = FeasiblePairs(graph, input, &cap);
  lemon::SmartGraph g;
  std::vector<int> first_copy(graph.num_nodes(), -1);
  for (Index u = 0; u < graph.num_nodes(); ++u) {
    first_copy[u] = g.maxNodeId() + 1;
    for (int c = 0; c < cap[u]; ++c) g.addNode();
  }
  std::vector<int64_t> weight;
  std::vector<lemon::SmartGraph::Edge> gadget;
  int64_t total = 0;
  for (const Pair& p : pairs) {
    const auto eu = g.addNode();
    const auto ev = g.addNode();
    gadget.push_back(g.addEdge(eu, ev));
    weight.push_back(p.w);
    for (int c = 0; c < cap[p.u]; ++c) {
      g.addEdge(g.nodeFromId(first_copy[p.u] + c), eu);
      weight.push_back(p.w);
    }
    for (int c = 0; c < cap[p.v]; ++c) {
      g.addEdge(ev, g.nodeFromId(first_copy[p.v] + c));
      weight.push_back(p.w);
    }
    total += p.w;
  }
  lemon::SmartGraph::EdgeMap<int64_t> w(g);
  for (lemon::SmartGraph::EdgeIt e(g); e != lemon::INVALID; ++e) {
    w[e] = weight[static_cast<size_t>(g.id(e))];
  }
  lemon::MaxWeightedMatching<lemon::SmartGraph, lemon::SmartGraph::EdgeMap<int64_t>> m(g, w);
  m.run();
  for (size_t i = 0; i < pairs.size(); ++i) {
    const auto eu = g.u(gadget[i]);
    const auto ev = g.v(gadget[i]);
    if (m.mate(eu) != lemon::INVALID && m.mate(ev) != lemon::INVALID && !m.matching(gadget[i])) {
      chosen->push_back({pairs[i].u, pairs[i].v, static_cast<parley::match::Weight>(pairs[i].w)});
    }
  }
  return m.matchingWeight() - total;
}

// LP (or integer program) with slots. Returns the objective, or -1 when not solved to optimality.
template <typename Solver>
double SlotProgram(const CandidateGraph& graph, const ScheduleInput& input, bool integer) {
  std::vector<int> cap;
  const std::vector<Pair> pairs = FeasiblePairs(graph, input, &cap);
  const int slots = input.num_slots;
  Solver lp;
  std::vector<typename Solver::Expr> per_slot(graph.num_nodes() * static_cast<size_t>(slots));
  std::vector<typename Solver::Expr> per_node(graph.num_nodes());
  std::vector<uint8_t> used(graph.num_nodes() * static_cast<size_t>(slots), 0);
  typename Solver::Expr objective;
  for (const Pair& p : pairs) {
    typename Solver::Expr once;
    for (int s = 0; s < slots; ++s) {
      if (!(p.common >> s & 1)) continue;
      typename Solver::Col x = lp.addCol();
      lp.colLowerBound(x, 0);
      lp.colUpperBound(x, 1);
      if constexpr (std::is_same_v<Solver, lemon::Mip>) {
        if (integer) lp.colType(x, lemon::Mip::INTEGER);
      }
      once += x;
      per_node[p.u] += x;
      per_node[p.v] += x;
      per_slot[p.u * static_cast<size_t>(slots) + s] += x;
      per_slot[p.v * static_cast<size_t>(slots) + s] += x;
      used[p.u * static_cast<size_t>(slots) + s] = 1;
      used[p.v * static_cast<size_t>(slots) + s] = 1;
      objective += static_cast<double>(p.w) * x;
    }
    lp.addRow(once <= 1);
  }
  for (Index u = 0; u < graph.num_nodes(); ++u) {
    bool any = false;
    for (int s = 0; s < slots; ++s) {
      const size_t i = u * static_cast<size_t>(slots) + s;
      if (!used[i]) continue;
      lp.addRow(per_slot[i] <= 1);
      any = true;
    }
    if (any) lp.addRow(per_node[u] <= cap[u]);
  }
  lp.max();
  lp.obj(objective);
  lp.messageLevel(Solver::MESSAGE_NOTHING);
  if (lp.solve() != Solver::SOLVED) return -1;
  if constexpr (std::is_same_v<Solver, lemon::Mip>) {
    return lp.type() == lemon::Mip::OPTIMAL ? lp.solValue() : -1;
  } else {
    return lp.primalType() == lemon::Lp::OPTIMAL ? lp.primal() : -1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  parley::synth::SynthOptions synth;
  synth.attendees = absl::GetFlag(FLAGS_attendees);
  synth.slots = absl::GetFlag(FLAGS_slots);
  synth.seed = absl::GetFlag(FLAGS_seed);
  const parley::synth::SynthEvent event = parley::synth::GenerateEvent(synth);
  auto problem = parley::match::MatchProblem::Create(event.ToMatchInput(), {});
  if (!problem.ok()) {
    std::fprintf(stderr, "parley-bound-gap: %s\n", problem.status().ToString().c_str());
    return 1;
  }
  const parley::match::CandidateIndex index =
      parley::match::CandidateIndex::Build(*std::move(problem), {});
  const CandidateGraph graph = index.Graph();
  ScheduleInput input;
  input.num_slots = synth.slots;
  for (const parley::synth::SynthAttendee& a : event.attendees) {
    parley::match::AttendeeSlots s;
    s.budget = a.profile.budget;
    s.availability = a.profile.availability;
    input.attendees.push_back(s);
  }

  std::string out = absl::StrFormat("{\"attendees\":%d,\"slots\":%d,\"seed\":%d,\"edges\":%d",
                                    synth.attendees, synth.slots, synth.seed, graph.num_edges());
  parley::match::ScheduleOptions options;
  options.seed = synth.seed;
  options.chain_depth = absl::GetFlag(FLAGS_chain_depth);
  options.full_chain_depth = absl::GetFlag(FLAGS_full_chain_depth);
  Clock::time_point t = Clock::now();
  timespec cpu0, cpu1;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu0);
  auto schedule = parley::match::BuildSchedule(graph, input, options);
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu1);
  // CPU time of this thread: what the engine costs, whatever else runs on the machine.
  const double engine_cpu_seconds = static_cast<double>(cpu1.tv_sec - cpu0.tv_sec) +
                                    1e-9 * static_cast<double>(cpu1.tv_nsec - cpu0.tv_nsec);
  (void)t;
  if (!schedule.ok()) return 1;
  const absl::Status valid = parley::match::CheckSchedule(graph, input, schedule->meetings);
  if (!valid.ok()) {
    std::fprintf(stderr, "parley-bound-gap: %s\n", valid.ToString().c_str());
    return 1;
  }
  const double engine = static_cast<double>(schedule->report.weight);
  if (!absl::GetFlag(FLAGS_exact)) {
    std::printf("%s", absl::StrFormat("%s,\"engine\":%d,\"engine_cpu_seconds\":%.3f}\n", out,
                                      schedule->report.weight, engine_cpu_seconds)
                          .c_str());
    return 0;
  }
  auto bound = parley::match::ComputeUpperBound(graph, input);
  if (!bound.ok()) return 1;
  t = Clock::now();
  std::vector<parley::match::WeightedEdge> chosen;
  const int64_t opt = ExactBMatching(graph, input, &chosen);
  const double opt_seconds = Seconds(t);
  // How much of the slot-free optimum fits into slots: the engine on a graph of only its pairs
  // (a lower bound on the optimum with slots).
  const CandidateGraph opt_graph = parley::match::BuildCandidateGraph(graph.num_nodes(), chosen);
  auto placed = parley::match::BuildSchedule(opt_graph, input, options);
  if (!placed.ok()) return 1;
  // Its pairs are pairs of the full graph with the same weights: a schedule of the real event.
  const absl::Status placed_valid = parley::match::CheckSchedule(graph, input, placed->meetings);
  if (!placed_valid.ok()) {
    std::fprintf(stderr, "parley-bound-gap: placed optimum: %s\n", placed_valid.ToString().c_str());
    return 1;
  }
  int64_t chosen_weight = 0;
  for (const auto& e : chosen) chosen_weight += e.weight;
  out += absl::StrFormat(",\"opt_pairs_weight\":%d,\"opt_placed\":%d,\"opt_placed_over_opt\":%.5f",
                         chosen_weight, placed->report.weight,
                         static_cast<double>(placed->report.weight) / static_cast<double>(opt));
  out += absl::StrFormat(
      ",\"engine\":%d,\"engine_cpu_seconds\":%.3f,\"lp_bound\":%d,\"bmatching_opt\":%d,"
      "\"bmatching_seconds\":%.2f,\"opt_over_lp\":%.5f,\"engine_over_lp\":%.5f,"
      "\"engine_over_opt\":%.5f",
      schedule->report.weight, engine_cpu_seconds, *bound, opt, opt_seconds,
      static_cast<double>(opt) / static_cast<double>(*bound), engine / static_cast<double>(*bound),
      engine / static_cast<double>(opt));
  if (absl::GetFlag(FLAGS_slot_lp)) {
    t = Clock::now();
    const double slot_lp = SlotProgram<lemon::Lp>(graph, input, false);
    out += absl::StrFormat(
        ",\"slot_lp\":%.1f,\"slot_lp_seconds\":%.2f,\"slot_lp_over_lp\":%.5f,"
        "\"engine_over_slot_lp\":%.5f",
        slot_lp, Seconds(t), slot_lp / static_cast<double>(*bound), engine / slot_lp);
  }
  if (absl::GetFlag(FLAGS_slot_mip)) {
    t = Clock::now();
    const double slot_opt = SlotProgram<lemon::Mip>(graph, input, true);
    out += absl::StrFormat(
        ",\"slot_opt\":%.1f,\"slot_opt_seconds\":%.2f,\"slot_opt_over_lp\":%.5f,"
        "\"engine_over_slot_opt\":%.5f",
        slot_opt, Seconds(t), slot_opt / static_cast<double>(*bound), engine / slot_opt);
  }
  std::printf("%s}\n", out.c_str());
  return 0;
}
