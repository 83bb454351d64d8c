#include "storage/store.h"

#include <glog/logging.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/snapshot.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"
#include "storage/db_open.h"
#include "storage/disk_space.h"
#include "storage/erasure.h"
#include "storage/key_codec.h"
#include "storage/status.h"
#include "storage/store_internal.h"
#include "storage/store_known_pairs.h"

namespace parley::storage {

std::string Serialize(const google::protobuf::MessageLite& message) {
  std::string out;
  const size_t size = message.ByteSizeLong();
  out.resize(size);
  google::protobuf::io::ArrayOutputStream array(out.data(), static_cast<int>(size));
  google::protobuf::io::CodedOutputStream coded(&array);
  coded.SetSerializationDeterministic(true);
  message.SerializeWithCachedSizes(&coded);
  assert(!coded.HadError());
  return out;
}

bool HasPointLookups(Cf cf) {
  switch (cf) {
    case Cf::kEventsByCommunity:
    case Cf::kTokensByCommunity:
    case Cf::kTokensByAttendee:
    case Cf::kMeetingsByAttendee:
    case Cf::kMemory:
    case Cf::kDefault:
      return false;
    default:
      return true;
  }
}

namespace {

// Adds what one key of `cf` changes to `changes`.
void RecordKey(Cf cf, absl::string_view key, ChangeSet* changes) {
  uint64_t first = 0, second = 0, third = 0;
  absl::string_view rest = key;
  switch (cf) {
    case Cf::kAttendees:
      if (DecodePairKey(key, &first, &second)) changes->attendees.emplace_back(first, second);
      break;
    case Cf::kMeetingsByAttendee:
      if (DecodeTripleKey(key, &first, &second, &third)) {
        changes->meeting_attendees.emplace_back(first, second);
      }
      break;
    case Cf::kEvents:
      if (DecodeU64Key(key, &first)) changes->events.push_back(first);
      break;
    case Cf::kRuns:
      if (ConsumeU64(&rest, &first)) changes->runs.push_back(first);
      break;
    case Cf::kFeedback:
    case Cf::kIntroductions:
      if (ConsumeU64(&rest, &first)) changes->relationship_events.push_back(first);
      break;
    case Cf::kMemory:
      if (ConsumeU64(&rest, &first)) changes->memory_communities.push_back(first);
      break;
    case Cf::kKnownPairs:
      if (DecodeTripleKey(key, &first, &second, &third)) {
        changes->known_pair_attendees.emplace_back(first, second);
      }
      break;
    case Cf::kCommunities:
      changes->communities = true;
      break;
    case Cf::kTokens:
    case Cf::kTokenIds:
    case Cf::kTokensByCommunity:
    case Cf::kTokensByAttendee:
      changes->tokens = true;
      break;
    default:
      // Indexes and counters (events_by_community, attendees_by_external_id, meetings, meta)
      // change only together with a record above.
      break;
  }
}

class ChangeRecorder : public rocksdb::WriteBatch::Handler {
 public:
  ChangeRecorder(const std::vector<Cf>& cf_of_id, ChangeSet* changes)
      : cf_of_id_(cf_of_id), changes_(changes) {}
  rocksdb::Status PutCF(uint32_t id, const rocksdb::Slice& key, const rocksdb::Slice&) override {
    return Record(id, key);
  }
  rocksdb::Status DeleteCF(uint32_t id, const rocksdb::Slice& key) override {
    return Record(id, key);
  }
  rocksdb::Status SingleDeleteCF(uint32_t id, const rocksdb::Slice& key) override {
    return Record(id, key);
  }
  rocksdb::Status DeleteRangeCF(uint32_t id, const rocksdb::Slice& begin,
                                const rocksdb::Slice&) override {
    return Record(id, begin);  // the store's ranges stay inside one record's prefix
  }
  rocksdb::Status MergeCF(uint32_t id, const rocksdb::Slice& key, const rocksdb::Slice&) override {
    return Record(id, key);
  }

 private:
  rocksdb::Status Record(uint32_t id, const rocksdb::Slice& key) {
    if (id < cf_of_id_.size() && cf_of_id_[id] != Cf::kCount) {
      RecordKey(cf_of_id_[id], ToView(key), changes_);
    }
    return rocksdb::Status::OK();
  }
  const std::vector<Cf>& cf_of_id_;
  ChangeSet* changes_;
};

}  // namespace

ChangeSet ChangesOf(const rocksdb::WriteBatch& batch, const std::vector<Cf>& cf_of_id) {
  ChangeSet changes;
  ChangeRecorder recorder(cf_of_id, &changes);
  rocksdb::Status s = batch.Iterate(&recorder);
  assert(s.ok());  // the recorder accepts every record kind the store writes
  (void)s;
  changes.Normalize();
  return changes;
}

namespace {

// The one call of DB::Open (RocksDB 7.8 has only the DB** form). Refuses column families this
// version does not know before opening, because RocksDB insists on opening all of them.
// On a full disk (DB::Open writes a MANIFEST, an OPTIONS file and a WAL) an existing store is
// opened read-only instead, so that it serves reads; `*read_only` says so.
absl::Status OpenDb(const StoreOptions& options, bool existed, rocksdb::DB** db, Handles* handles,
                    bool* read_only) {
  *read_only = false;
  rocksdb::DBOptions db_options;
  ConfigureRecovery(options.salvage_wal, &db_options);
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.bytes_per_sync = 1 << 20;
  // All memtables together; a flush is triggered when they exceed it.
  db_options.db_write_buffer_size = 64 << 20;
  db_options.keep_log_file_num = 5;
  // Writes are serialised by the store's write mutex anyway; single-threaded memtable inserts
  // can use insert hints (below).
  db_options.allow_concurrent_memtable_write = false;

  if (existed) {
    std::vector<std::string> names;
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(db_options, options.path, &names);
    if (!s.ok()) return FromRocksDb(s, absl::StrCat("list column families of ", options.path));
    std::vector<std::string> unknown;
    for (const std::string& name : names) {
      if (std::find(kCfNames.begin(), kCfNames.end(), name) == kCfNames.end()) {
        unknown.push_back(name);
      }
    }
    if (!unknown.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "store at ", options.path, " holds column families this version does not know (",
          absl::StrJoin(unknown, ", "), "); it was written by a newer Parley (key format > ",
          kKeyFormatVersion, ")"));
    }
  }

  std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (size_t i = 0; i < kCfCount; ++i) {
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = cache;
    table.cache_index_and_filter_blocks = true;
    table.pin_l0_filter_and_index_blocks_in_cache = true;
    if (HasPointLookups(static_cast<Cf>(i))) {
      table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
      table.optimize_filters_for_memory = true;
    }
    rocksdb::ColumnFamilyOptions cf_options;  // level compaction, RocksDB's defaults
    cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    if (static_cast<Cf>(i) == Cf::kAttendees || static_cast<Cf>(i) == Cf::kAttendeesByExternalId) {
      // An import writes runs of ascending keys under one event (new ids; sorted external ids):
      // with a per-event insert hint the memtable skips most of the skiplist search. Needs
      // allow_concurrent_memtable_write off.
      cf_options.memtable_insert_with_hint_prefix_extractor.reset(
          rocksdb::NewFixedPrefixTransform(8));
    }
    if (static_cast<Cf>(i) == Cf::kAttendeesByExternalId) {
      // A bloom filter on this memtable too: an import looks up every external_id, and most are
      // new, so most lookups can skip the skiplist. Only here: the other column families' point
      // lookups mostly hit (a token, an event, a record named by an index), where a memtable
      // bloom only costs. It is allocated whole with each memtable and counts against
      // db_write_buffer_size: at 0.05 on every point-lookup family it took 11 x 3.2 MiB of the
      // 64 MiB before a row was written, so a 100k-row import flushed every family (most
      // holding a few keys) mid-way. 0.02 of the 64 MiB write buffer is 10.7 Mbit: > 50 bits per
      // index entry up to 200k entries in one memtable.
      cf_options.memtable_whole_key_filtering = true;
      cf_options.memtable_prefix_bloom_size_ratio = 0.02;
    }
    descriptors.emplace_back(std::string(kCfNames[i]), cf_options);
  }

  std::vector<rocksdb::ColumnFamilyHandle*> opened;
  if (options.salvage_wal) LogWalSalvage(options.path);
  rocksdb::Status s =
      rocksdb::DB::Open(rocksdb::DBOptions(db_options), options.path, descriptors, &opened, db);
  if (s.IsNoSpace() && existed) {
    LOG(ERROR) << "store at " << options.path << ": disk full at start (" << s.ToString()
               << "): opening read-only; writes fail until a restart with free space";
    opened.clear();
    s = rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(db_options), options.path, descriptors,
                                     &opened, db);
    *read_only = s.ok();
  }
  if (!s.ok()) return ExplainOpenFailure(s, options.path);
  assert(opened.size() == kCfCount);
  std::copy(opened.begin(), opened.end(), handles->begin());
  return absl::OkStatus();
}

}  // namespace

