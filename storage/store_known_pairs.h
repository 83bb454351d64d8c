#ifndef PARLEY_STORAGE_STORE_KNOWN_PAIRS_H_
#define PARLEY_STORAGE_STORE_KNOWN_PAIRS_H_

// The known_pairs column family (layout in key_codec.h): the reads and batch edits the Store's
// known-pair methods and erasure are built from. Internal to storage/: the caller holds the
// store's write lock for the Stage* functions and commits the batch; nothing here writes.
// Errors: RocksDB errors converted by FromRocksDb; DATA_LOSS for a malformed key.

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "storage/store.h"

namespace parley::storage::known_pairs {

struct Families {
  rocksdb::DB* db;
  rocksdb::ColumnFamilyHandle* known_pairs;
  rocksdb::ColumnFamilyHandle* attendees;
};

// INVALID_ARGUMENT naming the pair ("pairs[3]: ...") for an id of 0 or a == b.
absl::Status CheckPairs(absl::Span<const AttendeePair> pairs);

// Puts the new pairs (both directions) into `batch`; see Store::AddKnownPairs.
absl::StatusOr<std::vector<KnownPairOutcome>> StageAdd(const Families& f, uint64_t event_id,
                                                       absl::Span<const AttendeePair> pairs,
                                                       rocksdb::WriteBatch* batch);
// Deletes the known ones (both directions) in `batch`; per pair, whether it was known.
absl::StatusOr<std::vector<bool>> StageRemove(const Families& f, uint64_t event_id,
                                              absl::Span<const AttendeePair> pairs,
                                              rocksdb::WriteBatch* batch);
// Deletes every pair of `attendee_id` (both directions) in `batch`: erasure.
absl::Status StageEraseAttendee(const Families& f, uint64_t event_id, uint64_t attendee_id,
                                rocksdb::WriteBatch* batch);

absl::StatusOr<bool> Contains(const Families& f, uint64_t event_id, uint64_t a, uint64_t b);
absl::Status Scan(const Families& f, uint64_t event_id,
                  const std::function<bool(uint64_t a, uint64_t b)>& visit);

}  // namespace parley::storage::known_pairs

#endif  // PARLEY_STORAGE_STORE_KNOWN_PAIRS_H_
