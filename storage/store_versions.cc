#include "storage/store_versions.h"

#include <algorithm>
#include <vector>

namespace parley::storage {

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

void StoreVersions::OnCommit(const ChangeSet& changes) {
  std::vector<RecordKey> records;
  for (uint64_t event_id : changes.events) records.push_back(EventRecord(event_id));
  // A run's schedule: one event-wide bump instead of one per attendee (there may be 150,000).
  std::vector<uint64_t> replaced;
  for (uint64_t event_id : changes.runs) {
    const auto in_event = [event_id](const ChangeSet::EventAttendee& x) {
      return x.first == event_id;
    };
    if (std::any_of(changes.meeting_attendees.begin(), changes.meeting_attendees.end(), in_event)) {
      replaced.push_back(event_id);
      records.push_back(EventRecord(event_id));
    }
  }
  for (const auto* list : {&changes.attendees, &changes.meeting_attendees}) {
    for (const auto& [event_id, attendee_id] : *list) {
      if (list == &changes.meeting_attendees &&
          std::find(replaced.begin(), replaced.end(), event_id) != replaced.end()) {
        continue;
      }
      records.push_back(AttendeeRecord(event_id, attendee_id));
    }
  }
  if (changes.tokens) records.push_back(TokensRecord());
  if (!records.empty()) Bump(records);
}

}  // namespace parley::storage
