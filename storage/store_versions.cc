#include "storage/store_versions.h"

namespace parley::services {

uint64_t StoreVersions::Now() const {
  absl::ReaderMutexLock lock(&mu_);
  return clock_;
}

void StoreVersions::Bump(absl::Span<const RecordKey> records) {
  absl::MutexLock lock(&mu_);
  ++clock_;
  if (written_.size() + records.size() > kMaxTracked) {
    written_.clear();
    floor_ = clock_;
  }
  for (const RecordKey& record : records) written_[record] = clock_;
}

bool StoreVersions::UnchangedSince(uint64_t since, absl::Span<const RecordKey> records) const {
  absl::ReaderMutexLock lock(&mu_);
  if (since < floor_) return false;
  for (const RecordKey& record : records) {
    auto it = written_.find(record);
    if (it != written_.end() && it->second > since) return false;
  }
  return true;
}

absl::StatusOr<v1::Event> VersionedStore::MutateEvent(
    uint64_t event_id, const std::function<absl::Status(v1::Event*)>& mutate) {
  absl::StatusOr<v1::Event> out = inner_->MutateEvent(event_id, mutate);
  versions_.Bump({EventRecord(event_id)});
  return out;
}

absl::StatusOr<std::vector<storage::UpsertResult>> VersionedStore::UpsertAttendeesInPlace(
    uint64_t event_id, absl::Span<v1::Attendee* const> rows) {
  absl::StatusOr<std::vector<storage::UpsertResult>> out =
      inner_->UpsertAttendeesInPlace(event_id, rows);
  if (!out.ok()) return out;  // nothing was written
  std::vector<RecordKey> changed;
  std::vector<uint64_t> ids;
  for (const storage::UpsertResult& row : *out) {
    if (row.outcome != storage::UpsertOutcome::kUnchanged) {
      changed.push_back(AttendeeRecord(event_id, row.attendee_id));
      ids.push_back(row.attendee_id);
    }
  }
  if (!changed.empty()) {
    versions_.Bump(changed);
    AttendeesChanged(event_id, std::move(ids));
  }
  return out;
}

absl::StatusOr<v1::Attendee> VersionedStore::MutateAttendee(
    uint64_t event_id, uint64_t attendee_id,
    const std::function<absl::Status(v1::Attendee*)>& mutate) {
  absl::StatusOr<v1::Attendee> out = inner_->MutateAttendee(event_id, attendee_id, mutate);
  versions_.Bump({AttendeeRecord(event_id, attendee_id)});
  if (out.ok()) AttendeesChanged(event_id, {attendee_id});
  return out;
}

absl::StatusOr<bool> VersionedStore::RemoveAttendee(uint64_t event_id, uint64_t attendee_id) {
  absl::StatusOr<bool> out = inner_->RemoveAttendee(event_id, attendee_id);
  // Its meetings go too: the partners' views name it, so they depend on its record.
  versions_.Bump({AttendeeRecord(event_id, attendee_id), TokensRecord()});
  if (out.ok() && *out) AttendeesChanged(event_id, {attendee_id});
  return out;
}

absl::Status VersionedStore::PutToken(absl::string_view secret_sha256, const v1::TokenInfo& info) {
  absl::Status out = inner_->PutToken(secret_sha256, info);
  versions_.Bump({TokensRecord()});
  return out;
}

absl::Status VersionedStore::PutTokens(
    const std::vector<std::pair<std::string, v1::TokenInfo>>& tokens) {
  absl::Status out = inner_->PutTokens(tokens);
  versions_.Bump({TokensRecord()});
  return out;
}

absl::StatusOr<v1::TokenInfo> VersionedStore::RevokeToken(absl::string_view token_id,
                                                          int64_t now_unix_seconds) {
  absl::StatusOr<v1::TokenInfo> out = inner_->RevokeToken(token_id, now_unix_seconds);
  versions_.Bump({TokensRecord()});
  return out;
}

absl::StatusOr<v1::Meeting> VersionedStore::MutateMeeting(
    uint64_t event_id, uint64_t meeting_id,
    const std::function<absl::Status(v1::Meeting*)>& mutate) {
  // The attendees before and after: a mutate may move the meeting to another pair.
  std::vector<RecordKey> touched;
  absl::StatusOr<v1::Meeting> out =
      inner_->MutateMeeting(event_id, meeting_id, [&](v1::Meeting* m) -> absl::Status {
        touched.push_back(AttendeeRecord(event_id, m->attendee_a()));
        touched.push_back(AttendeeRecord(event_id, m->attendee_b()));
        absl::Status s = mutate(m);
        touched.push_back(AttendeeRecord(event_id, m->attendee_a()));
        touched.push_back(AttendeeRecord(event_id, m->attendee_b()));
        return s;
      });
  if (!touched.empty()) versions_.Bump(touched);
  return out;
}

absl::StatusOr<std::vector<v1::Meeting>> VersionedStore::ReplaceSchedule(
    uint64_t event_id, const v1::MatchingRun& run, std::vector<v1::Meeting> new_meetings,
    const std::vector<uint64_t>& planned_around) {
  absl::StatusOr<std::vector<v1::Meeting>> out =
      inner_->ReplaceSchedule(event_id, run, std::move(new_meetings), planned_around);
  versions_.Bump({EventRecord(event_id)});
  return out;
}

absl::StatusOr<std::vector<v1::Meeting>> VersionedStore::InsertMeetings(
    uint64_t event_id, uint64_t base_run_id, std::vector<v1::Meeting> new_meetings) {
  std::vector<RecordKey> touched;
  for (const v1::Meeting& m : new_meetings) {
    touched.push_back(AttendeeRecord(event_id, m.attendee_a()));
    touched.push_back(AttendeeRecord(event_id, m.attendee_b()));
  }
  absl::StatusOr<std::vector<v1::Meeting>> out =
      inner_->InsertMeetings(event_id, base_run_id, std::move(new_meetings));
  if (!touched.empty()) versions_.Bump(touched);
  return out;
}

absl::StatusOr<v1::Meeting> VersionedStore::RecordFeedback(uint64_t event_id, uint64_t meeting_id,
                                                           uint64_t giver,
                                                           const storage::FeedbackMutator& mutate) {
  absl::StatusOr<v1::Meeting> out = inner_->RecordFeedback(event_id, meeting_id, giver, mutate);
  if (out.ok()) {
    versions_.Bump(
        {AttendeeRecord(event_id, out->attendee_a()), AttendeeRecord(event_id, out->attendee_b())});
  }
  return out;
}

}  // namespace parley::services