absl::Status Store::Init(bool existed) {
  absl::MutexLock write_lock(&write_mu_);
  rocksdb::PinnableSlice value;
  absl::Status s =
      Read(rocksdb::ReadOptions(), Cf::kMeta, kMetaFormatVersion, "key format version", &value);
  if (absl::IsNotFound(s)) {
    // A new store, or one that crashed between creation and this write: only an empty one may
    // be adopted.
    for (size_t i = 0; existed && i < kCfCount; ++i) {
      std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handles_[i]));
      it->SeekToFirst();
      if (!it->status().ok()) {
        return FromRocksDb(it->status(), absl::StrCat("scan ", kCfNames[i]));
      }
      if (it->Valid()) {
        return absl::FailedPreconditionError(
            absl::StrCat("store at ", options_.path,
                         " holds data but no key format version: not a Parley store?"));
      }
    }
    Batch batch(handles_);
    batch.Put(Cf::kMeta, kMetaFormatVersion, EncodeU64(kKeyFormatVersion));
    return Commit(&batch, "key format version");
  }
  if (!s.ok()) return s;
  uint64_t version = 0;
  const bool readable = DecodeU64(ToView(value), &version);
  if (!readable || version != kKeyFormatVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("store at ", options_.path, " has key format version ",
                     readable ? absl::StrCat(version) : "<unreadable>",
                     "; this build of Parley reads version ", kKeyFormatVersion,
                     readable && version > kKeyFormatVersion ? " (upgrade Parley to open it)"
                                                             : " (unknown version)"));
  }

  const std::pair<absl::string_view, uint64_t*> counters[] = {
      {kMetaLastCommunityId, &last_community_id_},
      {kMetaLastEventId, &last_event_id_},
      {kMetaLastAttendeeId, &last_attendee_id_},
      {kMetaLastMeetingId, &last_meeting_id_},
      {kMetaLastRunId, &last_run_id_},
      {kMetaLastIntroductionId, &last_introduction_id_},
  };
  for (const auto& [key, counter] : counters) {
    rocksdb::PinnableSlice stored;
    s = Read(rocksdb::ReadOptions(), Cf::kMeta, key, key, &stored);
    if (absl::IsNotFound(s)) continue;
    if (!s.ok()) return s;
    if (!DecodeU64(ToView(stored), counter)) {
      return absl::DataLossError(absl::StrCat("meta ", key, ": not an 8-byte counter"));
    }
  }
  return absl::OkStatus();
}

absl::Status Store::Close() {
  {
    absl::MutexLock lock(&state_mu_);
    if (closing_) {
      // Another Close is tearing down (or has); wait for it so the database is closed on return.
      state_mu_.Await(absl::Condition(&closed_));
      return absl::OkStatus();
    }
    closing_ = true;
    auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(state_mu_) { return calls_in_flight_ == 0; };
    state_mu_.Await(absl::Condition(&idle));
  }
  absl::Status result;
  if (erasure_ != nullptr) {
    // No call is in flight, so no snapshot can hold an erased record back.
    erasure_->Stop();
    result = erasure_->CompactNow();
    erasure_.reset();
  }
  if (!read_only_) {
    rocksdb::FlushOptions flush;
    flush.wait = true;
    absl::Status s = FromRocksDb(db_->Flush(flush, std::vector<rocksdb::ColumnFamilyHandle*>(
                                                       handles_.begin(), handles_.end())),
                                 absl::StrCat("flush store at ", options_.path));
    if (result.ok()) result = s;
  }
  for (size_t i = 0; i < kCfCount; ++i) {
    absl::Status s = FromRocksDb(db_->DestroyColumnFamilyHandle(handles_[i]),
                                 absl::StrCat("close column family ", kCfNames[i]));
    if (result.ok()) result = s;
    handles_[i] = nullptr;
  }
  absl::Status s = FromRocksDb(db_->Close(), absl::StrCat("close store at ", options_.path));
  if (result.ok()) result = s;
  delete db_;
  db_ = nullptr;
  absl::MutexLock lock(&state_mu_);
  closed_ = true;
  return result;
}

absl::Status Store::MultiRead(const rocksdb::ReadOptions& read_options, Cf c,
                              const std::vector<std::string>& keys, absl::string_view what,
                              std::vector<rocksdb::PinnableSlice>* values, std::vector<bool>* found,
                              bool sorted) const {
  const size_t n = keys.size();
  std::vector<rocksdb::Slice> slices;
  slices.reserve(n);
  for (const std::string& key : keys) slices.push_back(ToSlice(key));
  *values = std::vector<rocksdb::PinnableSlice>(n);
  std::vector<rocksdb::Status> statuses(n);
  found->assign(n, false);
  if (n == 0) return absl::OkStatus();
  db_->MultiGet(read_options, cf(c), n, slices.data(), values->data(), statuses.data(), sorted);
  for (size_t i = 0; i < n; ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) return FromRocksDb(statuses[i], absl::StrCat("read ", what));
    (*found)[i] = true;
  }
  return absl::OkStatus();
}

// --- Communities -------------------------------------------------------------------------

absl::StatusOr<v1::Community> Store::CreateCommunity(v1::Community community) {
  InUse use(this);
  if (!use.ok()) return ClosedError();
  absl::MutexLock write_lock(&write_mu_);
  const uint64_t id = last_community_id_ + 1;
  community.set_id(id);
  community.set_create_time(NowSeconds());
  Batch batch(handles_);
  batch.Put(Cf::kCommunities, CommunityKey(id), Serialize(community));
  batch.Put(Cf::kMeta, kMetaLastCommunityId, EncodeU64(id));
  absl::Status s = Commit(&batch, absl::StrCat("community ", id));
  if (!s.ok()) return s;
  last_community_id_ = id;
  return community;
}

absl::StatusOr<v1::Community> Store::GetCommunity(uint64_t community_id) const {
  if (community_id == 0) return absl::InvalidArgumentError("community id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  return ReadRecord<v1::Community>(rocksdb::ReadOptions(), Cf::kCommunities,
                                   CommunityKey(community_id),
                                   absl::StrCat("community ", community_id));
}

absl::StatusOr<std::vector<v1::Community>> Store::ListCommunities(uint64_t after_id,
                                                                  int limit) const {
  absl::Status s = CheckLimit(limit);
  if (!s.ok()) return s;
  std::vector<v1::Community> out;
  if (after_id == UINT64_MAX) return out;
  InUse use(this);
  if (!use.ok()) return ClosedError();
  PrefixScan scan(db_, cf(Cf::kCommunities), rocksdb::ReadOptions(), "",
                  CommunityKey(after_id + 1));
  for (; scan.Valid() && static_cast<int>(out.size()) < limit; scan.Next()) {
    s = Parse(scan.value(), "community record", &out.emplace_back());
    if (!s.ok()) return s;
  }
  s = FromRocksDb(scan.status(), "list communities");
  if (!s.ok()) return s;
  return out;
}

// --- Events ------------------------------------------------------------------------------

