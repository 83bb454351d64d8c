#ifndef PARLEY_SERVICES_EVENT_ACCESS_H_
#define PARLEY_SERVICES_EVENT_ACCESS_H_

// Which events a caller may touch, shared by the organiser's services.

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "parley/v1/event.pb.h"
#include "services/auth/auth.h"
#include "storage/store.h"

namespace parley::services {

// The event, if it belongs to the organiser's community; NOT_FOUND otherwise, exactly as for
// an event that does not exist, so ids of other communities reveal nothing. INVALID_ARGUMENT
// for event_id 0.
absl::StatusOr<v1::Event> OwnedEvent(const storage::Store& store, const Principal& who,
                                     uint64_t event_id);

// Checks the method's policy for the caller, then that the event is theirs (OwnedEvent).
// With `caller`, the principal is stored there (streams need it for their slot).
absl::StatusOr<v1::Event> AuthorizedEvent(const Authenticator& auth, const storage::Store& store,
                                          const grpc::ServerContextBase& context,
                                          absl::string_view method, uint64_t event_id,
                                          Principal* caller = nullptr);

}  // namespace parley::services

#endif  // PARLEY_SERVICES_EVENT_ACCESS_H_
