// The Store's attendees (store.h): reads, the batched upsert of an import, mutation, and
// removal with everything that names the attendee.

#include <algorithm>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "storage/erasure.h"
#include "storage/key_codec.h"
#include "storage/status.h"
#include "storage/store.h"
#include "storage/store_internal.h"
#include "storage/store_known_pairs.h"

namespace parley::storage {

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
  absl::StatusOr<ImportAttendeesResult> imported =
      ImportAttendees(event_id, rows, ImportAttendeesOptions());
  if (!imported.ok()) return imported.status();
  return std::move(imported->upserts);
}

absl::StatusOr<ImportAttendeesResult> Store::ImportAttendees(
    uint64_t event_id, absl::Span<v1::Attendee* const> rows,
    const ImportAttendeesOptions& options) {
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
  ImportAttendeesResult out;
  std::vector<UpsertResult>& results = out.upserts;
  results.resize(n);
  const bool removes = options.remove_absent || !options.remove_external_ids.empty();

  InUse use(this);
  if (!use.ok()) return ClosedError();
  WriteScope write_lock(this);
  absl::Status event_exists = CheckEventExists(event_id);
  if (!event_exists.ok()) return event_exists;
  if (n == 0 && !removes) return out;

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

  if (removes) {
    // Who goes: named ones and, for a sync, everyone the rows and the keep list leave out.
    absl::flat_hash_map<uint64_t, bool> to_remove;  // id -> absent
    for (const std::string& external_id : options.remove_external_ids) {
      if (slot_by_external_id.contains(external_id)) continue;
      absl::StatusOr<uint64_t> id = ReadExternalId(event_id, external_id);
      if (!id.ok()) return id.status();
      if (*id != 0) to_remove.emplace(*id, false);
    }
    if (options.remove_absent) {
      const std::string prefix = EncodeU64(event_id);
      PrefixScan scan(db_, cf(Cf::kAttendeesByExternalId), rocksdb::ReadOptions(), prefix, prefix);
      for (; scan.Valid(); scan.Next()) {
        const absl::string_view external_id = scan.key().substr(prefix.size());
        if (slot_by_external_id.contains(external_id) ||
            options.keep_external_ids.contains(external_id)) {
          continue;
        }
        uint64_t id = 0;
        if (!DecodeU64(scan.value(), &id) || id == 0) {
          return absl::DataLossError(
              absl::StrCat("external_id index of event ", event_id, ": malformed attendee id"));
        }
        to_remove.emplace(id, true);
      }
      s = FromRocksDb(scan.status(), absl::StrCat("scan external ids of event ", event_id));
      if (!s.ok()) return s;
    }
    absl::flat_hash_set<uint64_t> erased_together;
    for (const auto& [id, absent] : to_remove) erased_together.insert(id);
    std::vector<uint64_t> ids(erased_together.begin(), erased_together.end());
    std::sort(ids.begin(), ids.end());
    for (uint64_t id : ids) {
      absl::StatusOr<v1::Attendee> attendee = ReadRecord<v1::Attendee>(
          rocksdb::ReadOptions(), Cf::kAttendees, AttendeeKey(event_id, id),
          absl::StrCat("attendee ", id, " of event ", event_id));
      if (!attendee.ok()) return attendee.status();
      s = StageRemoveAttendee(*attendee, erased_together, &batch);
      if (!s.ok()) return s;
      RemovedAttendee& removed = out.removed.emplace_back();
      removed.attendee_id = id;
      removed.external_id = attendee->external_id();
      removed.display_name = attendee->display_name();
      removed.absent = to_remove[id];
    }
  }
  if (options.dry_run || batch.batch()->Count() == 0) return out;
  s = Commit(&batch, absl::StrCat(n, " attendee rows and ", out.removed.size(),
                                  " removals of event ", event_id));
  if (!s.ok()) return s;
  last_attendee_id_ = last_id;
  if (!out.removed.empty()) erasure_->Add(*batch.batch(), db_->GetLatestSequenceNumber());
  return write_lock.Finish(std::move(out));
}

absl::StatusOr<Mutated<v1::Attendee>> Store::MutateAttendee(
    uint64_t event_id, uint64_t attendee_id,
    const std::function<absl::Status(v1::Attendee*)>& mutate) {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  if (attendee_id == 0) return absl::InvalidArgumentError("attendee id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  WriteScope write_lock(this);
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
  return write_lock.Finish(Mutated<v1::Attendee>{std::move(attendee), true});
}

absl::StatusOr<bool> Store::RemoveAttendee(uint64_t event_id, uint64_t attendee_id) {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  if (attendee_id == 0) return absl::InvalidArgumentError("attendee id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  WriteScope write_lock(this);
  const std::string what = absl::StrCat("attendee ", attendee_id, " of event ", event_id);
  const std::string key = AttendeeKey(event_id, attendee_id);
  absl::StatusOr<v1::Attendee> attendee =
      ReadRecord<v1::Attendee>(rocksdb::ReadOptions(), Cf::kAttendees, key, what);
  if (absl::IsNotFound(attendee.status())) return false;
  if (!attendee.ok()) return attendee.status();

  Batch batch(handles_);
  absl::Status s = StageRemoveAttendee(*attendee, {attendee_id}, &batch);
  if (!s.ok()) return s;
  s = Commit(&batch, absl::StrCat("remove ", what));
  if (!s.ok()) return s;
  erasure_->Add(*batch.batch(), db_->GetLatestSequenceNumber());
  return write_lock.Finish(true);
}

absl::Status Store::StageRemoveAttendee(const v1::Attendee& attendee_record,
                                        const absl::flat_hash_set<uint64_t>& erased_together,
                                        Batch* batch_ptr) {
  const uint64_t event_id = attendee_record.event_id();
  const uint64_t attendee_id = attendee_record.id();
  const v1::Attendee* attendee = &attendee_record;
  Batch& batch = *batch_ptr;
  const std::string what = absl::StrCat("attendee ", attendee_id, " of event ", event_id);
  batch.Delete(Cf::kAttendees, AttendeeKey(event_id, attendee_id));
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
  s = EraseRelationships(*attendee, erased_meetings, erased_together, &batch);
  if (!s.ok()) return s;
  s = known_pairs::StageEraseAttendee(KnownPairFamilies(), event_id, attendee_id, batch.batch());
  if (!s.ok()) return s;
  return absl::OkStatus();
}

}  // namespace parley::storage
