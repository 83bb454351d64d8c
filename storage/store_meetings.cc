// The Store's meetings (store.h): reads, mutation, a run's whole schedule and a repair's new
// meetings.

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/snapshot.h"
#include "storage/key_codec.h"
#include "storage/status.h"
#include "storage/store.h"
#include "storage/store_internal.h"

namespace parley::storage {

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
  WriteScope write_lock(this);
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
  return write_lock.Finish(Mutated<v1::Meeting>{std::move(meeting), true});
}

absl::StatusOr<std::vector<v1::Meeting>> Store::ReplaceSchedule(
    uint64_t event_id, const v1::MatchingRun& run, std::vector<v1::Meeting> new_meetings,
    const std::vector<uint64_t>& planned_around,
    const std::function<bool(const v1::Meeting&)>& kept, const std::vector<uint64_t>& withdrawn) {
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
  const absl::flat_hash_set<uint64_t> ruled_out(withdrawn.begin(), withdrawn.end());
  InUse use(this);
  if (!use.ok()) return ClosedError();
  WriteScope write_lock(this);
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
  // Deleted proposals by id, with their pair: a new meeting of the same pair may keep the id.
  absl::flat_hash_map<uint64_t, AttendeePair> replaced;
  for (; scan.Valid(); scan.Next()) {
    old.Clear();
    absl::Status s = Parse(scan.value(), absl::StrCat("meeting record of event ", event_id), &old);
    if (!s.ok()) return s;
    if (planned.contains(old.id())) continue;
    if (old.state() != v1::Meeting::PROPOSED) {
      return absl::AbortedError(absl::StrCat("meeting ", old.id(), " of event ", event_id,
                                             " became ", v1::Meeting::State_Name(old.state()),
                                             " while the schedule was computed; recompute it"));
    }
    if (kept && kept(old) && !ruled_out.contains(old.id())) {
      return absl::AbortedError(absl::StrCat("meeting ", old.id(), " of event ", event_id,
                                             " was accepted while the schedule was computed; "
                                             "recompute it"));
    }
    DeleteMeeting(old, &batch);
    replaced.emplace(old.id(), AttendeePair(old.attendee_a(), old.attendee_b()));
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
    auto same = replaced.find(meeting.id());
    if (same != replaced.end() &&
        same->second == AttendeePair(meeting.attendee_a(), meeting.attendee_b())) {
      replaced.erase(same);  // one new meeting per old id
    } else {
      meeting.set_id(++last_id);
    }
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
  return write_lock.Finish(std::move(stored));
}

absl::StatusOr<std::vector<v1::Meeting>> Store::InsertMeetings(
    uint64_t event_id, uint64_t base_run_id, std::vector<v1::Meeting> new_meetings,
    const std::function<bool(v1::Meeting::State)>& occupies) {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  for (size_t i = 0; i < new_meetings.size(); ++i) {
    absl::Status s = CheckMeetingAttendees(new_meetings[i], absl::StrCat("new_meetings[", i, "]"));
    if (!s.ok()) return s;
  }
  InUse use(this);
  if (!use.ok()) return ClosedError();
  WriteScope write_lock(this);
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
  return write_lock.Finish(std::move(stored));
}

}  // namespace parley::storage
