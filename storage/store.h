#ifndef PARLEY_STORAGE_STORE_H_
#define PARLEY_STORAGE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "parley/v1/attendee.pb.h"
#include "parley/v1/community.pb.h"
#include "parley/v1/event.pb.h"
#include "parley/v1/matching.pb.h"
#include "parley/v1/relationship_records.pb.h"

namespace parley::storage {

struct StoreOptions {
  // Directory of the database; created (with parents) if missing.
  std::string path;
  // fsync the WAL before a write is acknowledged. Default: true. With false, a power loss can
  // lose the last writes (a process crash cannot).
  bool sync_writes = true;
  // RocksDB block cache. Default: 256 MiB.
  size_t block_cache_bytes = 256u << 20;
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

// What ImportAttendees did with one row.
enum class UpsertOutcome { kCreated, kUpdated, kUnchanged };

struct UpsertResult {
  UpsertOutcome outcome;
  uint64_t attendee_id;
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
// it returns OK), so a multi-key change is all-or-nothing even across kill -9.
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
  virtual ~Store();

  // Flushes memtables and closes the database; later calls fail with FAILED_PRECONDITION.
  // Waits for the calls in flight to return (calls made after Close began fail). Idempotent.
  // Must not be called from a callback.
  virtual absl::Status Close() = 0;

  // --- Communities -----------------------------------------------------------------------
  // Assigns id and create_time; returns the stored record.
  virtual absl::StatusOr<v1::Community> CreateCommunity(v1::Community community) = 0;
  virtual absl::StatusOr<v1::Community> GetCommunity(uint64_t community_id) const = 0;
  // Communities with id > after_id, ascending, at most `limit`.
  virtual absl::StatusOr<std::vector<v1::Community>> ListCommunities(uint64_t after_id,
                                                                     int limit) const = 0;

  // --- Events ----------------------------------------------------------------------------
  // event.community_id must name an existing community (NOT_FOUND otherwise). Assigns id,
  // create_time and update_time.
  virtual absl::StatusOr<v1::Event> CreateEvent(v1::Event event) = 0;
  virtual absl::StatusOr<v1::Event> GetEvent(uint64_t event_id) const = 0;
  // Events of the community with id > after_id, ascending, at most `limit`.
  virtual absl::StatusOr<std::vector<v1::Event>> ListEvents(uint64_t community_id,
                                                            uint64_t after_id, int limit) const = 0;
  // Read-modify-write under the write lock: reads the event, calls `mutate` on it, and if that
  // returns OK stores the result with a fresh update_time (id, community_id and create_time are
  // restored if mutate changed them). A non-OK status from mutate is returned unchanged and
  // nothing is written.
  virtual absl::StatusOr<v1::Event> MutateEvent(
      uint64_t event_id, const std::function<absl::Status(v1::Event*)>& mutate) = 0;

  // --- Attendees -------------------------------------------------------------------------
  virtual absl::StatusOr<v1::Attendee> GetAttendee(uint64_t event_id,
                                                   uint64_t attendee_id) const = 0;
  virtual absl::StatusOr<v1::Attendee> GetAttendeeByExternalId(
      uint64_t event_id, absl::string_view external_id) const = 0;
  // Attendees of the event with id > after_id, ascending, at most `limit`.
  virtual absl::StatusOr<std::vector<v1::Attendee>> ListAttendees(uint64_t event_id,
                                                                  uint64_t after_id,
                                                                  int limit) const = 0;
  // Calls `visit` for every attendee of the event in id order, from one consistent snapshot;
  // stops early (returning OK) when visit returns false.
  virtual absl::Status ScanAttendees(
      uint64_t event_id, const std::function<bool(const v1::Attendee&)>& visit) const = 0;
  // Upserts rows by external_id in ONE WriteBatch (one fsync). For each row: if no attendee of
  // the event has its external_id, it is created (new id, create_time, update_time); if one has
  // and every field but id, event_id, create_time and update_time is equal, nothing is written
  // (kUnchanged); otherwise it is replaced, keeping id and create_time (kUpdated). A later row
  // with the same external_id as an earlier row of the same batch sees the earlier one.
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
  virtual absl::StatusOr<std::vector<UpsertResult>> UpsertAttendeesInPlace(
      uint64_t event_id, absl::Span<v1::Attendee* const> rows) = 0;
  // Read-modify-write under the write lock, as MutateEvent. If mutate changes external_id, the
  // index follows, or ALREADY_EXISTS if another attendee has it.
  virtual absl::StatusOr<v1::Attendee> MutateAttendee(
      uint64_t event_id, uint64_t attendee_id,
      const std::function<absl::Status(v1::Attendee*)>& mutate) = 0;
  // Deletes the attendee, its external_id index entry, all its tokens, all its meetings (in
  // any state, with both index entries of each) and its known pairs in one batch: erasure. Returns
  // false (and writes nothing) if there was no such attendee.
  virtual absl::StatusOr<bool> RemoveAttendee(uint64_t event_id, uint64_t attendee_id) = 0;

