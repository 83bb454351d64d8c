#ifndef PARLEY_SERVICES_STORE_VERSIONS_H_
#define PARLEY_SERVICES_STORE_VERSIONS_H_

// Invalidation for the read caches of the services (tokens, agenda views): a Store decorator
// that records, after every write, which records the write may have changed. A cache remembers
// when it started reading (StoreVersions::Now) and which records its value was built from; the
// value is still good while none of them was written since (UnchangedSince). Because every
// write of every service goes through the decorator, no handler can forget to invalidate.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "storage/store.h"

namespace parley::services {

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
class StoreVersions {
 public:
  static constexpr size_t kMaxTracked = 1 << 16;

  // The clock before a read. A value built from reads that started after Now() returned `t`
  // reflects every write for which Bump had returned before that.
  uint64_t Now() const;
  // Called after a write was committed (or failed: a needless bump only costs a cache miss).
  void Bump(absl::Span<const RecordKey> records);
  // True if none of `records` was bumped after the clock read `since`.
  bool UnchangedSince(uint64_t since, absl::Span<const RecordKey> records) const;

 private:
  mutable absl::Mutex mu_;
  uint64_t clock_ ABSL_GUARDED_BY(mu_) = 1;
  // Values read before floor_ are stale (the table was dropped then).
  uint64_t floor_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<RecordKey, uint64_t> written_ ABSL_GUARDED_BY(mu_);
};

// Forwards every call to `inner` and bumps the records each write touched, after the write
// returns. Thread-safe as `inner` is.
class VersionedStore final : public storage::Store {
 public:
  explicit VersionedStore(std::unique_ptr<storage::Store> inner) : inner_(std::move(inner)) {}
  ~VersionedStore() override = default;

  StoreVersions* versions() { return &versions_; }

  // Called after every write that changed attendee records (MutateAttendee, UpsertAttendees
  // rows created or updated, RemoveAttendee that removed one) with the event and the attendees,
  // on the writer's thread: it must be quick and must not write attendees. Empty: none.
  // Thread-safe; may be replaced at any time (the server clears it before what it calls goes).
  using AttendeeObserver = std::function<void(uint64_t event_id, std::vector<uint64_t> ids)>;
  void SetAttendeeObserver(AttendeeObserver observer) {
    absl::MutexLock lock(&observer_mu_);
    observer_ = std::move(observer);
  }

  absl::Status Close() override { return inner_->Close(); }

  // New records: nothing cached can depend on them.
  absl::StatusOr<v1::Community> CreateCommunity(v1::Community community) override {
    return inner_->CreateCommunity(std::move(community));
  }
  absl::StatusOr<v1::Community> GetCommunity(uint64_t community_id) const override {
    return inner_->GetCommunity(community_id);
  }
  absl::StatusOr<std::vector<v1::Community>> ListCommunities(uint64_t after_id,
                                                             int limit) const override {
    return inner_->ListCommunities(after_id, limit);
  }

  absl::StatusOr<v1::Event> CreateEvent(v1::Event event) override {
    return inner_->CreateEvent(std::move(event));
  }
  absl::StatusOr<v1::Event> GetEvent(uint64_t event_id) const override {
    return inner_->GetEvent(event_id);
  }
  absl::StatusOr<std::vector<v1::Event>> ListEvents(uint64_t community_id, uint64_t after_id,
                                                    int limit) const override {
    return inner_->ListEvents(community_id, after_id, limit);
  }
  absl::StatusOr<v1::Event> MutateEvent(
      uint64_t event_id, const std::function<absl::Status(v1::Event*)>& mutate) override;

  absl::StatusOr<v1::Attendee> GetAttendee(uint64_t event_id, uint64_t attendee_id) const override {
    return inner_->GetAttendee(event_id, attendee_id);
  }
  absl::StatusOr<v1::Attendee> GetAttendeeByExternalId(
      uint64_t event_id, absl::string_view external_id) const override {
    return inner_->GetAttendeeByExternalId(event_id, external_id);
  }
  absl::StatusOr<std::vector<v1::Attendee>> ListAttendees(uint64_t event_id, uint64_t after_id,
                                                          int limit) const override {
    return inner_->ListAttendees(event_id, after_id, limit);
  }
  absl::Status ScanAttendees(uint64_t event_id,
                             const std::function<bool(const v1::Attendee&)>& visit) const override {
    return inner_->ScanAttendees(event_id, visit);
  }
  absl::StatusOr<std::vector<storage::UpsertResult>> UpsertAttendeesInPlace(
      uint64_t event_id, absl::Span<v1::Attendee* const> rows) override;
  absl::StatusOr<v1::Attendee> MutateAttendee(
      uint64_t event_id, uint64_t attendee_id,
      const std::function<absl::Status(v1::Attendee*)>& mutate) override;
  absl::StatusOr<bool> RemoveAttendee(uint64_t event_id, uint64_t attendee_id) override;

