#include "clients/cli/context.h"

#include <cassert>
#include <fstream>
#include <sstream>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "clients/attendee_fields.h"
#include "clients/cli/values.h"

namespace parley::client::cli {

const std::set<std::string>& RepeatableFlags() {
  static const auto* const names = new std::set<std::string>{"map", "separator", "cancelled"};
  return *names;
}

std::string Context::Get(const std::string& flag, const std::string& fallback) const {
  auto it = flags.find(flag);
  return it == flags.end() ? fallback : it->second;
}

int UsageError(Context& ctx, absl::string_view message) {
  // Not CLI::App::help(), which would describe a subcommand parsed under `command` instead.
  ctx.err << "parley: " << message << "\n\n"
          << ctx.command->get_formatter()->make_help(ctx.command, "", CLI::AppFormatMode::Normal);
  return kExitUsage;
}

int Fail(Context& ctx, const absl::Status& status) {
  ctx.err << "parley: " << absl::StatusCodeToString(status.code()) << ": " << status.message()
          << "\n";
  return kExitFailure;
}

int LocalError(Context& ctx, const absl::Status& status) {
  if (status.code() == absl::StatusCode::kInvalidArgument) return UsageError(ctx, status.message());
  return Fail(ctx, status);
}

namespace {

// Flags win over the environment.
absl::StatusOr<ClientOptions> OptionsFromFlags(const Context& ctx) {
  ClientOptions options;
  std::string server = ctx.Get("server", ctx.env("PARLEY_SERVER"));
  if (!server.empty()) options.target = server;
  if (ctx.Has("token") && ctx.Has("token-file")) {
    return absl::InvalidArgumentError("give --token or --token-file, not both");
  }
  if (ctx.Has("token-file")) {
    absl::StatusOr<std::string> token = ReadFileToString(ctx.Get("token-file"));
    if (!token.ok()) return token.status();
    options.token = std::string(absl::StripAsciiWhitespace(*token));
  } else {
    options.token =
        std::string(absl::StripAsciiWhitespace(ctx.Get("token", ctx.env("PARLEY_TOKEN"))));
  }
  absl::StatusOr<bool> tls = ParseBool(ctx.Get("tls", "false"));
  if (!tls.ok()) return absl::InvalidArgumentError(absl::StrCat("--tls: ", tls.status().message()));
  options.use_tls = *tls;
  options.ca_cert_file = ctx.Get("ca-cert");
  if (!options.ca_cert_file.empty() && !options.use_tls) {
    return absl::InvalidArgumentError("--ca-cert needs --tls");
  }
  if (ctx.Has("timeout")) {
    double seconds = 0;
    if (!absl::SimpleAtod(ctx.Get("timeout"), &seconds) || !(seconds > 0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--timeout: \"", ctx.Get("timeout"), "\" is not a positive number"));
    }
    options.deadline = absl::Seconds(seconds);
  }
  return options;
}

}  // namespace

const Client* Connect(Context& ctx, int* exit_code) {
  if (ctx.client != nullptr) return ctx.client.get();
  absl::StatusOr<ClientOptions> options = OptionsFromFlags(ctx);
  if (!options.ok()) {
    *exit_code = LocalError(ctx, options.status());
    return nullptr;
  }
  absl::StatusOr<std::unique_ptr<Client>> client = Client::Connect(*options);
  if (!client.ok()) {
    *exit_code = Fail(ctx, client.status());
    return nullptr;
  }
  ctx.client = *std::move(client);
  return ctx.client.get();
}

bool GetId(Context& ctx, absl::string_view what, const std::string& text, uint64_t* id,
           int* exit_code) {
  absl::StatusOr<uint64_t> parsed = ParseId(what, text);
  if (!parsed.ok()) {
    *exit_code = UsageError(ctx, parsed.status().message());
    return false;
  }
  *id = *parsed;
  return true;
}

bool GetEventFlag(Context& ctx, uint64_t* event_id, int* exit_code) {
  return GetId(ctx, "--event", ctx.Get("event"), event_id, exit_code);
}

