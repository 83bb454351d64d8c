#ifndef PARLEY_SERVICES_API_KNOWN_PAIRS_IMPORT_H_
#define PARLEY_SERVICES_API_KNOWN_PAIRS_IMPORT_H_

// OrganizerService.ImportKnownPairs and RemoveKnownPairs (organizer_service.proto): pairs of
// attendees, by external_id, who already know each other.

#include "parley/v1/organizer_service.grpc.pb.h"
#include "services/auth/auth.h"
#include "services/live/worker_pool.h"
#include "storage/store.h"

namespace parley::services {

inline constexpr int kMaxKnownPairsPerMessage = 5000;

// The reactor of one ImportKnownPairs call. Messages are handled one at a time on `workers`
// (resolving external ids, one durable batch per message); the next is read once the previous
// is stored, so memory stays at one message. `store`, `auth` and `workers` are not owned and must
// outlive the call.
grpc::ServerReadReactor<v1::ImportKnownPairsRequest>* NewKnownPairsImport(
    grpc::CallbackServerContext* context, storage::Store* store, const Authenticator* auth,
    WorkerPool* workers, v1::ImportKnownPairsResponse* response);

// RemoveKnownPairs for the caller's event (already authorised). INVALID_ARGUMENT for no pairs
// or more than kMaxKnownPairsPerMessage.
absl::Status RemoveKnownPairs(storage::Store* store, const v1::Event& event,
                              const v1::RemoveKnownPairsRequest& request,
                              v1::RemoveKnownPairsResponse* response);

}  // namespace parley::services

#endif  // PARLEY_SERVICES_API_KNOWN_PAIRS_IMPORT_H_