absl::StatusOr<v1::Event> Store::CreateEvent(v1::Event event) {
  const uint64_t community_id = event.community_id();
  if (community_id == 0) return absl::InvalidArgumentError("event.community_id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  absl::MutexLock write_lock(&write_mu_);
  absl::StatusOr<bool> exists = Exists(Cf::kCommunities, CommunityKey(community_id),
                                       absl::StrCat("community ", community_id));
  if (!exists.ok()) return exists.status();
  if (!*exists) return absl::NotFoundError(absl::StrCat("community ", community_id, " not found"));
  const uint64_t id = last_event_id_ + 1;
  const int64_t now = NowSeconds();
  event.set_id(id);
  event.set_create_time(now);
  event.set_update_time(now);
  Batch batch(handles_);
  batch.Put(Cf::kEvents, EventKey(id), Serialize(event));
  batch.Put(Cf::kEventsByCommunity, EventByCommunityKey(community_id, id), "");
  batch.Put(Cf::kMeta, kMetaLastEventId, EncodeU64(id));
  absl::Status s = Commit(&batch, absl::StrCat("event ", id, " of community ", community_id));
  if (!s.ok()) return s;
  last_event_id_ = id;
  return event;
}

absl::StatusOr<v1::Event> Store::GetEvent(uint64_t event_id) const {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  return ReadRecord<v1::Event>(rocksdb::ReadOptions(), Cf::kEvents, EventKey(event_id),
                               absl::StrCat("event ", event_id));
}

absl::StatusOr<std::vector<v1::Event>> Store::ListEvents(uint64_t community_id, uint64_t after_id,
                                                         int limit) const {
  if (community_id == 0) return absl::InvalidArgumentError("community id must not be 0");
  absl::Status s = CheckLimit(limit);
  if (!s.ok()) return s;
  std::vector<v1::Event> out;
  if (after_id == UINT64_MAX) return out;
  InUse use(this);
  if (!use.ok()) return ClosedError();
  rocksdb::ManagedSnapshot snapshot(db_);
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.snapshot();
  std::vector<std::string> keys;
  PrefixScan scan(db_, cf(Cf::kEventsByCommunity), read_options, EncodeU64(community_id),
                  EventByCommunityKey(community_id, after_id + 1));
  for (; scan.Valid() && static_cast<int>(keys.size()) < limit; scan.Next()) {
    uint64_t community = 0, event = 0;
    if (!DecodePairKey(scan.key(), &community, &event)) {
      return absl::DataLossError(
          absl::StrCat("events_by_community of community ", community_id, ": malformed key"));
    }
    keys.push_back(EventKey(event));
  }
  s = FromRocksDb(scan.status(), absl::StrCat("list events of community ", community_id));
  if (!s.ok()) return s;
  return ReadIndexed<v1::Event>(read_options, Cf::kEvents, keys,
                                absl::StrCat("events of community ", community_id));
}

absl::StatusOr<Mutated<v1::Event>> Store::MutateEvent(
    uint64_t event_id, const std::function<absl::Status(v1::Event*)>& mutate) {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  absl::MutexLock write_lock(&write_mu_);
  absl::StatusOr<v1::Event> event = ReadRecord<v1::Event>(
      rocksdb::ReadOptions(), Cf::kEvents, EventKey(event_id), absl::StrCat("event ", event_id));
  if (!event.ok()) return event.status();
  const uint64_t community_id = event->community_id();
  const int64_t create_time = event->create_time();
  const std::string before = Serialize(*event);
  absl::Status s = mutate(&*event);
  if (!s.ok()) return s;
  event->set_id(event_id);
  event->set_community_id(community_id);
  event->set_create_time(create_time);
  if (Serialize(*event) == before) return Mutated<v1::Event>{*std::move(event), false};
  event->set_update_time(NowSeconds());
  Batch batch(handles_);
  batch.Put(Cf::kEvents, EventKey(event_id), Serialize(*event));
  s = Commit(&batch, absl::StrCat("event ", event_id));
  if (!s.ok()) return s;
  return Mutated<v1::Event>{*std::move(event), true};
}

// --- Attendees ---------------------------------------------------------------------------

absl::StatusOr<v1::Attendee> Store::GetAttendee(uint64_t event_id, uint64_t attendee_id) const {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  if (attendee_id == 0) return absl::InvalidArgumentError("attendee id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  return ReadRecord<v1::Attendee>(rocksdb::ReadOptions(), Cf::kAttendees,
                                  AttendeeKey(event_id, attendee_id),
                                  absl::StrCat("attendee ", attendee_id, " of event ", event_id));
}

absl::StatusOr<uint64_t> Store::ReadExternalId(uint64_t event_id,
                                               absl::string_view external_id) const {
  rocksdb::PinnableSlice value;
  absl::Status s =
      Read(rocksdb::ReadOptions(), Cf::kAttendeesByExternalId, ExternalIdKey(event_id, external_id),
           absl::StrCat("external_id \"", external_id, "\" of event ", event_id), &value);
  if (absl::IsNotFound(s)) return 0;
  if (!s.ok()) return s;
  uint64_t id = 0;
  if (!DecodeU64(ToView(value), &id) || id == 0) {
    return absl::DataLossError(
        absl::StrCat("external_id index of event ", event_id, ": malformed attendee id"));
  }
  return id;
}

absl::StatusOr<v1::Attendee> Store::GetAttendeeByExternalId(uint64_t event_id,
                                                            absl::string_view external_id) const {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  // The index and the record are read separately; a concurrent RemoveAttendee between the two
  // reads makes the second one NOT_FOUND, which is the right answer.
  absl::StatusOr<uint64_t> id = ReadExternalId(event_id, external_id);
  if (!id.ok()) return id.status();
  if (*id == 0) {
    return absl::NotFoundError(absl::StrCat("attendee with external_id \"", external_id,
                                            "\" of event ", event_id, " not found"));
  }
  return ReadRecord<v1::Attendee>(rocksdb::ReadOptions(), Cf::kAttendees,
                                  AttendeeKey(event_id, *id),
                                  absl::StrCat("attendee ", *id, " of event ", event_id));
}

absl::StatusOr<std::vector<v1::Attendee>> Store::ListAttendees(uint64_t event_id, uint64_t after_id,
                                                               int limit) const {
  return ListOfEvent<v1::Attendee>(Cf::kAttendees, event_id, after_id, limit, "attendee");
}

absl::Status Store::ScanAttendees(uint64_t event_id,
                                  const std::function<bool(const v1::Attendee&)>& visit) const {
  return ScanOfEvent<v1::Attendee>(Cf::kAttendees, event_id, visit, "attendee");
}

absl::StatusOr<std::vector<UpsertResult>> Store::UpsertAttendeesInPlace(
    uint64_t event_id, absl::Span<v1::Attendee* const> rows) {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  const size_t n = rows.size();
  // Rows sharing an external_id share one slot; slot_of[i] is row i's.
  absl::flat_hash_map<absl::string_view, size_t> slot_by_external_id;
  slot_by_external_id.reserve(n);
  std::vector<size_t> slot_of(n);
  std::vector<std::string> index_keys;
  std::vector<int> rows_in_slot;
  for (size_t i = 0; i < n; ++i) {
    const std::string& external_id = rows[i]->external_id();
    if (external_id.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("row ", i, ": external_id is empty"));
    }
    auto [it, inserted] = slot_by_external_id.try_emplace(external_id, index_keys.size());
    if (inserted) {
      index_keys.push_back(ExternalIdKey(event_id, external_id));
      rows_in_slot.push_back(0);
    }
    slot_of[i] = it->second;
    ++rows_in_slot[it->second];
  }
  // Slots renumbered in key order: the index lookups then need no sort inside RocksDB, and new
  // index entries go into the batch in key order (with the memtable's insert hint each lands
  // next to the last).
  {
    std::vector<size_t> order(index_keys.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return index_keys[a] < index_keys[b]; });
    std::vector<size_t> rank(order.size());
    std::vector<std::string> sorted_keys(order.size());
    std::vector<int> sorted_counts(order.size());
    for (size_t r = 0; r < order.size(); ++r) {
      rank[order[r]] = r;
      sorted_keys[r] = std::move(index_keys[order[r]]);
      sorted_counts[r] = rows_in_slot[order[r]];
    }
    index_keys = std::move(sorted_keys);
    rows_in_slot = std::move(sorted_counts);
    for (size_t& slot : slot_of) slot = rank[slot];
  }
  std::vector<UpsertResult> results(n);

  InUse use(this);
  if (!use.ok()) return ClosedError();
  absl::MutexLock write_lock(&write_mu_);
  absl::Status event_exists = CheckEventExists(event_id);
  if (!event_exists.ok()) return event_exists;
  if (n == 0) return results;

  // Which external_ids exist already, then their records (for create_time and the comparison).
  struct Slot {
    uint64_t id = 0;
    int64_t create_time = 0;
    bool share_email = false;  // the attendee's consent, which rows never change
    bool share_phone = false;
    std::string comparable;  // the record without id, event_id and times, when needed
  };
  std::vector<Slot> slots(index_keys.size());
  std::vector<rocksdb::PinnableSlice> values;
  std::vector<bool> found;
  absl::Status s = MultiRead(rocksdb::ReadOptions(), Cf::kAttendeesByExternalId, index_keys,
                             absl::StrCat("external_id index of event ", event_id), &values, &found,
                             /*sorted=*/true);
  if (!s.ok()) return s;
  std::vector<std::string> record_keys;
  std::vector<size_t> record_slots;
  for (size_t k = 0; k < slots.size(); ++k) {
    if (!found[k]) continue;
    if (!DecodeU64(ToView(values[k]), &slots[k].id) || slots[k].id == 0) {
      return absl::DataLossError(
          absl::StrCat("external_id index of event ", event_id, ": malformed attendee id"));
    }
    record_keys.push_back(AttendeeKey(event_id, slots[k].id));
    record_slots.push_back(k);
  }
  s = MultiRead(rocksdb::ReadOptions(), Cf::kAttendees, record_keys,
                absl::StrCat("attendees of event ", event_id), &values, &found);
  if (!s.ok()) return s;
  v1::Attendee existing;
  for (size_t r = 0; r < record_keys.size(); ++r) {
    Slot& slot = slots[record_slots[r]];
    const std::string what = absl::StrCat("attendee ", slot.id, " of event ", event_id);
    if (!found[r]) {
      return absl::DataLossError(
          absl::StrCat("external_id index of event ", event_id, " names missing ", what));
    }
    existing.Clear();
    s = Parse(ToView(values[r]), what, &existing);
    if (!s.ok()) return s;
    slot.create_time = existing.create_time();
    slot.share_email = existing.share_email();
    slot.share_phone = existing.share_phone();
    existing.clear_id();
    existing.clear_event_id();
    existing.clear_create_time();
    existing.clear_update_time();
    slot.comparable = Serialize(existing);
  }

  const int64_t now = NowSeconds();
  uint64_t last_id = last_attendee_id_;
  Batch batch(handles_, n * 512);
  std::vector<size_t> new_slots;
  for (size_t i = 0; i < n; ++i) {
    v1::Attendee& row = *rows[i];
    Slot& slot = slots[slot_of[i]];
    row.clear_id();
    row.clear_event_id();
    row.clear_create_time();
    row.clear_update_time();
    row.set_share_email(slot.share_email);
    row.set_share_phone(slot.share_phone);
    UpsertOutcome outcome = UpsertOutcome::kCreated;
    if (slot.id != 0) {
      std::string comparable = Serialize(row);
      if (comparable == slot.comparable) {
        results[i] = {UpsertOutcome::kUnchanged, slot.id};
        --rows_in_slot[slot_of[i]];
        continue;
      }
      if (--rows_in_slot[slot_of[i]] > 0) slot.comparable = std::move(comparable);
      outcome = UpsertOutcome::kUpdated;
    } else {
      slot.id = ++last_id;
      slot.create_time = now;
      // Only a later row of this batch with the same external_id compares against this one.
      if (--rows_in_slot[slot_of[i]] > 0) slot.comparable = Serialize(row);
      new_slots.push_back(slot_of[i]);
    }
    row.set_id(slot.id);
    row.set_event_id(event_id);
    row.set_create_time(slot.create_time);
    row.set_update_time(now);
    batch.Put(Cf::kAttendees, AttendeeKey(event_id, slot.id), Serialize(row));
    results[i] = {outcome, slot.id};
  }
  // New index entries in key order (slots are numbered in key order).
  std::sort(new_slots.begin(), new_slots.end());
  for (size_t k : new_slots) {
    batch.Put(Cf::kAttendeesByExternalId, index_keys[k], EncodeU64(slots[k].id));
  }
  if (last_id != last_attendee_id_) batch.Put(Cf::kMeta, kMetaLastAttendeeId, EncodeU64(last_id));
  if (batch.batch()->Count() == 0) return results;
  s = Commit(&batch, absl::StrCat(n, " attendee rows of event ", event_id));
  if (!s.ok()) return s;
  last_attendee_id_ = last_id;
  return results;
}