// "accept" or "decline" (any case); otherwise a usage error in *exit_code.
bool GetAnswer(Context& ctx, const std::string& text, bool* accept, int* exit_code) {
  const std::string answer = absl::AsciiStrToLower(text);
  if (answer != "accept" && answer != "decline") {
    *exit_code = UsageError(ctx, absl::StrCat("answer \"", text, "\": expected accept or decline"));
    return false;
  }
  *accept = answer == "accept";
  return true;
}

absl::StatusOr<int32_t> PageSizeFlag(const Context& ctx) {
  if (!ctx.Has("page-size")) return 0;
  absl::StatusOr<uint32_t> size = ParseCount("--page-size", ctx.Get("page-size"), 1000);
  if (!size.ok() || *size == 0) {
    return absl::InvalidArgumentError("--page-size: expected 1 to 1000");
  }
  return static_cast<int32_t>(*size);
}

void PrintMoreHint(Context& ctx, const std::string& next_page_token) {
  if (!next_page_token.empty()) {
    ctx.out << "more: --page-token " << next_page_token << " (or --all)\n";
  }
}

void JsonPagesWriter::Page(google::protobuf::Message* page) {
  const google::protobuf::Reflection* reflection = page->GetReflection();
  if (rest_ == nullptr) {
    const google::protobuf::Descriptor* descriptor = page->GetDescriptor();
    for (int i = 0; i < descriptor->field_count() && items_ == nullptr; ++i) {
      const google::protobuf::FieldDescriptor* field = descriptor->field(i);
      if (field->is_repeated() && !field->is_map() &&
          field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
        items_ = field;
      }
    }
    assert(items_ != nullptr);  // every List response has its items
    rest_.reset(page->New());
    out_ << "{\n  \"" << items_->name() << "\": [";
  }
  const int n = reflection->FieldSize(*page, items_);
  for (int i = 0; i < n; ++i) {
    out_ << (any_item_ ? ",\n" : "\n");
    std::ostringstream item;
    PrintJsonLine(item, reflection->GetRepeatedMessage(*page, items_, i));
    out_ << "    " << absl::StripTrailingAsciiWhitespace(item.str());
    any_item_ = true;
  }
  reflection->ClearField(page, items_);
  rest_->MergeFrom(*page);
}

void JsonPagesWriter::Finish() {
  if (rest_ == nullptr) return;
  out_ << (any_item_ ? "\n  ]" : "]");
  const google::protobuf::FieldDescriptor* token =
      rest_->GetDescriptor()->FindFieldByName("next_page_token");
  if (token != nullptr) rest_->GetReflection()->ClearField(rest_.get(), token);
  std::ostringstream printed;
  PrintJson(printed, *rest_);
  // The other fields, without the (empty) items the printer lists too.
  std::string inner(absl::StripSuffix(absl::StripAsciiWhitespace(printed.str()), "}"));
  inner = std::string(absl::StripPrefix(inner, "{"));
  const std::string empty_items = absl::StrCat("\"", items_->name(), "\": []");
  const size_t at = inner.find(empty_items);
  if (at != std::string::npos) {
    size_t from = at, to = at + empty_items.size();
    if (to < inner.size() && inner[to] == ',') {
      ++to;
    } else if (size_t comma = inner.rfind(',', at); comma != std::string::npos) {
      from = comma;
    }
    inner.erase(from, to - from);
  }
  inner = std::string(absl::StripAsciiWhitespace(inner));
  if (!inner.empty()) out_ << ",\n  " << inner;
  out_ << "\n}\n";
}

int WriteOut(Context& ctx, const std::string& text) {
  if (!ctx.Has("out")) {
    ctx.out << text << std::flush;
    return kExitOk;
  }
  const std::string path = ctx.Get("out");
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) return Fail(ctx, absl::PermissionDeniedError(absl::StrCat("cannot write ", path)));
  return kExitOk;
}

}  // namespace parley::client::cli