  // --- Tokens ----------------------------------------------------------------------------
  // Stores a token record under the SHA-256 of its secret (32 raw bytes). info.token_id must
  // be non-empty and unique (ALREADY_EXISTS otherwise); for ATTENDEE tokens the attendee must
  // exist (NOT_FOUND). INVALID_ARGUMENT if the hash is not 32 bytes. A create_time of 0 is set to
  // now.
  virtual absl::Status PutToken(absl::string_view secret_sha256, const v1::TokenInfo& info) = 0;
  // PutToken for many tokens (secret hash, record) in one batch: all are stored, or none (the
  // first failure is returned, naming the token). INVALID_ARGUMENT also when two share a
  // token_id or a hash.
  virtual absl::Status PutTokens(
      const std::vector<std::pair<std::string, v1::TokenInfo>>& tokens) = 0;
  // The tokens issued to one attendee (revoked ones too), ordered by token_id.
  virtual absl::StatusOr<std::vector<v1::TokenInfo>> ListAttendeeTokens(
      uint64_t event_id, uint64_t attendee_id) const = 0;
  // NOT_FOUND if no token has this hash. Revoked tokens are returned with revoke_time set.
  virtual absl::StatusOr<v1::TokenInfo> LookupToken(absl::string_view secret_sha256) const = 0;
  virtual absl::StatusOr<v1::TokenInfo> GetTokenInfo(absl::string_view token_id) const = 0;
  // Sets revoke_time (if not yet set) and returns the record. NOT_FOUND if unknown.
  virtual absl::StatusOr<v1::TokenInfo> RevokeToken(absl::string_view token_id,
                                                    int64_t now_unix_seconds) = 0;
  // Tokens of the community with the given role, ordered by token_id, with token_id >
  // after_token_id, at most `limit`.
  virtual absl::StatusOr<std::vector<v1::TokenInfo>> ListTokens(uint64_t community_id,
                                                                v1::TokenInfo::Role role,
                                                                absl::string_view after_token_id,
                                                                int limit) const = 0;

  // --- Meetings --------------------------------------------------------------------------
  // A meeting (or proposal) is stored under its event and indexed under both attendees. Ids
  // are assigned by ReplaceSchedule. The store does not check state transitions: services/ does.

