#include "services/api/health_service.h"

#include <string>
#include <vector>

#include "services/api/grpc_status.h"
#include "services/api/queued_writer.h"

namespace parley::services {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

class HealthService::Watcher final : public QueuedWriter<HealthCheckResponse> {
 public:
  Watcher(HealthService* service, std::string name)
      : QueuedWriter<HealthCheckResponse>(/*coalesce=*/true),
        service_(service),
        name_(std::move(name)) {}

  void Start() {
    {
      absl::MutexLock lock(&service_->mu_);
      service_->watchers_.insert(this);
    }
    Changed();
  }

  // Pushes the current status (coalesced: only the latest waits).
  void Changed() {
    HealthCheckResponse response;
    response.set_status(service_->StatusOf(name_));
    Push(std::move(response));
  }

 protected:
  void Done() override {
    absl::MutexLock lock(&service_->mu_);
    service_->watchers_.erase(this);
  }

 private:
  HealthService* const service_;
  const std::string name_;
};

HealthCheckResponse::ServingStatus HealthService::StatusOf(const std::string& service) {
  if (!service.empty()) return HealthCheckResponse::SERVICE_UNKNOWN;
  absl::MutexLock lock(&mu_);
  return serving_ ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
}

void HealthService::SetServing(bool serving) {
  std::vector<Watcher*> told;
  {
    absl::MutexLock lock(&mu_);
    if (serving_ == serving) return;
    serving_ = serving;
    for (Watcher* w : watchers_) {
      w->Ref();  // kept alive while we push outside the lock
      told.push_back(w);
    }
  }
  for (Watcher* w : told) {
    w->Changed();
    w->Unref();
  }
}

grpc::ServerUnaryReactor* HealthService::Check(grpc::CallbackServerContext* context,
                                               const HealthCheckRequest* request,
                                               HealthCheckResponse* response) {
  return FinishWith(context, [&]() -> absl::Status {
    if (!request->service().empty()) return absl::NotFoundError("unknown service");
    response->set_status(StatusOf(""));
    return absl::OkStatus();
  });
}

grpc::ServerWriteReactor<HealthCheckResponse>* HealthService::Watch(
    grpc::CallbackServerContext* context, const HealthCheckRequest* request) {
  auto* watcher = new Watcher(this, request->service());
  // No token: the caps per connection and in total apply.
  if (absl::Status slot = watcher->HoldSlot(*auth_, *context, Principal{}); !slot.ok()) {
    watcher->Close(ToGrpcStatus(slot));
    return watcher;
  }
  watcher->Start();
  return watcher;
}

}  // namespace parley::services
