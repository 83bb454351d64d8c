#include "services/domain/events.h"

namespace parley::domain {

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

absl::Status ForEachScheduledEvent(const storage::Store& store,
                                   const std::function<absl::Status(const v1::Event&)>& visit) {
  return ForEachEvent(store, [&](const v1::Event& event) -> absl::Status {
    if (event.status() != v1::OPEN && event.status() != v1::SCHEDULED) return absl::OkStatus();
    absl::StatusOr<v1::MatchingRun> latest = store.LatestRun(event.id());
    if (!latest.ok() || latest->phase() != v1::MatchingRun::DONE) return absl::OkStatus();
    return visit(event);
  });
}

}  // namespace parley::domain