  // NOT_FOUND if the event has no such meeting.
  virtual absl::StatusOr<v1::Meeting> GetMeeting(uint64_t event_id, uint64_t meeting_id) const = 0;
  // Meetings of the event with id > after_id, ascending, at most `limit`.
  virtual absl::StatusOr<std::vector<v1::Meeting>> ListMeetings(uint64_t event_id,
                                                                uint64_t after_id,
                                                                int limit) const = 0;
  // Every meeting (any state) the attendee is part of, by id, from one consistent snapshot.
  // Empty for an unknown attendee. DATA_LOSS if the index names a missing meeting.
  virtual absl::StatusOr<std::vector<v1::Meeting>> ListMeetingsOfAttendee(
      uint64_t event_id, uint64_t attendee_id) const = 0;
  // Calls `visit` for every meeting of the event in id order, from one consistent snapshot;
  // stops early (returning OK) when visit returns false.
  virtual absl::Status ScanMeetings(uint64_t event_id,
                                    const std::function<bool(const v1::Meeting&)>& visit) const = 0;
  // Read-modify-write under the write lock, as MutateEvent: id, event_id and create_time are
  // restored, update_time is set to now (sequence is the caller's business). If mutate changes
  // attendee_a/attendee_b, the attendee index follows; INVALID_ARGUMENT (nothing written) unless
  // 0 < attendee_a < attendee_b afterwards.
  virtual absl::StatusOr<v1::Meeting> MutateMeeting(
      uint64_t event_id, uint64_t meeting_id,
      const std::function<absl::Status(v1::Meeting*)>& mutate) = 0;

  // Replaces the event's proposals with a new plan, in ONE batch, so that a crash at any point
  // leaves either the old schedule or the new one:
  //  - deletes every meeting of the event in state PROPOSED, with its index entries;
  //  - keeps every other state (CONFIRMED, DECLINED: the memory that a pair declined, EXPIRED,
  //    CANCELLED, HELD, NO_SHOW);
  //  - writes `new_meetings` with fresh ids, event_id, and create_time/update_time (now, when 0),
  //    each indexed under both attendees. A meeting naming an attendee that no longer exists (it
  //    was erased while the plan was computed) is dropped;
  //  - writes `run` (its id must come from CreateRun).
  // `planned_around` lists the ids of the event's non-PROPOSED meetings the plan was computed
  // from (in any order). ABORTED, and nothing written, if the event now holds a non-PROPOSED
  // meeting not in it (somebody accepted, declined or confirmed while the plan was computed, so
  // the plan may double-book): recompute and retry.
  // Returns the stored new meetings in order. NOT_FOUND if the event does not exist;
  // INVALID_ARGUMENT if run.id is 0 or unknown, run.event_id differs, or a meeting lacks
  // 0 < attendee_a < attendee_b.
  virtual absl::StatusOr<std::vector<v1::Meeting>> ReplaceSchedule(
      uint64_t event_id, const v1::MatchingRun& run, std::vector<v1::Meeting> new_meetings,
      const std::vector<uint64_t>& planned_around) = 0;

  // Adds live replacement proposals (computed by incremental repair from the schedule of run
  // `base_run_id`; 0 = the event never had a run) in ONE batch: each gets a fresh id, event_id,
  // and create_time/update_time (now, when 0), and is indexed under both attendees. Meetings
  // naming an attendee that no longer exists are dropped.
  // ABORTED, and nothing written, if the plan is stale: the event's latest run is not
  // `base_run_id` or is not finished (DONE or FAILED: a run is replacing the proposals), or an
  // attendee of a new meeting already has a PROPOSED, CONFIRMED, HELD or NO_SHOW meeting in its
  // slot, or its pair already has a meeting in any state (also among the new meetings).
  // Returns the stored meetings in order. NOT_FOUND if the event does not exist;
  // INVALID_ARGUMENT if a meeting lacks 0 < attendee_a < attendee_b.
  virtual absl::StatusOr<std::vector<v1::Meeting>> InsertMeetings(
      uint64_t event_id, uint64_t base_run_id, std::vector<v1::Meeting> new_meetings) = 0;

