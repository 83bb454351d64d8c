#include "services/live/live_agendas.h"

#include <glog/logging.h>
#include <pthread.h>

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/domain/events.h"

namespace parley::services {
namespace {

matching::LiveOptions RepairOptions(const LiveAgendasOptions& options, const domain::Clock* clock) {
  matching::LiveOptions out;
  out.k = options.candidate_k;
  out.seed = options.seed;
  out.clock = clock;
  return out;
}

std::vector<uint64_t> AttendeesOf(const std::vector<v1::Meeting>& meetings) {
  std::vector<uint64_t> ids;
  for (const v1::Meeting& m : meetings) {
    ids.push_back(m.attendee_a());
    ids.push_back(m.attendee_b());
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace

LiveAgendas::LiveAgendas(storage::Store* store, LiveAgendasOptions options,
                         const domain::Clock* clock)
    : store_(store),
      options_(std::move(options)),
      repair_(store, RepairOptions(options_, clock)),
      clock_(clock),
      repairs_(std::make_unique<WorkerPool>(1, WorkerPool::kUnbounded, "parley-repair")),
      notify_(std::make_unique<WorkerPool>(1, WorkerPool::kUnbounded, "parley-notify")) {
  // Events that already have a schedule (a restart) get their live state now, on the repair
  // thread, so that the first decline does not wait for candidate generation.
  Submit(repairs_.get(), [this] { WarmScheduled(); });
  if (options_.sweep_interval > absl::ZeroDuration()) {
    sweeper_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "parley-expiry");
      SweepLoop();
    });
  }
}

LiveAgendas::~LiveAgendas() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (sweeper_.joinable()) sweeper_.join();
  repairs_.reset();  // runs what is queued (which may queue notifications)
  notify_.reset();
}

int64_t LiveAgendas::Now() const { return clock_->NowUnixSeconds(); }

void LiveAgendas::Submit(WorkerPool* pool, std::function<void()> task) {
  {
    absl::MutexLock lock(&mu_);
    ++pending_;
  }
  const absl::Time queued = absl::Now();
  pool->Submit([this, pool, queued, task = std::move(task)] {
    const absl::Time start = absl::Now();
    task();
    // A change reaches watchers late when a task waited or took long: say which.
    if (absl::Now() - queued > absl::Milliseconds(100)) {
      LOG(INFO) << (pool == notify_.get() ? "notification" : "repair") << " waited "
                << start - queued << " and ran " << absl::Now() - start;
    }
    absl::MutexLock lock(&mu_);
    --pending_;
  });
}

void LiveAgendas::Notify(uint64_t event_id, std::vector<uint64_t> attendee_ids) {
  Submit(notify_.get(), [this, event_id, attendee_ids = std::move(attendee_ids)] {
    notifier_.Notify(event_id, attendee_ids);
  });
}

void LiveAgendas::WaitIdle() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](int* pending) { return *pending == 0; }, &pending_));
}

void LiveAgendas::MeetingChanged(const v1::Meeting& meeting) {
  Notify(meeting.event_id(), {meeting.attendee_a(), meeting.attendee_b()});
}

void LiveAgendas::MeetingClosed(const v1::Meeting& meeting) {
  MeetingChanged(meeting);
  Submit(repairs_.get(), [this, meeting] {
    const absl::Time start = absl::Now();
    absl::StatusOr<std::vector<v1::Meeting>> added = repair_.PairClosed(meeting);
    if (absl::Now() - start > absl::Milliseconds(20)) {
      LOG(INFO) << "repair after meeting " << meeting.id() << " of event " << meeting.event_id()
                << " took " << absl::Now() - start;
    }
    if (!added.ok()) {
      // No run yet, or one in progress (it plans around the change): nothing to repair.
      if (!absl::IsFailedPrecondition(added.status()) && !absl::IsUnavailable(added.status())) {
        LOG(WARNING) << "repair after meeting " << meeting.id() << " of event "
                     << meeting.event_id() << ": " << added.status();
      }
      return;
    }
    if (added->empty()) return;
    {
      absl::MutexLock lock(&mu_);
      next_expiry_.erase(meeting.event_id());
    }
    Notify(meeting.event_id(), AttendeesOf(*added));
  });
}

void LiveAgendas::RunFinished(uint64_t event_id) {
  repair_.Invalidate(event_id);
  {
    absl::MutexLock lock(&mu_);
    next_expiry_.erase(event_id);
  }
  // Every watcher of the event reloads: on the notify thread, not the run's.
  Submit(notify_.get(), [this, event_id] { notifier_.NotifyEvent(event_id); });
}

void LiveAgendas::Warm(uint64_t event_id) {
  absl::Status warmed = repair_.Warm(event_id);
  if (!warmed.ok() && !absl::IsFailedPrecondition(warmed) && !absl::IsUnavailable(warmed)) {
    LOG(WARNING) << "live state of event " << event_id << ": " << warmed;
  }
}

void LiveAgendas::WarmScheduled() {
  absl::Status s = domain::ForEachScheduledEvent(*store_, [&](const v1::Event& event) {
    const absl::Time start = absl::Now();
    Warm(event.id());
    LOG(INFO) << "live state of event " << event.id() << " built in " << absl::Now() - start;
    return absl::OkStatus();
  });
  if (!s.ok()) LOG(WARNING) << "live states at start: " << s;
}

