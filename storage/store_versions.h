#ifndef PARLEY_STORAGE_STORE_VERSIONS_H_
#define PARLEY_STORAGE_STORE_VERSIONS_H_

// Invalidation for the read caches of the services (tokens, agenda views): a commit listener
// that records, after every write, which records the write may have changed. A cache remembers
// when it started reading (StoreVersions::Now) and which records its value was built from; the
// value is still good while none of them was written since (UnchangedSince). Because every
// write goes through the store's one commit function, which derives what changed from the keys
// it wrote, no handler can forget to invalidate.

#include <cstdint>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "storage/change_set.h"

namespace parley::storage {

// A record a cached value may depend on: (event, attendee) is an attendee (its profile and its
// meetings); (event, 0) is the event record and everything event-wide (a run replacing the
// schedule); (0, 0) is the token table.
using RecordKey = std::pair<uint64_t, uint64_t>;
inline RecordKey EventRecord(uint64_t event_id) { return {event_id, 0}; }
inline RecordKey AttendeeRecord(uint64_t event_id, uint64_t attendee_id) {
  return {event_id, attendee_id};
}
inline RecordKey TokensRecord() { return {0, 0}; }

// A logical clock and, per record, the clock value of its last write.
// Thread-safe. Memory: at most kMaxTracked records (~40 bytes each, ~3 MiB); beyond that the
// table is dropped and every value read before the drop counts as stale (correct, just a miss).
class StoreVersions final : public CommitListener {
 public:
  static constexpr size_t kMaxTracked = 1 << 16;

  // The clock before a read. A value built from reads that started after Now() returned `t`
  // reflects every write for which Bump had returned before that.
  uint64_t Now() const;
  // Called after a write was committed (or failed: a needless bump only costs a cache miss).
  void Bump(absl::Span<const RecordKey> records);
  // True if none of `records` was bumped after the clock read `since`.
  bool UnchangedSince(uint64_t since, absl::Span<const RecordKey> records) const;

  // Bumps what `changes` touched: attendee profiles and everyone whose meetings changed, event
  // records, the token table; a batch that wrote a run and meetings replaced the schedule, so
  // it bumps the event as a whole instead of each attendee.
  void OnCommit(const ChangeSet& changes) override;

 private:
  mutable absl::Mutex mu_;
  uint64_t clock_ ABSL_GUARDED_BY(mu_) = 1;
  // Values read before floor_ are stale (the table was dropped then).
  uint64_t floor_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<RecordKey, uint64_t> written_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parley::storage

#endif  // PARLEY_STORAGE_STORE_VERSIONS_H_
