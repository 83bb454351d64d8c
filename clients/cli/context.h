#ifndef PARLEY_CLIENTS_CLI_CONTEXT_H_
#define PARLEY_CLIENTS_CLI_CONTEXT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clients/cli.h"
#include "clients/cli_print.h"
#include "clients/client.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace CLI {
class App;
}  // namespace CLI

// What every command of the `parley` CLI shares: the parsed command line, the connection, the
// output streams and the exit-code conventions of cli.h. One Context per RunCli call; not
// thread-safe.
namespace parley::client::cli {

struct Context {
  Context(EnvLookup env, std::ostream& out, std::ostream& err)
      : env(std::move(env)), out(out), err(err) {}

  // The command being run; its help follows a usage error. Not owned.
  const CLI::App* command = nullptr;
  // The flags given, global and the command's, by name without dashes ("page-size"): the last
  // value of each (a flag given twice is refused before a command runs); "true" for a boolean
  // flag given bare.
  std::map<std::string, std::string> flags;
  // Every value of the flags that may be repeated (RepeatableFlags(): --map, --separator,
  // --cancelled), in order.
  std::map<std::string, std::vector<std::string>> repeated;
  // The positional arguments after the command's name, as many as it declares.
  std::vector<std::string> operands;
  EnvLookup env;
  std::ostream& out;
  std::ostream& err;
  bool json = false;
  // Whether `out` is a terminal (for `run`'s progress bar).
  bool tty = false;
  std::unique_ptr<Client> client;

  bool Has(const std::string& flag) const { return flags.count(flag) > 0; }
  // The flag's value, or `fallback` if it was not given.
  std::string Get(const std::string& flag, const std::string& fallback = "") const;
};

// The flags that may be given several times.
const std::set<std::string>& RepeatableFlags();

// "parley: <message>", a blank line and the command's help on stderr; returns kExitUsage.
int UsageError(Context& ctx, absl::string_view message);
// "parley: <CODE>: <message>" on stderr; returns kExitFailure.
int Fail(Context& ctx, const absl::Status& status);
// INVALID_ARGUMENT from reading the command line is a usage error; anything else a failure.
int LocalError(Context& ctx, const absl::Status& status);

// The client, connected on first use from --server/PARLEY_SERVER, --token/PARLEY_TOKEN or
// --token-file, --tls, --ca-cert and --timeout. On error prints it and sets `*exit_code`.
const Client* Connect(Context& ctx, int* exit_code);

// Prints `result` (protobuf JSON with --json, else `human`) and returns the exit code.
template <typename Message, typename Human>
int Output(Context& ctx, const absl::StatusOr<Message>& result, Human human) {
  if (!result.ok()) return Fail(ctx, result.status());
  if (ctx.json) {
    PrintJson(ctx.out, *result);
  } else {
    human(*result);
  }
  return kExitOk;
}

// Parses an id flag or operand; on error prints the usage error and sets `*exit_code`.
bool GetId(Context& ctx, absl::string_view what, const std::string& text, uint64_t* id,
           int* exit_code);
// --event ID, required by the commands that call it.
bool GetEventFlag(Context& ctx, uint64_t* event_id, int* exit_code);

// An answer operand: "accept" or "decline" (any case); otherwise prints the usage error and sets
// `*exit_code`.
bool GetAnswer(Context& ctx, const std::string& text, bool* accept, int* exit_code);

// Sets page_size and page_token of a List request from --page-size and --page-token.
template <typename Request>
bool ReadPaging(Context& ctx, Request* request, int* exit_code);

// The page `request` asks for, or with --all that and every following page in one response.
template <typename Request, typename Response, typename Call>
absl::StatusOr<Response> FetchPages(Context& ctx, Request request, Call call) {
  absl::StatusOr<Response> first = call(request);
  if (!first.ok() || !ctx.Has("all")) return first;
  Response all = *std::move(first);
  std::set<std::string> seen;
  while (!all.next_page_token().empty() && seen.insert(all.next_page_token()).second) {
    request.set_page_token(all.next_page_token());
    absl::StatusOr<Response> page = call(request);
    if (!page.ok()) return page.status();
    std::string next = page->next_page_token();
    all.MergeFrom(*page);
    all.set_next_page_token(next);
  }
  return all;
}

// Prints a hint for the next page if there is one.
void PrintMoreHint(Context& ctx, const std::string& next_page_token);

// --json --all of a List command, written page by page so that memory holds one page (and the
// merged maps, such as ListMeetingsResponse.external_ids, which grow with the people named, not
// with the items): the same single JSON object FetchPages' merged response prints, with the
// items (the response's repeated message field) streamed and the other fields at the end.
class JsonPagesWriter {
 public:
  explicit JsonPagesWriter(std::ostream& out) : out_(out) {}
  // Writes the page's items and keeps its other fields. The page's items are cleared.
  void Page(google::protobuf::Message* page);
  // Ends the object; call once after the last page (no next_page_token is printed).
  void Finish();

 private:
  std::ostream& out_;
  std::unique_ptr<google::protobuf::Message> rest_;
  const google::protobuf::FieldDescriptor* items_ = nullptr;
  bool any_item_ = false;
};

// Runs a List command: paging flags, one page or, with --all, every page printed as it arrives
// (constant memory, see JsonPagesWriter), then `print_items` and a hint for the next page.
template <typename Request, typename Response, typename PrintItems>
int RunList(Context& ctx, Request request,
            absl::StatusOr<Response> (Client::*call)(const Request&) const,
            PrintItems print_items) {
  int code = 0;
  if (!ReadPaging(ctx, &request, &code)) return code;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  if (!ctx.Has("all")) {
    return Output(ctx, (client->*call)(request), [&](const Response& response) {
      print_items(response);
      PrintMoreHint(ctx, response.next_page_token());
    });
  }
  JsonPagesWriter json(ctx.out);
  std::set<std::string> seen;  // a server that repeats a token must not loop us forever
  for (;;) {
    absl::StatusOr<Response> page = (client->*call)(request);
    if (!page.ok()) return Fail(ctx, page.status());
    const std::string next = page->next_page_token();
    if (ctx.json) {
      json.Page(&*page);
    } else {
      print_items(*page);
    }
    ctx.out << std::flush;
    if (next.empty() || !seen.insert(next).second) break;
    request.set_page_token(next);
  }
  if (ctx.json) json.Finish();
  return kExitOk;
}

// Writes `text` to --out, or to standard output without it.
int WriteOut(Context& ctx, const std::string& text);

// ---- implementation --------------------------------------------------------------------------

// --page-size as 1..1000; INVALID_ARGUMENT otherwise. 0 if not given.
absl::StatusOr<int32_t> PageSizeFlag(const Context& ctx);

template <typename Request>
bool ReadPaging(Context& ctx, Request* request, int* exit_code) {
  absl::StatusOr<int32_t> size = PageSizeFlag(ctx);
  if (!size.ok()) {
    *exit_code = UsageError(ctx, size.status().message());
    return false;
  }
  if (*size > 0) request->set_page_size(*size);
  request->set_page_token(ctx.Get("page-token"));
  return true;
}

}  // namespace parley::client::cli

#endif  // PARLEY_CLIENTS_CLI_CONTEXT_H_