void LiveAgendas::OnCommit(const storage::ChangeSet& changes) {
  // A profile edit and a pair that became known (or forgotten) both change what may be
  // proposed: repair cancels what the new state rules out and refills. Both lists are sorted by
  // event, then attendee.
  for (const auto* list : {&changes.attendees, &changes.known_pair_attendees}) {
    for (size_t i = 0; i < list->size();) {
      const uint64_t event_id = (*list)[i].first;
      std::vector<uint64_t> ids;
      for (; i < list->size() && (*list)[i].first == event_id; ++i) {
        ids.push_back((*list)[i].second);
      }
      ProfilesChanged(event_id, std::move(ids));
    }
  }
}

void LiveAgendas::ProfilesChanged(uint64_t event_id, std::vector<uint64_t> attendee_ids) {
  {
    absl::MutexLock lock(&mu_);
    std::vector<uint64_t>& pending = changed_profiles_[event_id];
    const bool queued = !pending.empty();
    pending.insert(pending.end(), attendee_ids.begin(), attendee_ids.end());
    if (queued) return;
  }
  Submit(repairs_.get(), [this, event_id] {
    std::vector<uint64_t> ids;
    {
      absl::MutexLock lock(&mu_);
      ids = std::move(changed_profiles_[event_id]);
      changed_profiles_.erase(event_id);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    const absl::Time start = absl::Now();
    absl::StatusOr<matching::LiveRepair::ProfileRepair> repaired =
        repair_.ProfilesChanged(event_id, ids);
    // Imports into an event without a schedule change nothing: only repairs that did are logged.
    if (repaired.ok() && (!repaired->cancelled.empty() || !repaired->added.empty())) {
      LOG(INFO) << "profile changes of " << ids.size() << " attendees of event " << event_id << ": "
                << repaired->cancelled.size() << " meetings cancelled, " << repaired->added.size()
                << " proposed, in " << absl::Now() - start;
    }
    if (!repaired.ok()) {
      LOG(WARNING) << "repair after profile changes of " << ids.size() << " attendees of event "
                   << event_id << ": " << repaired.status();
      return;
    }
    if (repaired->cancelled.empty() && repaired->added.empty()) return;
    std::vector<v1::Meeting> changed = std::move(repaired->cancelled);
    changed.insert(changed.end(), repaired->added.begin(), repaired->added.end());
    {
      absl::MutexLock lock(&mu_);
      next_expiry_.erase(event_id);
    }
    Notify(event_id, AttendeesOf(changed));
  });
}

void LiveAgendas::RequestMore(uint64_t event_id, uint64_t attendee_id, uint32_t count,
                              std::function<void(absl::StatusOr<std::vector<v1::Meeting>>)> done) {
  Submit(repairs_.get(), [this, event_id, attendee_id, count, done = std::move(done)] {
    absl::StatusOr<std::vector<v1::Meeting>> added =
        repair_.RequestMore(event_id, attendee_id, count);
    if (added.ok() && !added->empty()) {
      {
        absl::MutexLock lock(&mu_);
        next_expiry_.erase(event_id);
      }
      Notify(event_id, AttendeesOf(*added));
    }
    done(std::move(added));
  });
}

absl::StatusOr<bool> LiveAgendas::ExpireMeeting(uint64_t event_id, uint64_t meeting_id,
                                                int64_t now) {
  absl::StatusOr<storage::Mutated<v1::Meeting>> stored =
      store_->MutateMeeting(event_id, meeting_id, [&](v1::Meeting* m) -> absl::Status {
        if (m->state() != v1::Meeting::PROPOSED || m->expire_time() == 0 ||
            m->expire_time() > now) {
          return absl::OkStatus();  // not due: nothing changes
        }
        m->set_state(v1::Meeting::EXPIRED);
        m->set_sequence(m->sequence() + 1);
        return absl::OkStatus();
      });
  const bool expired = stored.ok() && stored->changed;
  if (!expired) {
    if (stored.ok() || absl::IsNotFound(stored.status())) {
      return false;
    }
    return stored.status();
  }
  if (!stored.ok()) return stored.status();
  MeetingClosed(stored->record);
  return true;
}

absl::StatusOr<int> LiveAgendas::SweepExpired(int64_t now) {
  int expired = 0;
  absl::Status s = domain::ForEachEvent(*store_, [&](const v1::Event& event) -> absl::Status {
    if (event.status() != v1::OPEN && event.status() != v1::SCHEDULED) return absl::OkStatus();
    {
      absl::MutexLock lock(&mu_);
      auto it = next_expiry_.find(event.id());
      if (it != next_expiry_.end() && it->second > now) return absl::OkStatus();
    }
    std::vector<uint64_t> due;
    int64_t next = std::numeric_limits<int64_t>::max();
    absl::Status scanned = store_->ScanMeetings(event.id(), [&](const v1::Meeting& m) {
      if (m.state() != v1::Meeting::PROPOSED || m.expire_time() == 0) return true;
      if (m.expire_time() <= now) {
        due.push_back(m.id());
      } else {
        next = std::min(next, m.expire_time());
      }
      return true;
    });
    if (!scanned.ok()) return scanned;
    for (uint64_t id : due) {
      absl::StatusOr<bool> done = ExpireMeeting(event.id(), id, now);
      if (!done.ok()) return done.status();
      expired += *done;
    }
    absl::MutexLock lock(&mu_);
    next_expiry_[event.id()] = next;
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return expired;
}

void LiveAgendas::SweepLoop() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.sweep_interval);
      if (stopping_) return;
    }
    absl::StatusOr<int> expired = SweepExpired(Now());
    if (!expired.ok()) LOG(WARNING) << "expiry sweep: " << expired.status();
  }
}

}  // namespace parley::services
