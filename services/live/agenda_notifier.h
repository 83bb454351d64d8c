#ifndef PARLEY_SERVICES_AGENDA_NOTIFIER_H_
#define PARLEY_SERVICES_AGENDA_NOTIFIER_H_

#include <cstdint>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace parley::services {

// Tells agenda watchers that an attendee's agenda may have changed. Every change to meetings
// (responses, cancellations, runs, repairs, expiry) calls Notify for the attendees concerned,
// after the change is stored.
// Thread-safe. Listeners are called on the notifying thread with no notifier lock held, each
// between a Ref() and an Unref() so it cannot go away meanwhile; a listener may be called
// concurrently and after Unsubscribe returned (it must then ignore the call).
class AgendaNotifier {
 public:
  class Listener {
   public:
    virtual void AgendaChanged() = 0;
    virtual void Ref() = 0;
    virtual void Unref() = 0;

   protected:
    ~Listener() = default;
  };

  void Subscribe(uint64_t event_id, uint64_t attendee_id, Listener* listener);
  void Unsubscribe(uint64_t event_id, uint64_t attendee_id, Listener* listener);
  void Notify(uint64_t event_id, const std::vector<uint64_t>& attendee_ids);
  // Every listener of the event (after a run).
  void NotifyEvent(uint64_t event_id);
  // Listeners now subscribed, for tests and metrics.
  size_t size() const;

 private:
  void Call(std::vector<Listener*> listeners);

  mutable absl::Mutex mu_;
  // event -> attendee -> listeners
  absl::flat_hash_map<uint64_t, absl::flat_hash_map<uint64_t, std::vector<Listener*>>> listeners_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace parley::services

#endif  // PARLEY_SERVICES_AGENDA_NOTIFIER_H_
