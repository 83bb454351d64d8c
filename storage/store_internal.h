#ifndef PARLEY_STORAGE_STORE_INTERNAL_H_
#define PARLEY_STORAGE_STORE_INTERNAL_H_

// The store's own building blocks, shared by its .cc files (one per entity) and by nothing else:
// byte conversions, deterministic serialisation, the write batch and what it changes,
// prefix scans. Include storage/store.h instead.

#include <array>
#include <cassert>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/message_lite.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "rocksdb/write_batch.h"
#include "storage/change_set.h"
#include "storage/key_codec.h"
#include "storage/status.h"

namespace parley::storage {

inline rocksdb::Slice ToSlice(absl::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
inline absl::string_view ToView(const rocksdb::Slice& s) {
  return absl::string_view(s.data(), s.size());
}

inline int64_t NowSeconds() { return absl::ToUnixSeconds(absl::Now()); }

// Deterministic, so that equal messages have equal bytes (UpsertAttendees compares them).
std::string Serialize(const google::protobuf::MessageLite& message);

template <typename Message>
absl::Status Parse(absl::string_view bytes, absl::string_view what, Message* out) {
  if (!out->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat(what, ": stored record does not parse"));
  }
  return absl::OkStatus();
}

// Column families whose keys are read by point lookups get bloom filters; the others are only
// ever scanned by prefix.
bool HasPointLookups(Cf cf);

using Handles = std::array<rocksdb::ColumnFamilyHandle*, kCfCount>;

// A WriteBatch that remembers its first error, so call sites stay flat; Commit reports it.
class Batch {
 public:
  // `reserved_bytes` sizes the batch up front so that a big import does not regrow it.
  explicit Batch(const Handles& handles, size_t reserved_bytes = 0)
      : handles_(handles), batch_(reserved_bytes) {}
  void Put(Cf cf, absl::string_view key, absl::string_view value) {
    Note(batch_.Put(handles_[static_cast<size_t>(cf)], ToSlice(key), ToSlice(value)));
  }
  void Delete(Cf cf, absl::string_view key) {
    Note(batch_.Delete(handles_[static_cast<size_t>(cf)], ToSlice(key)));
  }
  const rocksdb::Status& status() const { return status_; }
  rocksdb::WriteBatch* batch() { return &batch_; }

 private:
  void Note(rocksdb::Status s) {
    if (status_.ok() && !s.ok()) status_ = std::move(s);
  }
  const Handles& handles_;
  rocksdb::WriteBatch batch_;
  rocksdb::Status status_;
};

// What a write batch changes, read off the keys it holds (key_codec.h's layouts), however they
// were added: through Batch or straight into its rocksdb::WriteBatch.
// `cf_of_id[id]` is the Cf of RocksDB's column family id (kCount for an unknown id).
ChangeSet ChangesOf(const rocksdb::WriteBatch& batch, const std::vector<Cf>& cf_of_id);

// Iterates the keys of `cf` that start with `prefix`, from `start` (>= prefix) on. Owns the
// upper bound, which must outlive the iterator.
class PrefixScan {
 public:
  PrefixScan(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, rocksdb::ReadOptions options,
             absl::string_view prefix, absl::string_view start)
      : upper_(PrefixUpperBound(prefix)), options_(std::move(options)) {
    upper_slice_ = ToSlice(upper_);
    if (!upper_.empty()) options_.iterate_upper_bound = &upper_slice_;
    it_.reset(db->NewIterator(options_, cf));
    it_->Seek(ToSlice(start));
  }
  bool Valid() const { return it_->Valid(); }
  void Next() { it_->Next(); }
  absl::string_view key() const { return ToView(it_->key()); }
  absl::string_view value() const { return ToView(it_->value()); }
  // Call after the loop: an iterator that stops early on an error is otherwise just !Valid().
  rocksdb::Status status() const { return it_->status(); }

 private:
  std::string upper_;
  rocksdb::Slice upper_slice_;
  rocksdb::ReadOptions options_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

inline absl::Status CheckLimit(int limit) {
  if (limit <= 0) return absl::InvalidArgumentError(absl::StrCat("limit must be > 0, got ", limit));
  return absl::OkStatus();
}
}  // namespace parley::storage

#endif  // PARLEY_STORAGE_STORE_INTERNAL_H_
