#ifndef PARLEY_SERVICES_AUTH_H_
#define PARLEY_SERVICES_AUTH_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "parley/v1/community.pb.h"
#include "services/auth/rate_limiter.h"
#include "services/auth/stream_limiter.h"
#include "storage/store.h"
#include "storage/store_versions.h"

namespace parley::services {

using Role = v1::TokenInfo::Role;

// Who is calling, as established from their token alone (never from request fields).
struct Principal {
  Role role = v1::TokenInfo::ROLE_UNSPECIFIED;
  uint64_t community_id = 0;  // ORGANIZER and ATTENDEE
  uint64_t event_id = 0;      // ATTENDEE
  uint64_t attendee_id = 0;   // ATTENDEE
  std::string token_id;       // empty for the operator
};

// Roles as bits, for the policy table.
enum RoleMask : uint32_t {
  kOperatorRole = 1u << 0,
  kOrganizerRole = 1u << 1,
  kAttendeeRole = 1u << 2,
  // No token needed (health checks, reflection are not ours and never reach this table).
  kPublic = 1u << 3,
  // A calendar feed token (TokenInfo::CALENDAR_FEED): one attendee's calendar, nothing else.
  kCalendarFeedRole = 1u << 4,
};

// The one table that says who may call what: full gRPC method name
// ("/parley.v1.AdminService/CreateCommunity") -> allowed roles. Deny by default: a method that
// is not in the table is refused for everyone. tests/services/auth_policy_test.cc walks every
// method of every service descriptor and fails if one is missing.
const absl::flat_hash_map<std::string, uint32_t>& MethodPolicy();

// A new secret token: "prl_" + base64url of 24 bytes (192 bits) from OpenSSL's CSPRNG.
std::string NewTokenSecret();
// SHA-256 of the secret, 32 raw bytes: the only form in which tokens are stored.
std::string TokenHash(absl::string_view secret);
// The public handle for a token: "tk_" + 16 hex digits of its hash. Not a secret.
std::string TokenIdFor(absl::string_view secret_sha256);

// Checks bearer tokens and the policy table.
// With `versions` (a commit listener of `store`), valid tokens are
// cached: token hash -> Principal, so that a call costs one SHA-256 and a hash lookup instead of
// a RocksDB read. Any token write (PutToken, RevokeToken) and any RemoveAttendee (which deletes
// the attendee's tokens) makes every cached entry stale, so a revoked token is refused by the
// first call after RevokeToken returned. Unknown and revoked tokens are never cached.
// Memory: at most kMaxCachedTokens entries (~200 bytes each, ~50 MiB); when full the cache is
// emptied. The bound holds every token of a 150,000-attendee event with room to spare: with
// 65,536 entries, reads by 130,000 attendees emptied it every 65,536 calls, so nearly every call
// read its token from RocksDB and took the cache's write lock.
// Thread-safe; `store` and `versions` are not owned and must outlive this object.
class Authenticator {
 public:
  static constexpr size_t kMaxCachedTokens = 1 << 18;

  // `operator_token_sha256`: TokenHash of the operator token (from --admin_token_file).
  // `versions`: null for no token cache.
  // `limiter`: per-token rate limits (null: none); not owned.
  // `unauthenticated_limiter`: calls that fail authentication (no, malformed, unknown or
  // revoked token), counted per client address (PeerAddress); null: none; not owned.
  // `streams`: stream caps and the end of a revoked token's streams (null: none); not owned.
  Authenticator(const storage::Store* store, std::string operator_token_sha256,
                const storage::StoreVersions* versions = nullptr, RateLimiter* limiter = nullptr,
                RateLimiter* unauthenticated_limiter = nullptr, StreamLimiter* streams = nullptr);

  // Resolves the caller of `method` (a full method name) and checks the policy table.
  // UNAUTHENTICATED: no `authorization: Bearer <token>` metadata, more than one, or an unknown
  // or revoked token. PERMISSION_DENIED: the token's role may not call this method, or the
  // method has no policy entry. RESOURCE_EXHAUSTED: the token's rate limit (charged before the
  // role check, so refused calls count too), or, for a call that fails authentication, the
  // client address's limit of such calls.
  absl::StatusOr<Principal> Authorize(const grpc::ServerContextBase& context,
                                      absl::string_view method) const;

  // A place for a stream of `who` under the stream caps (see StreamLimiter::Open): null
  // without caps. `end` finishes the stream when `who`'s token is revoked or deleted.
  // RESOURCE_EXHAUSTED beyond a cap; UNAUTHENTICATED if the token was revoked meanwhile.
  absl::StatusOr<std::unique_ptr<StreamLimiter::Slot>> OpenStream(
      const grpc::ServerContextBase& context, const Principal& who, StreamLimiter::EndFn end) const;

  // Fills the token cache with the store's tokens that are not revoked (until the cache is
  // full), so that each attendee's first call after a restart costs a hash lookup, not a
  // RocksDB read. The entries carry the clock from before the scan: a token write meanwhile
  // makes them stale, as it would a lookup's. Returns how many were cached; 0 without
  // `versions`. Errors: the store's, from the scan.
  absl::StatusOr<size_t> WarmCache();
  // Entries in the token cache (current or stale), for tests.
  size_t cached_tokens() const;

 private:
  absl::StatusOr<Principal> Authenticate(const grpc::ServerContextBase& context) const;

  struct CachedToken {
    Principal principal;
    uint64_t checked_at;  // storage::StoreVersions::Now() before the lookup
  };

  const storage::Store* store_;
  std::string operator_token_sha256_;
  const storage::StoreVersions* const versions_;
  RateLimiter* const limiter_;
  RateLimiter* const unauthenticated_limiter_;
  StreamLimiter* const streams_;
  mutable absl::Mutex cache_mu_;
  mutable absl::flat_hash_map<std::string, CachedToken> cache_ ABSL_GUARDED_BY(cache_mu_);
};

// The client's address without its port, for limits per client rather than per connection:
// "ipv4:10.0.0.7:53122" -> "ipv4:10.0.0.7", "ipv6:[::1]:4000" -> "ipv6:[::1]"; anything else
// (unix sockets, in-process channels) as it is.
std::string PeerAddress(absl::string_view peer);

// Reads the operator token from `path`, creating the file (mode 0600, with a new secret) if it
// does not exist. Sets *created when it made the file. Returns the secret.
// FAILED_PRECONDITION if the file is readable by group or others or holds no token.
absl::StatusOr<std::string> LoadOrCreateOperatorToken(const std::string& path, bool* created);

// The same for any secret kept in a file; `what` names the file in errors ("admin token file").
absl::StatusOr<std::string> LoadOrCreateSecretFile(const std::string& path, absl::string_view what,
                                                   bool* created);

}  // namespace parley::services

#endif  // PARLEY_SERVICES_AUTH_H_
