// parley attendees: import a CSV file, show, list, change and remove attendees, issue their
// tokens (organiser token). The server reads the CSV (ImportAttendeesCsv); this only uploads it.
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
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "clients/cli/attendee_flags.h"
#include "clients/cli/commands.h"
#include "clients/cli/context.h"
#include "clients/cli/values.h"
#include "clients/import_results.h"
#include "services/domain/csv_reader.h"

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

// "field=Column" (the first '=' splits) into `map`; false if there is no '='.
bool AddPair(absl::string_view text, google::protobuf::Map<std::string, std::string>* map) {
  const size_t eq = text.find('=');
  if (eq == absl::string_view::npos || eq == 0) return false;
  (*map)[std::string(absl::StripAsciiWhitespace(text.substr(0, eq)))] =
      std::string(text.substr(eq + 1));
  return true;
}

// The import's options from --map, --mapping-file, --separator, --cancelled, --strict,
// --dry-run and --sync. A mapping file holds one `field=Column` per line, or
// `separator field=X`, `cancelled VALUE`, `strict`; '#' starts a comment line.
absl::StatusOr<v1::CsvImportOptions> ImportOptionsFromFlags(Context& ctx) {
  v1::CsvImportOptions options;
  auto bad = [](absl::string_view flag, absl::string_view value) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": expected FIELD=VALUE, got \"", value, "\""));
  };
  if (ctx.Has("mapping-file")) {
    const std::string path = ctx.Get("mapping-file");
    absl::StatusOr<std::string> text = ReadFileToString(path);
    if (!text.ok()) return text.status();
    int line_number = 0;
    for (absl::string_view line : absl::StrSplit(*text, '\n')) {
      ++line_number;
      line = absl::StripAsciiWhitespace(line);
      if (line.empty() || line[0] == '#') continue;
      const std::string where = absl::StrCat(path, ":", line_number);
      if (line == "strict") {
        options.set_strict(true);
      } else if (absl::ConsumePrefix(&line, "separator ")) {
        if (!AddPair(line, options.mutable_separators())) return bad(where, line);
      } else if (absl::ConsumePrefix(&line, "cancelled ")) {
        options.add_cancelled_values(std::string(absl::StripAsciiWhitespace(line)));
      } else if (!AddPair(line, options.mutable_mapping())) {
        return bad(where, line);
      }
    }
  }
  auto values = [&](const std::string& flag) {
    auto it = ctx.repeated.find(flag);
    return it == ctx.repeated.end() ? std::vector<std::string>() : it->second;
  };
  for (const std::string& m : values("map")) {
    if (!AddPair(m, options.mutable_mapping())) return bad("--map", m);
  }
  for (const std::string& m : values("separator")) {
    if (!AddPair(m, options.mutable_separators())) return bad("--separator", m);
  }
  for (const std::string& v : values("cancelled")) options.add_cancelled_values(v);
  if (ctx.Has("strict")) options.set_strict(true);
  options.set_dry_run(ctx.Has("dry-run"));
  options.set_sync(ctx.Has("sync"));
  return options;
}

void PrintImportSummary(Context& ctx, const std::string& path, uint64_t event_id,
                        const v1::ImportAttendeesCsvResponse& response,
                        const std::vector<const v1::ImportRowResult*>& rejected) {
  const v1::CsvImportSummary& summary = response.summary();
  ctx.out << path << " -> event " << event_id
          << (response.dry_run() ? " (dry run: nothing stored)" : "") << ": " << summary.rows()
          << " rows, " << response.created() << " created, " << response.updated() << " updated, "
          << response.unchanged() << " unchanged, " << response.rejected() << " rejected, "
          << response.cancelled() << " cancelled\n";
  for (const std::string& column : summary.columns()) ctx.out << "  reads " << column << "\n";
  if (!response.removed().empty()) {
    ctx.out << (response.dry_run() ? "would remove " : "removed ") << response.removed_size()
            << " attendee" << (response.removed_size() == 1 ? "" : "s") << ":\n";
    constexpr int kShownRemoved = 10;
    for (int i = 0; i < response.removed_size() && i < kShownRemoved; ++i) {
      const v1::RemovedAttendee& r = response.removed(i);
      ctx.out << "  " << r.external_id() << " (" << r.display_name() << "): " << r.reason() << "\n";
    }
    if (response.removed_size() > kShownRemoved) {
      ctx.out << "  ... and " << response.removed_size() - kShownRemoved << " more\n";
    }
  }
  if (!summary.top_tags().empty()) {
    std::vector<std::string> tags;
    for (const v1::TagCount& t : summary.top_tags()) {
      tags.push_back(absl::StrCat(t.tag(), " (", t.rows(), ")"));
    }
    ctx.out << "most common interests: " << absl::StrJoin(tags, ", ") << "\n";
  }
  for (const std::string& warning : summary.warnings()) ctx.out << "warning: " << warning << "\n";
  constexpr size_t kShown = 10;
  for (size_t i = 0; i < rejected.size() && i < kShown; ++i) {
    ctx.out << "  " << rejected[i]->error() << "\n";
  }
  if (rejected.size() > kShown) ctx.out << "  ... and " << rejected.size() - kShown << " more\n";
}

