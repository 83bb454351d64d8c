#ifndef PARLEY_SERVICES_DOMAIN_EVENTS_H_
#define PARLEY_SERVICES_DOMAIN_EVENTS_H_

// Walks over the store's events. No gRPC.

#include <functional>

#include "absl/status/status.h"
#include "parley/v1/event.pb.h"
#include "storage/store.h"

namespace parley::domain {

// Calls `visit` for every event of every community, in id order; stops at the first error and
// returns it. Reads pages of 100, so memory stays small whatever the store holds.
absl::Status ForEachEvent(const storage::Store& store,
                          const std::function<absl::Status(const v1::Event&)>& visit);

// Calls `visit` for every event whose schedule is live: OPEN or SCHEDULED, with a latest
// matching run that is DONE (the events a server keeps warm state for). Errors as ForEachEvent.
absl::Status ForEachScheduledEvent(const storage::Store& store,
                                   const std::function<absl::Status(const v1::Event&)>& visit);

}  // namespace parley::domain

#endif  // PARLEY_SERVICES_DOMAIN_EVENTS_H_
