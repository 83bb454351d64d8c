#ifndef PARLEY_SERVICES_QUEUED_WRITER_H_
#define PARLEY_SERVICES_QUEUED_WRITER_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <deque>
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "services/api/grpc_status.h"
#include "services/auth/auth.h"
#include "services/auth/stream_limiter.h"

namespace parley::services {

// A server-streaming reactor fed from any thread: Push() queues a message, Close() finishes the
// stream once everything queued is written. Writes go out one at a time, in order. If the
// client goes away, later Pushes return false and the producer may keep running: the reactor
// stays valid for whoever holds a reference.
//
// Lifetime: reference-counted. gRPC holds the first reference (released in OnDone); a producer
// on another thread takes one with Ref() before it starts and releases it with Unref(). The
// object deletes itself when the last reference goes. No lock is held while calling into gRPC,
// so reactions that gRPC runs inline cannot deadlock.
// With `coalesce`, a Push while messages wait replaces the last waiting one (for streams where
// only the latest state matters).
// `Transport` is grpc::ServerWriteReactor<T> (QueuedWriter: a callback stream) or
// AsyncWriteStream (async_stream.h: a stream on a completion queue of its own), whose
// constructor takes `transport_args`.
template <typename T, typename Transport>
class BasicQueuedWriter : public Transport {
 public:
  BasicQueuedWriter() : coalesce_(false) {}
  template <typename... TransportArgs>
  explicit BasicQueuedWriter(bool coalesce, TransportArgs&&... transport_args)
      : Transport(std::forward<TransportArgs>(transport_args)...), coalesce_(coalesce) {}

  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  // False once the stream is over (finished, closing or cancelled): stop producing.
  bool Push(T message) {
    Action action;
    {
      absl::MutexLock lock(&mu_);
      if (finished_ || closing_ || cancelled_) return false;
      if (coalesce_ && !queue_.empty()) {
        queue_.back() = std::move(message);
      } else {
        queue_.push_back(std::move(message));
      }
      action = NextLocked();
    }
    Run(action);
    return true;
  }

  // Finishes with `status` after the queued messages (at once if the client went away).
  void Close(grpc::Status status) {
    Action action;
    {
      absl::MutexLock lock(&mu_);
      if (closing_ || finished_) return;
      closing_ = true;
      status_ = std::move(status);
      action = NextLocked();
    }
    Run(action);
  }

  // Finishes with `status` at once, dropping what is queued (the caller lost the right to it).
  void Abort(grpc::Status status) {
    Action action;
    {
      absl::MutexLock lock(&mu_);
      if (closing_ || finished_) return;
      queue_.clear();
      closing_ = true;
      status_ = std::move(status);
      action = NextLocked();
    }
    Run(action);
  }

  // Takes a place under the server's stream caps for this stream, held until the stream is
  // done; the stream is aborted (Abort) when the token of `who` is revoked or deleted.
  // RESOURCE_EXHAUSTED beyond a cap: the caller Closes the stream with it.
  absl::Status HoldSlot(const Authenticator& auth, const grpc::ServerContextBase& context,
                        const Principal& who) {
    absl::StatusOr<std::unique_ptr<StreamLimiter::Slot>> slot = auth.OpenStream(
        context, who, [this](const absl::Status& status) { Abort(ToGrpcStatus(status)); });
    if (!slot.ok()) return slot.status();
    slot_ = *std::move(slot);
    return absl::OkStatus();
  }

  // Waits until fewer than `max_queued` messages wait or the stream is over; false if over.
  // For producers that may block (worker threads), to bound memory.
  bool WaitForRoom(size_t max_queued) {
    absl::MutexLock lock(&mu_);
    auto ready = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return queue_.size() < max_queued || finished_ || cancelled_;
    };
    mu_.Await(absl::Condition(&ready));
    return !finished_ && !cancelled_;
  }

  void OnWriteDone(bool ok) override {
    Action action;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) cancelled_ = true;
      action = NextLocked();
    }
    Run(action);
  }

  void OnCancel() override {
    Action action;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      action = NextLocked();
    }
    Run(action);
  }

  void OnDone() override {
    slot_.reset();  // waits for an Abort in progress; none comes after
    Done();
    Unref();
  }

 protected:
  ~BasicQueuedWriter() override = default;
  // Called once from OnDone, before gRPC's reference goes (e.g. to unsubscribe).
  virtual void Done() {}

 private:
  enum class Action { kNone, kWrite, kFinish };

  Action NextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || finished_) return Action::kNone;
    if (cancelled_) {
      finished_ = true;
      status_ = grpc::Status(grpc::StatusCode::CANCELLED, "stream cancelled");
      return Action::kFinish;
    }
    if (!queue_.empty()) {
      current_ = std::move(queue_.front());
      queue_.pop_front();
      writing_ = true;
      return Action::kWrite;
    }
    if (closing_) {
      finished_ = true;
      return Action::kFinish;
    }
    return Action::kNone;
  }

  // current_ and status_ are stable while a write or the finish is in flight.
  void Run(Action action) {
    if (action == Action::kWrite) this->StartWrite(&current_);
    if (action == Action::kFinish) this->Finish(status_);
  }

  const bool coalesce_;
  std::atomic<int> refs_{1};
  std::unique_ptr<StreamLimiter::Slot> slot_;
  absl::Mutex mu_;
  std::deque<T> queue_ ABSL_GUARDED_BY(mu_);
  T current_;
  grpc::Status status_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

template <typename T>
using QueuedWriter = BasicQueuedWriter<T, grpc::ServerWriteReactor<T>>;

}  // namespace parley::services

#endif  // PARLEY_SERVICES_QUEUED_WRITER_H_