  absl::Status PutToken(absl::string_view secret_sha256, const v1::TokenInfo& info) override;
  absl::Status PutTokens(const std::vector<std::pair<std::string, v1::TokenInfo>>& tokens) override;
  absl::StatusOr<std::vector<v1::TokenInfo>> ListAttendeeTokens(
      uint64_t event_id, uint64_t attendee_id) const override {
    return inner_->ListAttendeeTokens(event_id, attendee_id);
  }
  absl::StatusOr<v1::TokenInfo> LookupToken(absl::string_view secret_sha256) const override {
    return inner_->LookupToken(secret_sha256);
  }
  absl::StatusOr<v1::TokenInfo> GetTokenInfo(absl::string_view token_id) const override {
    return inner_->GetTokenInfo(token_id);
  }
  absl::StatusOr<v1::TokenInfo> RevokeToken(absl::string_view token_id,
                                            int64_t now_unix_seconds) override;
  absl::StatusOr<std::vector<v1::TokenInfo>> ListTokens(uint64_t community_id,
                                                        v1::TokenInfo::Role role,
                                                        absl::string_view after_token_id,
                                                        int limit) const override {
    return inner_->ListTokens(community_id, role, after_token_id, limit);
  }

  absl::StatusOr<v1::Meeting> GetMeeting(uint64_t event_id, uint64_t meeting_id) const override {
    return inner_->GetMeeting(event_id, meeting_id);
  }
  absl::StatusOr<std::vector<v1::Meeting>> ListMeetings(uint64_t event_id, uint64_t after_id,
                                                        int limit) const override {
    return inner_->ListMeetings(event_id, after_id, limit);
  }
  absl::StatusOr<std::vector<v1::Meeting>> ListMeetingsOfAttendee(
      uint64_t event_id, uint64_t attendee_id) const override {
    return inner_->ListMeetingsOfAttendee(event_id, attendee_id);
  }
  absl::Status ScanMeetings(uint64_t event_id,
                            const std::function<bool(const v1::Meeting&)>& visit) const override {
    return inner_->ScanMeetings(event_id, visit);
  }
  absl::StatusOr<v1::Meeting> MutateMeeting(
      uint64_t event_id, uint64_t meeting_id,
      const std::function<absl::Status(v1::Meeting*)>& mutate) override;
  absl::StatusOr<std::vector<v1::Meeting>> ReplaceSchedule(
      uint64_t event_id, const v1::MatchingRun& run, std::vector<v1::Meeting> new_meetings,
      const std::vector<uint64_t>& planned_around) override;
  absl::StatusOr<std::vector<v1::Meeting>> InsertMeetings(
      uint64_t event_id, uint64_t base_run_id, std::vector<v1::Meeting> new_meetings) override;

  absl::StatusOr<v1::MatchingRun> CreateRun(v1::MatchingRun run) override {
    return inner_->CreateRun(std::move(run));
  }
  absl::Status PutRun(const v1::MatchingRun& run) override { return inner_->PutRun(run); }
  absl::StatusOr<v1::MatchingRun> GetRun(uint64_t event_id, uint64_t run_id) const override {
    return inner_->GetRun(event_id, run_id);
  }
  absl::StatusOr<v1::MatchingRun> LatestRun(uint64_t event_id) const override {
    return inner_->LatestRun(event_id);
  }

  // Feedback changes the meeting's state: both attendees' agendas. The other relationship
  // records are not cached.
  absl::StatusOr<v1::Meeting> RecordFeedback(uint64_t event_id, uint64_t meeting_id, uint64_t giver,
                                             const storage::FeedbackMutator& mutate) override;
  absl::StatusOr<std::vector<v1::StoredFeedback>> ListFeedbackBy(uint64_t event_id,
                                                                 uint64_t giver) const override {
    return inner_->ListFeedbackBy(event_id, giver);
  }
  absl::Status ScanFeedback(
      uint64_t event_id,
      const std::function<bool(const v1::StoredFeedback&)>& visit) const override {
    return inner_->ScanFeedback(event_id, visit);
  }
  absl::Status PutMemory(uint64_t community_id,
                         const std::vector<storage::MemoryEntry>& entries) override {
    return inner_->PutMemory(community_id, entries);
  }
  absl::Status ScanMemory(
      uint64_t community_id, absl::string_view person,
      const std::function<bool(const storage::MemoryEntry&)>& visit) const override {
    return inner_->ScanMemory(community_id, person, visit);
  }
  absl::StatusOr<v1::StoredIntroduction> CreateIntroduction(
      v1::StoredIntroduction introduction) override {
    return inner_->CreateIntroduction(std::move(introduction));
  }
  absl::StatusOr<v1::StoredIntroduction> GetIntroduction(uint64_t event_id,
                                                         uint64_t introduction_id) const override {
    return inner_->GetIntroduction(event_id, introduction_id);
  }
  absl::StatusOr<v1::StoredIntroduction> MutateIntroduction(
      uint64_t event_id, uint64_t introduction_id,
      const std::function<absl::Status(v1::StoredIntroduction*)>& mutate) override {
    return inner_->MutateIntroduction(event_id, introduction_id, mutate);
  }
  absl::Status ScanIntroductions(
      uint64_t event_id,
      const std::function<bool(const v1::StoredIntroduction&)>& visit) const override {
    return inner_->ScanIntroductions(event_id, visit);
  }

 private:
  void AttendeesChanged(uint64_t event_id, std::vector<uint64_t> ids) {
    absl::ReaderMutexLock lock(&observer_mu_);
    if (observer_) observer_(event_id, std::move(ids));
  }

  const std::unique_ptr<storage::Store> inner_;
  StoreVersions versions_;
  absl::Mutex observer_mu_;
  AttendeeObserver observer_ ABSL_GUARDED_BY(observer_mu_);
};

}  // namespace parley::services

#endif  // PARLEY_SERVICES_STORE_VERSIONS_H_