  // --- Matching runs ---------------------------------------------------------------------
  // run.event_id must name an existing event (NOT_FOUND otherwise). Assigns id, and start_time
  // when 0; returns the stored record.
  virtual absl::StatusOr<v1::MatchingRun> CreateRun(v1::MatchingRun run) = 0;
  // Overwrites a run record (progress, result, failure). NOT_FOUND if CreateRun never stored it.
  virtual absl::Status PutRun(const v1::MatchingRun& run) = 0;
  virtual absl::StatusOr<v1::MatchingRun> GetRun(uint64_t event_id, uint64_t run_id) const = 0;
  // The event's run with the highest id. NOT_FOUND if the event never had one.
  virtual absl::StatusOr<v1::MatchingRun> LatestRun(uint64_t event_id) const = 0;

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
  virtual absl::StatusOr<v1::Meeting> RecordFeedback(uint64_t event_id, uint64_t meeting_id,
                                                     uint64_t giver,
                                                     const FeedbackMutator& mutate) = 0;
  // The feedback `giver` gave in the event, by meeting id.
  virtual absl::StatusOr<std::vector<v1::StoredFeedback>> ListFeedbackBy(uint64_t event_id,
                                                                         uint64_t giver) const = 0;
  // Every feedback record of the event (erased givers' under giver 0 first), one snapshot.
  virtual absl::Status ScanFeedback(
      uint64_t event_id, const std::function<bool(const v1::StoredFeedback&)>& visit) const = 0;

  // Adds memory entries of the community in one batch: only those not yet remembered and whose
  // meeting (record.event_id, record.meeting_id) still exists, checked under the write lock, so
  // that a slow writer (closing an event) never overwrites fuller entries written by feedback
  // meanwhile nor brings back an erased meeting. INVALID_ARGUMENT for an entry with an empty
  // person or partner.
  virtual absl::Status PutMemory(uint64_t community_id,
                                 const std::vector<MemoryEntry>& entries) = 0;
  // Every memory entry under `person`, by partner, event and meeting, one snapshot.
  virtual absl::Status ScanMemory(uint64_t community_id, absl::string_view person,
                                  const std::function<bool(const MemoryEntry&)>& visit) const = 0;

  // Stores a new introduction or request: assigns id, and create_time when 0. The event must
  // exist (NOT_FOUND).
  virtual absl::StatusOr<v1::StoredIntroduction> CreateIntroduction(
      v1::StoredIntroduction introduction) = 0;
  virtual absl::StatusOr<v1::StoredIntroduction> GetIntroduction(
      uint64_t event_id, uint64_t introduction_id) const = 0;
  // Read-modify-write under the write lock, as MutateEvent (id, event_id, kind and create_time
  // are restored).
  virtual absl::StatusOr<v1::StoredIntroduction> MutateIntroduction(
      uint64_t event_id, uint64_t introduction_id,
      const std::function<absl::Status(v1::StoredIntroduction*)>& mutate) = 0;
  // Every introduction and request of the event in id order, one snapshot.
  virtual absl::Status ScanIntroductions(
      uint64_t event_id, const std::function<bool(const v1::StoredIntroduction&)>& visit) const = 0;

  // --- Known pairs: attendees who already know each other (never proposed to each other) ----
  // Records pairs in ONE batch (one fsync), under the write lock. Results in input order: a pair
  // already stored (in either order, or earlier in `pairs`) is kUnchanged; a pair naming an
  // attendee the event does not have is kMissingAttendee and not stored. INVALID_ARGUMENT
  // (nothing written) for a pair with an id of 0 or twice the same attendee.
  virtual absl::StatusOr<std::vector<KnownPairOutcome>> AddKnownPairs(
      uint64_t event_id, absl::Span<const AttendeePair> pairs) = 0;
  // Forgets pairs in ONE batch; per pair, true if it was known. INVALID_ARGUMENT as above.
  virtual absl::StatusOr<std::vector<bool>> RemoveKnownPairs(
      uint64_t event_id, absl::Span<const AttendeePair> pairs) = 0;
  // Whether the two attendees are a known pair (either order).
  virtual absl::StatusOr<bool> IsKnownPair(uint64_t event_id, uint64_t a, uint64_t b) const = 0;
  // Calls `visit(a, b)` once per known pair of the event, a < b, ascending, one snapshot; stops
  // early (returning OK) when visit returns false.
  virtual absl::Status ScanKnownPairs(
      uint64_t event_id, const std::function<bool(uint64_t a, uint64_t b)>& visit) const = 0;

 protected:
  Store() = default;
};

}  // namespace parley::storage

#endif  // PARLEY_STORAGE_STORE_H_
