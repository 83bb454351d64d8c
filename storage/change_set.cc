#include "storage/change_set.h"

#include <algorithm>

namespace parley::storage {
namespace {

template <typename T>
void SortUnique(std::vector<T>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}

}  // namespace

void ChangeSet::Normalize() {
  SortUnique(&attendees);
  SortUnique(&meeting_attendees);
  SortUnique(&known_pair_attendees);
  SortUnique(&events);
  SortUnique(&runs);
  SortUnique(&relationship_events);
  SortUnique(&memory_communities);
}

bool ChangeSet::empty() const {
  return attendees.empty() && meeting_attendees.empty() && known_pair_attendees.empty() &&
         events.empty() && runs.empty() && relationship_events.empty() &&
         memory_communities.empty() && !communities && !tokens;
}

}  // namespace parley::storage
