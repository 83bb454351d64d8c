#ifndef PARLEY_STORAGE_STORE_H_
#define PARLEY_STORAGE_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "parley/v1/attendee.pb.h"
#include "parley/v1/community.pb.h"
#include "parley/v1/event.pb.h"
#include "parley/v1/matching.pb.h"
#include "parley/v1/relationship_records.pb.h"
#include "storage/backup.h"
#include "storage/change_set.h"
#include "storage/erasure.h"
#include "storage/store_internal.h"

namespace parley::storage {

namespace known_pairs {
struct Families;
}  // namespace known_pairs

struct StoreOptions {
  // Directory of the database; created (with parents) if missing.
  std::string path;
  // fsync the WAL before a write is acknowledged. Default: true. With false, a power loss can
  // lose the last writes (a process crash cannot).
  bool sync_writes = true;
  // RocksDB block cache. Default: 256 MiB.
  size_t block_cache_bytes = 256u << 20;
  // A damaged write-ahead log (a record whose checksum fails) makes Open fail with DATA_LOSS
  // naming the file and offset, because the writes recorded there were acknowledged. With
  // salvage_wal, Open instead keeps what precedes the first damage, drops the rest and logs
  // (ERROR) what it dropped. A record cut short at the end of the last log (a write that never
  // completed, so was never acknowledged) is dropped either way. Default: false.
  bool salvage_wal = false;
  // Writes fail with RESOURCE_EXHAUSTED ("disk full: N bytes free ...") when they would leave
  // less than this free on the store's file system, so that RocksDB keeps room for its own files
  // and never meets a full disk; they succeed again by themselves once space is freed. Reads are
  // not affected. If even Open cannot write (a restart on a full disk), the store opens
  // read-only: reads work, writes fail with RESOURCE_EXHAUSTED until a restart with space.
  // 0: no floor. Default: 64 MiB.
  uint64_t min_free_bytes = 64u << 20;
  // How long after RemoveAttendee its records are compacted out of every SST and WAL file
  // (removals within the delay share one pass; Close runs a pending pass). Zero or less: only
  // by CompactErased and Close. Default: 10 s.
  absl::Duration erasure_delay = absl::Seconds(10);
  // A write, a WAL fsync or a hold of the write lock this slow is logged at WARNING ("slow
  // write", "slow fsync", "write lock held"): it is the whole budget of a live change (a
  // decline's replacement on the attendee's stream, p99 50 ms), and a load test's tail cannot
  // tell a disk's stall from the server's own work without it. The threshold of a write and of
  // a hold grows by 1 us per 10 bytes written, so that bulk batches (a run's schedule, an
  // import) are not logged for their size alone. Tests set 0 to see every line. Default: 50 ms.
  absl::Duration slow_threshold = absl::Milliseconds(50);
};

// One side of a remembered meeting: the record under `person`'s keyed hash, about `partner`.
struct MemoryEntry {
  std::string person;
  std::string partner;
  v1::MemoryRecord record;
};

// Decides a feedback write: see Store::RecordFeedback.
using FeedbackMutator =
    std::function<absl::Status(v1::Meeting* meeting, v1::StoredFeedback* mine,
                               const v1::StoredFeedback* theirs, std::vector<MemoryEntry>* memory)>;

// The result of a read-modify-write (Store::Mutate*): the record as stored afterwards, and
// whether the call wrote it (false: the mutation left it as it was, nothing was written and no
// listener was told).
template <typename Record>
struct Mutated {
  Record record;
  bool changed = false;
};

// What ImportAttendees did with one row.
enum class UpsertOutcome { kCreated, kUpdated, kUnchanged };

struct UpsertResult {
  UpsertOutcome outcome;
  uint64_t attendee_id;
};

// How ImportAttendees treats the rows and the attendees not in them.
struct ImportAttendeesOptions {
  // Computes every outcome (and the removals) without writing anything. Created rows get the
  // ids they would have had. Default: false.
  bool dry_run = false;
  // The attendees with these external_ids are removed (erasure, as RemoveAttendee) in the same
  // batch; ids that name no attendee, or that one of the rows upserts, are skipped.
  std::vector<std::string> remove_external_ids;
  // Also removes every attendee of the event whose external_id is neither upserted by a row
  // nor in keep_external_ids (a sync with the organiser's full list). Default: false.
  bool remove_absent = false;
  absl::flat_hash_set<std::string> keep_external_ids;
};

// An attendee that ImportAttendees removed (or, with dry_run, would remove).
struct RemovedAttendee {
  uint64_t attendee_id = 0;
  std::string external_id;
  std::string display_name;
  // By remove_absent rather than by remove_external_ids.
  bool absent = false;
};

struct ImportAttendeesResult {
  std::vector<UpsertResult> upserts;     // one per row, in row order
  std::vector<RemovedAttendee> removed;  // by attendee id
};

// Two attendees of one event (attendee ids; either order).
using AttendeePair = std::pair<uint64_t, uint64_t>;

// What AddKnownPairs did with one pair.
enum class KnownPairOutcome {
  kAdded,
  kUnchanged,        // already known; nothing written
  kMissingAttendee,  // one of them is not (or no longer) an attendee of the event
};

// Store keeps communities, events, attendees, tokens, meetings and matching runs in RocksDB, one
// column family per key layout (key_codec.h documents the layouts: they are a file format). Values
// are serialised protobuf messages.
//
// Durability: every method that writes commits one WriteBatch (with sync_writes, fsync'd before
// it returns OK), so a multi-key change is all-or-nothing even across kill -9. The fsync runs
// after the write mutex is released, and writers that commit meanwhile share it (group commit):
// a write is visible to readers from its commit, a few milliseconds before it is fsync'd. A
// process crash (kill -9) loses nothing in that window (the WAL is written before the commit
// returns); a power loss may lose what was visible but not yet acknowledged.
// Thread-safety: all methods are safe to call concurrently. Reads never block on writes; writes
// (and their read-modify-write steps) are serialised by one mutex. No lock is held while a
// `mutate` or `visit` callback runs other than the write mutex during `mutate`: a `visit` may
// call any method but Close; a `mutate` may call the read methods only.
// Errors: NOT_FOUND for missing records, ALREADY_EXISTS for a taken unique key, INVALID_ARGUMENT
// for ids of 0, DATA_LOSS for bytes that do not parse, INTERNAL/UNAVAILABLE/RESOURCE_EXHAUSTED
// mapped from RocksDB errors (disk full is RESOURCE_EXHAUSTED).
// List methods: INVALID_ARGUMENT if limit <= 0; an unknown parent (community, event) lists
// nothing rather than NOT_FOUND.
// The store does no domain validation: services/ validates before calling.
class Store {
 public:
  // Opens or creates the database. FAILED_PRECONDITION if it was written by a newer or unknown
  // format version (the message says which), or holds column families this version does not
  // know.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);
  // Flushes and closes (see Close).
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // How many times the WAL was fsync'd since Open (group commit shares one between the writers
  // that committed while the previous one ran). For tests and logs.
  uint64_t wal_syncs() const { return wal_syncs_.load(std::memory_order_relaxed); }

