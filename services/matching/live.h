#ifndef PARLEY_SERVICES_MATCHING_LIVE_H_
#define PARLEY_SERVICES_MATCHING_LIVE_H_

// Live repair of a stored schedule: when a pair will never meet (declined, cancelled, expired)
// or an attendee asks for more, the engine's incremental repair (match::LiveSchedule) refills
// the attendees concerned, and the replacement proposals are stored in one batch
// (Store::InsertMeetings). Every other meeting stays as it is. Knows nothing of gRPC.
//
// Per event, a LiveSchedule is built lazily from the store (attendees, the candidate graph built
// exactly as a run builds it, every PROPOSED, CONFIRMED, HELD and NO_SHOW meeting) and then
// updated in place. A new run makes it stale: Invalidate() drops it, and Store::InsertMeetings
// refuses (ABORTED) a plan made from an older run, after which the state is rebuilt once.
//
// Thread-safety: thread-safe; calls for one event are serialised (a repair may wait for a build
// of that event, which takes what candidate generation takes). `store` is not owned and must
// outlive this object.

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "parley/v1/matching.pb.h"
#include "storage/store.h"

namespace parley::matching {

struct LiveOptions {
  // Partners per attendee in the candidate graph (as RunOptions::k). Default: 24.
  int k = 24;
  // Threads of candidate generation when a state is built. Default: 1.
  int threads = 1;
  // Seed of the engine's repair. Default: 1.
  uint64_t seed = 1;
  // Clock for create_time and expire_time of replacements, in seconds since the Unix epoch.
  // Empty: the real clock.
  std::function<int64_t()> now;
};

class LiveRepair {
 public:
  LiveRepair(storage::Store* store, LiveOptions options);
  ~LiveRepair();
  LiveRepair(const LiveRepair&) = delete;
  LiveRepair& operator=(const LiveRepair&) = delete;

  // The pair of `closed` (already stored as DECLINED, CANCELLED or EXPIRED) never meets again:
  // removes it from the live schedule, refills both attendees and stores the replacements.
  // Returns the stored replacements (possibly none). FAILED_PRECONDITION if the event has no
  // finished run to repair; UNAVAILABLE while a run is in progress (it plans around the
  // change anyway); store errors as returned.
  absl::StatusOr<std::vector<v1::Meeting>> PairClosed(const v1::Meeting& closed);

  // Fills free slots of the attendee (at most `count` slots; 0 = every free slot) with feasible
  // partners, up to the attendee's budget. Errors as PairClosed; NOT_FOUND for an attendee the
  // state does not know (imported after it was built: run matching again).
  absl::StatusOr<std::vector<v1::Meeting>> RequestMore(uint64_t event_id, uint64_t attendee_id,
                                                       uint32_t count);

  // Drops the event's state (after a run replaced its proposals).
  void Invalidate(uint64_t event_id);

 private:
  struct EventState;
  std::shared_ptr<EventState> StateOf(uint64_t event_id);
  absl::Status Build(uint64_t event_id, EventState* state);
  absl::StatusOr<std::vector<v1::Meeting>> Repair(
      uint64_t event_id,
      const std::function<absl::StatusOr<std::vector<v1::Meeting>>(EventState*)>& plan);
  int64_t Now() const;

  storage::Store* const store_;
  const LiveOptions options_;
  absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, std::shared_ptr<EventState>> events_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parley::matching

#endif  // PARLEY_SERVICES_MATCHING_LIVE_H_
