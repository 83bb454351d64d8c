#include "storage/store.h"

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
#include "storage/key_codec.h"
#include "storage/status.h"
#include "storage/store_known_pairs.h"

namespace parley::storage {
namespace {

rocksdb::Slice ToSlice(absl::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
absl::string_view ToView(const rocksdb::Slice& s) { return absl::string_view(s.data(), s.size()); }

int64_t NowSeconds() { return absl::ToUnixSeconds(absl::Now()); }

// Deterministic, so that equal messages have equal bytes (UpsertAttendees compares them).
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

template <typename Message>
absl::Status Parse(absl::string_view bytes, absl::string_view what, Message* out) {
  if (!out->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat(what, ": stored record does not parse"));
  }
  return absl::OkStatus();
}

// Column families whose keys are read by point lookups get bloom filters; the others are only
// ever scanned by prefix.
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

absl::Status CheckLimit(int limit) {
  if (limit <= 0) return absl::InvalidArgumentError(absl::StrCat("limit must be > 0, got ", limit));
  return absl::OkStatus();
}

class RocksStore final : public Store {
 public:
  RocksStore(StoreOptions options, rocksdb::DB* db, const Handles& handles)
      : options_(std::move(options)), db_(db), handles_(handles) {
    write_options_.sync = options_.sync_writes;
  }
  ~RocksStore() override { Close().IgnoreError(); }

  // Checks the format version (writing it into a new store) and loads the id counters.
  absl::Status Init(bool existed);

  absl::Status Close() override;

  absl::StatusOr<v1::Community> CreateCommunity(v1::Community community) override;
  absl::StatusOr<v1::Community> GetCommunity(uint64_t community_id) const override;
  absl::StatusOr<std::vector<v1::Community>> ListCommunities(uint64_t after_id,
                                                             int limit) const override;

  absl::StatusOr<v1::Event> CreateEvent(v1::Event event) override;
  absl::StatusOr<v1::Event> GetEvent(uint64_t event_id) const override;
  absl::StatusOr<std::vector<v1::Event>> ListEvents(uint64_t community_id, uint64_t after_id,
                                                    int limit) const override;
  absl::StatusOr<v1::Event> MutateEvent(
      uint64_t event_id, const std::function<absl::Status(v1::Event*)>& mutate) override;

  absl::StatusOr<v1::Attendee> GetAttendee(uint64_t event_id, uint64_t attendee_id) const override;
  absl::StatusOr<v1::Attendee> GetAttendeeByExternalId(
      uint64_t event_id, absl::string_view external_id) const override;
  absl::StatusOr<std::vector<v1::Attendee>> ListAttendees(uint64_t event_id, uint64_t after_id,
                                                          int limit) const override;
  absl::Status ScanAttendees(uint64_t event_id,
                             const std::function<bool(const v1::Attendee&)>& visit) const override;
  absl::StatusOr<std::vector<UpsertResult>> UpsertAttendeesInPlace(
      uint64_t event_id, absl::Span<v1::Attendee* const> rows) override;
  absl::StatusOr<v1::Attendee> MutateAttendee(
      uint64_t event_id, uint64_t attendee_id,
      const std::function<absl::Status(v1::Attendee*)>& mutate) override;
  absl::StatusOr<bool> RemoveAttendee(uint64_t event_id, uint64_t attendee_id) override;

  absl::Status PutToken(absl::string_view secret_sha256, const v1::TokenInfo& info) override;
  absl::Status PutTokens(const std::vector<std::pair<std::string, v1::TokenInfo>>& tokens) override;
  absl::StatusOr<std::vector<v1::TokenInfo>> ListAttendeeTokens(
      uint64_t event_id, uint64_t attendee_id) const override;
  absl::StatusOr<v1::TokenInfo> LookupToken(absl::string_view secret_sha256) const override;
  absl::StatusOr<v1::TokenInfo> GetTokenInfo(absl::string_view token_id) const override;
  absl::StatusOr<v1::TokenInfo> RevokeToken(absl::string_view token_id,
                                            int64_t now_unix_seconds) override;
  absl::StatusOr<std::vector<v1::TokenInfo>> ListTokens(uint64_t community_id,
                                                        v1::TokenInfo::Role role,
                                                        absl::string_view after_token_id,
                                                        int limit) const override;

