// parley attendees: import a CSV file, show, list, change and remove attendees, issue their
// tokens (organiser token). Reading the CSV is the client library's (attendee_csv.h).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "clients/attendee_csv.h"
#include "clients/cli/attendee_flags.h"
#include "clients/cli/commands.h"
#include "clients/cli/context.h"
#include "clients/cli/values.h"
#include "clients/csv.h"

namespace parley::client::cli {
namespace {

// --event ID and the ATTENDEE_ID operand, into a request with event_id and attendee_id.
template <typename Request>
bool GetAttendeeIds(Context& ctx, Request* request, int* code) {
  uint64_t event_id = 0, attendee_id = 0;
  if (!GetEventFlag(ctx, &event_id, code)) return false;
  if (!GetId(ctx, "attendee id", ctx.operands[0], &attendee_id, code)) return false;
  request->set_event_id(event_id);
  request->set_attendee_id(attendee_id);
  return true;
}

int AttendeesImport(Context& ctx) {
  int code = 0;
  uint64_t event_id = 0;
  if (!GetEventFlag(ctx, &event_id, &code)) return code;
  ImportOptions options;
  if (ctx.Has("batch")) {
    absl::StatusOr<uint32_t> batch = ParseCount("--batch", ctx.Get("batch"), 1000);
    if (!batch.ok() || *batch == 0) return UsageError(ctx, "--batch: expected 1 to 1000");
    options.batch_size = *batch;
  }
  const std::string& path = ctx.operands[0];
  const std::string rejects_path = ctx.Get("rejects", DefaultRejectsPath(path));
  absl::StatusOr<std::string> data = ReadFileToString(path);
  if (!data.ok()) return Fail(ctx, data.status());
  absl::StatusOr<AttendeeCsv> csv = ParseAttendeeCsv(*data);
  if (!csv.ok()) {
    return Fail(
        ctx, absl::Status(csv.status().code(), absl::StrCat(path, ": ", csv.status().message())));
  }
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  // A large file takes longer than one call: unless --timeout says otherwise, allow 10 minutes.
  options.deadline = ctx.Has("timeout") ? client->options().deadline : absl::Minutes(10);

  const size_t rows = csv->rows.size() + csv->rejected.size();
  v1::ImportAttendeesResponse response;
  if (!csv->rows.empty()) {
    absl::StatusOr<v1::ImportAttendeesResponse> imported =
        client->ImportAttendees(event_id, std::move(csv->rows), options);  // not needed after
    if (!imported.ok()) {
      Fail(ctx, imported.status());
      ctx.err << "parley: the import did not finish; rows sent before the failure may be "
                 "stored. Importing the file again is safe.\n";
      return kExitFailure;
    }
    response = *std::move(imported);
  }
  MergeImportResults(*csv, &response);
  std::vector<const v1::ImportRowResult*> rejected;
  for (const v1::ImportRowResult& result : response.results()) {
    if (result.outcome() == v1::ImportRowResult::REJECTED) rejected.push_back(&result);
  }
  if (!rejected.empty()) {
    std::ofstream file(rejects_path, std::ios::binary | std::ios::trunc);
    file << FormatRejectsCsv(response);
    file.close();
    if (!file) {
      return Fail(ctx, absl::PermissionDeniedError(absl::StrCat("cannot write ", rejects_path)));
    }
  }
  if (ctx.json) {
    PrintJson(ctx.out, response);
  } else {
    ctx.out << path << " -> event " << event_id << ": " << rows << " rows, " << response.created()
            << " created, " << response.updated() << " updated, " << response.unchanged()
            << " unchanged, " << response.rejected() << " rejected\n";
    constexpr size_t kShown = 10;
    for (size_t i = 0; i < rejected.size() && i < kShown; ++i) {
      ctx.out << "  " << rejected[i]->error() << "\n";
    }
    if (rejected.size() > kShown) ctx.out << "  ... and " << rejected.size() - kShown << " more\n";
    if (!rejected.empty()) ctx.out << "rejected rows written to " << rejects_path << "\n";
  }
  return rejected.empty() ? kExitOk : kExitRejected;
}

int AttendeesGet(Context& ctx) {
  int code = 0;
  v1::GetAttendeeRequest request;
  if (!GetAttendeeIds(ctx, &request, &code)) return code;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->GetAttendee(request),
                [&](const v1::Attendee& attendee) { PrintAttendee(ctx.out, attendee); });
}

int AttendeesList(Context& ctx) {
  int code = 0;
  v1::ListAttendeesRequest request;
  uint64_t event_id = 0;
  if (!GetEventFlag(ctx, &event_id, &code)) return code;
  request.set_event_id(event_id);
  return RunList(ctx, request, &Client::ListAttendees,
                 [&](const v1::ListAttendeesResponse& response) {
                   for (const v1::Attendee& a : response.attendees()) PrintAttendeeLine(ctx.out, a);
                 });
}

int AttendeesUpdate(Context& ctx) {
  int code = 0;
  v1::UpdateAttendeeRequest request;
  uint64_t event_id = 0, attendee_id = 0;
  if (!GetEventFlag(ctx, &event_id, &code)) return code;
  if (!GetId(ctx, "attendee id", ctx.operands[0], &attendee_id, &code)) return code;
  v1::Attendee* attendee = request.mutable_attendee();
  attendee->set_event_id(event_id);
  attendee->set_id(attendee_id);
  absl::Status applied =
      ApplyAttendeeFlags(ctx, SelfAttendeeFlags(), attendee, request.mutable_update_mask());
  if (applied.ok()) {
    applied =
        ApplyAttendeeFlags(ctx, OrganizerAttendeeFlags(), attendee, request.mutable_update_mask());
  }
  if (!applied.ok()) return LocalError(ctx, applied);
  if (request.update_mask().paths().empty()) {
    return UsageError(ctx, "nothing to update: give at least one attendee flag");
  }
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->UpdateAttendee(request),
                [&](const v1::Attendee& updated) { PrintAttendee(ctx.out, updated); });
}

