#ifndef PARLEY_SERVICES_API_HEALTH_SERVICE_H_
#define PARLEY_SERVICES_API_HEALTH_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/auth/auth.h"

namespace parley::services {

// grpc.health.v1.Health for parleyd, in place of gRPC's default service, so that Watch streams
// count under the server's stream caps (per connection and in total: they need no token) like
// every other stream; gRPC's own kept one per request, without bound.
// Only the server as a whole ("") is known: Check of another service name is NOT_FOUND; Watch
// of one says SERVICE_UNKNOWN (and stays open, as the protocol asks).
// Thread-safe. `auth` is not owned and must outlive the server this service is registered with.
class HealthService final : public grpc::health::v1::Health::CallbackService {
 public:
  explicit HealthService(const Authenticator* auth) : auth_(auth) {}

  // SERVING or NOT_SERVING; every open Watch hears of a change. Starts NOT_SERVING.
  void SetServing(bool serving);

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* context,
                                  const grpc::health::v1::HealthCheckRequest* request,
                                  grpc::health::v1::HealthCheckResponse* response) override;
  grpc::ServerWriteReactor<grpc::health::v1::HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* context,
      const grpc::health::v1::HealthCheckRequest* request) override;

  class Watcher;

 private:
  friend class Watcher;
  grpc::health::v1::HealthCheckResponse::ServingStatus StatusOf(const std::string& service);

  const Authenticator* const auth_;
  absl::Mutex mu_;
  bool serving_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_set<Watcher*> watchers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parley::services

#endif  // PARLEY_SERVICES_API_HEALTH_SERVICE_H_