  absl::StatusOr<v1::Meeting> GetMeeting(uint64_t event_id, uint64_t meeting_id) const override;
  absl::StatusOr<std::vector<v1::Meeting>> ListMeetings(uint64_t event_id, uint64_t after_id,
                                                        int limit) const override;
  absl::StatusOr<std::vector<v1::Meeting>> ListMeetingsOfAttendee(
      uint64_t event_id, uint64_t attendee_id) const override;
  absl::Status ScanMeetings(uint64_t event_id,
                            const std::function<bool(const v1::Meeting&)>& visit) const override;
  absl::StatusOr<v1::Meeting> MutateMeeting(
      uint64_t event_id, uint64_t meeting_id,
      const std::function<absl::Status(v1::Meeting*)>& mutate) override;
  absl::StatusOr<std::vector<v1::Meeting>> ReplaceSchedule(
      uint64_t event_id, const v1::MatchingRun& run, std::vector<v1::Meeting> new_meetings,
      const std::vector<uint64_t>& planned_around) override;
  absl::StatusOr<std::vector<v1::Meeting>> InsertMeetings(
      uint64_t event_id, uint64_t base_run_id, std::vector<v1::Meeting> new_meetings) override;

  absl::StatusOr<v1::MatchingRun> CreateRun(v1::MatchingRun run) override;
  absl::Status PutRun(const v1::MatchingRun& run) override;
  absl::StatusOr<v1::MatchingRun> GetRun(uint64_t event_id, uint64_t run_id) const override;
  absl::StatusOr<v1::MatchingRun> LatestRun(uint64_t event_id) const override;

  absl::StatusOr<v1::Meeting> RecordFeedback(uint64_t event_id, uint64_t meeting_id, uint64_t giver,
                                             const FeedbackMutator& mutate) override;
  absl::StatusOr<std::vector<v1::StoredFeedback>> ListFeedbackBy(uint64_t event_id,
                                                                 uint64_t giver) const override;
  absl::Status ScanFeedback(
      uint64_t event_id,
      const std::function<bool(const v1::StoredFeedback&)>& visit) const override {
    return ScanOfEvent<v1::StoredFeedback>(Cf::kFeedback, event_id, visit, "feedback");
  }
  absl::Status PutMemory(uint64_t community_id, const std::vector<MemoryEntry>& entries) override;
  absl::Status ScanMemory(uint64_t community_id, absl::string_view person,
                          const std::function<bool(const MemoryEntry&)>& visit) const override;
  absl::StatusOr<v1::StoredIntroduction> CreateIntroduction(
      v1::StoredIntroduction introduction) override;
  absl::StatusOr<v1::StoredIntroduction> GetIntroduction(uint64_t event_id,
                                                         uint64_t introduction_id) const override;
  absl::StatusOr<v1::StoredIntroduction> MutateIntroduction(
      uint64_t event_id, uint64_t introduction_id,
      const std::function<absl::Status(v1::StoredIntroduction*)>& mutate) override;
  absl::Status ScanIntroductions(
      uint64_t event_id,
      const std::function<bool(const v1::StoredIntroduction&)>& visit) const override {
    return ScanOfEvent<v1::StoredIntroduction>(Cf::kIntroductions, event_id, visit, "introduction");
  }

  // Known pairs: the per-pair code is in store_known_pairs.cc.
  absl::StatusOr<std::vector<KnownPairOutcome>> AddKnownPairs(
      uint64_t event_id, absl::Span<const AttendeePair> pairs) override {
    return EditKnownPairs<KnownPairOutcome>(event_id, pairs, known_pairs::StageAdd, "add");
  }
  absl::StatusOr<std::vector<bool>> RemoveKnownPairs(
      uint64_t event_id, absl::Span<const AttendeePair> pairs) override {
    return EditKnownPairs<bool>(event_id, pairs, known_pairs::StageRemove, "remove");
  }
  absl::StatusOr<bool> IsKnownPair(uint64_t event_id, uint64_t a, uint64_t b) const override {
    InUse use(this);
    if (!use.ok()) return ClosedError();
    return known_pairs::Contains(KnownPairFamilies(), event_id, a, b);
  }
  absl::Status ScanKnownPairs(uint64_t event_id,
                              const std::function<bool(uint64_t, uint64_t)>& visit) const override {
    InUse use(this);
    if (!use.ok()) return ClosedError();
    return known_pairs::Scan(KnownPairFamilies(), event_id, visit);
  }

