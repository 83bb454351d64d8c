// The Store's tokens (store.h): stored by secret hash with id, community and attendee indexes.

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/snapshot.h"
#include "storage/key_codec.h"
#include "storage/status.h"
#include "storage/store.h"
#include "storage/store_internal.h"

namespace parley::storage {

// --- Tokens ------------------------------------------------------------------------------

namespace {
// Tokens that belong to one attendee: indexed under them (ListAttendeeTokens) and erased with
// them (RemoveAttendee).
bool IsAttendeeScoped(v1::TokenInfo::Role role) {
  return role == v1::TokenInfo::ATTENDEE || role == v1::TokenInfo::CALENDAR_FEED;
}

absl::Status CheckSha256(absl::string_view secret_sha256) {
  if (secret_sha256.size() != kSha256Bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("secret_sha256 must be ", kSha256Bytes, " bytes, got ", secret_sha256.size()));
  }
  return absl::OkStatus();
}
}  // namespace

absl::Status Store::PutToken(absl::string_view secret_sha256, const v1::TokenInfo& info) {
  return PutTokens({{std::string(secret_sha256), info}});
}

absl::Status Store::PutTokens(const std::vector<std::pair<std::string, v1::TokenInfo>>& tokens) {
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
    if (IsAttendeeScoped(info.role()) && (info.event_id() == 0 || info.attendee_id() == 0)) {
      return absl::InvalidArgumentError(absl::StrCat("token ", token_id, ": ",
                                                     v1::TokenInfo::Role_Name(info.role()),
                                                     " tokens need event_id and attendee_id"));
    }
  }
  InUse use(this);
  if (!use.ok()) return ClosedError();
  WriteScope write_lock(this);
  Batch batch(handles_);
  const int64_t now = NowSeconds();
  for (const auto& [secret_sha256, info] : tokens) {
    const std::string& token_id = info.token_id();
    const bool for_attendee = IsAttendeeScoped(info.role());
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
  return write_lock.Finish(Commit(&batch, tokens.size() == 1
                                              ? absl::StrCat("token ", tokens[0].second.token_id())
                                              : absl::StrCat(tokens.size(), " tokens")));
}

absl::StatusOr<std::vector<v1::TokenInfo>> Store::ListAttendeeTokens(uint64_t event_id,
                                                                     uint64_t attendee_id) const {
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

absl::StatusOr<v1::TokenInfo> Store::LookupToken(absl::string_view secret_sha256) const {
  absl::Status s = CheckSha256(secret_sha256);
  if (!s.ok()) return s;
  InUse use(this);
  if (!use.ok()) return ClosedError();
  return ReadRecord<v1::TokenInfo>(rocksdb::ReadOptions(), Cf::kTokens, secret_sha256,
                                   "token with this secret");
}

absl::Status Store::ScanTokens(
    const std::function<bool(absl::string_view secret_sha256, const v1::TokenInfo&)>& visit) const {
  InUse use(this);
  if (!use.ok()) return ClosedError();
  rocksdb::ManagedSnapshot snapshot(db_);
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot.snapshot();
  PrefixScan scan(db_, cf(Cf::kTokens), read_options, "", "");
  v1::TokenInfo info;
  for (; scan.Valid(); scan.Next()) {
    info.Clear();
    absl::Status s = Parse(scan.value(), "token record", &info);
    if (!s.ok()) return s;
    if (!visit(scan.key(), info)) return absl::OkStatus();
  }
  return FromRocksDb(scan.status(), "scan tokens");
}

absl::StatusOr<v1::TokenInfo> Store::GetTokenInfo(absl::string_view token_id) const {
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

absl::StatusOr<v1::TokenInfo> Store::RevokeToken(absl::string_view token_id,
                                                 int64_t now_unix_seconds) {
  InUse use(this);
  if (!use.ok()) return ClosedError();
  WriteScope write_lock(this);
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
  return write_lock.Finish(std::move(info));
}

absl::StatusOr<std::vector<v1::TokenInfo>> Store::ListTokens(uint64_t community_id,
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

}  // namespace parley::storage
