#include "services/api/event_access.h"

#include "absl/strings/str_cat.h"

namespace parley::services {

absl::StatusOr<v1::Event> OwnedEvent(const storage::Store& store, const Principal& who,
                                     uint64_t event_id) {
  if (event_id == 0) return absl::InvalidArgumentError("event_id: required");
  absl::StatusOr<v1::Event> event = store.GetEvent(event_id);
  if (event.ok() && event->community_id() != who.community_id) {
    return absl::NotFoundError(absl::StrCat("event ", event_id, " not found"));
  }
  return event;
}

absl::StatusOr<v1::Event> AuthorizedEvent(const Authenticator& auth, const storage::Store& store,
                                          const grpc::ServerContextBase& context,
                                          absl::string_view method, uint64_t event_id,
                                          Principal* caller) {
  absl::StatusOr<Principal> who = auth.Authorize(context, method);
  if (!who.ok()) return who.status();
  if (caller != nullptr) *caller = *who;
  return OwnedEvent(store, *who, event_id);
}

}  // namespace parley::services
