#include "services/auth/auth.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "parley/v1/admin_service.grpc.pb.h"
#include "parley/v1/agenda_service.grpc.pb.h"
#include "parley/v1/attendee_service.grpc.pb.h"
#include "parley/v1/matching_service.grpc.pb.h"
#include "parley/v1/organizer_service.grpc.pb.h"
#include "parley/v1/relationship_service.grpc.pb.h"

namespace parley::services {
namespace {

constexpr absl::string_view kBearer = "Bearer ";
constexpr absl::string_view kSecretPrefix = "prl_";

// Who a stored token (not revoked) names.
Principal PrincipalOf(const v1::TokenInfo& info) {
  Principal principal;
  principal.role = info.role();
  principal.community_id = info.community_id();
  principal.event_id = info.event_id();
  principal.attendee_id = info.attendee_id();
  principal.token_id = info.token_id();
  return principal;
}

std::string Method(absl::string_view service, absl::string_view name) {
  return absl::StrCat("/", service, "/", name);
}

absl::flat_hash_map<std::string, uint32_t> BuildPolicy() {
  const std::string admin = v1::AdminService::service_full_name();
  const std::string organizer = v1::OrganizerService::service_full_name();
  const std::string attendee = v1::AttendeeService::service_full_name();
  absl::flat_hash_map<std::string, uint32_t> policy;
  for (absl::string_view m : {"CreateCommunity", "ListCommunities", "IssueOrganizerToken",
                              "ListOrganizerTokens", "RevokeToken", "Backup"}) {
    policy[Method(admin, m)] = kOperatorRole;
  }
  for (absl::string_view m :
       {"CreateEvent", "GetEvent", "ListEvents", "UpdateEvent", "SetEventStatus", "ImportAttendees",
        "GetAttendee", "ListAttendees", "UpdateAttendee", "RemoveAttendee", "IssueAttendeeToken",
        "IssueAttendeeTokens", "ImportKnownPairs", "RemoveKnownPairs", "ImportAttendeesCsv"}) {
    policy[Method(organizer, m)] = kOrganizerRole;
  }
  for (absl::string_view m : {"GetMyProfile", "UpdateMyProfile", "ExportMyData"}) {
    policy[Method(attendee, m)] = kAttendeeRole;
  }
  for (absl::string_view m :
       {"StartMatchingRun", "GetMatchingRun", "GetQualityReport", "ListMeetings", "PublishSchedule",
        "ExportMeetings", "GetAttendeeCalendar"}) {
    policy[Method(v1::MatchingService::service_full_name(), m)] = kOrganizerRole;
  }
  const std::string agenda = v1::AgendaService::service_full_name();
  for (absl::string_view m : {"ListMySuggestions", "RespondToProposal", "GetMyAgenda",
                              "WatchMyAgenda", "RequestMoreSuggestions", "CancelMeeting",
                              "CreateCalendarFeed", "ListCalendarFeeds", "RevokeCalendarFeed"}) {
    policy[Method(agenda, m)] = kAttendeeRole;
  }
  // The one call a calendar feed token may make.
  policy[Method(agenda, "GetMyCalendar")] = kAttendeeRole | kCalendarFeedRole;
  const std::string relationships = v1::RelationshipService::service_full_name();
  for (absl::string_view m :
       {"RecordFeedback", "ListMyFeedback", "Introduce", "ListMyIntroductions",
        "RespondToIntroduction", "AskForIntroductions", "ListIntroductionRequests",
        "WhoElseShouldIMeet", "AddWish", "RemoveWish", "ListMyWishes"}) {
    policy[Method(relationships, m)] = kAttendeeRole;
  }
  policy[Method(relationships, "GetAnalytics")] = kOrganizerRole;
  return policy;
}

uint32_t MaskOf(Role role) {
  switch (role) {
    case v1::TokenInfo::OPERATOR:
      return kOperatorRole;
    case v1::TokenInfo::ORGANIZER:
      return kOrganizerRole;
    case v1::TokenInfo::ATTENDEE:
      return kAttendeeRole;
    case v1::TokenInfo::CALENDAR_FEED:
      return kCalendarFeedRole;
    default:
      return 0;
  }
}

}  // namespace

const absl::flat_hash_map<std::string, uint32_t>& MethodPolicy() {
  static const auto* const policy = new absl::flat_hash_map<std::string, uint32_t>(BuildPolicy());
  return *policy;
}

std::string NewTokenSecret() {
  unsigned char bytes[24];
  // Failure means the kernel's entropy source is unusable: nothing safe can continue.
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) std::abort();
  return absl::StrCat(kSecretPrefix, absl::WebSafeBase64Escape(absl::string_view(
                                         reinterpret_cast<const char*>(bytes), sizeof(bytes))));
}

