#ifndef PARLEY_SERVICES_GRPC_STATUS_H_
#define PARLEY_SERVICES_GRPC_STATUS_H_

#include <grpcpp/grpcpp.h>

#include <utility>

#include "absl/status/status.h"

namespace parley::services {

// A status message travels in a header; clients refuse large ones (8-16 KB).
inline constexpr size_t kMaxStatusMessageBytes = 2048;

// The one seam from abseil to gRPC statuses: same code, same message, cut at
// kMaxStatusMessageBytes.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Runs `body`, which fills the response and returns its status, then finishes the RPC, so a
// handler cannot forget Finish(). For short work only (point reads, one small batch): the body
// runs on gRPC's callback thread.
template <typename Body>
grpc::ServerUnaryReactor* FinishWith(grpc::CallbackServerContext* context, Body&& body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(std::forward<Body>(body)()));
  return reactor;
}

}  // namespace parley::services

#endif  // PARLEY_SERVICES_GRPC_STATUS_H_