  // Tells `listener` of every write committed from now on (change_set.h says when and how).
  // Not owned; it must stay valid until RemoveCommitListener returns. Thread-safe.
  void AddCommitListener(CommitListener* listener);
  // After this returns, `listener` is not called again. Thread-safe; not from a listener.
  void RemoveCommitListener(CommitListener* listener);

  // Runs a pending erasure pass (CompactErased), flushes memtables and closes the database;
  // later calls fail with FAILED_PRECONDITION.
  // Waits for the calls in flight to return (calls made after Close began fail). Idempotent.
  // Must not be called from a callback.
  absl::Status Close();

  // --- Operations ------------------------------------------------------------------------
  // Writes a consistent copy of the database into `dir` (absolute; must not exist), while the
  // store serves: storage/backup.h. The copy is a complete database: Open it in place, or copy
  // it to a data directory. ALREADY_EXISTS if `dir` exists, INVALID_ARGUMENT if not absolute.
  absl::StatusOr<CheckpointInfo> Checkpoint(const std::string& dir);
  // Compacts the records of removed attendees out of every file now (the store does it by
  // itself within StoreOptions::erasure_delay of a removal, and in Close). FAILED_PRECONDITION
  // if a snapshot older than the removal is still open (the pass is retried later).
  absl::Status CompactErased();