absl::StatusOr<Mutated<v1::Attendee>> Store::MutateAttendee(
    uint64_t event_id, uint64_t attendee_id,
    const std::function<absl::Status(v1::Attendee*)>& mutate) {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  if (attendee_id == 0) return absl::InvalidArgumentError("attendee id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  absl::MutexLock write_lock(&write_mu_);
  const std::string key = AttendeeKey(event_id, attendee_id);
  absl::StatusOr<v1::Attendee> current =
      ReadRecord<v1::Attendee>(rocksdb::ReadOptions(), Cf::kAttendees, key,
                               absl::StrCat("attendee ", attendee_id, " of event ", event_id));
  if (!current.ok()) return current.status();
  v1::Attendee attendee = *current;
  absl::Status s = mutate(&attendee);
  if (!s.ok()) return s;
  attendee.set_id(attendee_id);
  attendee.set_event_id(event_id);
  attendee.set_create_time(current->create_time());
  attendee.set_update_time(current->update_time());
  if (Serialize(attendee) == Serialize(*current))
    return Mutated<v1::Attendee>{*std::move(current), false};
  attendee.set_update_time(NowSeconds());

  Batch batch(handles_);
  if (attendee.external_id() != current->external_id()) {
    if (!attendee.external_id().empty()) {
      absl::StatusOr<uint64_t> holder = ReadExternalId(event_id, attendee.external_id());
      if (!holder.ok()) return holder.status();
      if (*holder != 0 && *holder != attendee_id) {
        return absl::AlreadyExistsError(absl::StrCat("external_id \"", attendee.external_id(),
                                                     "\" of event ", event_id,
                                                     " already belongs to attendee ", *holder));
      }
      batch.Put(Cf::kAttendeesByExternalId, ExternalIdKey(event_id, attendee.external_id()),
                EncodeU64(attendee_id));
    }
    if (!current->external_id().empty()) {
      batch.Delete(Cf::kAttendeesByExternalId, ExternalIdKey(event_id, current->external_id()));
    }
  }
  batch.Put(Cf::kAttendees, key, Serialize(attendee));
  s = Commit(&batch, absl::StrCat("attendee ", attendee_id, " of event ", event_id));
  if (!s.ok()) return s;
  return Mutated<v1::Attendee>{std::move(attendee), true};
}

absl::StatusOr<bool> Store::RemoveAttendee(uint64_t event_id, uint64_t attendee_id) {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  if (attendee_id == 0) return absl::InvalidArgumentError("attendee id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  absl::MutexLock write_lock(&write_mu_);
  const std::string what = absl::StrCat("attendee ", attendee_id, " of event ", event_id);
  const std::string key = AttendeeKey(event_id, attendee_id);
  absl::StatusOr<v1::Attendee> attendee =
      ReadRecord<v1::Attendee>(rocksdb::ReadOptions(), Cf::kAttendees, key, what);
  if (absl::IsNotFound(attendee.status())) return false;
  if (!attendee.ok()) return attendee.status();

  Batch batch(handles_);
  batch.Delete(Cf::kAttendees, key);
  if (!attendee->external_id().empty()) {
    absl::StatusOr<uint64_t> holder = ReadExternalId(event_id, attendee->external_id());
    if (!holder.ok()) return holder.status();
    if (*holder == attendee_id) {
      batch.Delete(Cf::kAttendeesByExternalId, ExternalIdKey(event_id, attendee->external_id()));
    }
  }
  // The attendee's tokens, with every index entry that names them.
  const std::string prefix = TokenByAttendeePrefix(event_id, attendee_id);
  PrefixScan scan(db_, cf(Cf::kTokensByAttendee), rocksdb::ReadOptions(), prefix, prefix);
  for (; scan.Valid(); scan.Next()) {
    absl::string_view token_id = scan.key().substr(prefix.size());
    const std::string hash(scan.value());
    absl::StatusOr<v1::TokenInfo> token = ReadRecord<v1::TokenInfo>(
        rocksdb::ReadOptions(), Cf::kTokens, hash, absl::StrCat("token ", token_id));
    if (token.ok()) {
      batch.Delete(Cf::kTokensByCommunity,
                   TokenByCommunityKey(token->community_id(), static_cast<uint32_t>(token->role()),
                                       token_id));
    } else if (!absl::IsNotFound(token.status())) {
      return token.status();
    }
    batch.Delete(Cf::kTokens, hash);
    batch.Delete(Cf::kTokenIds, token_id);
    batch.Delete(Cf::kTokensByAttendee, scan.key());
  }
  absl::Status s = FromRocksDb(scan.status(), absl::StrCat("scan tokens of ", what));
  if (!s.ok()) return s;
  // The attendee's meetings, each with the index entries under both attendees.
  std::vector<v1::Meeting> erased_meetings;
  const std::string meetings_prefix = MeetingByAttendeePrefix(event_id, attendee_id);
  PrefixScan meetings(db_, cf(Cf::kMeetingsByAttendee), rocksdb::ReadOptions(), meetings_prefix,
                      meetings_prefix);
  for (; meetings.Valid(); meetings.Next()) {
    uint64_t event = 0, attendee = 0, meeting_id = 0;
    if (!DecodeTripleKey(meetings.key(), &event, &attendee, &meeting_id)) {
      return absl::DataLossError(absl::StrCat("meeting index of ", what, ": malformed key"));
    }
    const std::string meeting_key = MeetingKey(event_id, meeting_id);
    absl::StatusOr<v1::Meeting> meeting =
        ReadRecord<v1::Meeting>(rocksdb::ReadOptions(), Cf::kMeetings, meeting_key,
                                absl::StrCat("meeting ", meeting_id, " of event ", event_id));
    if (meeting.ok()) {
      DeleteMeeting(*meeting, &batch);
      erased_meetings.push_back(*std::move(meeting));
    } else if (absl::IsNotFound(meeting.status())) {
      batch.Delete(Cf::kMeetingsByAttendee, meetings.key());  // a dangling entry: clean it up
    } else {
      return meeting.status();
    }
  }
  s = FromRocksDb(meetings.status(), absl::StrCat("scan meetings of ", what));
  if (!s.ok()) return s;
  s = EraseRelationships(*attendee, erased_meetings, &batch);
  if (!s.ok()) return s;
  s = known_pairs::StageEraseAttendee(KnownPairFamilies(), event_id, attendee_id, batch.batch());
  if (!s.ok()) return s;
  s = Commit(&batch, absl::StrCat("remove ", what));
  if (!s.ok()) return s;
  erasure_->Add(*batch.batch(), db_->GetLatestSequenceNumber());
  return true;
}

// --- Known pairs (the per-pair code is in store_known_pairs.cc) ----------------------------

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
  absl::MutexLock write_lock(&write_mu_);
  Batch batch(handles_);
  absl::StatusOr<std::vector<Outcome>> out =
      stage(KnownPairFamilies(), event_id, pairs, batch.batch());
  if (!out.ok()) return out.status();
  if (batch.batch()->Count() == 0) return out;
  absl::Status s =
      Commit(&batch, absl::StrCat(verb, " ", pairs.size(), " known pairs of event ", event_id));
  if (!s.ok()) return s;
  return out;
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

absl::StatusOr<CheckpointInfo> Store::Checkpoint(const std::string& dir) {
  InUse use(this);
  if (!use.ok()) return ClosedError();
  return WriteCheckpoint(db_, dir);
}

absl::Status Store::CompactErased() {
  InUse use(this);
  if (!use.ok()) return ClosedError();
  if (erasure_ == nullptr) return absl::OkStatus();  // read-only: nothing was removed
  return erasure_->CompactNow();
}

// --- Tokens ------------------------------------------------------------------------------

namespace {
// Tokens that belong to one attendee: indexed under them (ListAttendeeTokens) and erased with
// them (RemoveAttendee).
bool IsAttendeeScoped(v1::TokenInfo::Role role) {
  return role == v1::TokenInfo::ATTENDEE || role == v1::TokenInfo::CALENDAR_FEED;
}

absl::Status CheckSha256(absl::string_view secret_sha256) {
  if (secret_sha256.size() != kSha256Bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("secret_sha256 must be ", kSha256Bytes, " bytes, got ", secret_sha256.size()));
  }
  return absl::OkStatus();
}
}  // namespace

absl::Status Store::PutToken(absl::string_view secret_sha256, const v1::TokenInfo& info) {
  return PutTokens({{std::string(secret_sha256), info}});
}

absl::Status Store::PutTokens(const std::vector<std::pair<std::string, v1::TokenInfo>>& tokens) {
  absl::flat_hash_set<absl::string_view> ids, hashes;
  for (const auto& [secret_sha256, info] : tokens) {
    absl::Status s = CheckSha256(secret_sha256);
    if (!s.ok()) return s;
    const std::string& token_id = info.token_id();
    if (token_id.empty()) return absl::InvalidArgumentError("token_id must not be empty");
    if (!ids.insert(token_id).second || !hashes.insert(secret_sha256).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("token ", token_id, ": its id or secret appears twice in the batch"));
    }
    if (IsAttendeeScoped(info.role()) && (info.event_id() == 0 || info.attendee_id() == 0)) {
      return absl::InvalidArgumentError(absl::StrCat("token ", token_id, ": ",
                                                     v1::TokenInfo::Role_Name(info.role()),
                                                     " tokens need event_id and attendee_id"));
    }
  }
  InUse use(this);
  if (!use.ok()) return ClosedError();
  absl::MutexLock write_lock(&write_mu_);
  Batch batch(handles_);
  const int64_t now = NowSeconds();
  for (const auto& [secret_sha256, info] : tokens) {
    const std::string& token_id = info.token_id();
    const bool for_attendee = IsAttendeeScoped(info.role());
    absl::StatusOr<bool> exists = Exists(Cf::kTokenIds, token_id, absl::StrCat("token ", token_id));
    if (!exists.ok()) return exists.status();
    if (*exists) {
      return absl::AlreadyExistsError(absl::StrCat("token ", token_id, " already exists"));
    }
    exists = Exists(Cf::kTokens, secret_sha256, "token secret hash");
    if (!exists.ok()) return exists.status();
    if (*exists) {
      return absl::AlreadyExistsError(
          absl::StrCat("token ", token_id, ": another token has the same secret"));
    }
    if (for_attendee) {
      const std::string what =
          absl::StrCat("attendee ", info.attendee_id(), " of event ", info.event_id());
      exists = Exists(Cf::kAttendees, AttendeeKey(info.event_id(), info.attendee_id()), what);
      if (!exists.ok()) return exists.status();
      if (!*exists) return absl::NotFoundError(absl::StrCat(what, " not found"));
    }
    v1::TokenInfo record = info;
    if (record.create_time() == 0) record.set_create_time(now);
    batch.Put(Cf::kTokens, secret_sha256, Serialize(record));
    batch.Put(Cf::kTokenIds, token_id, secret_sha256);
    batch.Put(
        Cf::kTokensByCommunity,
        TokenByCommunityKey(info.community_id(), static_cast<uint32_t>(info.role()), token_id),
        secret_sha256);
    if (for_attendee) {
      batch.Put(Cf::kTokensByAttendee,
                TokenByAttendeeKey(info.event_id(), info.attendee_id(), token_id), secret_sha256);
    }
  }
  return Commit(&batch, tokens.size() == 1 ? absl::StrCat("token ", tokens[0].second.token_id())
                                           : absl::StrCat(tokens.size(), " tokens"));
}

