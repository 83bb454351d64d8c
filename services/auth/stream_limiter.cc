#include "services/auth/stream_limiter.h"

#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "services/auth/auth.h"

namespace parley::services {
namespace {

bool Full(int open, int cap) { return cap > 0 && open >= cap; }

void Decrement(absl::flat_hash_map<std::string, int>* counts, const std::string& key) {
  auto it = counts->find(key);
  if (it != counts->end() && --it->second <= 0) counts->erase(it);
}

}  // namespace

StreamLimiter::Slot::~Slot() { limiter_->Release(id_); }

StreamLimiter::StreamLimiter(const storage::Store* store, StreamLimitOptions options)
    : store_(store), options_(options), checker_([this] { CheckLoop(); }) {}

StreamLimiter::~StreamLimiter() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  checker_.join();
}

absl::StatusOr<std::unique_ptr<StreamLimiter::Slot>> StreamLimiter::Open(const Principal& who,
                                                                         absl::string_view peer,
                                                                         EndFn end) {
  const std::string peer_key(peer);
  std::unique_ptr<Slot> slot;
  {
    absl::StatusOr<std::unique_ptr<Slot>> registered = Register(who, peer_key, std::move(end));
    if (!registered.ok()) return registered.status();
    slot = *std::move(registered);
  }
  if (!who.token_id.empty()) {
    absl::Status valid = StillValid(who.token_id, who.event_id, who.attendee_id);
    if (!valid.ok()) return valid;  // `slot` goes: the place is freed
  }
  return slot;
}

absl::StatusOr<std::unique_ptr<StreamLimiter::Slot>> StreamLimiter::Register(
    const Principal& who, const std::string& peer_key, EndFn end) {
  absl::MutexLock lock(&mu_);
  if (Full(total_, options_.total)) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the server already holds ", total_,
                     " open streams (its limit for all clients); retry later"));
  }
  auto connection = per_connection_.find(peer_key);
  if (connection != per_connection_.end() && Full(connection->second, options_.per_connection)) {
    return absl::ResourceExhaustedError(
        absl::StrCat("this connection already holds ", connection->second,
                     " open streams (the limit per connection); close one first"));
  }
  if (!who.token_id.empty()) {
    auto token = per_token_.find(who.token_id);
    if (token != per_token_.end() && Full(token->second, options_.per_token)) {
      return absl::ResourceExhaustedError(
          absl::StrCat("token ", who.token_id, " already holds ", token->second,
                       " open streams (the limit per token); close one first"));
    }
    ++per_token_[who.token_id];
  }
  ++per_connection_[peer_key];
  ++total_;
  const uint64_t id = next_id_++;
  Entry& entry = entries_[id];
  entry.token_id = who.token_id;
  entry.event_id = who.event_id;
  entry.attendee_id = who.attendee_id;
  entry.peer = peer_key;
  entry.end = std::move(end);
  return std::unique_ptr<Slot>(new Slot(this, id));
}

void StreamLimiter::Release(uint64_t id) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  // The checker thread may be ending this stream right now: its EndFn must not outlive us.
  mu_.Await(absl::Condition(
      +[](Entry* e) { return !e->ending; }, &it->second));
  it = entries_.find(id);  // Await released the lock; the map may have grown
  if (!it->second.token_id.empty()) Decrement(&per_token_, it->second.token_id);
  Decrement(&per_connection_, it->second.peer);
  --total_;
  entries_.erase(it);
}

int StreamLimiter::open() const {
  absl::MutexLock lock(&mu_);
  return total_;
}

void StreamLimiter::OnCommit(const storage::ChangeSet& changes) {
  if (!changes.tokens) return;
  absl::MutexLock lock(&mu_);
  if (per_token_.empty()) return;  // no stream has a token to lose
  ++checks_requested_;
}

void StreamLimiter::WaitForChecks() {
  absl::MutexLock lock(&mu_);
  const uint64_t wanted = checks_requested_;
  auto done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return checks_done_ >= wanted || stopping_;
  };
  mu_.Await(absl::Condition(&done));
}

absl::Status StreamLimiter::StillValid(const std::string& token_id, uint64_t event_id,
                                       uint64_t attendee_id) const {
  absl::StatusOr<v1::TokenInfo> info = store_->GetTokenInfo(token_id);
  if (info.ok()) {
    if (info->revoke_time() == 0) return absl::OkStatus();
    return absl::UnauthenticatedError(
        absl::StrCat("token ", token_id, " has been revoked: stream ended"));
  }
  if (!absl::IsNotFound(info.status())) return absl::OkStatus();  // cannot tell: keep it
  if (attendee_id != 0 && absl::IsNotFound(store_->GetAttendee(event_id, attendee_id).status())) {
    return absl::UnauthenticatedError(absl::StrCat(
        "attendee ", attendee_id, " was removed from event ", event_id, ": stream ended"));
  }
  return absl::UnauthenticatedError(
      absl::StrCat("token ", token_id, " no longer exists: stream ended"));
}

void StreamLimiter::CheckLoop() {
  for (;;) {
    uint64_t covering;
    std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>> tokens;
    {
      absl::MutexLock lock(&mu_);
      auto wake = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || checks_requested_ > checks_done_;
      };
      mu_.Await(absl::Condition(&wake));
      if (stopping_) return;
      covering = checks_requested_;
      absl::flat_hash_set<std::string> seen;
      for (const auto& [id, entry] : entries_) {
        if (entry.token_id.empty() || entry.ended || !seen.insert(entry.token_id).second) continue;
        tokens.push_back({entry.token_id, {entry.event_id, entry.attendee_id}});
      }
    }
    // Lookups run without the lock: streams open and close meanwhile.
    absl::flat_hash_map<std::string, absl::Status> dead;
    for (const auto& [token_id, owner] : tokens) {
      absl::Status valid = StillValid(token_id, owner.first, owner.second);
      if (!valid.ok()) dead.emplace(token_id, std::move(valid));
    }
    if (!dead.empty()) {
      // One stream at a time: mark it ending, call its EndFn unlocked, then let Release go on.
      for (;;) {
        EndFn end;
        absl::Status status;
        uint64_t id = 0;
        {
          absl::MutexLock lock(&mu_);
          for (auto& [entry_id, entry] : entries_) {
            if (entry.ended || entry.token_id.empty()) continue;
            auto it = dead.find(entry.token_id);
            if (it == dead.end()) continue;
            entry.ended = true;
            if (!entry.end) continue;
            entry.ending = true;
            end = entry.end;
            status = it->second;
            id = entry_id;
            break;
          }
        }
        if (id == 0) break;
        end(status);
        absl::MutexLock lock(&mu_);
        entries_[id].ending = false;
      }
    }
    absl::MutexLock lock(&mu_);
    checks_done_ = covering;
  }
}

}  // namespace parley::services