  // --- Communities -----------------------------------------------------------------------
  // Assigns id and create_time; returns the stored record.
  absl::StatusOr<v1::Community> CreateCommunity(v1::Community community);
  absl::StatusOr<v1::Community> GetCommunity(uint64_t community_id) const;
  // Communities with id > after_id, ascending, at most `limit`.
  absl::StatusOr<std::vector<v1::Community>> ListCommunities(uint64_t after_id, int limit) const;

  // --- Events ----------------------------------------------------------------------------
  // event.community_id must name an existing community (NOT_FOUND otherwise). Assigns id,
  // create_time and update_time.
  absl::StatusOr<v1::Event> CreateEvent(v1::Event event);
  absl::StatusOr<v1::Event> GetEvent(uint64_t event_id) const;
  // Events of the community with id > after_id, ascending, at most `limit`.
  absl::StatusOr<std::vector<v1::Event>> ListEvents(uint64_t community_id, uint64_t after_id,
                                                    int limit) const;
  // Read-modify-write under the write lock: reads the event, calls `mutate` on it, and if that
  // returns OK stores the result with a fresh update_time (id, community_id and create_time are
  // restored if mutate changed them). A non-OK status from mutate is returned unchanged and
  // nothing is written. A mutate that leaves the record as it was writes nothing either: the
  // result says changed = false (and holds the stored record). The same holds for every
  // Mutate* below.
  absl::StatusOr<Mutated<v1::Event>> MutateEvent(
      uint64_t event_id, const std::function<absl::Status(v1::Event*)>& mutate);

  // --- Attendees -------------------------------------------------------------------------
  absl::StatusOr<v1::Attendee> GetAttendee(uint64_t event_id, uint64_t attendee_id) const;
  absl::StatusOr<v1::Attendee> GetAttendeeByExternalId(uint64_t event_id,
                                                       absl::string_view external_id) const;
  // Attendees of the event with id > after_id, ascending, at most `limit`.
  absl::StatusOr<std::vector<v1::Attendee>> ListAttendees(uint64_t event_id, uint64_t after_id,
                                                          int limit) const;
  // Calls `visit` for every attendee of the event in id order, from one consistent snapshot;
  // stops early (returning OK) when visit returns false.
  absl::Status ScanAttendees(uint64_t event_id,
                             const std::function<bool(const v1::Attendee&)>& visit) const;
  // Upserts rows by external_id in ONE WriteBatch (one fsync). For each row: if no attendee of
  // the event has its external_id, it is created (new id, create_time, update_time); if one has
  // and every field but id, event_id, create_time and update_time is equal, nothing is written
  // (kUnchanged); otherwise it is replaced, keeping id and create_time (kUpdated). A later row
  // with the same external_id as an earlier row of the same batch sees the earlier one. The
  // contact-sharing consent (share_email, share_phone) is the attendee's alone: an update keeps
  // the stored values and a new attendee starts without, whatever the row says.
  // The event must exist (NOT_FOUND); every row needs a non-empty external_id (INVALID_ARGUMENT
  // "row N: ..."). Results are in row order. On error nothing is written.
  absl::StatusOr<std::vector<UpsertResult>> UpsertAttendees(uint64_t event_id,
                                                            std::vector<v1::Attendee> rows) {
    std::vector<v1::Attendee*> pointers;
    pointers.reserve(rows.size());
    for (v1::Attendee& row : rows) pointers.push_back(&row);
    return UpsertAttendeesInPlace(event_id, pointers);
  }
  // The same, for rows the caller keeps (an import's rows stay in the arena they were parsed
  // into: no copy). The store may change them: their values afterwards are unspecified.
  absl::StatusOr<std::vector<UpsertResult>> UpsertAttendeesInPlace(
      uint64_t event_id, absl::Span<v1::Attendee* const> rows);
  // UpsertAttendeesInPlace and removals in ONE WriteBatch (one fsync): an import that also
  // drops cancelled registrations and, with remove_absent, everyone not in the organiser's
  // list, all-or-nothing across kill -9. With dry_run, the same answer and nothing written.
  absl::StatusOr<ImportAttendeesResult> ImportAttendees(uint64_t event_id,
                                                        absl::Span<v1::Attendee* const> rows,
                                                        const ImportAttendeesOptions& options);
  // Read-modify-write under the write lock, as MutateEvent. If mutate changes external_id, the
  // index follows, or ALREADY_EXISTS if another attendee has it.
  absl::StatusOr<Mutated<v1::Attendee>> MutateAttendee(
      uint64_t event_id, uint64_t attendee_id,
      const std::function<absl::Status(v1::Attendee*)>& mutate);
  // Deletes the attendee, its external_id index entry, all its tokens, all its meetings (in
  // any state, with both index entries of each) and its known pairs in one batch: erasure.
  // Returns false (and writes nothing) if there was no such attendee.
  absl::StatusOr<bool> RemoveAttendee(uint64_t event_id, uint64_t attendee_id);