std::string TokenHash(absl::string_view secret) {
  // Every authenticated call hashes its token: the digest is fetched once, because OpenSSL 3's
  // one-shot SHA256() looks the algorithm up (locks, a property query) on every call, which
  // showed as 4.6% of parleyd's CPU under read load.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (sha256 == nullptr ||
      EVP_Digest(secret.data(), secret.size(), digest, &size, sha256, nullptr) != 1 ||
      size != SHA256_DIGEST_LENGTH) {
    // Not reachable with a working libcrypto; the one-shot form still gives the same digest.
    SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), digest);
    size = SHA256_DIGEST_LENGTH;
  }
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string TokenIdFor(absl::string_view secret_sha256) {
  return absl::StrCat("tk_", absl::BytesToHexString(secret_sha256.substr(0, 8)));
}

std::string PeerAddress(absl::string_view peer) {
  if (!absl::StartsWith(peer, "ipv4:") && !absl::StartsWith(peer, "ipv6:")) {
    return std::string(peer);
  }
  const size_t colon = peer.rfind(':');
  // "ipv6:[::1]:4000": the port follows the closing bracket.
  if (colon == absl::string_view::npos || colon < 5 ||
      (absl::StartsWith(peer, "ipv6:[") && peer[colon - 1] != ']')) {
    return std::string(peer);
  }
  return std::string(peer.substr(0, colon));
}

Authenticator::Authenticator(const storage::Store* store, std::string operator_token_sha256,
                             const storage::StoreVersions* versions, RateLimiter* limiter,
                             RateLimiter* unauthenticated_limiter, StreamLimiter* streams)
    : store_(store),
      operator_token_sha256_(std::move(operator_token_sha256)),
      versions_(versions),
      limiter_(limiter),
      unauthenticated_limiter_(unauthenticated_limiter),
      streams_(streams) {}

absl::StatusOr<size_t> Authenticator::WarmCache() {
  if (versions_ == nullptr) return 0;
  const uint64_t checked_at = versions_->Now();
  std::vector<std::pair<std::string, CachedToken>> found;
  absl::Status s =
      store_->ScanTokens([&](absl::string_view secret_sha256, const v1::TokenInfo& info) {
        if (info.revoke_time() != 0) return true;
        found.emplace_back(std::string(secret_sha256), CachedToken{PrincipalOf(info), checked_at});
        return found.size() < kMaxCachedTokens;
      });
  if (!s.ok()) return s;
  absl::MutexLock lock(&cache_mu_);
  size_t added = 0;
  for (auto& [hash, entry] : found) {
    if (cache_.size() >= kMaxCachedTokens) break;
    // An entry made by a call meanwhile is at least as recent.
    added += cache_.try_emplace(std::move(hash), std::move(entry)).second;
  }
  return added;
}

size_t Authenticator::cached_tokens() const {
  absl::MutexLock lock(&cache_mu_);
  return cache_.size();
}

