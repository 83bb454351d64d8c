#ifndef PARLEY_SERVICES_MATCHING_LIVE_H_
#define PARLEY_SERVICES_MATCHING_LIVE_H_

// Live repair of a stored schedule: when a pair will never meet (declined, cancelled, expired),
// an attendee asks for more, or profiles change, the engine's incremental repair
// (match::LiveSchedule) refills the attendees concerned, and the replacement proposals are stored
// in one batch (Store::InsertMeetings). Every other meeting stays as it is. Knows nothing of gRPC.
//
// Per event, a LiveSchedule is built from the store (attendees, the candidate graph built exactly
// as a run builds it, every PROPOSED, CONFIRMED, HELD and NO_SHOW meeting) once: right after a
// run or at server start (Warm), or lazily by the first repair. From then on every change is
// applied to it in place, with no whole-event load and no candidate generation (builds() counts
// the builds): a closed pair is banned in the engine and excluded from the candidate index
// (CandidateIndex::ExcludePair) and both sides are refilled; a changed record goes through
// CandidateIndex::UpsertProfile and LiveSchedule::UpdateAttendee (its new list joins the graph,
// cancelled pairs are banned, its slots and budget change) and those concerned are refilled. It is
// built again only when that cannot follow: a new run (Invalidate(); Store::InsertMeetings also
// refuses, ABORTED, a plan made from an older run), attendees added or removed (an import's batch
// is one build), or the engine and the store disagreeing.
//
// Beyond the candidate lists: the lists hold each attendee's top K partners, most of whom are
// full once a run has planned. When a repair leaves an attendee with budget and a free slot, the
// attendees who also have room in a common free slot (kept in a list, so a repair does not look
// at everyone) are scored exactly (MatchProblem::Score), at most 4,096 of them from a different
// start each time, and the best feasible ones become edges of the live graph
// (LiveSchedule::AddEdges), so a replacement is found when a feasible partner is free, not only
// when one is in the lists.
//
// Thread-safety: thread-safe; calls for one event are serialised (a repair may wait for a build
// of that event, which takes what candidate generation takes). `store` is not owned and must
// outlive this object.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "parley/v1/matching.pb.h"
#include "services/domain/clock.h"
#include "services/match/graph.h"
#include "services/match/schedule.h"
#include "services/runs/engine_event.h"
#include "storage/store.h"

namespace parley::matching {

struct LiveOptions {
  // Partners per attendee in the candidate graph (as RunOptions::k). Default: 24.
  int k = 24;
  // Threads of candidate generation when a state is built. Default: 1.
  int threads = 1;
  // Seed of the engine's repair. Default: 1.
  uint64_t seed = 1;
  // Clock for create_time and expire_time of replacements. Not owned; must outlive the
  // LiveRepair. Default: the real clock.
  const domain::Clock* clock = domain::Clock::Real();
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
  // partners, up to the attendee's budget: from the candidate graph first, and when that adds
  // nothing, from everyone with room in a common free slot (as a repair does, see above). Errors as
  // PairClosed; NOT_FOUND for an attendee the state does not know (imported after it was built: run
  // matching again).
  absl::StatusOr<std::vector<v1::Meeting>> RequestMore(uint64_t event_id, uint64_t attendee_id,
                                                       uint32_t count);

  // What a profile change did: meetings the new profiles rule out (stored CANCELLED) and the
  // replacements stored for the attendees concerned.
  struct ProfileRepair {
    std::vector<v1::Meeting> cancelled;
    std::vector<v1::Meeting> added;
  };
  // The stored records of `attendee_ids` changed (edited, imported again, added or removed).
  // First cancels their PROPOSED and CONFIRMED meetings that the new records rule out:
  //  - all of them when the budget is 0 (opted out) or the attendee was removed;
  //  - those in a slot no longer in the availability (CONFIRMED ones too: the attendee cannot be
  //    there);
  //  - those with a partner now excluded by a hard constraint (avoid lists either way, avoided
  //    or same organisation, no common language);
  //  - when more PROPOSED and CONFIRMED meetings remain than the budget, PROPOSED ones, lowest
  //    score first, until the budget is met or none is left (CONFIRMED meetings are commitments
  //    both made and stay).
  // Then updates the live state in place (see the file comment; a build when attendees were
  // added or removed) and refills the changed attendees and every partner who lost a meeting.
  // Cancellations are stored even when the event has no run to repair (FAILED_PRECONDITION,
  // UNAVAILABLE are then not errors: nothing is added).
  absl::StatusOr<ProfileRepair> ProfilesChanged(uint64_t event_id,
                                                const std::vector<uint64_t>& attendee_ids);

  // Builds the event's state now if it has none (after a run, so that the first repair does not
  // pay for candidate generation). Errors as PairClosed.
  absl::Status Warm(uint64_t event_id);

  // Drops the event's state (after a run replaced its proposals).
  void Invalidate(uint64_t event_id);

  // How many times a state was built from the store (a whole-event load and candidate
  // generation), over all events: changes applied in place do not count. For tests and logs.
  uint64_t builds() const { return builds_.load(std::memory_order_relaxed); }

 private:
  struct EventState;
  std::shared_ptr<EventState> StateOf(uint64_t event_id);
  absl::Status Build(uint64_t event_id, EventState* state);
  // Makes the live schedule from the stored meetings of `loaded` over state->index.
  absl::Status Adopt(EventState* state, EngineEvent loaded);
  // Applies changed records to a built state in place: each attendee's profile goes through
  // CandidateIndex::UpsertProfile, the pairs the store just cancelled (`lost`: attendee ->
  // partners) and known pairs are excluded, and the engine updates the attendee
  // (LiveSchedule::UpdateAttendee) and refills those concerned. Returns the meetings to store.
  // FAILED_PRECONDITION when the state cannot follow (another run, attendees came or went):
  // build it again.
  absl::StatusOr<std::vector<match::Meeting>> Update(
      uint64_t event_id, EventState* state, const std::vector<uint64_t>& attendee_ids,
      const absl::flat_hash_map<uint64_t, std::vector<uint64_t>>& lost);
  // Refills the changed attendees and the partners of `cancelled` in a state just built.
  absl::StatusOr<std::vector<match::Meeting>> RefillBuilt(
      EventState* state, const std::vector<uint64_t>& attendee_ids,
      const std::vector<v1::Meeting>& cancelled);
  absl::StatusOr<std::vector<v1::Meeting>> CancelRuledOut(uint64_t event_id, uint64_t attendee_id);
  // Refills `attendees` beyond their candidate lists (see the file comment); appends what was
  // added. False when the engine removed a meeting the store still holds (rebuild next time).
  // `count`: free slots filled per attendee at most (0 = all), as RequestMore.
  absl::StatusOr<bool> ReachOut(EventState* state, const std::vector<match::Index>& attendees,
                                std::vector<match::Meeting>* added, uint32_t count = 0);
  std::vector<v1::Meeting> ToStored(const EventState& state,
                                    const std::vector<match::Meeting>& added) const;
  absl::StatusOr<std::vector<v1::Meeting>> Repair(
      uint64_t event_id,
      const std::function<absl::StatusOr<std::vector<v1::Meeting>>(EventState*)>& plan);
  int64_t Now() const;

  storage::Store* const store_;
  const LiveOptions options_;
  std::atomic<uint64_t> builds_{0};
  absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, std::shared_ptr<EventState>> events_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parley::matching

#endif  // PARLEY_SERVICES_MATCHING_LIVE_H_
