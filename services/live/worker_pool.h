#ifndef PARLEY_SERVICES_WORKER_POOL_H_
#define PARLEY_SERVICES_WORKER_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace parley::services {

// A small fixed pool of threads for work that may block for milliseconds (fsync'd batches,
// scans), so gRPC's callback threads never block. Tasks run in FIFO order of submission.
// Thread-safe. The destructor runs every task already submitted, then joins the threads.
class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Submit(std::function<void()> task);

 private:
  void Run();
  bool Ready() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_ || !tasks_.empty(); }

  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace parley::services

#endif  // PARLEY_SERVICES_WORKER_POOL_H_
