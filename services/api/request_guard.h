#ifndef PARLEY_SERVICES_API_REQUEST_GUARD_H_
#define PARLEY_SERVICES_API_REQUEST_GUARD_H_

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include "services/auth/auth.h"

namespace parley::services {

// Requests whose body does not parse (bad wire format, a string field that is not UTF-8):
// gRPC's callback handlers cannot tell a failed parse from a missing handler and answer
// UNIMPLEMENTED with an empty message. This interceptor, for calls that carry one request
// message (unary and server-streaming), notes the failed parse and rewrites that status as it
// goes out: the caller's authorization first (so a flood without a token is UNAUTHENTICATED
// and charged to its address's limit), else INVALID_ARGUMENT naming the request type.
// Thread-safe. `auth` is not owned and must outlive the server.
class RequestGuardFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RequestGuardFactory(const Authenticator* auth) : auth_(auth) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  const Authenticator* const auth_;
};

// The status for a request to `method` ("/parley.v1.AgendaService/GetMyAgenda") whose body
// did not parse: the authorization's refusal if any (methods in MethodPolicy only), else
// INVALID_ARGUMENT naming the request message type.
grpc::Status UnparseableRequest(const Authenticator& auth, const grpc::ServerContextBase& context,
                                absl::string_view method);

}  // namespace parley::services

#endif  // PARLEY_SERVICES_API_REQUEST_GUARD_H_
