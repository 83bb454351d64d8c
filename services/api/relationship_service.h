#ifndef PARLEY_SERVICES_RELATIONSHIP_SERVICE_H_
#define PARLEY_SERVICES_RELATIONSHIP_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>

#include "absl/synchronization/mutex.h"
#include "parley/v1/relationship_service.grpc.pb.h"
#include "services/auth/auth.h"
#include "services/live/live_agendas.h"
#include "services/live/worker_pool.h"
#include "services/runs/organiser_reads.h"
#include "storage/store.h"

namespace parley::services {

// Feedback, memory, introductions, "who else should I meet?", wishes and the organiser's
// analytics (see relationship_service.proto for the rules and error codes). The attendee is the
// token's; another attendee is shown only as a PublicProfile, and nothing returned reveals
// another attendee's feedback, ratings, declines or one-sided wishes.
// Writes are read-modify-writes under the store's write lock (RecordFeedback,
// MutateIntroduction, MutateAttendee), so concurrent answers cannot be lost. When an
// introduction is accepted by both during a live event, its proposal is stored with
// Store::InsertMeetings (which refuses a double booking) and watchers are told through `live`.
// Writes, introductions and who-else run on `workers`, the organiser's analytics on `expensive`
// (bounded: RESOURCE_EXHAUSTED when its queue is full); gRPC's threads answer only point reads.
// Thread-safe. `store`, `auth`, `workers`, `expensive` and `live` are not owned and must outlive
// the server.
class RelationshipService final : public v1::RelationshipService::CallbackService {
 public:
  // `reads` (not owned; must outlive the service) gives analytics its meeting counts.
  RelationshipService(storage::Store* store, const Authenticator* auth, WorkerPool* workers,
                      WorkerPool* expensive, LiveAgendas* live, matching::OrganiserReads* reads)
      : store_(store),
        auth_(auth),
        workers_(workers),
        expensive_(expensive),
        live_(live),
        reads_(reads) {}

  grpc::ServerUnaryReactor* RecordFeedback(grpc::CallbackServerContext* context,
                                           const v1::RecordFeedbackRequest* request,
                                           v1::Feedback* response) override;
  grpc::ServerUnaryReactor* ListMyFeedback(grpc::CallbackServerContext* context,
                                           const v1::ListMyFeedbackRequest* request,
                                           v1::ListMyFeedbackResponse* response) override;
  grpc::ServerUnaryReactor* Introduce(grpc::CallbackServerContext* context,
                                      const v1::IntroduceRequest* request,
                                      v1::Introduction* response) override;
  grpc::ServerUnaryReactor* ListMyIntroductions(grpc::CallbackServerContext* context,
                                                const v1::ListMyIntroductionsRequest* request,
                                                v1::ListMyIntroductionsResponse* response) override;
  grpc::ServerUnaryReactor* RespondToIntroduction(grpc::CallbackServerContext* context,
                                                  const v1::RespondToIntroductionRequest* request,
                                                  v1::Introduction* response) override;
  grpc::ServerUnaryReactor* AskForIntroductions(grpc::CallbackServerContext* context,
                                                const v1::AskForIntroductionsRequest* request,
                                                v1::IntroductionRequest* response) override;
  grpc::ServerUnaryReactor* ListIntroductionRequests(
      grpc::CallbackServerContext* context, const v1::ListIntroductionRequestsRequest* request,
      v1::ListIntroductionRequestsResponse* response) override;
  grpc::ServerUnaryReactor* WhoElseShouldIMeet(grpc::CallbackServerContext* context,
                                               const v1::WhoElseShouldIMeetRequest* request,
                                               v1::WhoElseShouldIMeetResponse* response) override;
  grpc::ServerUnaryReactor* AddWish(grpc::CallbackServerContext* context,
                                    const v1::WishRequest* request,
                                    v1::ListMyWishesResponse* response) override;
  grpc::ServerUnaryReactor* RemoveWish(grpc::CallbackServerContext* context,
                                       const v1::WishRequest* request,
                                       v1::ListMyWishesResponse* response) override;
  grpc::ServerUnaryReactor* ListMyWishes(grpc::CallbackServerContext* context,
                                         const v1::ListMyWishesRequest* request,
                                         v1::ListMyWishesResponse* response) override;
  grpc::ServerUnaryReactor* GetAnalytics(grpc::CallbackServerContext* context,
                                         const v1::GetAnalyticsRequest* request,
                                         v1::GetAnalyticsResponse* response) override;

  // Most results "who else should I meet?" returns.
  static constexpr uint32_t kMaxWhoElse = 20;
  // Longest introduction note, in bytes.
  static constexpr size_t kMaxNoteBytes = 500;

 private:
  struct Caller;
  absl::StatusOr<Caller> Authorize(const grpc::CallbackServerContext& context,
                                   absl::string_view method) const;
  // True if `me` met `other` (a CONFIRMED or HELD meeting in this event, or a remembered
  // meeting at another event of the community).
  absl::StatusOr<bool> HaveMet(const Caller& caller, const v1::Attendee& other) const;
  absl::StatusOr<v1::Introduction> ViewOf(const Caller& caller,
                                          const v1::StoredIntroduction& intro) const;
  // Once both accepted during a live event: a proposal in the next seat both have free
  // (matching::ProposeIntroduced, runs/introduced.h); then watchers and live repair are told.
  absl::Status ProposeIntroduced(const Caller& caller, v1::StoredIntroduction* intro);
  absl::Status Wishes(const Caller& caller, v1::ListMyWishesResponse* response) const;
  // "Who else should I meet?" for the caller: at most max_results people.
  absl::Status SuggestOthers(const Caller& caller, uint32_t max_results,
                             v1::WhoElseShouldIMeetResponse* response) const;
  // Whether the caller was shown `other`: a meeting or proposal (any state), an introduction or
  // request, the memory, or the who-else suggestions. Only such people may be wished for.
  absl::StatusOr<bool> ShownToMe(const Caller& caller, const v1::Attendee& other) const;

  storage::Store* const store_;
  const Authenticator* const auth_;
  WorkerPool* const workers_;
  WorkerPool* const expensive_;
  LiveAgendas* const live_;
  matching::OrganiserReads* const reads_;
  // Serialises the check-then-create steps of introductions and requests (no duplicate from a
  // double click) and the placement of introduced proposals (no two on one free table).
  absl::Mutex introductions_mu_;
};

}  // namespace parley::services

#endif  // PARLEY_SERVICES_RELATIONSHIP_SERVICE_H_