int AttendeesImport(Context& ctx) {
  int code = 0;
  uint64_t event_id = 0;
  if (!GetEventFlag(ctx, &event_id, &code)) return code;
  absl::StatusOr<v1::CsvImportOptions> options = ImportOptionsFromFlags(ctx);
  if (!options.ok()) return LocalError(ctx, options.status());
  const std::string& path = ctx.operands[0];
  const std::string rejects_path = ctx.Get("rejects", DefaultRejectsPath(path));
  absl::StatusOr<std::string> data = ReadFileToString(path);
  if (!data.ok()) return Fail(ctx, data.status());
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  // A large file takes longer than one call: unless --timeout says otherwise, allow 10 minutes.
  const absl::Duration deadline =
      ctx.Has("timeout") ? client->options().deadline : absl::Minutes(10);
  // The server reads the file (services/domain/import_csv.h): the CLI only uploads it.
  absl::StatusOr<v1::ImportAttendeesCsvResponse> imported =
      client->ImportAttendeesCsv(event_id, *data, *options, deadline);
  if (!imported.ok()) {
    Fail(ctx, absl::Status(imported.status().code(),
                           absl::StrCat(path, ": ", imported.status().message())));
    if (!absl::IsInvalidArgument(imported.status()) && !options->dry_run()) {
      ctx.err << "parley: the import did not finish; rows sent before the failure may be "
                 "stored. Importing the file again is safe.\n";
    }
    return kExitFailure;
  }
  const v1::ImportAttendeesCsvResponse& response = *imported;
  std::vector<const v1::ImportRowResult*> rejected;
  for (const v1::ImportRowResult& result : response.results()) {
    if (result.outcome() == v1::ImportRowResult::REJECTED) rejected.push_back(&result);
  }
  if (!rejected.empty()) {
    std::ofstream file(rejects_path, std::ios::binary | std::ios::trunc);
    file << FormatRejectsCsv(response.results());
    file.close();
    if (!file) {
      return Fail(ctx, absl::PermissionDeniedError(absl::StrCat("cannot write ", rejects_path)));
    }
  }
  if (ctx.json) {
    PrintJson(ctx.out, response);
  } else {
    PrintImportSummary(ctx, path, event_id, response, rejected);
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
  file << domain::FormatCsvRecord({"attendee_id", "external_id", "name", "email", "token"});
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
      file << domain::FormatCsvRecord(
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
  tree.Add({"attendees", "import"}, "Imports attendees from a registration export (CSV).",
           "Needs an organiser token. Uploads FILE; the server reads it. Upserts by external_id:\n"
           "importing a file again changes nothing. Exports of Eventbrite, Tito, Google Forms\n"
           "and spreadsheets are understood by their headers (Email/E-mail, Company/\n"
           "Organisation, Job Title, First Name + Last Name, Attendee #, Attendee Status, ...);\n"
           "the old columns (external_id, name, email, interests, budget, ...) too.\n"
           "--map FIELD=COLUMN (repeatable) maps a column; join columns with '+'\n"
           "(--map 'name=First Name+Last Name'). Fields: external_id, name, email, phone,\n"
           "organisation, role, bio, interests, offers, seeks, languages, budget, availability,\n"
           "person_ref, wants, avoid, avoid_organisations, prefers_quiet, wants_meetings\n"
           "(yes/no; no = budget 0), status. Unknown columns are ignored with a warning\n"
           "(--strict refuses them). Lists are ';'-separated unless --separator 'FIELD=,' (or\n"
           "'|'); a list column with commas and no semicolons is read as ','-separated.\n"
           "A status of Not Attending, Cancelled or Refunded (or --cancelled VALUE, repeatable)\n"
           "removes the attendee. --dry-run stores nothing and says what would happen; --sync\n"
           "also removes the event's attendees absent from FILE, in the same durable step.\n"
           "Rejected rows go to --rejects (default FILE.rejects.csv; columns "
           "row,external_id,error).\n"
           "Exit 0 if every row was accepted, 2 if some were rejected, 1 on failure. The "
           "deadline\n"
           "of the whole import is --timeout if given, else 10 minutes.",
           AttendeesImport)
      .Operands({"FILE.csv"})
      .Required(kEventFlag)
      .Flag({"rejects", "FILE", "where rejected rows go (default: FILE.rejects.csv)"})
      .Flag({"map", "FIELD=COLUMN", "read FIELD from COLUMN (or COL1+COL2); repeatable"})
      .Flag({"mapping-file", "FILE",
             "lines FIELD=COLUMN, 'separator FIELD=X', 'cancelled VALUE', 'strict'"})
      .Flag({"separator", "FIELD=X", "list separator of FIELD: ';', ',' or '|'; repeatable"})
      .Flag({"cancelled", "VALUE", "a status value that means cancelled; repeatable"})
      .Flag({"strict", "", "refuse columns that map to no field"})
      .Flag({"dry-run", "", "store nothing; print what the import would do"})
      .Flag({"sync", "", "also remove attendees absent from FILE (one durable step)"});
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
