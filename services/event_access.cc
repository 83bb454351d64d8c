#include "services/event_access.h"

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
                                          absl::string_view method, uint64_t event_id) {
  absl::StatusOr<Principal> who = auth.Authorize(context, method);
  if (!who.ok()) return who.status();
  return OwnedEvent(store, *who, event_id);
}

absl::Status ForEachEvent(const storage::Store& store,
                          const std::function<absl::Status(const v1::Event&)>& visit) {
  uint64_t after_community = 0;
  for (;;) {
    auto communities = store.ListCommunities(after_community, 100);
    if (!communities.ok()) return communities.status();
    if (communities->empty()) return absl::OkStatus();
    after_community = communities->back().id();
    for (const v1::Community& community : *communities) {
      uint64_t after_event = 0;
      for (;;) {
        auto events = store.ListEvents(community.id(), after_event, 100);
        if (!events.ok()) return events.status();
        if (events->empty()) break;
        after_event = events->back().id();
        for (const v1::Event& event : *events) {
          absl::Status s = visit(event);
          if (!s.ok()) return s;
        }
      }
    }
  }
}

absl::Status RequireNotClosed(const v1::Event& event) {
  if (event.status() == v1::CLOSED) {
    return absl::FailedPreconditionError(absl::StrCat("event ", event.id(), " is CLOSED"));
  }
  return absl::OkStatus();
}

}  // namespace parley::services