  // --- Tokens ----------------------------------------------------------------------------
  // Stores a token record under the SHA-256 of its secret (32 raw bytes). info.token_id must
  // be non-empty and unique (ALREADY_EXISTS otherwise); for ATTENDEE and CALENDAR_FEED tokens
  // (which belong to one attendee: listed by ListAttendeeTokens, erased by RemoveAttendee) the
  // attendee must exist (NOT_FOUND). INVALID_ARGUMENT if the hash is not 32 bytes. A create_time of
  // 0 is set to now.
  absl::Status PutToken(absl::string_view secret_sha256, const v1::TokenInfo& info);
  // PutToken for many tokens (secret hash, record) in one batch: all are stored, or none (the
  // first failure is returned, naming the token). INVALID_ARGUMENT also when two share a
  // token_id or a hash.
  absl::Status PutTokens(const std::vector<std::pair<std::string, v1::TokenInfo>>& tokens);
  // The tokens issued to one attendee (revoked ones too), ordered by token_id.
  absl::StatusOr<std::vector<v1::TokenInfo>> ListAttendeeTokens(uint64_t event_id,
                                                                uint64_t attendee_id) const;
  // NOT_FOUND if no token has this hash. Revoked tokens are returned with revoke_time set.
  absl::StatusOr<v1::TokenInfo> LookupToken(absl::string_view secret_sha256) const;
  // Calls `visit` with each token's secret hash and record (revoked ones too), in hash order,
  // from one snapshot, until it returns false.
  absl::Status ScanTokens(const std::function<bool(absl::string_view secret_sha256,
                                                   const v1::TokenInfo&)>& visit) const;
  absl::StatusOr<v1::TokenInfo> GetTokenInfo(absl::string_view token_id) const;
  // Sets revoke_time (if not yet set) and returns the record. NOT_FOUND if unknown.
  absl::StatusOr<v1::TokenInfo> RevokeToken(absl::string_view token_id, int64_t now_unix_seconds);
  // Tokens of the community with the given role, ordered by token_id, with token_id >
  // after_token_id, at most `limit`.
  absl::StatusOr<std::vector<v1::TokenInfo>> ListTokens(uint64_t community_id,
                                                        v1::TokenInfo::Role role,
                                                        absl::string_view after_token_id,
                                                        int limit) const;

  // --- Meetings --------------------------------------------------------------------------
  // A meeting (or proposal) is stored under its event and indexed under both attendees. Ids
  // are assigned by ReplaceSchedule. The store does not check state transitions: services/ does.

  // NOT_FOUND if the event has no such meeting.
  absl::StatusOr<v1::Meeting> GetMeeting(uint64_t event_id, uint64_t meeting_id) const;
  // Meetings of the event with id > after_id, ascending, at most `limit`.
  absl::StatusOr<std::vector<v1::Meeting>> ListMeetings(uint64_t event_id, uint64_t after_id,
                                                        int limit) const;
  // Every meeting (any state) the attendee is part of, by id, from one consistent snapshot.
  // Empty for an unknown attendee. DATA_LOSS if the index names a missing meeting.
  absl::StatusOr<std::vector<v1::Meeting>> ListMeetingsOfAttendee(uint64_t event_id,
                                                                  uint64_t attendee_id) const;
  // Calls `visit` for every meeting of the event in id order, from one consistent snapshot;
  // stops early (returning OK) when visit returns false.
  absl::Status ScanMeetings(uint64_t event_id,
                            const std::function<bool(const v1::Meeting&)>& visit) const;
  // Read-modify-write under the write lock, as MutateEvent: id, event_id and create_time are
  // restored, update_time is set to now (sequence is the caller's business). If mutate changes
  // attendee_a/attendee_b, the attendee index follows; INVALID_ARGUMENT (nothing written) unless
  // 0 < attendee_a < attendee_b afterwards.
  absl::StatusOr<Mutated<v1::Meeting>> MutateMeeting(
      uint64_t event_id, uint64_t meeting_id,
      const std::function<absl::Status(v1::Meeting*)>& mutate);

