#ifndef PARLEY_SERVICES_ORGANIZER_SERVICE_H_
#define PARLEY_SERVICES_ORGANIZER_SERVICE_H_

#include "parley/v1/organizer_service.grpc.pb.h"
#include "services/auth/auth.h"
#include "services/auth/person_key.h"
#include "services/live/worker_pool.h"
#include "storage/store.h"

namespace parley::services {

// The organiser's calls (see organizer_service.proto). Every call resolves the community from
// the token; events of other communities are NOT_FOUND. Imports commit on `workers`, never on
// gRPC's threads. person_ref is stored only as `person_key`'s keyed hash. Closing an event
// writes its confirmed meetings into the community's memory (relationships.h).
// Thread-safe. `store`, `auth`, `workers` and `person_key` are not owned and must outlive the
// server this service is registered with.
class OrganizerService final : public v1::OrganizerService::CallbackService {
 public:
  OrganizerService(storage::Store* store, const Authenticator* auth, WorkerPool* workers,
                   const PersonKey* person_key)
      : store_(store), auth_(auth), workers_(workers), person_key_(person_key) {}

  grpc::ServerUnaryReactor* CreateEvent(grpc::CallbackServerContext* context,
                                        const v1::CreateEventRequest* request,
                                        v1::Event* response) override;
  grpc::ServerUnaryReactor* GetEvent(grpc::CallbackServerContext* context,
                                     const v1::GetEventRequest* request,
                                     v1::Event* response) override;
  grpc::ServerUnaryReactor* ListEvents(grpc::CallbackServerContext* context,
                                       const v1::ListEventsRequest* request,
                                       v1::ListEventsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateEvent(grpc::CallbackServerContext* context,
                                        const v1::UpdateEventRequest* request,
                                        v1::Event* response) override;
  grpc::ServerUnaryReactor* SetEventStatus(grpc::CallbackServerContext* context,
                                           const v1::SetEventStatusRequest* request,
                                           v1::Event* response) override;
  grpc::ServerReadReactor<v1::ImportAttendeesRequest>* ImportAttendees(
      grpc::CallbackServerContext* context, v1::ImportAttendeesResponse* response) override;
  // csv_import.h.
  grpc::ServerReadReactor<v1::ImportAttendeesCsvRequest>* ImportAttendeesCsv(
      grpc::CallbackServerContext* context, v1::ImportAttendeesCsvResponse* response) override;
  grpc::ServerUnaryReactor* GetAttendee(grpc::CallbackServerContext* context,
                                        const v1::GetAttendeeRequest* request,
                                        v1::Attendee* response) override;
  grpc::ServerUnaryReactor* ListAttendees(grpc::CallbackServerContext* context,
                                          const v1::ListAttendeesRequest* request,
                                          v1::ListAttendeesResponse* response) override;
  grpc::ServerUnaryReactor* UpdateAttendee(grpc::CallbackServerContext* context,
                                           const v1::UpdateAttendeeRequest* request,
                                           v1::Attendee* response) override;
  grpc::ServerUnaryReactor* RemoveAttendee(grpc::CallbackServerContext* context,
                                           const v1::RemoveAttendeeRequest* request,
                                           v1::RemoveAttendeeResponse* response) override;
  grpc::ServerUnaryReactor* IssueAttendeeTokens(grpc::CallbackServerContext* context,
                                                const v1::IssueAttendeeTokensRequest* request,
                                                v1::IssueAttendeeTokensResponse* response) override;
  grpc::ServerUnaryReactor* IssueAttendeeToken(grpc::CallbackServerContext* context,
                                               const v1::IssueAttendeeTokenRequest* request,
                                               v1::IssuedAttendeeToken* response) override;
  // Known pairs (known_pairs_import.h).
  grpc::ServerReadReactor<v1::ImportKnownPairsRequest>* ImportKnownPairs(
      grpc::CallbackServerContext* context, v1::ImportKnownPairsResponse* response) override;
  grpc::ServerUnaryReactor* RemoveKnownPairs(grpc::CallbackServerContext* context,
                                             const v1::RemoveKnownPairsRequest* request,
                                             v1::RemoveKnownPairsResponse* response) override;

 private:
  // The caller's event: checks the method's policy, then that the event belongs to the
  // caller's community (NOT_FOUND otherwise, as for a missing event).
  absl::StatusOr<v1::Event> AuthorizedEvent(const grpc::CallbackServerContext& context,
                                            absl::string_view method, uint64_t event_id) const;

  storage::Store* store_;
  const Authenticator* auth_;
  WorkerPool* workers_;
  const PersonKey* person_key_;
};

}  // namespace parley::services

#endif  // PARLEY_SERVICES_ORGANIZER_SERVICE_H_