absl::StatusOr<std::vector<v1::TokenInfo>> Store::ListAttendeeTokens(uint64_t event_id,
                                                                     uint64_t attendee_id) const {
  InUse use(this);
  if (!use.ok()) return ClosedError();
  rocksdb::ManagedSnapshot snapshot(db_);
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.snapshot();
  std::vector<v1::TokenInfo> out;
  const std::string prefix = TokenByAttendeePrefix(event_id, attendee_id);
  PrefixScan scan(db_, cf(Cf::kTokensByAttendee), read_options, prefix, prefix);
  for (; scan.Valid(); scan.Next()) {
    absl::StatusOr<v1::TokenInfo> token =
        ReadRecord<v1::TokenInfo>(read_options, Cf::kTokens, scan.value(),
                                  absl::StrCat("token ", scan.key().substr(prefix.size())));
    if (!token.ok()) return token.status();
    out.push_back(*std::move(token));
  }
  absl::Status s =
      FromRocksDb(scan.status(), absl::StrCat("scan tokens of attendee ", attendee_id));
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<v1::TokenInfo> Store::LookupToken(absl::string_view secret_sha256) const {
  absl::Status s = CheckSha256(secret_sha256);
  if (!s.ok()) return s;
  InUse use(this);
  if (!use.ok()) return ClosedError();
  return ReadRecord<v1::TokenInfo>(rocksdb::ReadOptions(), Cf::kTokens, secret_sha256,
                                   "token with this secret");
}

absl::StatusOr<v1::TokenInfo> Store::GetTokenInfo(absl::string_view token_id) const {
  InUse use(this);
  if (!use.ok()) return ClosedError();
  rocksdb::ManagedSnapshot snapshot(db_);
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.snapshot();
  const std::string what = absl::StrCat("token ", token_id);
  rocksdb::PinnableSlice hash;
  absl::Status s = Read(read_options, Cf::kTokenIds, token_id, what, &hash);
  if (!s.ok()) return s;
  absl::StatusOr<v1::TokenInfo> info =
      ReadRecord<v1::TokenInfo>(read_options, Cf::kTokens, ToView(hash), what);
  if (absl::IsNotFound(info.status())) {
    return absl::DataLossError(absl::StrCat(what, ": id index names a missing record"));
  }
  return info;
}

absl::StatusOr<v1::TokenInfo> Store::RevokeToken(absl::string_view token_id,
                                                 int64_t now_unix_seconds) {
  InUse use(this);
  if (!use.ok()) return ClosedError();
  absl::MutexLock write_lock(&write_mu_);
  const std::string what = absl::StrCat("token ", token_id);
  rocksdb::PinnableSlice hash;
  absl::Status s = Read(rocksdb::ReadOptions(), Cf::kTokenIds, token_id, what, &hash);
  if (!s.ok()) return s;
  absl::StatusOr<v1::TokenInfo> info =
      ReadRecord<v1::TokenInfo>(rocksdb::ReadOptions(), Cf::kTokens, ToView(hash), what);
  if (absl::IsNotFound(info.status())) {
    return absl::DataLossError(absl::StrCat(what, ": id index names a missing record"));
  }
  if (!info.ok() || info->revoke_time() != 0) return info;
  info->set_revoke_time(now_unix_seconds);
  Batch batch(handles_);
  batch.Put(Cf::kTokens, ToView(hash), Serialize(*info));
  s = Commit(&batch, absl::StrCat("revoke ", what));
  if (!s.ok()) return s;
  return info;
}

absl::StatusOr<std::vector<v1::TokenInfo>> Store::ListTokens(uint64_t community_id,
                                                             v1::TokenInfo::Role role,
                                                             absl::string_view after_token_id,
                                                             int limit) const {
  absl::Status s = CheckLimit(limit);
  if (!s.ok()) return s;
  InUse use(this);
  if (!use.ok()) return ClosedError();
  rocksdb::ManagedSnapshot snapshot(db_);
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.snapshot();
  const std::string prefix = TokenByCommunityPrefix(community_id, static_cast<uint32_t>(role));
  // The smallest key after prefix|after_token_id is that key with a 0 byte appended.
  std::string start = prefix;
  if (!after_token_id.empty()) {
    start.append(after_token_id.data(), after_token_id.size());
    start.push_back('\0');
  }
  std::vector<std::string> hashes;
  PrefixScan scan(db_, cf(Cf::kTokensByCommunity), read_options, prefix, start);
  for (; scan.Valid() && static_cast<int>(hashes.size()) < limit; scan.Next()) {
    hashes.emplace_back(scan.value());
  }
  s = FromRocksDb(scan.status(), absl::StrCat("list tokens of community ", community_id));
  if (!s.ok()) return s;
  return ReadIndexed<v1::TokenInfo>(read_options, Cf::kTokens, hashes,
                                    absl::StrCat("tokens of community ", community_id));
}

// --- Meetings ----------------------------------------------------------------------------

namespace {
absl::Status CheckMeetingAttendees(const v1::Meeting& meeting, absl::string_view what) {
  if (meeting.attendee_a() == 0 || meeting.attendee_a() >= meeting.attendee_b()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": needs 0 < attendee_a < attendee_b, got ", meeting.attendee_a(),
                     " and ", meeting.attendee_b()));
  }
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<v1::Meeting> Store::GetMeeting(uint64_t event_id, uint64_t meeting_id) const {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  if (meeting_id == 0) return absl::InvalidArgumentError("meeting id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  return ReadRecord<v1::Meeting>(rocksdb::ReadOptions(), Cf::kMeetings,
                                 MeetingKey(event_id, meeting_id),
                                 absl::StrCat("meeting ", meeting_id, " of event ", event_id));
}

absl::StatusOr<std::vector<v1::Meeting>> Store::ListMeetings(uint64_t event_id, uint64_t after_id,
                                                             int limit) const {
  return ListOfEvent<v1::Meeting>(Cf::kMeetings, event_id, after_id, limit, "meeting");
}

absl::StatusOr<std::vector<v1::Meeting>> Store::ListMeetingsOfAttendee(uint64_t event_id,
                                                                       uint64_t attendee_id) const {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  if (attendee_id == 0) return absl::InvalidArgumentError("attendee id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  rocksdb::ManagedSnapshot snapshot(db_);
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.snapshot();
  const std::string what =
      absl::StrCat("meetings of attendee ", attendee_id, " of event ", event_id);
  const std::string prefix = MeetingByAttendeePrefix(event_id, attendee_id);
  std::vector<std::string> keys;
  PrefixScan scan(db_, cf(Cf::kMeetingsByAttendee), read_options, prefix, prefix);
  for (; scan.Valid(); scan.Next()) {
    uint64_t event = 0, attendee = 0, meeting_id = 0;
    if (!DecodeTripleKey(scan.key(), &event, &attendee, &meeting_id)) {
      return absl::DataLossError(absl::StrCat(what, ": malformed index key"));
    }
    keys.push_back(MeetingKey(event_id, meeting_id));
  }
  absl::Status s = FromRocksDb(scan.status(), absl::StrCat("list ", what));
  if (!s.ok()) return s;
  return ReadIndexed<v1::Meeting>(read_options, Cf::kMeetings, keys, what);
}

absl::Status Store::ScanMeetings(uint64_t event_id,
                                 const std::function<bool(const v1::Meeting&)>& visit) const {
  return ScanOfEvent<v1::Meeting>(Cf::kMeetings, event_id, visit, "meeting");
}

absl::StatusOr<Mutated<v1::Meeting>> Store::MutateMeeting(
    uint64_t event_id, uint64_t meeting_id,
    const std::function<absl::Status(v1::Meeting*)>& mutate) {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  if (meeting_id == 0) return absl::InvalidArgumentError("meeting id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  absl::MutexLock write_lock(&write_mu_);
  const std::string what = absl::StrCat("meeting ", meeting_id, " of event ", event_id);
  absl::StatusOr<v1::Meeting> current = ReadRecord<v1::Meeting>(
      rocksdb::ReadOptions(), Cf::kMeetings, MeetingKey(event_id, meeting_id), what);
  if (!current.ok()) return current.status();
  v1::Meeting meeting = *current;
  absl::Status s = mutate(&meeting);
  if (!s.ok()) return s;
  meeting.set_id(meeting_id);
  meeting.set_event_id(event_id);
  meeting.set_create_time(current->create_time());
  meeting.set_update_time(current->update_time());
  if (Serialize(meeting) == Serialize(*current))
    return Mutated<v1::Meeting>{*std::move(current), false};
  meeting.set_update_time(NowSeconds());
  s = CheckMeetingAttendees(meeting, what);
  if (!s.ok()) return s;
  Batch batch(handles_);
  if (meeting.attendee_a() != current->attendee_a() ||
      meeting.attendee_b() != current->attendee_b()) {
    DeleteMeeting(*current, &batch);  // the old index entries; the record is rewritten below
  }
  PutMeeting(meeting, &batch);
  s = Commit(&batch, what);
  if (!s.ok()) return s;
  return Mutated<v1::Meeting>{std::move(meeting), true};
}

absl::StatusOr<std::vector<v1::Meeting>> Store::ReplaceSchedule(
    uint64_t event_id, const v1::MatchingRun& run, std::vector<v1::Meeting> new_meetings,
    const std::vector<uint64_t>& planned_around) {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  if (run.id() == 0) return absl::InvalidArgumentError("run.id must not be 0");
  if (run.event_id() != event_id) {
    return absl::InvalidArgumentError(
        absl::StrCat("run ", run.id(), " belongs to event ", run.event_id(), ", not ", event_id));
  }
  for (size_t i = 0; i < new_meetings.size(); ++i) {
    absl::Status s = CheckMeetingAttendees(new_meetings[i], absl::StrCat("new_meetings[", i, "]"));
    if (!s.ok()) return s;
  }
  const absl::flat_hash_set<uint64_t> planned(planned_around.begin(), planned_around.end());
  InUse use(this);
  if (!use.ok()) return ClosedError();
  absl::MutexLock write_lock(&write_mu_);
  absl::Status event_exists = CheckEventExists(event_id);
  if (!event_exists.ok()) return event_exists;
  if (run.id() > last_run_id_) {
    return absl::InvalidArgumentError(absl::StrCat("run ", run.id(), " was never created"));
  }

  // Writes are serialised by write_mu_, so plain reads see a stable state from here on.
  Batch batch(handles_, new_meetings.size() * 400);
  const std::string prefix = EncodeU64(event_id);
  PrefixScan scan(db_, cf(Cf::kMeetings), rocksdb::ReadOptions(), prefix, prefix);
  v1::Meeting old;
  for (; scan.Valid(); scan.Next()) {
    old.Clear();
    absl::Status s = Parse(scan.value(), absl::StrCat("meeting record of event ", event_id), &old);
    if (!s.ok()) return s;
    if (old.state() == v1::Meeting::PROPOSED) {
      DeleteMeeting(old, &batch);
    } else if (!planned.contains(old.id())) {
      return absl::AbortedError(absl::StrCat("meeting ", old.id(), " of event ", event_id,
                                             " became ", v1::Meeting::State_Name(old.state()),
                                             " while the schedule was computed; recompute it"));
    }
  }
  absl::Status s = FromRocksDb(scan.status(), absl::StrCat("scan meetings of event ", event_id));
  if (!s.ok()) return s;

  // Attendees erased while the plan was computed must not come back through their meetings.
  absl::StatusOr<absl::flat_hash_set<uint64_t>> present = PresentAttendees(event_id, new_meetings);
  if (!present.ok()) return present.status();

  const int64_t now = NowSeconds();
  uint64_t last_id = last_meeting_id_;
  std::vector<v1::Meeting> stored;
  stored.reserve(new_meetings.size());
  for (v1::Meeting& meeting : new_meetings) {
    if (!present->contains(meeting.attendee_a()) || !present->contains(meeting.attendee_b())) {
      continue;
    }
    meeting.set_id(++last_id);
    meeting.set_event_id(event_id);
    if (meeting.create_time() == 0) meeting.set_create_time(now);
    if (meeting.update_time() == 0) meeting.set_update_time(now);
    PutMeeting(meeting, &batch);
    stored.push_back(std::move(meeting));
  }
  batch.Put(Cf::kRuns, RunKey(event_id, run.id()), Serialize(run));
  if (last_id != last_meeting_id_) batch.Put(Cf::kMeta, kMetaLastMeetingId, EncodeU64(last_id));
  s = Commit(&batch, absl::StrCat("schedule of event ", event_id, " from run ", run.id()));
  if (!s.ok()) return s;
  last_meeting_id_ = last_id;
  return stored;
}

absl::StatusOr<std::vector<v1::Meeting>> Store::InsertMeetings(
    uint64_t event_id, uint64_t base_run_id, std::vector<v1::Meeting> new_meetings) {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  for (size_t i = 0; i < new_meetings.size(); ++i) {
    absl::Status s = CheckMeetingAttendees(new_meetings[i], absl::StrCat("new_meetings[", i, "]"));
    if (!s.ok()) return s;
  }
  InUse use(this);
  if (!use.ok()) return ClosedError();
  absl::MutexLock write_lock(&write_mu_);
  absl::Status s = CheckEventExists(event_id);
  if (!s.ok()) return s;
  // Writes are serialised by write_mu_, so plain reads see a stable state from here on.
  absl::StatusOr<v1::MatchingRun> latest = LatestRun(event_id);
  if (!latest.ok() && !absl::IsNotFound(latest.status())) return latest.status();
  const uint64_t latest_id = latest.ok() ? latest->id() : 0;
  if (latest_id != base_run_id) {
    return absl::AbortedError(absl::StrCat("event ", event_id, " was re-planned by run ", latest_id,
                                           " (repair planned from run ", base_run_id,
                                           "); recompute"));
  }
  if (latest.ok() && latest->phase() != v1::MatchingRun::DONE &&
      latest->phase() != v1::MatchingRun::FAILED) {
    return absl::AbortedError(
        absl::StrCat("run ", latest_id, " of event ", event_id, " is in progress; recompute"));
  }
  // Who is busy when, and which pairs exist, for the attendees of the new meetings.
  absl::flat_hash_map<uint64_t, std::vector<v1::Meeting>> existing;
  absl::flat_hash_set<std::pair<uint64_t, std::string>> busy;  // attendee, slot
  absl::flat_hash_set<std::pair<uint64_t, uint64_t>> pairs;
  auto occupies = [](v1::Meeting::State state) {
    return state == v1::Meeting::PROPOSED || state == v1::Meeting::CONFIRMED ||
           state == v1::Meeting::HELD || state == v1::Meeting::NO_SHOW;
  };
  for (const v1::Meeting& m : new_meetings) {
    for (uint64_t attendee : {m.attendee_a(), m.attendee_b()}) {
      if (existing.contains(attendee)) continue;
      absl::StatusOr<std::vector<v1::Meeting>> of = ListMeetingsOfAttendee(event_id, attendee);
      if (!of.ok()) return of.status();
      for (const v1::Meeting& old : *of) {
        pairs.emplace(old.attendee_a(), old.attendee_b());
        if (occupies(old.state())) busy.emplace(attendee, old.slot_id());
      }
      existing.emplace(attendee, *std::move(of));
    }
  }
  absl::StatusOr<absl::flat_hash_set<uint64_t>> present = PresentAttendees(event_id, new_meetings);
  if (!present.ok()) return present.status();

  const int64_t now = NowSeconds();
  uint64_t last_id = last_meeting_id_;
  Batch batch(handles_);
  std::vector<v1::Meeting> stored;
  for (v1::Meeting& meeting : new_meetings) {
    if (!present->contains(meeting.attendee_a()) || !present->contains(meeting.attendee_b())) {
      continue;
    }
    if (!pairs.emplace(meeting.attendee_a(), meeting.attendee_b()).second) {
      return absl::AbortedError(absl::StrCat("attendees ", meeting.attendee_a(), " and ",
                                             meeting.attendee_b(), " of event ", event_id,
                                             " already have a meeting; recompute"));
    }
    for (uint64_t attendee : {meeting.attendee_a(), meeting.attendee_b()}) {
      if (!busy.emplace(attendee, meeting.slot_id()).second) {
        return absl::AbortedError(absl::StrCat("attendee ", attendee, " of event ", event_id,
                                               " is already busy in slot ", meeting.slot_id(),
                                               "; recompute"));
      }
    }
    meeting.set_id(++last_id);
    meeting.set_event_id(event_id);
    if (meeting.create_time() == 0) meeting.set_create_time(now);
    if (meeting.update_time() == 0) meeting.set_update_time(now);
    PutMeeting(meeting, &batch);
    stored.push_back(std::move(meeting));
  }
  if (stored.empty()) return stored;
  batch.Put(Cf::kMeta, kMetaLastMeetingId, EncodeU64(last_id));
  s = Commit(&batch, absl::StrCat(stored.size(), " new meetings of event ", event_id));
  if (!s.ok()) return s;
  last_meeting_id_ = last_id;
  return stored;
}

// --- Matching runs -----------------------------------------------------------------------

absl::StatusOr<v1::MatchingRun> Store::CreateRun(v1::MatchingRun run) {
  if (run.event_id() == 0) return absl::InvalidArgumentError("run.event_id must not be 0");
  if (run.start_time() == 0) run.set_start_time(NowSeconds());
  return CreateInEvent(Cf::kRuns, kMetaLastRunId, &last_run_id_, std::move(run), "run");
}

absl::Status Store::PutRun(const v1::MatchingRun& run) {
  if (run.event_id() == 0) return absl::InvalidArgumentError("run.event_id must not be 0");
  if (run.id() == 0) return absl::InvalidArgumentError("run.id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  absl::MutexLock write_lock(&write_mu_);
  const std::string key = RunKey(run.event_id(), run.id());
  const std::string what = absl::StrCat("run ", run.id(), " of event ", run.event_id());
  absl::StatusOr<bool> exists = Exists(Cf::kRuns, key, what);
  if (!exists.ok()) return exists.status();
  if (!*exists) return absl::NotFoundError(absl::StrCat(what, " not found"));
  Batch batch(handles_);
  batch.Put(Cf::kRuns, key, Serialize(run));
  return Commit(&batch, what);
}

absl::StatusOr<v1::MatchingRun> Store::GetRun(uint64_t event_id, uint64_t run_id) const {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  if (run_id == 0) return absl::InvalidArgumentError("run id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  return ReadRecord<v1::MatchingRun>(rocksdb::ReadOptions(), Cf::kRuns, RunKey(event_id, run_id),
                                     absl::StrCat("run ", run_id, " of event ", event_id));
}

absl::StatusOr<v1::MatchingRun> Store::LatestRun(uint64_t event_id) const {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  const std::string prefix = EncodeU64(event_id);
  rocksdb::ReadOptions read_options;
  const rocksdb::Slice lower = ToSlice(prefix);  // must outlive the iterator
  read_options.iterate_lower_bound = &lower;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, cf(Cf::kRuns)));
  it->SeekForPrev(ToSlice(RunKey(event_id, UINT64_MAX)));
  const std::string what = absl::StrCat("latest run of event ", event_id);
  absl::Status s = FromRocksDb(it->status(), absl::StrCat("read ", what));
  if (!s.ok()) return s;
  if (!it->Valid() || !absl::StartsWith(ToView(it->key()), prefix)) {
    return absl::NotFoundError(absl::StrCat("event ", event_id, " has no matching run"));
  }
  v1::MatchingRun run;
  s = Parse(ToView(it->value()), what, &run);
  if (!s.ok()) return s;
  return run;
}

// --- Relationships ------------------------------------------------------------------------

absl::StatusOr<v1::Meeting> Store::RecordFeedback(uint64_t event_id, uint64_t meeting_id,
                                                  uint64_t giver, const FeedbackMutator& mutate) {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  if (meeting_id == 0) return absl::InvalidArgumentError("meeting id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  absl::MutexLock write_lock(&write_mu_);
  const std::string what = absl::StrCat("meeting ", meeting_id, " of event ", event_id);
  absl::StatusOr<v1::Event> event = ReadRecord<v1::Event>(
      rocksdb::ReadOptions(), Cf::kEvents, EventKey(event_id), absl::StrCat("event ", event_id));
  if (!event.ok()) return event.status();
  absl::StatusOr<v1::Meeting> current = ReadRecord<v1::Meeting>(
      rocksdb::ReadOptions(), Cf::kMeetings, MeetingKey(event_id, meeting_id), what);
  if (!current.ok()) return current.status();
  if (giver != current->attendee_a() && giver != current->attendee_b()) {
    return absl::InvalidArgumentError(absl::StrCat("attendee ", giver, " is not part of ", what));
  }
  const uint64_t partner =
      giver == current->attendee_a() ? current->attendee_b() : current->attendee_a();
  const std::string mine_key = FeedbackKey(event_id, giver, meeting_id);
  absl::StatusOr<v1::StoredFeedback> mine = ReadRecord<v1::StoredFeedback>(
      rocksdb::ReadOptions(), Cf::kFeedback, mine_key, absl::StrCat("feedback on ", what));
  if (absl::IsNotFound(mine.status())) {
    mine = v1::StoredFeedback();
    mine->set_event_id(event_id);
    mine->set_meeting_id(meeting_id);
    mine->set_giver(giver);
    mine->set_partner(partner);
  } else if (!mine.ok()) {
    return mine.status();
  }
  absl::StatusOr<v1::StoredFeedback> theirs = ReadRecord<v1::StoredFeedback>(
      rocksdb::ReadOptions(), Cf::kFeedback, FeedbackKey(event_id, partner, meeting_id),
      absl::StrCat("feedback on ", what));
  if (!theirs.ok() && !absl::IsNotFound(theirs.status())) return theirs.status();

  v1::Meeting meeting = *current;
  std::vector<MemoryEntry> memory;
  absl::Status s = mutate(&meeting, &*mine, theirs.ok() ? &*theirs : nullptr, &memory);
  if (!s.ok()) return s;
  const int64_t now = NowSeconds();
  meeting.set_id(meeting_id);
  meeting.set_event_id(event_id);
  meeting.set_attendee_a(current->attendee_a());
  meeting.set_attendee_b(current->attendee_b());
  meeting.set_create_time(current->create_time());
  meeting.set_update_time(current->update_time());
  meeting.set_sequence(current->sequence());
  mine->set_event_id(event_id);
  mine->set_meeting_id(meeting_id);
  mine->set_giver(giver);
  mine->set_update_time(now);
  Batch batch(handles_);
  PutMeeting(meeting, &batch);
  batch.Put(Cf::kFeedback, mine_key, Serialize(*mine));
  s = PutMemoryEntries(event->community_id(), memory, &batch);
  if (!s.ok()) return s;
  s = Commit(&batch, absl::StrCat("feedback on ", what));
  if (!s.ok()) return s;
  return meeting;
}

absl::StatusOr<std::vector<v1::StoredFeedback>> Store::ListFeedbackBy(uint64_t event_id,
                                                                      uint64_t giver) const {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  const std::string prefix = MeetingByAttendeePrefix(event_id, giver);
  PrefixScan scan(db_, cf(Cf::kFeedback), rocksdb::ReadOptions(), prefix, prefix);
  std::vector<v1::StoredFeedback> out;
  for (; scan.Valid(); scan.Next()) {
    absl::Status s = Parse(scan.value(), "feedback record", &out.emplace_back());
    if (!s.ok()) return s;
  }
  absl::Status s = FromRocksDb(scan.status(), absl::StrCat("scan feedback of attendee ", giver));
  if (!s.ok()) return s;
  return out;
}

absl::Status Store::PutMemory(uint64_t community_id, const std::vector<MemoryEntry>& entries) {
  if (community_id == 0) return absl::InvalidArgumentError("community id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  absl::MutexLock write_lock(&write_mu_);
  // Under the write lock, so that feedback written since the caller read (which wrote fuller
  // entries) wins, and a meeting erased since is not brought back.
  std::vector<MemoryEntry> fresh;
  for (const MemoryEntry& e : entries) {
    absl::StatusOr<bool> remembered = Exists(
        Cf::kMemory,
        MemoryKey(community_id, e.person, e.partner, e.record.event_id(), e.record.meeting_id()),
        "memory");
    if (!remembered.ok()) return remembered.status();
    absl::StatusOr<bool> meeting =
        Exists(Cf::kMeetings, MeetingKey(e.record.event_id(), e.record.meeting_id()), "meeting");
    if (!meeting.ok()) return meeting.status();
    if (!*remembered && *meeting) fresh.push_back(e);
  }
  Batch batch(handles_);
  absl::Status s = PutMemoryEntries(community_id, fresh, &batch);
  if (!s.ok()) return s;
  return Commit(&batch, absl::StrCat("memory of community ", community_id));
}

absl::Status Store::ScanMemory(uint64_t community_id, absl::string_view person,
                               const std::function<bool(const MemoryEntry&)>& visit) const {
  if (community_id == 0) return absl::InvalidArgumentError("community id must not be 0");
  if (person.empty()) return absl::InvalidArgumentError("person must not be empty");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  rocksdb::ManagedSnapshot snapshot(db_);
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.snapshot();
  const std::string prefix = MemoryPrefix(community_id, person);
  PrefixScan scan(db_, cf(Cf::kMemory), read_options, prefix, prefix);
  MemoryEntry entry;
  entry.person = std::string(person);
  for (; scan.Valid(); scan.Next()) {
    absl::string_view rest = scan.key().substr(prefix.size());
    uint32_t partner_size = 0;
    if (!ConsumeU32(&rest, &partner_size) || rest.size() != partner_size + 16u) {
      return absl::DataLossError("memory: malformed key");
    }
    entry.partner = std::string(rest.substr(0, partner_size));
    entry.record.Clear();
    absl::Status s = Parse(scan.value(), "memory record", &entry.record);
    if (!s.ok()) return s;
    if (!visit(entry)) return absl::OkStatus();
  }
  return FromRocksDb(scan.status(), "scan memory");
}

absl::StatusOr<v1::StoredIntroduction> Store::CreateIntroduction(
    v1::StoredIntroduction introduction) {
  if (introduction.event_id() == 0) {
    return absl::InvalidArgumentError("introduction.event_id must not be 0");
  }
  if (introduction.create_time() == 0) introduction.set_create_time(NowSeconds());
  return CreateInEvent(Cf::kIntroductions, kMetaLastIntroductionId, &last_introduction_id_,
                       std::move(introduction), "introduction");
}

absl::StatusOr<v1::StoredIntroduction> Store::GetIntroduction(uint64_t event_id,
                                                              uint64_t introduction_id) const {
  InUse use(this);
  if (!use.ok()) return ClosedError();
  return ReadRecord<v1::StoredIntroduction>(
      rocksdb::ReadOptions(), Cf::kIntroductions, IntroductionKey(event_id, introduction_id),
      absl::StrCat("introduction ", introduction_id, " of event ", event_id));
}

absl::StatusOr<Mutated<v1::StoredIntroduction>> Store::MutateIntroduction(
    uint64_t event_id, uint64_t introduction_id,
    const std::function<absl::Status(v1::StoredIntroduction*)>& mutate) {
  InUse use(this);
  if (!use.ok()) return ClosedError();
  absl::MutexLock write_lock(&write_mu_);
  const std::string key = IntroductionKey(event_id, introduction_id);
  const std::string what = absl::StrCat("introduction ", introduction_id, " of event ", event_id);
  absl::StatusOr<v1::StoredIntroduction> current =
      ReadRecord<v1::StoredIntroduction>(rocksdb::ReadOptions(), Cf::kIntroductions, key, what);
  if (!current.ok()) return current.status();
  v1::StoredIntroduction introduction = *current;
  absl::Status s = mutate(&introduction);
  if (!s.ok()) return s;
  introduction.set_id(introduction_id);
  introduction.set_event_id(event_id);
  introduction.set_kind(current->kind());
  introduction.set_create_time(current->create_time());
  if (Serialize(introduction) == Serialize(*current)) {
    return Mutated<v1::StoredIntroduction>{*std::move(current), false};
  }
  Batch batch(handles_);
  batch.Put(Cf::kIntroductions, key, Serialize(introduction));
  s = Commit(&batch, what);
  if (!s.ok()) return s;
  return Mutated<v1::StoredIntroduction>{std::move(introduction), true};
}

absl::Status Store::EraseRelationships(const v1::Attendee& attendee,
                                       const std::vector<v1::Meeting>& meetings,
                                       Batch* batch) const {
  const uint64_t event_id = attendee.event_id();
  const uint64_t id = attendee.id();
  // Feedback they gave: kept for the aggregates, naming nobody, under giver 0 and their side of
  // the meeting (a < b by id), so that erasing the partner too keeps both records.
  absl::StatusOr<std::vector<v1::StoredFeedback>> given = ListFeedbackBy(event_id, id);
  if (!given.ok()) return given.status();
  for (v1::StoredFeedback& f : *given) {
    bool side_a = f.partner() != 0 && id < f.partner();
    if (f.partner() == 0) {  // the partner was erased first and took one side
      absl::StatusOr<bool> taken =
          Exists(Cf::kFeedback, AnonymousFeedbackKey(event_id, f.meeting_id(), true), "feedback");
      if (!taken.ok()) return taken.status();
      side_a = !*taken;
    }
    batch->Delete(Cf::kFeedback, FeedbackKey(event_id, id, f.meeting_id()));
    f.set_giver(0);
    f.set_partner(0);
    batch->Put(Cf::kFeedback, AnonymousFeedbackKey(event_id, f.meeting_id(), side_a), Serialize(f));
  }
  // Feedback about them, on their meetings (point reads): their id goes.
  for (const v1::Meeting& m : meetings) {
    const uint64_t partner = m.attendee_a() == id ? m.attendee_b() : m.attendee_a();
    const std::string about_key = FeedbackKey(event_id, partner, m.id());
    absl::StatusOr<v1::StoredFeedback> about = ReadRecord<v1::StoredFeedback>(
        rocksdb::ReadOptions(), Cf::kFeedback, about_key, "feedback");
    if (about.ok()) {
      about->set_partner(0);
      batch->Put(Cf::kFeedback, about_key, Serialize(*about));
    } else if (!absl::IsNotFound(about.status())) {
      return about.status();
    }
  }
  absl::Status s;
  s = ScanIntroductions(event_id, [&](const v1::StoredIntroduction& i) {
    if (i.introducer() == id || i.attendee_a() == id || i.attendee_b() == id) {
      batch->Delete(Cf::kIntroductions, IntroductionKey(event_id, i.id()));
    }
    return true;
  });
  if (!s.ok()) return s;
  if (attendee.person_ref().empty()) return absl::OkStatus();
  absl::StatusOr<v1::Event> event = ReadRecord<v1::Event>(
      rocksdb::ReadOptions(), Cf::kEvents, EventKey(event_id), absl::StrCat("event ", event_id));
  if (!event.ok()) return event.status();
  const uint64_t community = event->community_id();
  return ScanMemory(community, attendee.person_ref(), [&](const MemoryEntry& e) {
    if (e.record.event_id() == event_id) {
      batch->Delete(Cf::kMemory,
                    MemoryKey(community, e.person, e.partner, event_id, e.record.meeting_id()));
      batch->Delete(Cf::kMemory,
                    MemoryKey(community, e.partner, e.person, event_id, e.record.meeting_id()));
    }
    return true;
  });
}

Store::~Store() { Close().IgnoreError(); }

void Store::AddCommitListener(CommitListener* listener) {
  absl::MutexLock lock(&listeners_mu_);
  listeners_.push_back(listener);
}

void Store::RemoveCommitListener(CommitListener* listener) {
  absl::MutexLock lock(&listeners_mu_);
  listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), listener), listeners_.end());
}

absl::Status Store::Commit(Batch* batch, absl::string_view what) {
  if (!batch->status().ok()) return FromRocksDb(batch->status(), absl::StrCat("batch ", what));
  absl::Status room = Writable(batch->batch()->GetDataSize());
  if (!room.ok()) return room;
  rocksdb::Status written = db_->Write(write_options_, batch->batch());
  // A full disk stops RocksDB's writes (a background error) until DB::Resume: if the space is
  // back already (another process freed it), resume and write now.
  if (written.IsNoSpace() && Resume().ok()) written = db_->Write(write_options_, batch->batch());
  if (written.IsNoSpace()) {
    needs_resume_ = true;
    return DiskFullError(options_.path, options_.min_free_bytes,
                         absl::StrCat("write ", what, ": ", written.ToString()));
  }
  absl::Status s = FromRocksDb(written, absl::StrCat("write ", what));
  if (!s.ok()) return s;
  absl::MutexLock lock(&listeners_mu_);
  if (listeners_.empty()) return absl::OkStatus();
  const ChangeSet changes = ChangesOf(*batch->batch(), cf_of_id_);
  for (CommitListener* listener : listeners_) listener->OnCommit(changes);
  return absl::OkStatus();
}

absl::Status Store::Writable(uint64_t bytes) {
  if (read_only_) {
    return DiskFullError(options_.path, options_.min_free_bytes,
                         "the store was opened read-only because the disk was full when the "
                         "server started; restart it once space is freed");
  }
  absl::Status room = CheckDiskRoom(options_.path, options_.min_free_bytes, bytes);
  if (!room.ok() || !needs_resume_) return room;
  return Resume();
}

absl::Status Store::Resume() {
  absl::Status room = CheckDiskRoom(options_.path, options_.min_free_bytes, 0);
  if (!room.ok()) return room;
  rocksdb::Status s = db_->Resume();
  if (!s.ok()) {
    return DiskFullError(options_.path, options_.min_free_bytes,
                         absl::StrCat("resume after a full disk: ", s.ToString()));
  }
  if (needs_resume_) LOG(WARNING) << "store at " << options_.path << ": writes resumed";
  needs_resume_ = false;
  return absl::OkStatus();
}

absl::Status Store::ScanFeedback(
    uint64_t event_id, const std::function<bool(const v1::StoredFeedback&)>& visit) const {
  return ScanOfEvent<v1::StoredFeedback>(Cf::kFeedback, event_id, visit, "feedback");
}

absl::Status Store::ScanIntroductions(
    uint64_t event_id, const std::function<bool(const v1::StoredIntroduction&)>& visit) const {
  return ScanOfEvent<v1::StoredIntroduction>(Cf::kIntroductions, event_id, visit, "introduction");
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  if (options.path.empty()) return absl::InvalidArgumentError("StoreOptions.path is empty");
  absl::StatusOr<StoreDirectory> listed = InspectStoreDirectory(options.path);
  if (!listed.ok()) return listed.status();
  bool existed = false;
  absl::Status s = CheckStoreDirectory(options.path, *listed, &existed);
  if (!s.ok()) return s;
  std::error_code error;
  std::filesystem::create_directories(options.path, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("create store directory ", options.path, ": ", error.message()));
  }
  rocksdb::DB* db = nullptr;
  Handles handles{};
  bool read_only = false;
  s = OpenDb(options, existed, &db, &handles, &read_only);
  if (!s.ok()) return s;
  std::unique_ptr<Store> store(new Store(options, db, handles, read_only));
  s = store->Init(existed);
  if (!s.ok()) return s;
  return store;
}

}  // namespace parley::storage
