#include "services/api/async_stream.h"

#include <pthread.h>

#include <string>

namespace parley::services {

void CompletionQueues::AddTo(grpc::ServerBuilder* builder) {
  for (int i = 0; i < count_; ++i) queues_.push_back(builder->AddCompletionQueue());
}

void CompletionQueues::Start() {
  for (int i = 0; i < size(); ++i) {
    threads_.emplace_back([cq = queues_[i].get(), i] {
      const std::string name = "parley-stream" + std::to_string(i);
      pthread_setname_np(pthread_self(), name.c_str());
      void* tag = nullptr;
      bool ok = false;
      while (cq->Next(&tag, &ok)) static_cast<AsyncTag*>(tag)->Proceed(ok);
    });
  }
}

void CompletionQueues::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    for (auto& cq : queues_) cq->Shutdown();
  }
  for (std::thread& thread : threads_) thread.join();
  if (threads_.empty()) {
    // Never started (the server did not start): drain here, as a queue must be before it goes.
    for (auto& cq : queues_) {
      void* tag = nullptr;
      bool ok = false;
      while (cq->Next(&tag, &ok)) static_cast<AsyncTag*>(tag)->Proceed(ok);
    }
  }
}

}  // namespace parley::services
