#include "services/api/admin_service.h"

#include <glog/logging.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/api/grpc_status.h"
#include "services/api/paging.h"
#include "services/domain/validation.h"

namespace parley::services {
namespace {

std::string AdminMethod(absl::string_view name) {
  return absl::StrCat("/", v1::AdminService::service_full_name(), "/", name);
}

// Writes the backup (admin_service.proto: Backup) of `store` into the new directory `out_dir`.
absl::Status WriteBackup(storage::Store* store, const std::string& person_key_file,
                         const std::string& out_dir, v1::BackupResponse* response) {
  namespace fs = std::filesystem;
  if (out_dir.empty()) return absl::InvalidArgumentError("out_dir: required");
  if (out_dir.front() != '/') {
    return absl::InvalidArgumentError(
        absl::StrCat("out_dir: must be an absolute path on the server's machine, got \"",
                     out_dir.substr(0, 200), "\""));
  }
  std::error_code error;
  if (fs::exists(out_dir, error)) {
    return absl::AlreadyExistsError(absl::StrCat("out_dir: ", out_dir, " exists: give a new one"));
  }
  const fs::path parent = fs::path(out_dir).parent_path();
  if (!fs::is_directory(parent, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat("out_dir: parent directory ", parent.string(), " does not exist"));
  }
  if (!fs::create_directory(out_dir, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat("out_dir: cannot create ", out_dir, ": ", error.message()));
  }
  fs::permissions(out_dir, fs::perms::owner_all, error);  // holds the person key
  const std::string store_dir = (fs::path(out_dir) / "store").string();
  absl::StatusOr<storage::CheckpointInfo> checkpoint = store->Checkpoint(store_dir);
  if (!checkpoint.ok()) return checkpoint.status();
  const std::string key_copy = (fs::path(out_dir) / "person.key").string();
  if (!fs::copy_file(person_key_file, key_copy, error)) {
    return absl::FailedPreconditionError(
        absl::StrCat("copy person key ", person_key_file, " to ", key_copy, ": ", error.message()));
  }
  fs::permissions(key_copy, fs::perms::owner_read | fs::perms::owner_write, error);
  response->set_store_dir(store_dir);
  response->set_person_key_file(key_copy);
  response->set_files(checkpoint->files);
  response->set_bytes(checkpoint->bytes);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, v1::TokenInfo>>> IssueTokens(
    storage::Store* store, std::vector<v1::TokenInfo> infos) {
  std::vector<std::pair<std::string, v1::TokenInfo>> hashed, issued;
  hashed.reserve(infos.size());
  issued.reserve(infos.size());
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  for (v1::TokenInfo& info : infos) {
    absl::Status s = CheckText("label", info.mutable_label(), kMaxNameBytes, false);
    if (!s.ok()) return s;
    std::string secret = NewTokenSecret();
    std::string hash = TokenHash(secret);
    info.set_token_id(TokenIdFor(hash));
    info.set_create_time(now);
    info.set_revoke_time(0);
    hashed.emplace_back(std::move(hash), info);
    issued.emplace_back(std::move(secret), std::move(info));
  }
  absl::Status s = store->PutTokens(hashed);
  if (!s.ok()) return s;
  return issued;
}

absl::StatusOr<std::pair<std::string, v1::TokenInfo>> IssueToken(storage::Store* store,
                                                                 v1::TokenInfo info) {
  std::vector<v1::TokenInfo> one;
  one.push_back(std::move(info));
  absl::StatusOr<std::vector<std::pair<std::string, v1::TokenInfo>>> issued =
      IssueTokens(store, std::move(one));
  if (!issued.ok()) return issued.status();
  return std::move(issued->front());
}

grpc::ServerUnaryReactor* AdminService::CreateCommunity(grpc::CallbackServerContext* context,
                                                        const v1::CreateCommunityRequest* request,
                                                        v1::Community* response) {
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<Principal> who = auth_->Authorize(*context, AdminMethod("CreateCommunity"));
    if (!who.ok()) return who.status();
    v1::Community community;
    community.set_name(request->name());
    absl::Status s = CheckText("name", community.mutable_name(), kMaxNameBytes, true);
    if (!s.ok()) return s;
    absl::StatusOr<v1::Community> created = store_->CreateCommunity(std::move(community));
    if (!created.ok()) return created.status();
    *response = *std::move(created);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminService::ListCommunities(grpc::CallbackServerContext* context,
                                                        const v1::ListCommunitiesRequest* request,
                                                        v1::ListCommunitiesResponse* response) {
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<Principal> who = auth_->Authorize(*context, AdminMethod("ListCommunities"));
    if (!who.ok()) return who.status();
    absl::StatusOr<int> size = PageSize(request->page_size());
    if (!size.ok()) return size.status();
    absl::StatusOr<uint64_t> after = DecodeIdPageToken(request->page_token());
    if (!after.ok()) return after.status();
    // One extra row tells whether another page exists.
    auto rows = store_->ListCommunities(*after, *size + 1);
    if (!rows.ok()) return rows.status();
    response->set_next_page_token(
        TakePage(*std::move(rows), *size, response->mutable_communities(),
                 [](const v1::Community& c) { return absl::StrCat(c.id()); }));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminService::IssueOrganizerToken(
    grpc::CallbackServerContext* context, const v1::IssueOrganizerTokenRequest* request,
    v1::IssuedToken* response) {
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<Principal> who = auth_->Authorize(*context, AdminMethod("IssueOrganizerToken"));
    if (!who.ok()) return who.status();
    if (request->community_id() == 0) {
      return absl::InvalidArgumentError("community_id: required");
    }
    absl::StatusOr<v1::Community> community = store_->GetCommunity(request->community_id());
    if (!community.ok()) return community.status();
    v1::TokenInfo info;
    info.set_role(v1::TokenInfo::ORGANIZER);
    info.set_community_id(request->community_id());
    info.set_label(request->label());
    auto issued = IssueToken(store_, std::move(info));
    if (!issued.ok()) return issued.status();
    response->set_token(std::move(issued->first));
    *response->mutable_info() = std::move(issued->second);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminService::ListOrganizerTokens(
    grpc::CallbackServerContext* context, const v1::ListOrganizerTokensRequest* request,
    v1::ListOrganizerTokensResponse* response) {
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<Principal> who = auth_->Authorize(*context, AdminMethod("ListOrganizerTokens"));
    if (!who.ok()) return who.status();
    if (request->community_id() == 0) {
      return absl::InvalidArgumentError("community_id: required");
    }
    absl::StatusOr<v1::Community> community = store_->GetCommunity(request->community_id());
    if (!community.ok()) return community.status();
    absl::StatusOr<int> size = PageSize(request->page_size());
    if (!size.ok()) return size.status();
    absl::StatusOr<std::string> after = DecodePageToken(request->page_token());
    if (!after.ok()) return after.status();
    auto rows =
        store_->ListTokens(request->community_id(), v1::TokenInfo::ORGANIZER, *after, *size + 1);
    if (!rows.ok()) return rows.status();
    response->set_next_page_token(TakePage(*std::move(rows), *size, response->mutable_tokens(),
                                           [](const v1::TokenInfo& t) { return t.token_id(); }));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminService::RevokeToken(grpc::CallbackServerContext* context,
                                                    const v1::RevokeTokenRequest* request,
                                                    v1::TokenInfo* response) {
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<Principal> who = auth_->Authorize(*context, AdminMethod("RevokeToken"));
    if (!who.ok()) return who.status();
    if (request->token_id().empty()) return absl::InvalidArgumentError("token_id: required");
    // The store's NOT_FOUND names the id: bound it first (ids are "tk_" and 16 hex digits).
    if (request->token_id().size() > 64) {
      return absl::InvalidArgumentError("token_id: longer than any token id");
    }
    absl::StatusOr<v1::TokenInfo> revoked =
        store_->RevokeToken(request->token_id(), absl::ToUnixSeconds(absl::Now()));
    if (!revoked.ok()) return revoked.status();
    *response = *std::move(revoked);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminService::Backup(grpc::CallbackServerContext* context,
                                               const v1::BackupRequest* request,
                                               v1::BackupResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<Principal> who = auth_->Authorize(*context, AdminMethod("Backup"));
  if (!who.ok()) {
    reactor->Finish(ToGrpcStatus(who.status()));
    return reactor;
  }
  // A checkpoint flushes memtables and links or copies every file: off the serving threads.
  workers_->Submit([this, reactor, request, response] {
    absl::Status s = WriteBackup(store_, person_key_file_, request->out_dir(), response);
    if (s.ok()) {
      LOG(INFO) << "backup written to " << request->out_dir() << " (" << response->files()
                << " files, " << response->bytes() << " bytes)";
    }
    reactor->Finish(ToGrpcStatus(s));
  });
  return reactor;
}

}  // namespace parley::services
