#ifndef PARLEY_SERVICES_AGENDA_SERVICE_H_
#define PARLEY_SERVICES_AGENDA_SERVICE_H_

#include "parley/v1/agenda_service.grpc.pb.h"
#include "services/auth.h"
#include "services/live_agendas.h"
#include "storage/store.h"

namespace parley::services {

// The attendee's side of matching (see agenda_service.proto). The attendee is the token's; a
// meeting that is not theirs is NOT_FOUND. Answers and cancellations are read-modify-writes of
// one meeting under the store's write lock (Store::MutateMeeting), so racing clients cannot
// double-book or lose an update; confirming re-checks that neither attendee already has a
// confirmed meeting in the slot. Repairs after a decline, cancellation or expiry run on
// LiveAgendas' repair thread.
// Thread-safe. `store`, `auth` and `live` are not owned and must outlive the server this
// service is registered with.
class AgendaService final : public v1::AgendaService::CallbackService {
 public:
  AgendaService(storage::Store* store, const Authenticator* auth, LiveAgendas* live)
      : store_(store), auth_(auth), live_(live) {}

  grpc::ServerUnaryReactor* ListMySuggestions(grpc::CallbackServerContext* context,
                                              const v1::ListMySuggestionsRequest* request,
                                              v1::ListMySuggestionsResponse* response) override;
  grpc::ServerUnaryReactor* RespondToProposal(grpc::CallbackServerContext* context,
                                              const v1::RespondToProposalRequest* request,
                                              v1::Proposal* response) override;
  grpc::ServerUnaryReactor* GetMyAgenda(grpc::CallbackServerContext* context,
                                        const v1::GetMyAgendaRequest* request,
                                        v1::Agenda* response) override;
  grpc::ServerWriteReactor<v1::Agenda>* WatchMyAgenda(
      grpc::CallbackServerContext* context, const v1::GetMyAgendaRequest* request) override;
  grpc::ServerUnaryReactor* RequestMoreSuggestions(
      grpc::CallbackServerContext* context, const v1::RequestMoreSuggestionsRequest* request,
      v1::ListMySuggestionsResponse* response) override;
  grpc::ServerUnaryReactor* CancelMeeting(grpc::CallbackServerContext* context,
                                          const v1::CancelMeetingRequest* request,
                                          v1::Proposal* response) override;
  grpc::ServerUnaryReactor* GetMyCalendar(grpc::CallbackServerContext* context,
                                          const v1::GetMyCalendarRequest* request,
                                          v1::Calendar* response) override;

 private:
  struct Caller {
    Principal who;
    v1::Event event;
  };
  absl::StatusOr<Caller> Authorize(const grpc::CallbackServerContext& context,
                                   absl::string_view method) const;
  // Read-modify-write of my meeting; NOT_FOUND if it is not mine. Returns it as I see it.
  absl::StatusOr<v1::Proposal> Change(const Caller& caller, uint64_t meeting_id,
                                      const std::function<absl::Status(v1::Meeting*)>& change,
                                      v1::Meeting* stored);

  storage::Store* const store_;
  const Authenticator* const auth_;
  LiveAgendas* const live_;
};

}  // namespace parley::services

#endif  // PARLEY_SERVICES_AGENDA_SERVICE_H_
