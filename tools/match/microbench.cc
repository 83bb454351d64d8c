// Google Benchmark micro-benchmarks of the matching engine's hot loops, on synthetic events.
//
//   parley-match-microbench [--benchmark_filter=...]

#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <random>

#include "services/match/candidates.h"
#include "services/match/explain.h"
#include "services/match/scoring.h"
#include "tools/match/synth.h"

namespace parley::match {
namespace {

// One synthetic event per size, built once.
const MatchInput& Event(int attendees) {
  static auto* events = new std::map<int, MatchInput>();
  auto it = events->find(attendees);
  if (it == events->end()) {
    synth::SynthOptions options;
    options.attendees = attendees;
    options.seed = 1;
    it = events->emplace(attendees, synth::GenerateEvent(options).ToMatchInput()).first;
  }
  return it->second;
}

const CandidateIndex& Index20k() {
  static auto* index = new CandidateIndex(
      CandidateIndex::Build(*MatchProblem::Create(Event(20000)), CandidateOptions{24, -1, 1}));
  return *index;
}

// Whole candidate search on one thread; items = attendees searched.
void BM_BuildCandidates(benchmark::State& state) {
  const MatchProblem problem = *MatchProblem::Create(Event(static_cast<int>(state.range(0))));
  CandidateOptions options;
  options.threads = 1;
  for (auto _ : state) {
    CandidateIndex index = CandidateIndex::Build(problem, options);
    benchmark::DoNotOptimize(index.TopK(0).data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_BuildCandidates)->Arg(5000)->Arg(20000)->Unit(benchmark::kMillisecond);

// One profile edit (another attendee's profile copied over a random one), both directions.
void BM_UpsertProfile(benchmark::State& state) {
  CandidateIndex index = CandidateIndex::Build(Index20k().problem(), CandidateOptions{24, -1, 1});
  const MatchInput& input = Event(20000);
  std::mt19937_64 rng(7);
  for (auto _ : state) {
    const Index x = static_cast<Index>(rng() % input.profiles.size());
    Profile p = input.profiles[rng() % input.profiles.size()];
    benchmark::DoNotOptimize(index.UpsertProfile(x, p).ok());
  }
}
BENCHMARK(BM_UpsertProfile)->Unit(benchmark::kMicrosecond);

// The reference scorer (profile merge), as used by explanations and recall.
void BM_ScorePair(benchmark::State& state) {
  const MatchProblem& problem = Index20k().problem();
  std::mt19937_64 rng(3);
  for (auto _ : state) {
    const Index a = static_cast<Index>(rng() % problem.num_attendees());
    const Index b = static_cast<Index>(rng() % problem.num_attendees());
    benchmark::DoNotOptimize(problem.Score(a, b).weight);
  }
}
BENCHMARK(BM_ScorePair);

// The mask path of candidate search: constraints, head gains, harmonic mean.
void BM_MaskScore(benchmark::State& state) {
  const MatchProblem& problem = Index20k().problem();
  std::mt19937_64 rng(3);
  for (auto _ : state) {
    const Index a = static_cast<Index>(rng() % problem.num_attendees());
    const Index b = static_cast<Index>(rng() % problem.num_attendees());
    const SearchProfile& pa = problem.search_profile(a);
    const SearchProfile& pb = problem.search_profile(b);
    int64_t ab = 100, ba = 100;
    if (problem.FeasibleFast(a, pa, b, pb)) problem.HeadGains(pa, pb, &ab, &ba);
    benchmark::DoNotOptimize(problem.Combine(pa, pb, ab, ba));
  }
}
BENCHMARK(BM_MaskScore);

void BM_ExplainPair(benchmark::State& state) {
  const CandidateIndex& index = Index20k();
  std::mt19937_64 rng(5);
  for (auto _ : state) {
    const Index a = static_cast<Index>(rng() % index.num_attendees());
    const auto list = index.TopK(a);
    if (list.empty()) continue;
    const PairExplanation e = ExplainPair(index.problem(), a, list[0].partner);
    benchmark::DoNotOptimize(ConversationStarter(e, "Ada"));
  }
}
BENCHMARK(BM_ExplainPair);

void BM_Graph(benchmark::State& state) {
  const CandidateIndex& index = Index20k();
  for (auto _ : state) benchmark::DoNotOptimize(index.Graph().neighbors.data());
}
BENCHMARK(BM_Graph)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace parley::match

BENCHMARK_MAIN();
