#ifndef PARLEY_SERVICES_ATTENDEE_SERVICE_H_
#define PARLEY_SERVICES_ATTENDEE_SERVICE_H_

#include "parley/v1/attendee_service.grpc.pb.h"
#include "services/auth/auth.h"
#include "services/live/worker_pool.h"
#include "storage/store.h"

namespace parley::services {

// The attendee's calls (see attendee_service.proto). The attendee is the token's; no request
// field can name another. Profile updates (fsync'd) run on `workers`. Thread-safe. `store`,
// `auth` and `workers` are not owned and must outlive the server this service is registered with.
class AttendeeService final : public v1::AttendeeService::CallbackService {
 public:
  AttendeeService(storage::Store* store, const Authenticator* auth, WorkerPool* workers)
      : store_(store), auth_(auth), workers_(workers) {}

  grpc::ServerUnaryReactor* GetMyProfile(grpc::CallbackServerContext* context,
                                         const v1::GetMyProfileRequest* request,
                                         v1::MyProfile* response) override;
  grpc::ServerUnaryReactor* UpdateMyProfile(grpc::CallbackServerContext* context,
                                            const v1::UpdateMyProfileRequest* request,
                                            v1::MyProfile* response) override;
  // A few index reads and scans of the event's introductions and known pairs: short enough to
  // run inline.
  grpc::ServerUnaryReactor* ExportMyData(grpc::CallbackServerContext* context,
                                         const v1::ExportMyDataRequest* request,
                                         v1::MyData* response) override;

 private:
  storage::Store* store_;
  const Authenticator* auth_;
  WorkerPool* workers_;
};

}  // namespace parley::services

#endif  // PARLEY_SERVICES_ATTENDEE_SERVICE_H_
