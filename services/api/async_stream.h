#ifndef PARLEY_SERVICES_API_ASYNC_STREAM_H_
#define PARLEY_SERVICES_API_ASYNC_STREAM_H_

// Server-streaming calls served through gRPC's asynchronous API, on completion queues of their
// own, for streams that stay open for hours by the thousand (WatchMyAgenda).
//
// Why not a callback reactor like every other call: gRPC's callback API puts every call of a
// server on one completion queue, and Debian's libgrpc is built with assertions on (no NDEBUG):
// each completed operation then scans the queue's list of outstanding operations, under the
// queue's lock. An open stream keeps an operation outstanding for as long as it lives, so with
// 20,000 agenda watchers every unary read paid for a 20,000-entry scan: 42% of parleyd's CPU in
// the live load test (perf; BENCHMARKS.md, "Live event at 150,000"). On queues of their own,
// several of them, the watchers' list is short and no read scans it.

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace parley::services {

// What a completion queue hands back: Proceed(ok) runs on the queue's thread.
class AsyncTag {
 public:
  virtual void Proceed(bool ok) = 0;

 protected:
  ~AsyncTag() = default;
};

// `count` completion queues with one thread each, which runs the Proceed of every AsyncTag its
// queue completes.
// Lifecycle: AddTo(builder) before the server is built, Start() after, Shutdown() after the
// server's Shutdown returned (gRPC wants a server's queues shut down after the server); the
// destructor shuts down what is still running. Thread-safe.
class CompletionQueues {
 public:
  explicit CompletionQueues(int count) : count_(count) {}
  ~CompletionQueues() { Shutdown(); }
  CompletionQueues(const CompletionQueues&) = delete;
  CompletionQueues& operator=(const CompletionQueues&) = delete;

  void AddTo(grpc::ServerBuilder* builder);
  int size() const { return static_cast<int>(queues_.size()); }
  grpc::ServerCompletionQueue* queue(int i) const { return queues_[i].get(); }
  void Start();
  // Stops new operations (StartOp), shuts the queues down and waits until their threads have
  // run every tag still completing. Idempotent.
  void Shutdown();

  // Runs `start_op`, which starts one asynchronous operation on one of these queues, unless
  // Shutdown has begun (gRPC may not start an operation on a queue that is shut down). Returns
  // whether it ran. `start_op` must not block: Shutdown waits for it.
  template <typename F>
  bool StartOp(F&& start_op) {
    absl::ReaderMutexLock lock(&mu_);
    if (stopping_) return false;
    start_op();
    return true;
  }

 private:
  const int count_;
  std::vector<std::unique_ptr<grpc::ServerCompletionQueue>> queues_;
  std::vector<std::thread> threads_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
};

// The transport of one server-streaming call on a CompletionQueues queue, with the shape of
// grpc::ServerWriteReactor<T> (StartWrite and Finish; OnWriteDone, OnCancel and OnDone), so that
// BasicQueuedWriter (queued_writer.h) drives either.
// An object waits for one call: construct it and call AwaitCall(); OnStart() runs on the queue's
// thread once a call arrived (the place to await the next one). Then, as with a reactor: at
// most one write in flight; Finish once; OnCancel when the client went away; OnDone last, once
// the call is over and its finish completed (or never started, if no call came).
// Thread-safe as a reactor is: StartWrite and Finish may be called from any thread.
template <typename RequestT, typename T>
class AsyncWriteStream {
 public:
  AsyncWriteStream(CompletionQueues* queues, grpc::ServerCompletionQueue* cq)
      : queues_(queues), cq_(cq) {}
  virtual ~AsyncWriteStream() = default;
  AsyncWriteStream(const AsyncWriteStream&) = delete;
  AsyncWriteStream& operator=(const AsyncWriteStream&) = delete;

  // Waits for the method's next call. If the queues are shutting down, OnDone runs at once.
  void AwaitCall() {
    context_.AsyncNotifyWhenDone(&done_tag_);
    if (!queues_->StartOp([&] { RequestCall(&context_, &request_, &writer_, cq_, &start_tag_); })) {
      OnDone();
    }
  }

  void StartWrite(const T* message) {
    if (!queues_->StartOp([&] { writer_.Write(*message, &write_tag_); })) OnWriteDone(false);
  }
  void Finish(grpc::Status status) {
    if (!queues_->StartOp([&] { writer_.Finish(status, &finish_tag_); })) OneLess();
  }

  virtual void OnStart() = 0;
  virtual void OnWriteDone(bool ok) = 0;
  virtual void OnCancel() = 0;
  virtual void OnDone() = 0;

 protected:
  // Asks gRPC for the next call of the method: the service's Request<Method>(context, request,
  // writer, cq, cq, tag).
  virtual void RequestCall(grpc::ServerContext* context, RequestT* request,
                           grpc::ServerAsyncWriter<T>* writer, grpc::ServerCompletionQueue* cq,
                           void* tag) = 0;
  grpc::ServerContext& context() { return context_; }
  CompletionQueues* queues() const { return queues_; }
  grpc::ServerCompletionQueue* cq() const { return cq_; }

 private:
  class Tag final : public AsyncTag {
   public:
    Tag(AsyncWriteStream* stream, void (AsyncWriteStream::*on)(bool)) : stream_(stream), on_(on) {}
    void Proceed(bool ok) override { (stream_->*on_)(ok); }

   private:
    AsyncWriteStream* const stream_;
    void (AsyncWriteStream::*const on_)(bool);
  };

  void Started(bool ok) {
    // Not ok: the server is shutting down and no call came; gRPC returns no done tag then.
    if (ok) {
      OnStart();
    } else {
      OnDone();
    }
  }
  void Finished(bool) { OneLess(); }
  void CallDone(bool) {
    if (context_.IsCancelled()) OnCancel();
    OneLess();
  }
  // The call is over once both its done tag and its finish have come back.
  void OneLess() {
    if (left_.fetch_sub(1, std::memory_order_acq_rel) == 1) OnDone();
  }

  CompletionQueues* const queues_;
  grpc::ServerCompletionQueue* const cq_;
  grpc::ServerContext context_;
  RequestT request_;
  grpc::ServerAsyncWriter<T> writer_{&context_};
  Tag start_tag_{this, &AsyncWriteStream::Started};
  Tag write_tag_{this, &AsyncWriteStream::OnWriteDone};
  Tag finish_tag_{this, &AsyncWriteStream::Finished};
  Tag done_tag_{this, &AsyncWriteStream::CallDone};
  std::atomic<int> left_{2};
};

}  // namespace parley::services

#endif  // PARLEY_SERVICES_API_ASYNC_STREAM_H_