  // Replaces the event's proposals with a new plan, in ONE batch, so that a crash at any point
  // leaves either the old schedule or the new one:
  //  - keeps every meeting in `planned_around` (ids of the meetings the plan was computed from,
  //    in any order: the non-PROPOSED ones and the proposals the plan keeps) and every other
  //    state than PROPOSED (CONFIRMED, DECLINED: the memory that a pair declined, EXPIRED,
  //    CANCELLED, HELD, NO_SHOW);
  //  - deletes every other PROPOSED meeting, with its index entries;
  //  - writes `new_meetings` with event_id and create_time/update_time (now, when 0), each
  //    indexed under both attendees. A new meeting whose id names a deleted proposal of the same
  //    pair takes its place under that id (ids attendees wrote down stay valid); every other one
  //    gets a fresh id. A meeting naming an attendee that no longer exists (it was erased while
  //    the plan was computed) is dropped;
  //  - writes `run` (its id must come from CreateRun).
  // ABORTED, and nothing written, if the event now holds a non-PROPOSED meeting not in
  // `planned_around`, or a PROPOSED one outside it for which `kept` (may be empty: none) says
  // the plan should have kept it (the rulebook's domain::AcceptedProposal: somebody accepted,
  // declined or confirmed while the plan was computed, so the plan may double-book or drop an
  // acceptance) unless it is in `withdrawn` (the plan saw it and rules it out): recompute.
  // Returns the stored new meetings in order. NOT_FOUND if the event does not exist;
  // INVALID_ARGUMENT if run.id is 0 or unknown, run.event_id differs, or a meeting lacks
  // 0 < attendee_a < attendee_b.
  absl::StatusOr<std::vector<v1::Meeting>> ReplaceSchedule(
      uint64_t event_id, const v1::MatchingRun& run, std::vector<v1::Meeting> new_meetings,
      const std::vector<uint64_t>& planned_around,
      const std::function<bool(const v1::Meeting&)>& kept = nullptr,
      const std::vector<uint64_t>& withdrawn = {});

  // Adds live replacement proposals (computed by incremental repair from the schedule of run
  // `base_run_id`; 0 = the event never had a run) in ONE batch: each gets a fresh id, event_id,
  // and create_time/update_time (now, when 0), and is indexed under both attendees. Meetings
  // naming an attendee that no longer exists are dropped.
  // ABORTED, and nothing written, if the plan is stale: the event's latest run is not
  // `base_run_id` or is not finished (DONE or FAILED: a run is replacing the proposals), or an
  // attendee of a new meeting already has a meeting in its slot whose state `occupies` (the
  // rulebook's domain::OccupyingState: the store checks under its write lock what the layer
  // that owns the rule decides), or its pair already has a meeting in any state (also among the
  // new meetings).
  // Returns the stored meetings in order. NOT_FOUND if the event does not exist;
  // INVALID_ARGUMENT if a meeting lacks 0 < attendee_a < attendee_b.
  absl::StatusOr<std::vector<v1::Meeting>> InsertMeetings(
      uint64_t event_id, uint64_t base_run_id, std::vector<v1::Meeting> new_meetings,
      const std::function<bool(v1::Meeting::State)>& occupies);

  // --- Matching runs ---------------------------------------------------------------------
  // run.event_id must name an existing event (NOT_FOUND otherwise). Assigns id, and start_time
  // when 0; returns the stored record.
  absl::StatusOr<v1::MatchingRun> CreateRun(v1::MatchingRun run);
  // Overwrites a run record (progress, result, failure). NOT_FOUND if CreateRun never stored it.
  absl::Status PutRun(const v1::MatchingRun& run);
  absl::StatusOr<v1::MatchingRun> GetRun(uint64_t event_id, uint64_t run_id) const;
  // The event's run with the highest id. NOT_FOUND if the event never had one.
  absl::StatusOr<v1::MatchingRun> LatestRun(uint64_t event_id) const;

