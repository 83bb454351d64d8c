#include "services/live/worker_pool.h"

#include <pthread.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace parley::services {

WorkerPool::WorkerPool(int threads, size_t max_queued, std::string name)
    : max_queued_(max_queued), name_(std::move(name)) {
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      // Named so that top, perf and gdb tell blocking work apart from gRPC's threads.
      pthread_setname_np(pthread_self(), name_.substr(0, 15).c_str());
      Run();
    });
  }
}

WorkerPool::~WorkerPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& t : threads_) t.join();
}

void WorkerPool::Submit(std::function<void()> task) {
  absl::MutexLock lock(&mu_);
  tasks_.push_back(std::move(task));
}

absl::Status WorkerPool::TrySubmit(std::function<void()> task) {
  absl::MutexLock lock(&mu_);
  if (tasks_.size() >= max_queued_) {
    return absl::ResourceExhaustedError(
        absl::StrCat(name_, ": ", threads_.size(), " threads busy and ", tasks_.size(),
                     " calls waiting (the most this server queues): retry later"));
  }
  tasks_.push_back(std::move(task));
  return absl::OkStatus();
}

void WorkerPool::WaitUntilQueued(size_t n) {
  absl::MutexLock lock(&mu_);
  auto queued = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return tasks_.size() >= n; };
  mu_.Await(absl::Condition(&queued));
}

void WorkerPool::Run() {
  for (;;) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &WorkerPool::Ready));
      if (tasks_.empty()) return;  // stopping, and everything submitted has run
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace parley::services
