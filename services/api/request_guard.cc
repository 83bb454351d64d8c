#include "services/api/request_guard.h"

#include <google/protobuf/descriptor.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "services/api/grpc_status.h"

namespace parley::services {
namespace {

using grpc::experimental::InterceptionHookPoints;

class RequestGuard final : public grpc::experimental::Interceptor {
 public:
  RequestGuard(const Authenticator* auth, grpc::experimental::ServerRpcInfo* info)
      : auth_(auth), info_(info) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      unparsed_ = true;
    }
    if (unparsed_ && methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status sent = methods->GetSendStatus();
      // Only gRPC's own answer to the failed parse; anything else is the handler's.
      if (sent.error_code() == grpc::StatusCode::UNIMPLEMENTED && sent.error_message().empty()) {
        methods->ModifySendStatus(
            UnparseableRequest(*auth_, *info_->server_context(), info_->method()));
      }
    }
    methods->Proceed();
  }

 private:
  const Authenticator* const auth_;
  grpc::experimental::ServerRpcInfo* const info_;
  bool unparsed_ = false;
};

}  // namespace

grpc::experimental::Interceptor* RequestGuardFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  using Type = grpc::experimental::ServerRpcInfo::Type;
  // Streamed requests are parsed by the reactors' reads, which see the failure themselves.
  if (info->type() != Type::UNARY && info->type() != Type::SERVER_STREAMING) return nullptr;
  return new RequestGuard(auth_, info);
}

grpc::Status UnparseableRequest(const Authenticator& auth, const grpc::ServerContextBase& context,
                                absl::string_view method) {
  if (MethodPolicy().contains(method)) {
    absl::StatusOr<Principal> who = auth.Authorize(context, method);
    if (!who.ok()) return ToGrpcStatus(who.status());
  }
  // "/parley.v1.AgendaService/GetMyAgenda" -> "parley.v1.AgendaService.GetMyAgenda"
  std::string name(absl::StripPrefix(method, "/"));
  absl::StrReplaceAll({{"/", "."}}, &name);
  const google::protobuf::MethodDescriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(name);
  const std::string type =
      descriptor == nullptr ? "request message" : descriptor->input_type()->full_name();
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      absl::StrCat("request body: not a valid ", type,
                                   " (bad wire format, or a string field that is not UTF-8)"));
}

}  // namespace parley::services