  // --- Relationships: feedback, memory, introductions (relationship_records.proto) ---------
  // Read-modify-write of one attendee's feedback on a meeting, under the write lock: reads the
  // meeting (NOT_FOUND if the event has none with this id), the giver's stored feedback (or a
  // fresh record with event_id, meeting_id and giver set) and the other attendee's (null if
  // none), calls `mutate`, and if it returns OK writes, in ONE batch, the feedback (update_time
  // set to now), the meeting (its state; id, event_id, attendees, create_time, update_time and
  // sequence restored, because feedback is private: the partner must not see it change
  // anything) and the memory entries `mutate` filled, under the event's community. A non-OK
  // status from mutate is returned unchanged and nothing is written. INVALID_ARGUMENT if the
  // giver is neither attendee of the meeting. Returns the stored meeting.
  absl::StatusOr<v1::Meeting> RecordFeedback(uint64_t event_id, uint64_t meeting_id, uint64_t giver,
                                             const FeedbackMutator& mutate);
  // The feedback `giver` gave in the event, by meeting id.
  absl::StatusOr<std::vector<v1::StoredFeedback>> ListFeedbackBy(uint64_t event_id,
                                                                 uint64_t giver) const;
  // Every feedback record of the event (erased givers' under giver 0 first), one snapshot.
  absl::Status ScanFeedback(uint64_t event_id,
                            const std::function<bool(const v1::StoredFeedback&)>& visit) const;

  // Adds memory entries of the community in one batch: only those not yet remembered and whose
  // meeting (record.event_id, record.meeting_id) still exists, checked under the write lock, so
  // that a slow writer (closing an event) never overwrites fuller entries written by feedback
  // meanwhile nor brings back an erased meeting. INVALID_ARGUMENT for an entry with an empty
  // person or partner.
  absl::Status PutMemory(uint64_t community_id, const std::vector<MemoryEntry>& entries);
  // Every memory entry under `person`, by partner, event and meeting, one snapshot.
  absl::Status ScanMemory(uint64_t community_id, absl::string_view person,
                          const std::function<bool(const MemoryEntry&)>& visit) const;

  // Stores a new introduction or request: assigns id, and create_time when 0. The event must
  // exist (NOT_FOUND).
  absl::StatusOr<v1::StoredIntroduction> CreateIntroduction(v1::StoredIntroduction introduction);
  absl::StatusOr<v1::StoredIntroduction> GetIntroduction(uint64_t event_id,
                                                         uint64_t introduction_id) const;
  // Read-modify-write under the write lock, as MutateEvent (id, event_id, kind and create_time
  // are restored).
  absl::StatusOr<Mutated<v1::StoredIntroduction>> MutateIntroduction(
      uint64_t event_id, uint64_t introduction_id,
      const std::function<absl::Status(v1::StoredIntroduction*)>& mutate);
  // Every introduction and request of the event in id order, one snapshot.
  absl::Status ScanIntroductions(
      uint64_t event_id, const std::function<bool(const v1::StoredIntroduction&)>& visit) const;

  // --- Known pairs: attendees who already know each other (never proposed to each other) ----
  // Records pairs in ONE batch (one fsync), under the write lock. Results in input order: a pair
  // already stored (in either order, or earlier in `pairs`) is kUnchanged; a pair naming an
  // attendee the event does not have is kMissingAttendee and not stored. INVALID_ARGUMENT
  // (nothing written) for a pair with an id of 0 or twice the same attendee.
  absl::StatusOr<std::vector<KnownPairOutcome>> AddKnownPairs(uint64_t event_id,
                                                              absl::Span<const AttendeePair> pairs);
  // Forgets pairs in ONE batch; per pair, true if it was known. INVALID_ARGUMENT as above.
  absl::StatusOr<std::vector<bool>> RemoveKnownPairs(uint64_t event_id,
                                                     absl::Span<const AttendeePair> pairs);
  // Whether the two attendees are a known pair (either order).
  absl::StatusOr<bool> IsKnownPair(uint64_t event_id, uint64_t a, uint64_t b) const;
  // Calls `visit(a, b)` once per known pair of the event, a < b, ascending, one snapshot; stops
  // early (returning OK) when visit returns false.
  absl::Status ScanKnownPairs(uint64_t event_id,
                              const std::function<bool(uint64_t a, uint64_t b)>& visit) const;

