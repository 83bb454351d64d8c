#ifndef PARLEY_SERVICES_MATCH_PARALLEL_H_
#define PARLEY_SERVICES_MATCH_PARALLEL_H_

// The engine's one way of spreading a loop over cores (candidate search, the scheduler's set-up).
// Pure C++; header-only.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace parley::match {

// `requested` threads, or all cores when it is 0 or less (at least 1).
inline int ThreadCount(int requested) {
  if (requested > 0) return requested;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// Runs body(thread, i) for i in [0, n) on `threads` threads (the caller's is thread 0), in chunks
// of 64 handed out in order; returns when all are done. body must be safe to run concurrently for
// different i; which thread runs which i varies from run to run, so results must not depend on it.
template <typename Body>
void ParallelFor(size_t n, int threads, Body body) {
  constexpr size_t kChunk = 64;
  std::atomic<size_t> next{0};
  auto worker = [&](int thread) {
    for (;;) {
      const size_t begin = next.fetch_add(kChunk);
      if (begin >= n) return;
      const size_t end = std::min(n, begin + kChunk);
      for (size_t i = begin; i < end; ++i) body(thread, i);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker, t);
  worker(0);
  for (std::thread& t : pool) t.join();
}

}  // namespace parley::match

#endif  // PARLEY_SERVICES_MATCH_PARALLEL_H_
