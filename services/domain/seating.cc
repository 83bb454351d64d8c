#include "services/domain/seating.h"

#include <algorithm>

namespace parley::domain {

bool AvailableIn(const v1::Attendee& attendee, absl::string_view slot_id) {
  return attendee.availability().empty() ||
         std::find(attendee.availability().begin(), attendee.availability().end(), slot_id) !=
             attendee.availability().end();
}

Seating::Seating(const v1::Event& event) {
  for (int i = 0; i < event.slots_size(); ++i) slot_index_.emplace(event.slots(i).id(), i);
  for (int i = 0; i < event.locations_size(); ++i) {
    location_index_.emplace(event.locations(i).id(), i);
    tables_.push_back(event.locations(i).tables());
  }
  held_.resize(static_cast<size_t>(event.slots_size()) * tables_.size());
}

void Seating::Hold(const v1::Meeting& meeting) {
  auto slot = slot_index_.find(meeting.slot_id());
  auto location = location_index_.find(meeting.location_id());
  if (slot == slot_index_.end() || location == location_index_.end() || meeting.table() == 0) {
    return;
  }
  std::vector<uint32_t>& held =
      held_[static_cast<size_t>(slot->second) * tables_.size() + location->second];
  auto at = std::lower_bound(held.begin(), held.end(), meeting.table());
  if (at == held.end() || *at != meeting.table()) held.insert(at, meeting.table());
}

void Seating::Clear() {
  for (std::vector<uint32_t>& held : held_) held.clear();
}

int32_t Seating::HeldCount(int slot, int location) const {
  const std::vector<uint32_t>& held = Held(slot, location);
  return static_cast<int32_t>(std::upper_bound(held.begin(), held.end(), tables_[location]) -
                              held.begin());
}

uint32_t Seating::NthFreeTable(int slot, int location, int t) const {
  const std::vector<uint32_t>& held = Held(slot, location);
  uint32_t table = 0;
  for (int free = -1; free < t;) {
    ++table;
    if (!std::binary_search(held.begin(), held.end(), table)) ++free;
  }
  return table;
}

uint32_t Seating::HighestFreeTable(int slot, int location) const {
  const std::vector<uint32_t>& held = Held(slot, location);
  for (uint32_t t = tables_[location]; t >= 1; --t) {
    if (!std::binary_search(held.begin(), held.end(), t)) return t;
  }
  return 0;
}

std::optional<Seat> FindSeat(const v1::Event& event, const Seating& seating, const v1::Attendee& x,
                             const v1::Attendee& y,
                             const absl::flat_hash_set<std::string>& busy_slots, int64_t now) {
  std::vector<int> slots;
  for (int s = 0; s < event.slots_size(); ++s) {
    const v1::Slot& slot = event.slots(s);
    if (slot.start_time() > now && !busy_slots.contains(slot.id()) && AvailableIn(x, slot.id()) &&
        AvailableIn(y, slot.id())) {
      slots.push_back(s);
    }
  }
  std::stable_sort(slots.begin(), slots.end(), [&](int a, int b) {
    return event.slots(a).start_time() < event.slots(b).start_time();
  });
  const bool quiet = x.prefers_quiet() || y.prefers_quiet();
  std::vector<int> locations;
  for (int l = 0; l < event.locations_size(); ++l) locations.push_back(l);
  std::stable_partition(locations.begin(), locations.end(),
                        [&](int l) { return event.locations(l).quiet() == quiet; });
  for (int s : slots) {
    for (int l : locations) {
      const uint32_t table = seating.HighestFreeTable(s, l);
      if (table != 0) return Seat{s, l, table};
    }
  }
  return std::nullopt;
}

}  // namespace parley::domain
