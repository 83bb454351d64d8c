// parley admin: communities and organiser tokens (operator token).
#include "absl/strings/str_cat.h"
#include "clients/cli/commands.h"
#include "clients/cli/context.h"

namespace parley::client::cli {
namespace {

int CommunitiesCreate(Context& ctx) {
  int code = 0;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  v1::CreateCommunityRequest request;
  request.set_name(ctx.operands[0]);
  return Output(ctx, client->CreateCommunity(request),
                [&](const v1::Community& community) { PrintCommunity(ctx.out, community); });
}

int CommunitiesList(Context& ctx) {
  return RunList(ctx, v1::ListCommunitiesRequest(), &Client::ListCommunities,
                 [&](const v1::ListCommunitiesResponse& response) {
                   for (const v1::Community& c : response.communities()) PrintCommunity(ctx.out, c);
                 });
}

int TokensIssue(Context& ctx) {
  int code = 0;
  v1::IssueOrganizerTokenRequest request;
  uint64_t community = 0;
  if (!GetId(ctx, "--community", ctx.Get("community"), &community, &code)) return code;
  request.set_community_id(community);
  request.set_label(ctx.Get("label"));
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->IssueOrganizerToken(request), [&](const v1::IssuedToken& issued) {
    PrintIssuedToken(ctx.out, issued.token(), issued.info());
  });
}

int TokensList(Context& ctx) {
  int code = 0;
  v1::ListOrganizerTokensRequest request;
  uint64_t community = 0;
  if (!GetId(ctx, "--community", ctx.Get("community"), &community, &code)) return code;
  request.set_community_id(community);
  return RunList(ctx, request, &Client::ListOrganizerTokens,
                 [&](const v1::ListOrganizerTokensResponse& response) {
                   for (const v1::TokenInfo& info : response.tokens())
                     PrintTokenInfo(ctx.out, info);
                 });
}

int TokensRevoke(Context& ctx) {
  int code = 0;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  v1::RevokeTokenRequest request;
  request.set_token_id(ctx.operands[0]);
  return Output(ctx, client->RevokeToken(request), [&](const v1::TokenInfo& info) {
    ctx.out << "revoked ";
    PrintTokenInfo(ctx.out, info);
  });
}

int Backup(Context& ctx) {
  int code = 0;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  v1::BackupRequest request;
  request.set_out_dir(ctx.Get("out"));
  return Output(ctx, client->Backup(request), [&](const v1::BackupResponse& backup) {
    ctx.out << "backup written: " << backup.store_dir() << " (" << backup.files() << " files, "
            << backup.bytes() << " bytes) and " << backup.person_key_file() << "\n";
  });
}

}  // namespace

void AddAdminCommands(CommandTree& tree) {
  tree.Add({"admin", "communities", "create"}, "Creates a community.", "Needs the operator token.",
           CommunitiesCreate)
      .Operands({"NAME"});
  tree.Add({"admin", "communities", "list"}, "Lists communities.", "Needs the operator token.",
           CommunitiesList)
      .Flags(kPagingFlags);
  const FlagSpec community = {"community", "ID", "community id"};
  tree.Add({"admin", "tokens", "issue"}, "Issues an organiser token.",
           "Needs the operator token. The secret is shown once: store it.", TokensIssue)
      .Required(community)
      .Flag(kLabelFlag);
  tree.Add({"admin", "tokens", "list"}, "Lists a community's organiser tokens.",
           "Needs the operator token. Shows ids and labels, never secrets.", TokensList)
      .Required(community)
      .Flags(kPagingFlags);
  tree.Add({"admin", "tokens", "revoke"}, "Revokes a token.",
           "Needs the operator token. TOKEN_ID is the id shown by `issue` and `list`.",
           TokensRevoke)
      .Operands({"TOKEN_ID"});
  tree.Add({"admin", "backup"}, "Writes an online backup of the store.",
           "Needs the operator token. --out is a new directory on the server's machine (absolute "
           "path); it gets store/ (the database) and person.key. Restore: README.md, Backups.",
           Backup)
      .Required({"out", "DIR", "the backup's directory (must not exist)"});
}

}  // namespace parley::client::cli
