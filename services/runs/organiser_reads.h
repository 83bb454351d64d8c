#ifndef PARLEY_SERVICES_RUNS_ORGANISER_READS_H_
#define PARLEY_SERVICES_RUNS_ORGANISER_READS_H_

// What the organiser's whole-event reads (the quality report's "why nothing?", analytics) need,
// kept up to date instead of scanned per call. Per event:
//  - the meeting index: every meeting's attendees, slot and state; from it the counts by state,
//    the occupancy (meetings that hold time, per attendee and per slot) and the attendees
//    without such a meeting, in id order, with their total;
//  - the "why nothing?" diagnoses, computed against the engine input of the latest run (loaded
//    once per run) and cached per attendee.
// The index is built by one scan when first read (or by Warm after a run) and then follows the
// store's commits: OnCommit only notes which attendees changed (a set insert under a small
// lock, so the store's writers never wait for a read), and the next read re-reads those
// attendees' records and meetings. A change touching more than a quarter of the event's
// attendees (a run, a big import) rebuilds the index by one scan instead. An attendee's cached
// diagnosis is dropped when their record or meetings change; a new run drops them all.
// Thread-safety: thread-safe. Reads of one event are serialised with each other; commits never
// wait for them. `store` is not owned and must outlive this object (and must not call OnCommit
// after it is destroyed: remove the listener first).

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "parley/v1/matching.pb.h"
#include "parley/v1/matching_service.pb.h"
#include "storage/change_set.h"
#include "storage/store.h"

namespace parley::matching {

// Meetings by state (index: v1::Meeting::State).
using MeetingStateCounts = std::array<uint32_t, 8>;

// A page of the attendees without a meeting that holds time, with their diagnoses.
struct WithoutMeetingPage {
  std::vector<v1::AttendeeDiagnostic> diagnoses;  // by attendee id
  uint64_t total = 0;                             // in the whole event
  bool more = false;                              // attendees after the page
};

class OrganiserReads : public storage::CommitListener {
 public:
  explicit OrganiserReads(storage::Store* store);
  ~OrganiserReads() override;
  OrganiserReads(const OrganiserReads&) = delete;
  OrganiserReads& operator=(const OrganiserReads&) = delete;

  void OnCommit(const storage::ChangeSet& changes) override;

  // The event's meetings by state. Store errors as returned.
  absl::StatusOr<MeetingStateCounts> CountMeetings(uint64_t event_id);

  // The attendees without a meeting that holds time (domain::OccupyingState) with id > `after`,
  // at most `limit` (> 0), each with why (cause and hint, see the proto's AttendeeDiagnostic).
  // Store errors as returned.
  absl::StatusOr<WithoutMeetingPage> WithoutMeeting(uint64_t event_id, uint64_t after, int limit);

  // Builds the event's index and loads the engine input of its latest run now, so that the
  // first report after a run does not pay for them. Errors as WithoutMeeting.
  absl::Status Warm(uint64_t event_id);

 private:
  struct EventReads;
  std::shared_ptr<EventReads> ReadsOf(uint64_t event_id);
  // Brings the index of `r` up to date with the commits noted since the last read.
  absl::Status Refresh(uint64_t event_id, EventReads* r);
  absl::Status Rebuild(uint64_t event_id, EventReads* r);
  absl::Status RereadAttendee(uint64_t event_id, uint64_t attendee_id, EventReads* r);
  // The engine input of the event's latest run (reloaded when the run changed).
  absl::Status LoadEngine(uint64_t event_id, EventReads* r);

  storage::Store* const store_;
  absl::Mutex mu_;
  absl::flat_hash_map<uint64_t, std::shared_ptr<EventReads>> events_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parley::matching

#endif  // PARLEY_SERVICES_RUNS_ORGANISER_READS_H_
