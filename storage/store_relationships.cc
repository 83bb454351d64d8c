// The Store's relationship records (store.h): feedback, community memory, introductions, and
// their erasure with an attendee.

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "rocksdb/snapshot.h"
#include "storage/key_codec.h"
#include "storage/status.h"
#include "storage/store.h"
#include "storage/store_internal.h"

namespace parley::storage {

// --- Relationships ------------------------------------------------------------------------

absl::StatusOr<v1::Meeting> Store::RecordFeedback(uint64_t event_id, uint64_t meeting_id,
                                                  uint64_t giver, const FeedbackMutator& mutate) {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  if (meeting_id == 0) return absl::InvalidArgumentError("meeting id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  WriteScope write_lock(this);
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
  return write_lock.Finish(std::move(meeting));
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
  WriteScope write_lock(this);
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
  return write_lock.Finish(Commit(&batch, absl::StrCat("memory of community ", community_id)));
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
  WriteScope write_lock(this);
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
  return write_lock.Finish(Mutated<v1::StoredIntroduction>{std::move(introduction), true});
}

absl::Status Store::EraseRelationships(const v1::Attendee& attendee,
                                       const std::vector<v1::Meeting>& meetings,
                                       const absl::flat_hash_set<uint64_t>& erased_together,
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
    // Erased in this batch too: their erasure moves that record (a Put here would bring back
    // the key it deletes).
    if (erased_together.contains(partner)) continue;
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

absl::Status Store::ScanFeedback(
    uint64_t event_id, const std::function<bool(const v1::StoredFeedback&)>& visit) const {
  return ScanOfEvent<v1::StoredFeedback>(Cf::kFeedback, event_id, visit, "feedback");
}

absl::Status Store::ScanIntroductions(
    uint64_t event_id, const std::function<bool(const v1::StoredIntroduction&)>& visit) const {
  return ScanOfEvent<v1::StoredIntroduction>(Cf::kIntroductions, event_id, visit, "introduction");
}

}  // namespace parley::storage
