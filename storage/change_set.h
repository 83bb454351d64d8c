#ifndef PARLEY_STORAGE_CHANGE_SET_H_
#define PARLEY_STORAGE_CHANGE_SET_H_

// What one committed write changed, told to the store's listeners after it is durable. The
// change set is derived from the keys the write batch touched (store_internal.h's Batch), not
// written by hand at each call site, so no write can forget to say what it changed.

#include <cstdint>
#include <utility>
#include <vector>

namespace parley::storage {

struct ChangeSet {
  using EventAttendee = std::pair<uint64_t, uint64_t>;  // (event id, attendee id)

  // Attendee records created, updated or removed.
  std::vector<EventAttendee> attendees;
  // Attendees any of whose meetings (or proposals) was created, changed or deleted.
  std::vector<EventAttendee> meeting_attendees;
  // Event records created or changed.
  std::vector<uint64_t> events;
  // Attendees one of whose known pairs ("we already know each other") was added or removed.
  std::vector<EventAttendee> known_pair_attendees;
  // Events with a matching run record created or changed.
  std::vector<uint64_t> runs;
  // Events whose feedback or introductions changed.
  std::vector<uint64_t> relationship_events;
  // Communities whose memory (who met whom) changed.
  std::vector<uint64_t> memory_communities;
  bool communities = false;  // a community record was created
  bool tokens = false;       // a token was stored or revoked (or removed with its attendee)

  // Each list sorted and without duplicates (the store calls this before telling listeners).
  void Normalize();
  bool empty() const;
};

// Told of every committed write. Thread-safety: OnCommit is called on the writing thread, with
// the store's write lock held, in commit order, after the write is durable. It must be quick,
// must not call the store's write methods (reads are fine), and must not wait on a lock that
// anyone holds while writing to the store.
class CommitListener {
 public:
  virtual ~CommitListener() = default;
  virtual void OnCommit(const ChangeSet& changes) = 0;
};

}  // namespace parley::storage

#endif  // PARLEY_STORAGE_CHANGE_SET_H_
