#include "services/live/agenda_notifier.h"

#include <algorithm>
#include <utility>

namespace parley::services {

void AgendaNotifier::Subscribe(uint64_t event_id, uint64_t attendee_id, Listener* listener) {
  absl::MutexLock lock(&mu_);
  listeners_[event_id][attendee_id].push_back(listener);
}

void AgendaNotifier::Unsubscribe(uint64_t event_id, uint64_t attendee_id, Listener* listener) {
  absl::MutexLock lock(&mu_);
  auto event = listeners_.find(event_id);
  if (event == listeners_.end()) return;
  auto attendee = event->second.find(attendee_id);
  if (attendee == event->second.end()) return;
  std::vector<Listener*>& list = attendee->second;
  list.erase(std::remove(list.begin(), list.end(), listener), list.end());
  if (list.empty()) event->second.erase(attendee);
  if (event->second.empty()) listeners_.erase(event);
}

void AgendaNotifier::Notify(uint64_t event_id, const std::vector<uint64_t>& attendee_ids) {
  std::vector<Listener*> called;
  {
    absl::MutexLock lock(&mu_);
    auto event = listeners_.find(event_id);
    if (event == listeners_.end()) return;
    for (uint64_t id : attendee_ids) {
      auto attendee = event->second.find(id);
      if (attendee == event->second.end()) continue;
      for (Listener* listener : attendee->second) {
        if (std::find(called.begin(), called.end(), listener) != called.end()) continue;
        listener->Ref();
        called.push_back(listener);
      }
    }
  }
  Call(std::move(called));
}

void AgendaNotifier::NotifyEvent(uint64_t event_id) {
  std::vector<Listener*> called;
  {
    absl::MutexLock lock(&mu_);
    auto event = listeners_.find(event_id);
    if (event == listeners_.end()) return;
    for (const auto& [attendee, list] : event->second) {
      for (Listener* listener : list) {
        listener->Ref();
        called.push_back(listener);
      }
    }
  }
  Call(std::move(called));
}

size_t AgendaNotifier::size() const {
  absl::MutexLock lock(&mu_);
  size_t n = 0;
  for (const auto& [event, attendees] : listeners_) {
    for (const auto& [attendee, list] : attendees) n += list.size();
  }
  return n;
}

void AgendaNotifier::Call(std::vector<Listener*> listeners) {
  for (Listener* listener : listeners) {
    listener->AgendaChanged();
    listener->Unref();
  }
}

}  // namespace parley::services