absl::StatusOr<Principal> Authenticator::Authenticate(
    const grpc::ServerContextBase& context) const {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return absl::UnauthenticatedError("missing `authorization: Bearer <token>` metadata");
  }
  // Which of two tokens would be "the" caller depends on proxies' header order: refuse both.
  if (metadata.count("authorization") > 1) {
    return absl::UnauthenticatedError(
        "more than one `authorization` metadata entry: send exactly one `Bearer <token>`");
  }
  absl::string_view value(it->second.data(), it->second.size());
  if (!absl::StartsWith(value, kBearer)) {
    return absl::UnauthenticatedError("authorization metadata must be `Bearer <token>`");
  }
  absl::string_view secret = absl::StripAsciiWhitespace(value.substr(kBearer.size()));
  if (secret.empty() || secret.size() > 200) {
    return absl::UnauthenticatedError("malformed bearer token");
  }
  const std::string hash = TokenHash(secret);
  if (!operator_token_sha256_.empty() &&
      CRYPTO_memcmp(hash.data(), operator_token_sha256_.data(), hash.size()) == 0) {
    Principal principal;
    principal.role = v1::TokenInfo::OPERATOR;
    return principal;
  }
  const storage::RecordKey tokens[] = {storage::TokensRecord()};
  uint64_t checked_at = 0;
  if (versions_ != nullptr) {
    {
      absl::ReaderMutexLock lock(&cache_mu_);
      auto cached = cache_.find(hash);
      if (cached != cache_.end() && versions_->UnchangedSince(cached->second.checked_at, tokens)) {
        return cached->second.principal;
      }
    }
    checked_at = versions_->Now();
  }
  absl::StatusOr<v1::TokenInfo> info = store_->LookupToken(hash);
  if (absl::IsNotFound(info.status())) return absl::UnauthenticatedError("unknown token");
  if (!info.ok()) return info.status();
  if (info->revoke_time() != 0) return absl::UnauthenticatedError("token has been revoked");
  const Principal principal = PrincipalOf(*info);
  if (versions_ != nullptr) {
    absl::MutexLock lock(&cache_mu_);
    if (cache_.size() >= kMaxCachedTokens) cache_.clear();
    // Stored with the clock from before the lookup: a revocation that raced with it makes the
    // entry stale at once.
    cache_[hash] = CachedToken{principal, checked_at};
  }
  return principal;
}

absl::StatusOr<Principal> Authenticator::Authorize(const grpc::ServerContextBase& context,
                                                   absl::string_view method) const {
  const auto& policy = MethodPolicy();
  auto it = policy.find(method);
  if (it == policy.end()) {
    return absl::PermissionDeniedError(absl::StrCat("no access policy for ", method));
  }
  if (it->second & kPublic) return Principal{};
  absl::Duration retry_after;
  absl::StatusOr<Principal> principal = Authenticate(context);
  if (absl::IsUnauthenticated(principal.status()) && unauthenticated_limiter_ != nullptr) {
    // Failed authentications cost a hash and a lookup each and carry no token to charge: the
    // client's address pays (not the connection: a flood can open many).
    const std::string address = PeerAddress(context.peer());
    if (!unauthenticated_limiter_->Admit(address, &retry_after)) {
      return unauthenticated_limiter_->Exhausted(
          absl::StrCat("client ", address, ": calls without a valid token"), retry_after);
    }
  }
  if (!principal.ok()) return principal.status();
  // Charged before the role check: calls the policy refuses cost the server as much.
  const bool by_operator = principal->token_id.empty();
  if (limiter_ != nullptr &&
      !limiter_->Admit(by_operator ? absl::string_view("operator") : principal->token_id,
                       &retry_after)) {
    return limiter_->Exhausted(by_operator ? std::string("the operator token")
                                           : absl::StrCat("token ", principal->token_id),
                               retry_after);
  }
  if ((MaskOf(principal->role) & it->second) == 0) {
    return absl::PermissionDeniedError(absl::StrCat(
        "a token of role ", v1::TokenInfo::Role_Name(principal->role), " may not call ", method));
  }
  return principal;
}

absl::StatusOr<std::unique_ptr<StreamLimiter::Slot>> Authenticator::OpenStream(
    const grpc::ServerContextBase& context, const Principal& who, StreamLimiter::EndFn end) const {
  if (streams_ == nullptr) return std::unique_ptr<StreamLimiter::Slot>();
  return streams_->Open(who, context.peer(), std::move(end));
}

absl::StatusOr<std::string> LoadOrCreateSecretFile(const std::string& path, absl::string_view what,
                                                   bool* created) {
  *created = false;
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      return absl::FailedPreconditionError(
          absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
    }
    const std::string secret = NewTokenSecret();
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot create ", what, " ", path, ": ", std::strerror(errno)));
    }
    const std::string line = absl::StrCat(secret, "\n");
    bool ok =
        write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && fsync(fd) == 0;
    close(fd);
    if (!ok) {
      unlink(path.c_str());
      return absl::FailedPreconditionError(absl::StrCat("cannot write ", what, " ", path));
    }
    *created = true;
    return secret;
  }
  if ((st.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(what, " ", path, " is readable by others; run: chmod 600 ", path));
  }
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  std::string secret(absl::StripAsciiWhitespace(contents.str()));
  if (secret.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(what, " ", path, " is empty"));
  }
  return secret;
}

absl::StatusOr<std::string> LoadOrCreateOperatorToken(const std::string& path, bool* created) {
  return LoadOrCreateSecretFile(path, "admin token file", created);
}

}  // namespace parley::services
