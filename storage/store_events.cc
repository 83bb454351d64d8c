// The Store's communities and events (store.h): create, read, list, mutate.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "rocksdb/snapshot.h"
#include "storage/key_codec.h"
#include "storage/status.h"
#include "storage/store.h"
#include "storage/store_internal.h"

namespace parley::storage {

// --- Communities -------------------------------------------------------------------------

absl::StatusOr<v1::Community> Store::CreateCommunity(v1::Community community) {
  InUse use(this);
  if (!use.ok()) return ClosedError();
  WriteScope write_lock(this);
  const uint64_t id = last_community_id_ + 1;
  community.set_id(id);
  community.set_create_time(NowSeconds());
  Batch batch(handles_);
  batch.Put(Cf::kCommunities, CommunityKey(id), Serialize(community));
  batch.Put(Cf::kMeta, kMetaLastCommunityId, EncodeU64(id));
  absl::Status s = Commit(&batch, absl::StrCat("community ", id));
  if (!s.ok()) return s;
  last_community_id_ = id;
  return write_lock.Finish(std::move(community));
}

absl::StatusOr<v1::Community> Store::GetCommunity(uint64_t community_id) const {
  if (community_id == 0) return absl::InvalidArgumentError("community id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  return ReadRecord<v1::Community>(rocksdb::ReadOptions(), Cf::kCommunities,
                                   CommunityKey(community_id),
                                   absl::StrCat("community ", community_id));
}

absl::StatusOr<std::vector<v1::Community>> Store::ListCommunities(uint64_t after_id,
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

absl::StatusOr<v1::Event> Store::CreateEvent(v1::Event event) {
  const uint64_t community_id = event.community_id();
  if (community_id == 0) return absl::InvalidArgumentError("event.community_id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  WriteScope write_lock(this);
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
  return write_lock.Finish(std::move(event));
}

absl::StatusOr<v1::Event> Store::GetEvent(uint64_t event_id) const {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  return ReadRecord<v1::Event>(rocksdb::ReadOptions(), Cf::kEvents, EventKey(event_id),
                               absl::StrCat("event ", event_id));
}

absl::StatusOr<std::vector<v1::Event>> Store::ListEvents(uint64_t community_id, uint64_t after_id,
                                                         int limit) const {
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

absl::StatusOr<Mutated<v1::Event>> Store::MutateEvent(
    uint64_t event_id, const std::function<absl::Status(v1::Event*)>& mutate) {
  if (event_id == 0) return absl::InvalidArgumentError("event id must not be 0");
  InUse use(this);
  if (!use.ok()) return ClosedError();
  WriteScope write_lock(this);
  absl::StatusOr<v1::Event> event = ReadRecord<v1::Event>(
      rocksdb::ReadOptions(), Cf::kEvents, EventKey(event_id), absl::StrCat("event ", event_id));
  if (!event.ok()) return event.status();
  const uint64_t community_id = event->community_id();
  const int64_t create_time = event->create_time();
  const std::string before = Serialize(*event);
  absl::Status s = mutate(&*event);
  if (!s.ok()) return s;
  event->set_id(event_id);
  event->set_community_id(community_id);
  event->set_create_time(create_time);
  if (Serialize(*event) == before) return Mutated<v1::Event>{*std::move(event), false};
  event->set_update_time(NowSeconds());
  Batch batch(handles_);
  batch.Put(Cf::kEvents, EventKey(event_id), Serialize(*event));
  s = Commit(&batch, absl::StrCat("event ", event_id));
  if (!s.ok()) return s;
  return write_lock.Finish(Mutated<v1::Event>{*std::move(event), true});
}

}  // namespace parley::storage
