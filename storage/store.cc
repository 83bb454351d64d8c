// The Store's life cycle and its one write funnel (store.h): opening and recovery, the format
// version and id counters, Commit and its listeners, disk-full handling, close. Each entity's
// methods are in store_<entity>.cc.

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
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"
#include "storage/db_open.h"
#include "storage/disk_space.h"
#include "storage/erasure.h"
#include "storage/key_codec.h"
#include "storage/status.h"
#include "storage/store_internal.h"

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
  WriteScope write_lock(this);
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
    return write_lock.Finish(Commit(&batch, "key format version"));
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

Store::~Store() { Close().IgnoreError(); }

void Store::AddCommitListener(CommitListener* listener) {
  absl::MutexLock lock(&listeners_mu_);
  listeners_.push_back(listener);
}

void Store::RemoveCommitListener(CommitListener* listener) {
  absl::MutexLock lock(&listeners_mu_);
  listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), listener), listeners_.end());
}

Store::WriteScope::WriteScope(Store* store)
    : store_(store),
      seq_at_start_([store] {
        store->write_mu_.Lock();
        store->bytes_in_scope_ = 0;
        return store->commit_seq_;
      }()),
      locked_at_(absl::Now()) {}

Store::WriteScope::~WriteScope() {
  absl::Status synced = Release();
  if (!synced.ok()) LOG(ERROR) << "store at " << store_->options_.path << ": " << synced;
}

absl::Status Store::WriteScope::Release() {
  if (released_) return absl::OkStatus();
  released_ = true;
  const uint64_t committed = store_->commit_seq_;
  // Every other writer waited this long: a long hold stalls them as a slow disk would. Bulk
  // batches get the same allowance for their size as in Commit.
  if (const absl::Duration held = absl::Now() - locked_at_;
      held >= store_->SlowFor(store_->bytes_in_scope_)) {
    LOG(WARNING) << "store at " << store_->options_.path << ": write lock held "
                 << absl::ToInt64Milliseconds(held) << " ms"
                 << (committed == seq_at_start_ ? std::string(" (nothing written)")
                                                : absl::StrCat(" (", store_->last_commit_, ")"));
  }
  store_->write_mu_.Unlock();
  if (committed == seq_at_start_ || !store_->options_.sync_writes) return absl::OkStatus();
  return store_->SyncWal(committed);
}

absl::Status Store::SyncWal(uint64_t seq) {
  absl::MutexLock lock(&sync_mu_);
  if (synced_seq_ >= seq) return absl::OkStatus();
  // Everything up to the latest sequence is in the WAL already: this fsync covers it all.
  const uint64_t upto = db_->GetLatestSequenceNumber();
  const absl::Time start = absl::Now();
  rocksdb::Status s = db_->SyncWAL();
  if (const absl::Duration took = absl::Now() - start; took >= options_.slow_threshold) {
    LOG(WARNING) << "store at " << options_.path << ": slow fsync of the write-ahead log, "
                 << absl::ToInt64Milliseconds(took) << " ms";
  }
  if (!s.ok()) return FromRocksDb(s, "fsync the write-ahead log");
  synced_seq_ = upto;
  wal_syncs_.fetch_add(1, std::memory_order_relaxed);
  return absl::OkStatus();
}

absl::Duration Store::SlowFor(uint64_t bytes) const {
  // Plus 1 us per 10 bytes (10 MB/s, far below a memtable's pace): a bulk batch (a run's
  // schedule, 60 MB in 2.7 s) is slow by its size, not stalled.
  return options_.slow_threshold + absl::Microseconds(static_cast<int64_t>(bytes / 10));
}

absl::Status Store::Commit(Batch* batch, absl::string_view what) {
  if (!batch->status().ok()) return FromRocksDb(batch->status(), absl::StrCat("batch ", what));
  absl::Status room = Writable(batch->batch()->GetDataSize());
  if (!room.ok()) return room;
  const absl::Time start = absl::Now();
  rocksdb::Status written = db_->Write(write_options_, batch->batch());
  bytes_in_scope_ += batch->batch()->GetDataSize();
  if (const absl::Duration took = absl::Now() - start;
      took >= SlowFor(batch->batch()->GetDataSize())) {
    // RocksDB stalls writes while flushes and compactions catch up.
    LOG(WARNING) << "store at " << options_.path << ": slow write (" << what << "), "
                 << absl::ToInt64Milliseconds(took) << " ms";
  }
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
  commit_seq_ = db_->GetLatestSequenceNumber();
  last_commit_.assign(what.data(), what.size());
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
