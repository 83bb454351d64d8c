#ifndef PARLEY_SERVICES_GRPC_STATUS_H_
#define PARLEY_SERVICES_GRPC_STATUS_H_

#include <grpcpp/grpcpp.h>

#include <utility>

#include "absl/status/status.h"
#include "services/live/worker_pool.h"

namespace parley::services {

// A status message travels in a header; clients refuse large ones (8-16 KB).
inline constexpr size_t kMaxStatusMessageBytes = 2048;

// The one seam from abseil to gRPC statuses: same code, same message, cut at
// kMaxStatusMessageBytes.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Where a handler's work runs. gRPC's callback threads only parse, authorise and enqueue; they
// also answer point reads (a few RocksDB gets or a cached view), which take microseconds.
// Anything that may take more than ~1 ms runs on a pool and finishes the RPC from there:
//   - FinishWith: the body runs inline on gRPC's thread. Point reads only.
//   - FinishOn(workers, ...): fsync'd writes, scans of one attendee's records, introductions,
//     who-else. The pool's queue is unbounded: each call is small, and attendees' writes are
//     never refused for load.
//   - FinishOn(expensive, ...): whole-event work of organisers (quality report pages,
//     analytics, exports; runs have their own pool). Bounded threads and
//     queue, so a flood of them is refused with RESOURCE_EXHAUSTED and cannot take the CPU that
//     serves attendees.
// A handler that authorises on gRPC's thread before FinishOn makes sure unauthenticated calls
// never take a place in a bounded queue.
// Known exception: ListMeetings still runs inline (a page, but a filtered page may scan the
// whole event); moving it to a pool is left until the crowd e2e test waits for repairs by
// something firmer than three equal snapshots.

// Runs `body`, which fills the response and returns its status, then finishes the RPC, so a
// handler cannot forget Finish(). For short work only (point reads): the body runs on gRPC's
// callback thread.
template <typename Body>
grpc::ServerUnaryReactor* FinishWith(grpc::CallbackServerContext* context, Body&& body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(std::forward<Body>(body)()));
  return reactor;
}

// Finishes the RPC at once with `status` (a refusal before any work was queued).
grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const absl::Status& status);

// Queues `body` on `pool` and returns; the pool's thread runs it and finishes the RPC with its
// status. `body` is moved to the pool: it must capture by value (context, request and response
// stay valid until Finish; locals of the handler do not). A call cancelled (or past its
// deadline) while it waited is finished CANCELLED without running `body`. If the pool's queue is
// full the RPC finishes at once with the pool's RESOURCE_EXHAUSTED.
template <typename Body>
grpc::ServerUnaryReactor* FinishOn(WorkerPool* pool, grpc::CallbackServerContext* context,
                                   Body body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status queued = pool->TrySubmit([reactor, context, body = std::move(body)]() mutable {
    if (context->IsCancelled()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled while queued"));
      return;
    }
    reactor->Finish(ToGrpcStatus(body()));
  });
  if (!queued.ok()) reactor->Finish(ToGrpcStatus(queued));
  return reactor;
}

}  // namespace parley::services

#endif  // PARLEY_SERVICES_GRPC_STATUS_H_
