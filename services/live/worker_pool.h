#ifndef PARLEY_SERVICES_WORKER_POOL_H_
#define PARLEY_SERVICES_WORKER_POOL_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace parley::services {

// A small fixed pool of threads for work that may block for milliseconds (fsync'd batches,
// scans, reports), so gRPC's callback threads never block. Tasks run in FIFO order of
// submission. A pool may bound the tasks waiting for a thread (max_queued): TrySubmit then
// refuses beyond it, so that a flood of one kind of call is refused instead of piling up.
// Thread-safe. The destructor runs every task already submitted, then joins the threads.
class WorkerPool {
 public:
  static constexpr size_t kUnbounded = std::numeric_limits<size_t>::max();

  // `name` names the threads (at most 15 bytes, for top, perf and gdb) and the refusals.
  explicit WorkerPool(int threads, size_t max_queued = kUnbounded,
                      std::string name = "parley-worker");
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `task` whatever the bound (work the server itself generates, or that must not be
  // refused).
  void Submit(std::function<void()> task);
  // Queues `task` unless max_queued tasks already wait: then RESOURCE_EXHAUSTED naming the
  // pool, and `task` is dropped without running.
  absl::Status TrySubmit(std::function<void()> task);

  int threads() const { return static_cast<int>(threads_.size()); }
  size_t max_queued() const { return max_queued_; }
  // Blocks until at least `n` tasks wait for a thread (tests that saturate a pool).
  void WaitUntilQueued(size_t n);

 private:
  void Run();
  bool Ready() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !tasks_.empty(); }

  const size_t max_queued_;
  const std::string name_;
  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace parley::services

#endif  // PARLEY_SERVICES_WORKER_POOL_H_
