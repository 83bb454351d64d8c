#include "storage/store_known_pairs.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "storage/key_codec.h"
#include "storage/status.h"

namespace parley::storage::known_pairs {
namespace {

rocksdb::Slice ToSlice(absl::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

// Whether `key` is present in `cf`.
absl::StatusOr<bool> Present(const Families& f, rocksdb::ColumnFamilyHandle* cf,
                             const std::string& key, absl::string_view what) {
  rocksdb::PinnableSlice value;
  rocksdb::Status s = f.db->Get(rocksdb::ReadOptions(), cf, ToSlice(key), &value);
  if (s.IsNotFound()) return false;
  absl::Status status = FromRocksDb(s, absl::StrCat("read ", what));
  if (!status.ok()) return status;
  return true;
}

AttendeePair Ordered(const AttendeePair& p) {
  return p.first < p.second ? p : AttendeePair{p.second, p.first};
}

absl::Status Stage(rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* cf, uint64_t event_id,
                   const AttendeePair& p, bool put) {
  for (const auto& [x, y] : {p, AttendeePair{p.second, p.first}}) {
    const std::string key = KnownPairKey(event_id, x, y);
    rocksdb::Status s =
        put ? batch->Put(cf, ToSlice(key), rocksdb::Slice()) : batch->Delete(cf, ToSlice(key));
    if (!s.ok()) return FromRocksDb(s, "batch known pair");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckPairs(absl::Span<const AttendeePair> pairs) {
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (pairs[i].first == 0 || pairs[i].second == 0) {
      return absl::InvalidArgumentError(absl::StrCat("pairs[", i, "]: attendee id 0"));
    }
    if (pairs[i].first == pairs[i].second) {
      return absl::InvalidArgumentError(
          absl::StrCat("pairs[", i, "]: attendee ", pairs[i].first, " paired with themselves"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<KnownPairOutcome>> StageAdd(const Families& f, uint64_t event_id,
                                                       absl::Span<const AttendeePair> pairs,
                                                       rocksdb::WriteBatch* batch) {
  absl::Status s = CheckPairs(pairs);
  if (!s.ok()) return s;
  std::vector<KnownPairOutcome> out;
  out.reserve(pairs.size());
  absl::flat_hash_set<AttendeePair> staged;
  absl::flat_hash_set<uint64_t> present, missing;
  auto exists = [&](uint64_t id) -> absl::StatusOr<bool> {
    if (present.contains(id)) return true;
    if (missing.contains(id)) return false;
    absl::StatusOr<bool> found = Present(f, f.attendees, AttendeeKey(event_id, id),
                                         absl::StrCat("attendee ", id, " of event ", event_id));
    if (!found.ok()) return found.status();
    (*found ? present : missing).insert(id);
    return *found;
  };
  for (const AttendeePair& pair : pairs) {
    const AttendeePair p = Ordered(pair);
    absl::StatusOr<bool> first = exists(p.first);
    if (!first.ok()) return first.status();
    absl::StatusOr<bool> second = exists(p.second);
    if (!second.ok()) return second.status();
    if (!*first || !*second) {
      out.push_back(KnownPairOutcome::kMissingAttendee);
      continue;
    }
    absl::StatusOr<bool> known =
        staged.contains(p) ? absl::StatusOr<bool>(true) : Contains(f, event_id, p.first, p.second);
    if (!known.ok()) return known.status();
    if (*known) {
      out.push_back(KnownPairOutcome::kUnchanged);
      continue;
    }
    s = Stage(batch, f.known_pairs, event_id, p, /*put=*/true);
    if (!s.ok()) return s;
    staged.insert(p);
    out.push_back(KnownPairOutcome::kAdded);
  }
  return out;
}

absl::StatusOr<std::vector<bool>> StageRemove(const Families& f, uint64_t event_id,
                                              absl::Span<const AttendeePair> pairs,
                                              rocksdb::WriteBatch* batch) {
  absl::Status s = CheckPairs(pairs);
  if (!s.ok()) return s;
  std::vector<bool> out;
  absl::flat_hash_set<AttendeePair> staged;
  for (const AttendeePair& pair : pairs) {
    const AttendeePair p = Ordered(pair);
    if (staged.contains(p)) {
      out.push_back(false);
      continue;
    }
    absl::StatusOr<bool> known = Contains(f, event_id, p.first, p.second);
    if (!known.ok()) return known.status();
    out.push_back(*known);
    if (!*known) continue;
    s = Stage(batch, f.known_pairs, event_id, p, /*put=*/false);
    if (!s.ok()) return s;
    staged.insert(p);
  }
  return out;
}

absl::Status StageEraseAttendee(const Families& f, uint64_t event_id, uint64_t attendee_id,
                                rocksdb::WriteBatch* batch) {
  const std::string prefix = KnownPairPrefix(event_id, attendee_id);
  const std::string upper = PrefixUpperBound(prefix);
  rocksdb::Slice upper_slice = ToSlice(upper);
  rocksdb::ReadOptions options;
  if (!upper.empty()) options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(f.db->NewIterator(options, f.known_pairs));
  for (it->Seek(ToSlice(prefix)); it->Valid(); it->Next()) {
    uint64_t event = 0, attendee = 0, partner = 0;
    const absl::string_view key(it->key().data(), it->key().size());
    if (!DecodeTripleKey(key, &event, &attendee, &partner)) {
      return absl::DataLossError(
          absl::StrCat("known pairs of attendee ", attendee_id, ": malformed key"));
    }
    absl::Status s = Stage(batch, f.known_pairs, event_id, {attendee_id, partner}, false);
    if (!s.ok()) return s;
  }
  return FromRocksDb(it->status(), absl::StrCat("scan known pairs of attendee ", attendee_id));
}

absl::StatusOr<bool> Contains(const Families& f, uint64_t event_id, uint64_t a, uint64_t b) {
  return Present(f, f.known_pairs, KnownPairKey(event_id, a, b),
                 absl::StrCat("known pair ", a, "-", b, " of event ", event_id));
}

absl::Status Scan(const Families& f, uint64_t event_id,
                  const std::function<bool(uint64_t a, uint64_t b)>& visit) {
  const std::string prefix = EncodeU64(event_id);
  const std::string upper = PrefixUpperBound(prefix);
  rocksdb::Slice upper_slice = ToSlice(upper);
  rocksdb::ReadOptions options;
  if (!upper.empty()) options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<const rocksdb::Snapshot, std::function<void(const rocksdb::Snapshot*)>> snapshot(
      f.db->GetSnapshot(), [db = f.db](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
  options.snapshot = snapshot.get();
  std::unique_ptr<rocksdb::Iterator> it(f.db->NewIterator(options, f.known_pairs));
  for (it->Seek(ToSlice(prefix)); it->Valid(); it->Next()) {
    uint64_t event = 0, a = 0, b = 0;
    if (!DecodeTripleKey(absl::string_view(it->key().data(), it->key().size()), &event, &a, &b)) {
      return absl::DataLossError(
          absl::StrCat("known pairs of event ", event_id, ": malformed key"));
    }
    if (a < b && !visit(a, b)) break;  // each pair once, from its smaller id
  }
  return FromRocksDb(it->status(), absl::StrCat("scan known pairs of event ", event_id));
}

}  // namespace parley::storage::known_pairs

// The Store's known-pair methods (store.h): the write lock, the batch and the commit around the
// per-pair code above.
namespace parley::storage {

known_pairs::Families Store::KnownPairFamilies() const {
  return {db_, cf(Cf::kKnownPairs), cf(Cf::kAttendees)};
}

template <typename Outcome, typename StageFn>
absl::StatusOr<std::vector<Outcome>> Store::EditKnownPairs(uint64_t event_id,
                                                           absl::Span<const AttendeePair> pairs,
                                                           StageFn stage, absl::string_view verb) {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  WriteScope write_lock(this);
  Batch batch(handles_);
  absl::StatusOr<std::vector<Outcome>> out =
      stage(KnownPairFamilies(), event_id, pairs, batch.batch());
  if (!out.ok()) return out.status();
  if (batch.batch()->Count() == 0) return out;
  absl::Status s =
      Commit(&batch, absl::StrCat(verb, " ", pairs.size(), " known pairs of event ", event_id));
  if (!s.ok()) return s;
  return write_lock.Finish(std::move(out));
}

absl::StatusOr<std::vector<KnownPairOutcome>> Store::AddKnownPairs(
    uint64_t event_id, absl::Span<const AttendeePair> pairs) {
  return EditKnownPairs<KnownPairOutcome>(event_id, pairs, known_pairs::StageAdd, "add");
}

absl::StatusOr<std::vector<bool>> Store::RemoveKnownPairs(uint64_t event_id,
                                                          absl::Span<const AttendeePair> pairs) {
  return EditKnownPairs<bool>(event_id, pairs, known_pairs::StageRemove, "remove");
}

absl::StatusOr<bool> Store::IsKnownPair(uint64_t event_id, uint64_t a, uint64_t b) const {
  InUse use(this);
  if (!use.ok()) return ClosedError();
  return known_pairs::Contains(KnownPairFamilies(), event_id, a, b);
}

absl::Status Store::ScanKnownPairs(uint64_t event_id,
                                   const std::function<bool(uint64_t, uint64_t)>& visit) const {
  InUse use(this);
  if (!use.ok()) return ClosedError();
  return known_pairs::Scan(KnownPairFamilies(), event_id, visit);
}

}  // namespace parley::storage
