#ifndef PARLEY_SERVICES_LIVE_AGENDAS_H_
#define PARLEY_SERVICES_LIVE_AGENDAS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "parley/v1/matching.pb.h"
#include "services/domain/clock.h"
#include "services/live/agenda_notifier.h"
#include "services/live/live_repair.h"
#include "services/live/worker_pool.h"
#include "storage/store.h"

namespace parley::services {

struct LiveAgendasOptions {
  // How often the background sweeper expires unanswered proposals. Zero or less: no sweeper
  // thread (tests call SweepExpired). Default: 30 s.
  absl::Duration sweep_interval = absl::Seconds(30);
  // See matching::LiveOptions.
  int candidate_k = 24;
  uint64_t seed = 1;
};

// What happens after a meeting changes: watchers are told (AgendaNotifier) on one notify
// thread, pairs that will never meet are repaired (matching::LiveRepair) on one repair thread,
// so that neither gRPC's threads nor the writer wait for the fan-out or the engine, and
// unanswered proposals expire (a sweeper thread). `clock` is the time of expiry and of the
// proposals repairs make.
// Thread-safe. `store` and `clock` are not owned and must outlive this object; the destructor
// stops the sweeper and runs the notifications and repairs already queued.
class LiveAgendas final : public storage::CommitListener {
 public:
  LiveAgendas(storage::Store* store, LiveAgendasOptions options,
              const domain::Clock* clock = domain::Clock::Real());
  ~LiveAgendas();
  LiveAgendas(const LiveAgendas&) = delete;
  LiveAgendas& operator=(const LiveAgendas&) = delete;

  AgendaNotifier* notifier() { return &notifier_; }
  // Live states built from the store so far (matching::LiveRepair::builds()).
  uint64_t live_state_builds() const { return repair_.builds(); }
  int64_t Now() const;

  // `meeting` (as stored) changed but its pair may still meet: both attendees' watchers are
  // told, on the notify thread (each watcher reloads its agenda there).
  void MeetingChanged(const v1::Meeting& meeting);
  // `meeting` (as stored: DECLINED, CANCELLED or EXPIRED) will never take place: both watchers
  // are told, then a repair proposes replacements and their attendees' watchers are told.
  void MeetingClosed(const v1::Meeting& meeting);
  // A run replaced the event's proposals: the live state is dropped, every watcher told.
  void RunFinished(uint64_t event_id);
  // Builds the event's live state on the calling thread (a run's worker, after RunFinished), so
  // that the first repair does not wait for candidate generation on the repair thread.
  void Warm(uint64_t event_id);
  // The records of `attendee_ids` changed (profile edits, imports, removals): on the repair
  // thread, meetings the new records rule out are cancelled and the attendees concerned get
  // replacements (matching::LiveRepair::ProfilesChanged); everyone whose agenda changed is told.
  // Changes of one event that arrive while one is queued are handled together.
  void ProfilesChanged(uint64_t event_id, std::vector<uint64_t> attendee_ids);
  // Hands the attendees whose records or known pairs a commit changed to ProfilesChanged, per
  // event. Quick: it only queues (see storage::CommitListener).
  void OnCommit(const storage::ChangeSet& changes) override;
  // Fills free slots of the attendee on the repair thread; `done` gets the new proposals.
  void RequestMore(uint64_t event_id, uint64_t attendee_id, uint32_t count,
                   std::function<void(absl::StatusOr<std::vector<v1::Meeting>>)> done);

  // Marks EXPIRED every PROPOSED meeting with 0 < expire_time <= now of the OPEN and SCHEDULED
  // events, and closes each as MeetingClosed does. Returns how many expired. The sweeper calls
  // it with Now(); tests call it directly.
  absl::StatusOr<int> SweepExpired(int64_t now);
  // Expires one meeting if it is PROPOSED and its expiry has passed at `now`; true if it did.
  absl::StatusOr<bool> ExpireMeeting(uint64_t event_id, uint64_t meeting_id, int64_t now);

  // Waits until every notification and repair queued so far has run and its watchers were
  // told (tests).
  void WaitIdle();

 private:
  // Runs `task` on `pool` (repairs_ or notify_), counted for WaitIdle.
  void Submit(WorkerPool* pool, std::function<void()> task);
  // Tells the watchers of `attendee_ids` on the notify thread.
  void Notify(uint64_t event_id, std::vector<uint64_t> attendee_ids);
  void SweepLoop();
  // Builds the live state of every OPEN or SCHEDULED event whose latest run is done.
  void WarmScheduled();

  storage::Store* const store_;
  const LiveAgendasOptions options_;
  AgendaNotifier notifier_;
  matching::LiveRepair repair_;

  absl::Mutex mu_;
  int pending_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Earliest expire_time among the PROPOSED meetings of an event at its last sweep (absent:
  // unknown, scan it). Lets a sweep skip events with nothing due.
  absl::flat_hash_map<uint64_t, int64_t> next_expiry_ ABSL_GUARDED_BY(mu_);
  // Profile changes waiting for the repair thread, per event.
  absl::flat_hash_map<uint64_t, std::vector<uint64_t>> changed_profiles_ ABSL_GUARDED_BY(mu_);

  const domain::Clock* const clock_;
  std::unique_ptr<WorkerPool> repairs_;  // one thread: repairs run in order
  std::unique_ptr<WorkerPool> notify_;   // one thread: watchers are told in order
  std::thread sweeper_;
};

}  // namespace parley::services

#endif  // PARLEY_SERVICES_LIVE_AGENDAS_H_
