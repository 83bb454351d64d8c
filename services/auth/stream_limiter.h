#ifndef PARLEY_SERVICES_AUTH_STREAM_LIMITER_H_
#define PARLEY_SERVICES_AUTH_STREAM_LIMITER_H_

// Caps on the streams a server holds open (WatchMyAgenda, health Watch, matching-run progress,
// exports): per token, per connection and in total, so that neither one token inside its rate
// limit nor many clients without a token can hold unbounded memory (a watch costs ~25 KB).
// A stream takes a Slot before it starts and frees it when it ends. Beyond a cap, Open is
// RESOURCE_EXHAUSTED naming the cap.
//
// Revocation: the limiter is a commit listener of the store. A commit that stores, revokes or
// removes tokens (ChangeSet::tokens; RemoveAttendee deletes the attendee's tokens) wakes its
// thread, which looks up every token holding a stream and ends the streams of a revoked or
// deleted token with UNAUTHENTICATED at once (not at the stream's next message).
//
// Thread-safe. `store` is not owned and must outlive the limiter; the limiter must be removed
// from the store's listeners before it is destroyed, and every Slot must be gone by then.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "storage/change_set.h"
#include "storage/store.h"

namespace parley::services {

struct Principal;

struct StreamLimitOptions {
  // Streams one token may hold open at once (an attendee's phone, laptop and a few browser
  // tabs). 0 or less: no cap. Default: 16.
  int per_token = 16;
  // Streams one connection (gRPC peer, address and port) may hold open, with or without a
  // token. A web front end that relays many users' streams over one connection needs more.
  // 0 or less: no cap. Default: 1000.
  int per_connection = 1000;
  // Streams the whole server holds open. At ~25 KB each the default bounds them to ~500 MB.
  // 0 or less: no cap. Default: 20000.
  int total = 20000;
};

class StreamLimiter final : public storage::CommitListener {
 public:
  // Called at most once, on the limiter's thread, when the stream's token is revoked or
  // deleted; it must finish the stream with the status and return without waiting for it.
  using EndFn = std::function<void(const absl::Status& status)>;

  // A stream's place under the caps. Destroying it frees the place; once the destructor has
  // returned, the stream's EndFn is not running and is never called again.
  class Slot {
   public:
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();

   private:
    friend class StreamLimiter;
    Slot(StreamLimiter* limiter, uint64_t id) : limiter_(limiter), id_(id) {}
    StreamLimiter* const limiter_;
    const uint64_t id_;
  };

  StreamLimiter(const storage::Store* store, StreamLimitOptions options);
  ~StreamLimiter() override;

  // A place for a stream of `who` (a principal without a token_id: the operator or no token)
  // on connection `peer` (grpc::ServerContextBase::peer()). RESOURCE_EXHAUSTED naming the cap
  // that is full; UNAUTHENTICATED if the token was revoked since the caller was authorized
  // (the check runs after the slot is registered, so no revocation can slip between the two).
  // `end` may be empty (the stream's token cannot be revoked).
  absl::StatusOr<std::unique_ptr<Slot>> Open(const Principal& who, absl::string_view peer,
                                             EndFn end);

  void OnCommit(const storage::ChangeSet& changes) override;

  // Streams open now.
  int open() const;
  // Waits until the revocation checks asked for by commits so far have run (tests).
  void WaitForChecks();

 private:
  struct Entry {
    std::string token_id;  // empty: no token that can be revoked
    uint64_t event_id = 0;
    uint64_t attendee_id = 0;
    std::string peer;
    EndFn end;
    bool ending = false;  // `end` is running (on the checker thread)
    bool ended = false;
  };

  absl::StatusOr<std::unique_ptr<Slot>> Register(const Principal& who, const std::string& peer_key,
                                                 EndFn end);
  void Release(uint64_t id);
  void CheckLoop();
  // The status that ends the streams of token `token_id` (of attendee `attendee_id` of event
  // `event_id`, or 0), or OK if the token is still valid.
  absl::Status StillValid(const std::string& token_id, uint64_t event_id,
                          uint64_t attendee_id) const;

  const storage::Store* const store_;
  const StreamLimitOptions options_;
  mutable absl::Mutex mu_;
  // Node map: Release waits on its entry while other streams open.
  absl::node_hash_map<uint64_t, Entry> entries_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int> per_token_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int> per_connection_ ABSL_GUARDED_BY(mu_);
  int total_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  // Commits that asked for a check, and checks done (a check covers every request before it).
  uint64_t checks_requested_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t checks_done_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread checker_;
};

}  // namespace parley::services

#endif  // PARLEY_SERVICES_AUTH_STREAM_LIMITER_H_