int AttendeesRemove(Context& ctx) {
  int code = 0;
  v1::RemoveAttendeeRequest request;
  if (!GetAttendeeIds(ctx, &request, &code)) return code;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->RemoveAttendee(request),
                [&](const v1::RemoveAttendeeResponse& response) {
                  ctx.out << "attendee " << request.attendee_id()
                          << (response.removed() ? " removed" : " was already gone") << "\n";
                });
}

int AttendeesToken(Context& ctx) {
  int code = 0;
  v1::IssueAttendeeTokenRequest request;
  if (!GetAttendeeIds(ctx, &request, &code)) return code;
  request.set_label(ctx.Get("label"));
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  return Output(ctx, client->IssueAttendeeToken(request),
                [&](const v1::IssuedAttendeeToken& issued) {
                  PrintIssuedToken(ctx.out, issued.token(), issued.info());
                });
}

// Tokens for every attendee of the event (or those without one), 1,000 per call, into a new
// CSV file only the user can read: the secrets exist nowhere else.
int AttendeesTokens(Context& ctx) {
  int code = 0;
  uint64_t event_id = 0;
  if (!GetEventFlag(ctx, &event_id, &code)) return code;
  const std::string path = ctx.Get("out");
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    return Fail(ctx, absl::FailedPreconditionError(absl::StrCat(
                         "cannot create ", path, ": ", std::strerror(errno),
                         " (tokens go to a new file only you can read; choose another name)")));
  }
  close(fd);
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << FormatCsvRecord({"attendee_id", "external_id", "name", "email", "token"});
  int64_t issued = 0, skipped = 0;
  v1::ListAttendeesRequest list;
  list.set_event_id(event_id);
  list.set_page_size(1000);
  while (true) {
    absl::StatusOr<v1::ListAttendeesResponse> page = client->ListAttendees(list);
    if (!page.ok()) return Fail(ctx, page.status());
    if (page->attendees().empty()) break;
    v1::IssueAttendeeTokensRequest request;
    request.set_event_id(event_id);
    request.set_label(ctx.Get("label"));
    request.set_only_without_token(ctx.Has("only-new"));
    absl::flat_hash_map<uint64_t, const v1::Attendee*> by_id;
    for (const v1::Attendee& a : page->attendees()) {
      request.add_attendee_ids(a.id());
      by_id[a.id()] = &a;
    }
    absl::StatusOr<v1::IssueAttendeeTokensResponse> tokens = client->IssueAttendeeTokens(request);
    if (!tokens.ok()) {
      Fail(ctx, tokens.status());
      ctx.err << "parley: " << issued << " tokens were issued and written to " << path
              << " before the failure; --only-new continues without issuing them twice\n";
      return kExitFailure;
    }
    for (const v1::IssuedAttendeeToken& t : tokens->tokens()) {
      const v1::Attendee& a = *by_id.at(t.info().attendee_id());
      file << FormatCsvRecord(
          {absl::StrCat(a.id()), a.external_id(), a.display_name(), a.email(), t.token()});
    }
    file.flush();
    if (!file) {
      return Fail(ctx,
                  absl::DataLossError(absl::StrCat(
                      "cannot write ", path, ": ", tokens->tokens_size(),
                      " tokens of this page are lost; revoke them or re-run with --only-new")));
    }
    issued += tokens->tokens_size();
    skipped += tokens->skipped_attendee_ids_size();
    if (page->next_page_token().empty()) break;
    list.set_page_token(page->next_page_token());
  }
  ctx.out << "event " << event_id << ": " << issued << " attendee tokens written to " << path;
  if (skipped > 0) {
    ctx.out << " (" << skipped << (skipped == 1 ? " attendee" : " attendees")
            << " already had one)";
  }
  ctx.out << "\n";
  return kExitOk;
}

}  // namespace