 private:
  // `read_only`: DB::Open could not write (a full disk): DB::OpenForReadOnly opened `db`.
  Store(StoreOptions options, rocksdb::DB* db, const Handles& handles, bool read_only)
      : options_(std::move(options)), read_only_(read_only), db_(db), handles_(handles) {
    // Group commit: a write reaches the WAL (the OS holds it from here: a process crash loses
    // nothing) and is fsync'd by WriteScope after the write mutex is released.
    write_options_.sync = false;
    if (!read_only_) {
      erasure_ = std::make_unique<ErasureCompactor>(
          db_, std::vector<rocksdb::ColumnFamilyHandle*>(handles_.begin(), handles_.end()),
          options_.erasure_delay);
    }
    for (size_t i = 0; i < kCfCount; ++i) {
      const uint32_t id = handles_[i]->GetID();
      if (cf_of_id_.size() <= id) cf_of_id_.resize(id + 1, Cf::kCount);
      cf_of_id_[id] = static_cast<Cf>(i);
    }
  }

  // Checks the format version (writing it into a new store) and loads the id counters.
  absl::Status Init(bool existed);

  // The known_pairs column family's handles (store_known_pairs.h).
  known_pairs::Families KnownPairFamilies() const;
  // Stages a known-pair edit under the write lock and commits it (nothing when it stages
  // nothing). Defined in store_known_pairs.cc, its only user.
  template <typename Outcome, typename StageFn>
  absl::StatusOr<std::vector<Outcome>> EditKnownPairs(uint64_t event_id,
                                                      absl::Span<const AttendeePair> pairs,
                                                      StageFn stage, absl::string_view verb);

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
  // `erased_together`: every attendee erased in the same batch (this one included), whose own
  // erasure rewrites the feedback they gave.
  absl::Status EraseRelationships(const v1::Attendee& attendee,
                                  const std::vector<v1::Meeting>& meetings,
                                  const absl::flat_hash_set<uint64_t>& erased_together,
                                  Batch* batch) const;
  // Stages the erasure of `attendee` (stored, of its event) into `batch`: RemoveAttendee's
  // deletes. `erased_together` as for EraseRelationships. Call with write_mu_ held.
  absl::Status StageRemoveAttendee(const v1::Attendee& attendee,
                                   const absl::flat_hash_set<uint64_t>& erased_together,
                                   Batch* batch) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

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
    WriteScope write_lock(this);
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
    return write_lock.Finish(std::move(record));
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

  // Holds write_mu_ for one write method, like a MutexLock, and makes what the method committed
  // durable once the mutex is released (group commit): an fsync takes milliseconds, and writers
  // that commit while one runs share the next instead of each holding the mutex through its own.
  // A method returns its result through Finish, which reports a failed fsync; the destructor
  // syncs (and logs a failure) if Finish was not called.
  class ABSL_SCOPED_LOCKABLE WriteScope {
   public:
    explicit WriteScope(Store* store) ABSL_EXCLUSIVE_LOCK_FUNCTION(store->write_mu_);
    ~WriteScope() ABSL_UNLOCK_FUNCTION();
    WriteScope(const WriteScope&) = delete;
    WriteScope& operator=(const WriteScope&) = delete;

    absl::Status Finish(absl::Status status) {
      absl::Status synced = Release();
      return status.ok() ? synced : status;
    }
    template <typename T>
    absl::StatusOr<T> Finish(absl::StatusOr<T> result) {
      absl::Status synced = Release();
      if (result.ok() && !synced.ok()) return synced;
      return result;
    }
    template <typename T>
    absl::StatusOr<T> Finish(T value) {
      absl::Status synced = Release();
      if (!synced.ok()) return synced;
      return value;
    }

   private:
    // Unlocks; then, if a commit was made under the lock and sync_writes is on, waits until the
    // WAL is fsync'd up to it. Idempotent.
    absl::Status Release();

    Store* const store_;
    const uint64_t seq_at_start_;
    const absl::Time locked_at_;
    bool released_ = false;
  };
  // Fsyncs the WAL unless it already is up to `seq` (another writer's fsync covered it).
  absl::Status SyncWal(uint64_t seq);
  // How long writing `bytes` may take before it is logged as slow (options_.slow_threshold).
  absl::Duration SlowFor(uint64_t bytes) const;