 private:
  known_pairs::Families KnownPairFamilies() const {
    return {db_, cf(Cf::kKnownPairs), cf(Cf::kAttendees)};
  }
  template <typename Outcome, typename StageFn>
  absl::StatusOr<std::vector<Outcome>> EditKnownPairs(uint64_t event_id,
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

  // Adds memory entries to the batch. INVALID_ARGUMENT for an empty person or partner.
  static absl::Status PutMemoryEntries(uint64_t community_id,
                                       const std::vector<MemoryEntry>& entries, Batch* batch) {
    for (const MemoryEntry& entry : entries) {
      if (entry.person.empty() || entry.partner.empty()) {
        return absl::InvalidArgumentError("memory entry: person and partner must not be empty");
      }
      batch->Put(Cf::kMemory,
                 MemoryKey(community_id, entry.person, entry.partner, entry.record.event_id(),
                           entry.record.meeting_id()),
                 Serialize(entry.record));
    }
    return absl::OkStatus();
  }
  // Erasure of an attendee's relationship records, into `batch`: their feedback stays for the
  // aggregates but names nobody; introductions and requests they are part of go; the memory of
  // their meetings in this event goes from both sides.
  // `meetings`: theirs, being deleted in the same batch.
  absl::Status EraseRelationships(const v1::Attendee& attendee,
                                  const std::vector<v1::Meeting>& meetings, Batch* batch) const;

  rocksdb::ColumnFamilyHandle* cf(Cf c) const { return handles_[static_cast<size_t>(c)]; }

  absl::Status ClosedError() const {
    return absl::FailedPreconditionError(absl::StrCat("store at ", options_.path, " is closed"));
  }

  // The attendees of `meetings` that still exist in the event (erasure may have removed some
  // while a plan was computed).
  absl::StatusOr<absl::flat_hash_set<uint64_t>> PresentAttendees(
      uint64_t event_id, const std::vector<v1::Meeting>& meetings) const {
    std::vector<uint64_t> attendees;
    attendees.reserve(2 * meetings.size());
    for (const v1::Meeting& m : meetings) {
      attendees.push_back(m.attendee_a());
      attendees.push_back(m.attendee_b());
    }
    std::sort(attendees.begin(), attendees.end());
    attendees.erase(std::unique(attendees.begin(), attendees.end()), attendees.end());
    std::vector<std::string> keys;
    keys.reserve(attendees.size());
    for (uint64_t id : attendees) keys.push_back(AttendeeKey(event_id, id));
    std::vector<rocksdb::PinnableSlice> values;
    std::vector<bool> found;
    absl::Status s = MultiRead(rocksdb::ReadOptions(), Cf::kAttendees, keys,
                               absl::StrCat("attendees of event ", event_id), &values, &found);
    if (!s.ok()) return s;
    absl::flat_hash_set<uint64_t> present;
    for (size_t i = 0; i < attendees.size(); ++i) {
      if (found[i]) present.insert(attendees[i]);
    }
    return present;
  }

  // Point read. NOT_FOUND "<what> not found" if the key is absent.
  absl::Status Read(const rocksdb::ReadOptions& read_options, Cf c, absl::string_view key,
                    absl::string_view what, rocksdb::PinnableSlice* value) const {
    rocksdb::Status s = db_->Get(read_options, cf(c), ToSlice(key), value);
    if (s.IsNotFound()) return absl::NotFoundError(absl::StrCat(what, " not found"));
    return FromRocksDb(s, absl::StrCat("read ", what));
  }
  template <typename Message>
  absl::StatusOr<Message> ReadRecord(const rocksdb::ReadOptions& read_options, Cf c,
                                     absl::string_view key, absl::string_view what) const {
    rocksdb::PinnableSlice value;
    absl::Status s = Read(read_options, c, key, what, &value);
    if (!s.ok()) return s;
    Message message;
    s = Parse(ToView(value), what, &message);
    if (!s.ok()) return s;
    return message;
  }
  absl::StatusOr<bool> Exists(Cf c, absl::string_view key, absl::string_view what) const {
    rocksdb::PinnableSlice value;
    absl::Status s = Read(rocksdb::ReadOptions(), c, key, what, &value);
    if (absl::IsNotFound(s)) return false;
    if (!s.ok()) return s;
    return true;
  }
  // Records keyed event:u64 | id:u64 (attendees, meetings) with id > after_id, at most `limit`.
  template <typename Message>
  absl::StatusOr<std::vector<Message>> ListOfEvent(Cf c, uint64_t event_id, uint64_t after_id,
                                                   int limit, absl::string_view noun) const {
    if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
    absl::Status s = CheckLimit(limit);
    if (!s.ok()) return s;
    std::vector<Message> out;
    if (after_id == UINT64_MAX) return out;
    InUse use(this);
    if (!use.ok()) return ClosedError();
    PrefixScan scan(db_, cf(c), rocksdb::ReadOptions(), EncodeU64(event_id),
                    EventByCommunityKey(event_id, after_id + 1));
    for (; scan.Valid() && static_cast<int>(out.size()) < limit; scan.Next()) {
      s = Parse(scan.value(), absl::StrCat(noun, " record of event ", event_id),
                &out.emplace_back());
      if (!s.ok()) return s;
    }
    s = FromRocksDb(scan.status(), absl::StrCat("list ", noun, "s of event ", event_id));
    if (!s.ok()) return s;
    return out;
  }
  // Visits every record keyed event:u64 | id:u64 from one snapshot, until visit returns false.
  template <typename Message>
  absl::Status ScanOfEvent(Cf c, uint64_t event_id,
                           const std::function<bool(const Message&)>& visit,
                           absl::string_view noun) const {
    if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
    InUse use(this);
    if (!use.ok()) return ClosedError();
    rocksdb::ManagedSnapshot snapshot(db_);
    rocksdb::ReadOptions read_options;
    read_options.snapshot = snapshot.snapshot();
    const std::string prefix = EncodeU64(event_id);
    PrefixScan scan(db_, cf(c), read_options, prefix, prefix);
    Message record;
    for (; scan.Valid(); scan.Next()) {
      record.Clear();
      absl::Status s =
          Parse(scan.value(), absl::StrCat(noun, " record of event ", event_id), &record);
      if (!s.ok()) return s;
      if (!visit(record)) return absl::OkStatus();
    }
    return FromRocksDb(scan.status(), absl::StrCat("scan ", noun, "s of event ", event_id));
  }

  // Stores a new record keyed event:u64 | id:u64 under the next id of `*counter` (persisted in
  // meta under `counter_key` in the same batch). NOT_FOUND if the event does not exist.
  template <typename Message>
  absl::StatusOr<Message> CreateInEvent(Cf c, absl::string_view counter_key, uint64_t* counter,
                                        Message record, absl::string_view noun) {
    const uint64_t event_id = record.event_id();
    InUse use(this);
    if (!use.ok()) return ClosedError();
    absl::MutexLock write_lock(&write_mu_);
    absl::Status s = CheckEventExists(event_id);
    if (!s.ok()) return s;
    const uint64_t id = *counter + 1;
    record.set_id(id);
    Batch batch(handles_);
    batch.Put(c, EventByCommunityKey(event_id, id), Serialize(record));
    batch.Put(Cf::kMeta, counter_key, EncodeU64(id));
    s = Commit(&batch, absl::StrCat(noun, " ", id, " of event ", event_id));
    if (!s.ok()) return s;
    *counter = id;
    return record;
  }

  // Adds a meeting record and its two index entries to the batch, or deletes them.
  void PutMeeting(const v1::Meeting& meeting, Batch* batch) const {
    batch->Put(Cf::kMeetings, MeetingKey(meeting.event_id(), meeting.id()), Serialize(meeting));
    for (uint64_t attendee : {meeting.attendee_a(), meeting.attendee_b()}) {
      batch->Put(Cf::kMeetingsByAttendee,
                 MeetingByAttendeeKey(meeting.event_id(), attendee, meeting.id()), "");
    }
  }
  void DeleteMeeting(const v1::Meeting& meeting, Batch* batch) const {
    batch->Delete(Cf::kMeetings, MeetingKey(meeting.event_id(), meeting.id()));
    for (uint64_t attendee : {meeting.attendee_a(), meeting.attendee_b()}) {
      batch->Delete(Cf::kMeetingsByAttendee,
                    MeetingByAttendeeKey(meeting.event_id(), attendee, meeting.id()));
    }
  }
  // NOT_FOUND "event N not found" unless the event exists.
  absl::Status CheckEventExists(uint64_t event_id) const {
    absl::StatusOr<bool> exists =
        Exists(Cf::kEvents, EventKey(event_id), absl::StrCat("event ", event_id));
    if (!exists.ok()) return exists.status();
    if (!*exists) return absl::NotFoundError(absl::StrCat("event ", event_id, " not found"));
    return absl::OkStatus();
  }
  // Reads the attendee id stored under an external_id; 0 if there is none.
  absl::StatusOr<uint64_t> ReadExternalId(uint64_t event_id, absl::string_view external_id) const;

  // The records that an index scan found, in order; DATA_LOSS if one is missing.
  template <typename Message>
  absl::StatusOr<std::vector<Message>> ReadIndexed(const rocksdb::ReadOptions& read_options, Cf c,
                                                   const std::vector<std::string>& keys,
                                                   absl::string_view what) const {
    std::vector<rocksdb::PinnableSlice> values;
    std::vector<bool> found;
    absl::Status s = MultiRead(read_options, c, keys, what, &values, &found);
    if (!s.ok()) return s;
    std::vector<Message> out;
    out.reserve(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) {
      if (!found[i])
        return absl::DataLossError(absl::StrCat(what, ": index names a missing record"));
      s = Parse(ToView(values[i]), what, &out.emplace_back());
      if (!s.ok()) return s;
    }
    return out;
  }

  absl::Status Commit(Batch* batch, absl::string_view what) {
    if (!batch->status().ok()) return FromRocksDb(batch->status(), absl::StrCat("batch ", what));
    return FromRocksDb(db_->Write(write_options_, batch->batch()), absl::StrCat("write ", what));
  }

  // Values of `keys` in `c` under one snapshot-free MultiGet; NOT_FOUND ones are left empty
  // with found[i] false. `sorted`: the keys are in ascending bytewise order, so RocksDB need not
  // sort them.
  absl::Status MultiRead(const rocksdb::ReadOptions& read_options, Cf c,
                         const std::vector<std::string>& keys, absl::string_view what,
                         std::vector<rocksdb::PinnableSlice>* values, std::vector<bool>* found,
                         bool sorted = false) const;

  const StoreOptions options_;
  rocksdb::WriteOptions write_options_;

  // Every method holds an InUse while it touches db_. Close marks the store closed (so new
  // calls fail), waits until the calls in flight are done, then tears the database down. No lock
  // is held while a method runs, so a callback (mutate, visit) may call other methods; it gets
  // FAILED_PRECONDITION once Close has begun, and must not call Close itself.
  class InUse {
   public:
    explicit InUse(const RocksStore* store) : store_(store) {
      absl::MutexLock lock(&store_->state_mu_);
      ok_ = !store_->closing_;
      if (ok_) ++store_->calls_in_flight_;
    }
    ~InUse() {
      if (!ok_) return;
      absl::MutexLock lock(&store_->state_mu_);
      --store_->calls_in_flight_;
    }
    InUse(const InUse&) = delete;
    InUse& operator=(const InUse&) = delete;
    bool ok() const { return ok_; }

   private:
    const RocksStore* store_;
    bool ok_;
  };

  mutable absl::Mutex state_mu_;
  bool closing_ ABSL_GUARDED_BY(state_mu_) = false;
  bool closed_ ABSL_GUARDED_BY(state_mu_) = false;
  mutable int calls_in_flight_ ABSL_GUARDED_BY(state_mu_) = 0;

  // Serialises writes and their read-modify-write steps; guards the id counters.
  absl::Mutex write_mu_;
  rocksdb::DB* db_;  // Owned; valid until Close.
  Handles handles_;  // Owned; destroyed by Close.

  uint64_t last_community_id_ ABSL_GUARDED_BY(write_mu_) = 0;
  uint64_t last_event_id_ ABSL_GUARDED_BY(write_mu_) = 0;
  uint64_t last_attendee_id_ ABSL_GUARDED_BY(write_mu_) = 0;
  uint64_t last_meeting_id_ ABSL_GUARDED_BY(write_mu_) = 0;
  uint64_t last_run_id_ ABSL_GUARDED_BY(write_mu_) = 0;
  uint64_t last_introduction_id_ ABSL_GUARDED_BY(write_mu_) = 0;
};

// The one call of DB::Open (RocksDB 7.8 has only the DB** form). Refuses column families this
// version does not know before opening, because RocksDB insists on opening all of them.
absl::Status OpenDb(const StoreOptions& options, bool existed, rocksdb::DB** db, Handles* handles) {
  rocksdb::DBOptions db_options;
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
  rocksdb::Status s =
      rocksdb::DB::Open(rocksdb::DBOptions(db_options), options.path, descriptors, &opened, db);
  if (!s.ok()) return FromRocksDb(s, absl::StrCat("open store at ", options.path));
  assert(opened.size() == kCfCount);
  std::copy(opened.begin(), opened.end(), handles->begin());
  return absl::OkStatus();
}

absl::Status RocksStore::Init(bool existed) {
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

absl::Status RocksStore::Close() {
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
  rocksdb::FlushOptions flush;
  flush.wait = true;
  absl::Status result = FromRocksDb(db_->Flush(flush, std::vector<rocksdb::ColumnFamilyHandle*>(
                                                          handles_.begin(), handles_.end())),
                                    absl::StrCat("flush store at ", options_.path));
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

absl::Status RocksStore::MultiRead(const rocksdb::ReadOptions& read_options, Cf c,
                                   const std::vector<std::string>& keys, absl::string_view what,
                                   std::vector<rocksdb::PinnableSlice>* values,
                                   std::vector<bool>* found, bool sorted) const {
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

absl::StatusOr<v1::Community> RocksStore::CreateCommunity(v1::Community community) {
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

absl::StatusOr<v1::Community> RocksStore::GetCommunity(uint64_t community_id) const {
  if (community_id == 0) return absl::InvalidArgumentError("community id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  return ReadRecord<v1::Community>(rocksdb::ReadOptions(), Cf::kCommunities,
                                   CommunityKey(community_id),
                                   absl::StrCat("community ", community_id));
}

absl::StatusOr<std::vector<v1::Community>> RocksStore::ListCommunities(uint64_t after_id,
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

absl::StatusOr<v1::Event> RocksStore::CreateEvent(v1::Event event) {
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

absl::StatusOr<v1::Event> RocksStore::GetEvent(uint64_t event_id) const {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  return ReadRecord<v1::Event>(rocksdb::ReadOptions(), Cf::kEvents, EventKey(event_id),
                               absl::StrCat("event ", event_id));
}

absl::StatusOr<std::vector<v1::Event>> RocksStore::ListEvents(uint64_t community_id,
                                                              uint64_t after_id, int limit) const {
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

absl::StatusOr<v1::Event> RocksStore::MutateEvent(
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
  absl::Status s = mutate(&*event);
  if (!s.ok()) return s;
  event->set_id(event_id);
  event->set_community_id(community_id);
  event->set_create_time(create_time);
  event->set_update_time(NowSeconds());
  Batch batch(handles_);
  batch.Put(Cf::kEvents, EventKey(event_id), Serialize(*event));
  s = Commit(&batch, absl::StrCat("event ", event_id));
  if (!s.ok()) return s;
  return event;
}

// --- Attendees ---------------------------------------------------------------------------

absl::StatusOr<v1::Attendee> RocksStore::GetAttendee(uint64_t event_id,
                                                     uint64_t attendee_id) const {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  if (attendee_id == 0) return absl::InvalidArgumentError("attendee id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  return ReadRecord<v1::Attendee>(rocksdb::ReadOptions(), Cf::kAttendees,
                                  AttendeeKey(event_id, attendee_id),
                                  absl::StrCat("attendee ", attendee_id, " of event ", event_id));
}

absl::StatusOr<uint64_t> RocksStore::ReadExternalId(uint64_t event_id,
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

absl::StatusOr<v1::Attendee> RocksStore::GetAttendeeByExternalId(
    uint64_t event_id, absl::string_view external_id) const {
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

absl::StatusOr<std::vector<v1::Attendee>> RocksStore::ListAttendees(uint64_t event_id,
                                                                    uint64_t after_id,
                                                                    int limit) const {
  return ListOfEvent<v1::Attendee>(Cf::kAttendees, event_id, after_id, limit, "attendee");
}

absl::Status RocksStore::ScanAttendees(
    uint64_t event_id, const std::function<bool(const v1::Attendee&)>& visit) const {
  return ScanOfEvent<v1::Attendee>(Cf::kAttendees, event_id, visit, "attendee");
}

absl::StatusOr<std::vector<UpsertResult>> RocksStore::UpsertAttendeesInPlace(
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

absl::StatusOr<v1::Attendee> RocksStore::MutateAttendee(
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
  return attendee;
}

absl::StatusOr<bool> RocksStore::RemoveAttendee(uint64_t event_id, uint64_t attendee_id) {
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
  return true;
}

// --- Tokens ------------------------------------------------------------------------------

absl::Status CheckSha256(absl::string_view secret_sha256) {
  if (secret_sha256.size() != kSha256Bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("secret_sha256 must be ", kSha256Bytes, " bytes, got ", secret_sha256.size()));
  }
  return absl::OkStatus();
}

absl::Status RocksStore::PutToken(absl::string_view secret_sha256, const v1::TokenInfo& info) {
  return PutTokens({{std::string(secret_sha256), info}});
}

absl::Status RocksStore::PutTokens(
    const std::vector<std::pair<std::string, v1::TokenInfo>>& tokens) {
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
    if (info.role() == v1::TokenInfo::ATTENDEE &&
        (info.event_id() == 0 || info.attendee_id() == 0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("token ", token_id, ": ATTENDEE tokens need event_id and attendee_id"));
    }
  }
  InUse use(this);
  if (!use.ok()) return ClosedError();
  absl::MutexLock write_lock(&write_mu_);
  Batch batch(handles_);
  const int64_t now = NowSeconds();
  for (const auto& [secret_sha256, info] : tokens) {
    const std::string& token_id = info.token_id();
    const bool for_attendee = info.role() == v1::TokenInfo::ATTENDEE;
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

absl::StatusOr<std::vector<v1::TokenInfo>> RocksStore::ListAttendeeTokens(
    uint64_t event_id, uint64_t attendee_id) const {
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

absl::StatusOr<v1::TokenInfo> RocksStore::LookupToken(absl::string_view secret_sha256) const {
  absl::Status s = CheckSha256(secret_sha256);
  if (!s.ok()) return s;
  InUse use(this);
  if (!use.ok()) return ClosedError();
  return ReadRecord<v1::TokenInfo>(rocksdb::ReadOptions(), Cf::kTokens, secret_sha256,
                                   "token with this secret");
}

absl::StatusOr<v1::TokenInfo> RocksStore::GetTokenInfo(absl::string_view token_id) const {
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

absl::StatusOr<v1::TokenInfo> RocksStore::RevokeToken(absl::string_view token_id,
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

absl::StatusOr<std::vector<v1::TokenInfo>> RocksStore::ListTokens(uint64_t community_id,
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

absl::Status CheckMeetingAttendees(const v1::Meeting& meeting, absl::string_view what) {
  if (meeting.attendee_a() == 0 || meeting.attendee_a() >= meeting.attendee_b()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": needs 0 < attendee_a < attendee_b, got ", meeting.attendee_a(),
                     " and ", meeting.attendee_b()));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Meeting> RocksStore::GetMeeting(uint64_t event_id, uint64_t meeting_id) const {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  if (meeting_id == 0) return absl::InvalidArgumentError("meeting id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  return ReadRecord<v1::Meeting>(rocksdb::ReadOptions(), Cf::kMeetings,
                                 MeetingKey(event_id, meeting_id),
                                 absl::StrCat("meeting ", meeting_id, " of event ", event_id));
}

absl::StatusOr<std::vector<v1::Meeting>> RocksStore::ListMeetings(uint64_t event_id,
                                                                  uint64_t after_id,
                                                                  int limit) const {
  return ListOfEvent<v1::Meeting>(Cf::kMeetings, event_id, after_id, limit, "meeting");
}

absl::StatusOr<std::vector<v1::Meeting>> RocksStore::ListMeetingsOfAttendee(
    uint64_t event_id, uint64_t attendee_id) const {
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

absl::Status RocksStore::ScanMeetings(uint64_t event_id,
                                      const std::function<bool(const v1::Meeting&)>& visit) const {
  return ScanOfEvent<v1::Meeting>(Cf::kMeetings, event_id, visit, "meeting");
}

absl::StatusOr<v1::Meeting> RocksStore::MutateMeeting(
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
  return meeting;
}

absl::StatusOr<std::vector<v1::Meeting>> RocksStore::ReplaceSchedule(
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

absl::StatusOr<std::vector<v1::Meeting>> RocksStore::InsertMeetings(
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

absl::StatusOr<v1::MatchingRun> RocksStore::CreateRun(v1::MatchingRun run) {
  if (run.event_id() == 0) return absl::InvalidArgumentError("run.event_id must not be 0");
  if (run.start_time() == 0) run.set_start_time(NowSeconds());
  return CreateInEvent(Cf::kRuns, kMetaLastRunId, &last_run_id_, std::move(run), "run");
}

absl::Status RocksStore::PutRun(const v1::MatchingRun& run) {
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

absl::StatusOr<v1::MatchingRun> RocksStore::GetRun(uint64_t event_id, uint64_t run_id) const {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  if (run_id == 0) return absl::InvalidArgumentError("run id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  return ReadRecord<v1::MatchingRun>(rocksdb::ReadOptions(), Cf::kRuns, RunKey(event_id, run_id),
                                     absl::StrCat("run ", run_id, " of event ", event_id));
}

absl::StatusOr<v1::MatchingRun> RocksStore::LatestRun(uint64_t event_id) const {
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

}  // namespace

// --- Relationships ------------------------------------------------------------------------

absl::StatusOr<v1::Meeting> RocksStore::RecordFeedback(uint64_t event_id, uint64_t meeting_id,
                                                       uint64_t giver,
                                                       const FeedbackMutator& mutate) {
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

absl::StatusOr<std::vector<v1::StoredFeedback>> RocksStore::ListFeedbackBy(uint64_t event_id,
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

absl::Status RocksStore::PutMemory(uint64_t community_id, const std::vector<MemoryEntry>& entries) {
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

absl::Status RocksStore::ScanMemory(uint64_t community_id, absl::string_view person,
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

absl::StatusOr<v1::StoredIntroduction> RocksStore::CreateIntroduction(
    v1::StoredIntroduction introduction) {
  if (introduction.event_id() == 0) {
    return absl::InvalidArgumentError("introduction.event_id must not be 0");
  }
  if (introduction.create_time() == 0) introduction.set_create_time(NowSeconds());
  return CreateInEvent(Cf::kIntroductions, kMetaLastIntroductionId, &last_introduction_id_,
                       std::move(introduction), "introduction");
}

absl::StatusOr<v1::StoredIntroduction> RocksStore::GetIntroduction(uint64_t event_id,
                                                                   uint64_t introduction_id) const {
  InUse use(this);
  if (!use.ok()) return ClosedError();
  return ReadRecord<v1::StoredIntroduction>(
      rocksdb::ReadOptions(), Cf::kIntroductions, IntroductionKey(event_id, introduction_id),
      absl::StrCat("introduction ", introduction_id, " of event ", event_id));
}

absl::StatusOr<v1::StoredIntroduction> RocksStore::MutateIntroduction(
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
  Batch batch(handles_);
  batch.Put(Cf::kIntroductions, key, Serialize(introduction));
  s = Commit(&batch, what);
  if (!s.ok()) return s;
  return introduction;
}

absl::Status RocksStore::EraseRelationships(const v1::Attendee& attendee,
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

Store::~Store() = default;

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  if (options.path.empty()) return absl::InvalidArgumentError("StoreOptions.path is empty");
  std::error_code error;
  const bool existed = std::filesystem::exists(std::filesystem::path(options.path) / "CURRENT");
  std::filesystem::create_directories(options.path, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("create store directory ", options.path, ": ", error.message()));
  }
  rocksdb::DB* db = nullptr;
  Handles handles{};
  absl::Status s = OpenDb(options, existed, &db, &handles);
  if (!s.ok()) return s;
  auto store = std::make_unique<RocksStore>(options, db, handles);
  s = store->Init(existed);
  if (!s.ok()) return s;
  return store;
}

}  // namespace parley::storage