void AddAttendeeCommands(CommandTree& tree) {
  tree.Add({"attendees", "import"}, "Imports attendees from a CSV file.",
           "Needs an organiser token. Upserts by external_id: importing a file again changes "
           "nothing.\n"
           "Header columns, any order, case-insensitive: external_id and name (required), email,\n"
           "phone, organisation, role, bio, interests, offers, seeks, languages, budget, "
           "availability,\n"
           "person_ref, wants, avoid, avoid_organisations, prefers_quiet. Lists are "
           "';'-separated;\n"
           "an interest may carry a weight as tag:2 (1-3); availability lists slot ids (empty = "
           "all).\n"
           "Rejected rows go to --rejects (default FILE.rejects.csv; columns "
           "row,external_id,error).\n"
           "Exit 0 if every row was accepted, 2 if some were rejected, 1 on failure. The "
           "deadline\n"
           "of the whole import is --timeout if given, else 10 minutes.",
           AttendeesImport)
      .Operands({"FILE.csv"})
      .Required(kEventFlag)
      .Flag({"rejects", "FILE", "where rejected rows go (default: FILE.rejects.csv)"})
      .Flag({"batch", "N", "rows per stream message, 1-1000 (default 1000)"});
  tree.Add({"attendees", "get"}, "Shows an attendee.", "Needs an organiser token.", AttendeesGet)
      .Operands({"ATTENDEE_ID"})
      .Required(kEventFlag);
  tree.Add({"attendees", "list"}, "Lists an event's attendees.", "Needs an organiser token.",
           AttendeesList)
      .Required(kEventFlag)
      .Flags(kPagingFlags);
  tree.Add({"attendees", "update"}, "Changes an attendee.",
           "Needs an organiser token. Only the fields given are changed; an empty list value "
           "clears\n"
           "the list; --budget default restores the event's default.",
           AttendeesUpdate)
      .Operands({"ATTENDEE_ID"})
      .Required(kEventFlag)
      .Flags(FlagSpecs(OrganizerAttendeeFlags()))
      .Flags(FlagSpecs(SelfAttendeeFlags()));
  tree.Add({"attendees", "remove"}, "Removes an attendee.",
           "Needs an organiser token. Also revokes the attendee's tokens.", AttendeesRemove)
      .Operands({"ATTENDEE_ID"})
      .Required(kEventFlag);
  tree.Add({"attendees", "token"}, "Issues an attendee token.",
           "Needs an organiser token. The secret is shown once: put it in the attendee's "
           "invitation.",
           AttendeesToken)
      .Operands({"ATTENDEE_ID"})
      .Required(kEventFlag)
      .Flag(kLabelFlag);
  tree.Add({"attendees", "tokens"}, "Issues tokens for every attendee into a CSV file.",
           "Needs an organiser token. For invitation mail-merges: writes attendee_id, "
           "external_id,\n"
           "name, email and token of every attendee of the event to --out, a new file (mode "
           "0600:\n"
           "the secrets are shown nowhere else). --only-new skips attendees who already hold a\n"
           "token (e.g. after importing late registrants). 1,000 attendees per call.",
           AttendeesTokens)
      .Required(kEventFlag)
      .Required(kOutFlag)
      .Flag(kLabelFlag)
      .Flag({"only-new", "", "tokens: only attendees without a token (late registrants)"});
}

}  // namespace parley::client::cli