  // The one function through which every write reaches RocksDB: writes the batch (to the WAL,
  // not yet fsync'd: WriteScope does that) and then tells the listeners what it changed. Call
  // with write_mu_ held, through a WriteScope.
  absl::Status Commit(Batch* batch, absl::string_view what)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Admission of a write of about `bytes` (disk_space.h); resumes RocksDB after a full disk once
  // there is room again, so writes come back by themselves.
  absl::Status Writable(uint64_t bytes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  absl::Status Resume() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);

  // Values of `keys` in `c` under one snapshot-free MultiGet; NOT_FOUND ones are left empty
  // with found[i] false. `sorted`: the keys are in ascending bytewise order, so RocksDB need not
  // sort them.
  absl::Status MultiRead(const rocksdb::ReadOptions& read_options, Cf c,
                         const std::vector<std::string>& keys, absl::string_view what,
                         std::vector<rocksdb::PinnableSlice>* values, std::vector<bool>* found,
                         bool sorted = false) const;

  const StoreOptions options_;
  const bool read_only_;
  rocksdb::WriteOptions write_options_;

  // Every method holds an InUse while it touches db_. Close marks the store closed (so new
  // calls fail), waits until the calls in flight are done, then tears the database down. No lock
  // is held while a method runs, so a callback (mutate, visit) may call other methods; it gets
  // FAILED_PRECONDITION once Close has begun, and must not call Close itself.
  class InUse {
   public:
    explicit InUse(const Store* store) : store_(store) {
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
    const Store* store_;
    bool ok_;
  };

  mutable absl::Mutex state_mu_;
  bool closing_ ABSL_GUARDED_BY(state_mu_) = false;
  bool closed_ ABSL_GUARDED_BY(state_mu_) = false;
  mutable int calls_in_flight_ ABSL_GUARDED_BY(state_mu_) = 0;

  // Serialises writes and their read-modify-write steps; guards the id counters.
  absl::Mutex write_mu_;
  // Sequence number of the last commit (Commit sets it).
  uint64_t commit_seq_ ABSL_GUARDED_BY(write_mu_) = 0;
  // What the last commit was ("what" of Commit), named when the write lock was held long, and
  // the bytes committed since the current holder took it.
  std::string last_commit_ ABSL_GUARDED_BY(write_mu_);
  uint64_t bytes_in_scope_ ABSL_GUARDED_BY(write_mu_) = 0;
  // The WAL is fsync'd up to synced_seq_. sync_mu_ is held through an fsync, so writers that
  // commit during one wait for it and then share the next.
  absl::Mutex sync_mu_ ABSL_ACQUIRED_AFTER(write_mu_);
  uint64_t synced_seq_ ABSL_GUARDED_BY(sync_mu_) = 0;
  std::atomic<uint64_t> wal_syncs_{0};
  rocksdb::DB* db_;           // Owned; valid until Close.
  Handles handles_;           // Owned; destroyed by Close.
  std::vector<Cf> cf_of_id_;  // RocksDB's column family id -> Cf (kCount: not ours)
  std::unique_ptr<ErasureCompactor> erasure_;  // Null when read-only; stopped by Close.
  // A write met a full disk: RocksDB stays stopped until DB::Resume.
  bool needs_resume_ ABSL_GUARDED_BY(write_mu_) = false;

  uint64_t last_community_id_ ABSL_GUARDED_BY(write_mu_) = 0;
  uint64_t last_event_id_ ABSL_GUARDED_BY(write_mu_) = 0;
  uint64_t last_attendee_id_ ABSL_GUARDED_BY(write_mu_) = 0;
  uint64_t last_meeting_id_ ABSL_GUARDED_BY(write_mu_) = 0;
  uint64_t last_run_id_ ABSL_GUARDED_BY(write_mu_) = 0;
  uint64_t last_introduction_id_ ABSL_GUARDED_BY(write_mu_) = 0;

  // Taken by Commit (under write_mu_) and by Add/RemoveCommitListener.
  absl::Mutex listeners_mu_ ABSL_ACQUIRED_AFTER(write_mu_);
  std::vector<CommitListener*> listeners_ ABSL_GUARDED_BY(listeners_mu_);
};

}  // namespace parley::storage

#endif  // PARLEY_STORAGE_STORE_H_
