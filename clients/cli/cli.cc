// RunCli: the command line is parsed by CLI11 into the command tree (commands.h), then checked in
// a fixed order, then the command runs. CLI11 reports some problems by throwing; they are caught
// here, the one place that calls it, and turned into the messages and exit codes of cli.h.
#include "clients/cli.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "clients/attendee_fields.h"
#include "clients/cli/commands.h"
#include "clients/cli/context.h"
#include "clients/cli/help.h"

namespace parley::client {
namespace {

using cli::Command;
using cli::CommandTree;
using cli::FlagSpec;

// Global flags: on the root, accepted before or after the command (CLI11 fallthrough).
const FlagSpec kGlobalFlags[] = {
    {"server", "ADDR", "server address (env PARLEY_SERVER; default 127.0.0.1:50051)"},
    {"token", "TOKEN", "bearer token (env PARLEY_TOKEN)"},
    {"token-file", "FILE", "read the bearer token from FILE"},
    {"tls", "", "connect with TLS"},
    {"ca-cert", "FILE", "PEM CA certificate for TLS (default: system roots)"},
    {"timeout", "SECONDS", "deadline of each call (default 30)"},
    {"json", "", "print protobuf JSON instead of text"},
};
constexpr FlagSpec kHelpFlag = {"help", "", "show help"};

// The grammar of the command line. CLI11 keeps what it parsed in the App, so each RunCli call
// builds its own.
class Parser {
 public:
  Parser() : tree_(&root_) {
    root_.set_help_flag();  // ours below, so that help is printed in our format by our code
    root_.formatter(std::make_shared<cli::HelpFormatter>(&tree_));
    root_.allow_extras();
    for (const FlagSpec& flag : kGlobalFlags) CommandTree::AddFlag(&root_, flag);
    CommandTree::AddFlag(&root_, kHelpFlag, "-h");
    cli::AddAdminCommands(tree_);
    cli::AddEventCommands(tree_);
    cli::AddAttendeeCommands(tree_);
    cli::AddKnownPairCommands(tree_);
    cli::AddMatchingCommands(tree_);
    cli::AddAgendaCommands(tree_);
    cli::AddRelationshipCommands(tree_);
    cli::AddProfileCommands(tree_);
    // `parley help events create` parses `events create` as usual, then shows its help.
    help_ = root_.add_subcommand("help");
    help_->fallthrough()->allow_extras();
  }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  CLI::App& root() { return root_; }
  const CommandTree& tree() const { return tree_; }

  bool HelpAsked() const { return help_->parsed() || root_.get_option("--help")->count() > 0; }

  // The node the command line chose: a command or a group ("admin tokens"), or the root.
  CLI::App* Chosen() {
    CLI::App* node = &root_;
    while (true) {
      CLI::App* next = nullptr;
      for (CLI::App* sub : node->get_subcommands()) {
        if (sub != help_) next = sub;
      }
      if (next == nullptr) return node;
      node = next;
    }
  }

 private:
  CLI::App root_;
  CommandTree tree_;
  CLI::App* help_ = nullptr;
};

// `args` as CLI11 takes them: last first. `--label=` is split into `--label` and "", since CLI11
// would take the next argument as the value.
std::vector<std::string> ArgsForCli11(const std::vector<std::string>& args) {
  std::vector<std::string> split;
  bool flags_end = false;
  for (const std::string& arg : args) {
    flags_end = flags_end || arg == "--";
    if (!flags_end && absl::StartsWith(arg, "--") && arg.find('=') == arg.size() - 1) {
      split.push_back(arg.substr(0, arg.size() - 1));
      split.push_back("");
    } else {
      split.push_back(arg);
    }
  }
  return std::vector<std::string>(split.rbegin(), split.rend());
}

// After an error that names no command: the whole usage (`parley help`) is longer than a
// terminal and would scroll the error away.
constexpr char kShortUsage[] =
    "usage: parley [global flags] COMMAND [flags] [args]\n"
    "`parley help` lists the commands and global flags.\n";

bool LooksLikeFlag(const std::string& arg) { return arg.size() > 1 && arg[0] == '-'; }

// "unknown flag --page-size" for "--page_size=5"; a single dash is explained.
std::string UnknownFlag(const std::string& arg) {
  if (!absl::StartsWith(arg, "--")) {
    return absl::StrCat("unknown option ", arg, " (flags are written --name)");
  }
  std::string name = arg.substr(0, arg.find('='));
  absl::StrReplaceAll({{"_", "-"}}, &name);
  return absl::StrCat("unknown flag ", name);
}

// Reads the flags given on the path from the root to `node`, into `ctx->flags`. A flag that
// belongs to a node between them (`feedback --rating` given to `feedback list`) is not the
// command's, nor is one given twice: returns the usage error then, else "".
std::string CollectFlags(CLI::App& root, CLI::App* node, const std::string& path,
                         cli::Context* ctx) {
  for (CLI::App* app = node; app != nullptr; app = app->get_parent()) {
    for (const CLI::Option* option : app->get_options()) {
      if (option->get_positional() || option->count() == 0) continue;
      const std::string name = option->get_name().substr(2);
      if (app != node && app != &root) {
        return absl::StrCat("unknown flag --", name, " for \"", path, "\"");
      }
      if (cli::RepeatableFlags().count(name) > 0) {
        ctx->repeated[name] = option->results();
        ctx->flags[name] = option->results().back();
        continue;
      }
      if (option->results().size() > 1) return absl::StrCat("--", name, " given twice");
      const std::string& value = option->results().back();
      // A boolean flag set false (--all=false) is as if not given.
      if (option->get_type_name().empty()) {
        absl::StatusOr<bool> set = ParseBool(value);
        if (set.ok() && !*set) continue;
      }
      ctx->flags[name] = value;
    }
  }
  return "";
}

int RunCommandLine(const std::vector<std::string>& args, const EnvLookup& env, std::ostream& out,
                   std::ostream& err, bool tty) {
  Parser parser;
  const CommandTree& tree = parser.tree();
  std::vector<std::string> reversed = ArgsForCli11(args);
  try {
    parser.root().parse(reversed);
  } catch (const CLI::RequiredError&) {
    // An operand is missing; reported below in its turn, with the command's help.
  } catch (const CLI::ArgumentMismatch& e) {
    // A flag without its value ("--server: 1 required ADDR missing"), or too few operands
    // ("ATTENDEE_ID: 2 required ..."), which is reported below. The message starts with the name.
    const std::string what = e.what();
    const std::string name = what.substr(0, what.find(':'));
    if (absl::StartsWith(name, "-")) {
      // The help of the command, if one was named: the whole usage would scroll the error away.
      err << "parley: " << name << " needs a value\n\n" << cli::HelpOf(tree, parser.Chosen());
      return kExitUsage;
    }
  } catch (const CLI::ParseError& e) {
    err << "parley: " << e.what() << "\n\n" << cli::RootHelp(tree);
    return kExitUsage;
  }

  std::vector<std::string> unknown_flags, extra_operands;
  for (const std::string& arg : parser.root().remaining(/*recurse=*/true)) {
    if (arg == "--") continue;  // kept by CLI11 when it ends the flags
    (LooksLikeFlag(arg) ? unknown_flags : extra_operands).push_back(arg);
  }
  CLI::App* node = parser.Chosen();
  const Command* command = tree.Find(node);
  const std::string path = cli::CommandPath(node);
  if (command == nullptr && !extra_operands.empty()) {
    std::vector<std::string> words = {path};
    if (path.empty()) words.clear();
    words.insert(words.end(), extra_operands.begin(), extra_operands.end());
    err << "parley: unknown command \"" << absl::StrJoin(words, " ") << "\"\n\n" << kShortUsage;
    return kExitUsage;
  }
  if (parser.HelpAsked()) {
    out << cli::HelpOf(tree, node);
    return kExitOk;
  }
  if (node == &parser.root()) {
    if (!unknown_flags.empty()) {
      err << "parley: " << UnknownFlag(unknown_flags[0]) << "\n\n" << kShortUsage;
    } else {
      err << cli::RootHelp(tree);
    }
    return kExitUsage;
  }
  if (command == nullptr) {
    err << "parley: \"" << path << "\" needs a subcommand\n\n" << cli::GroupHelp(tree, node);
    return kExitUsage;
  }

  cli::Context ctx(env, out, err);
  ctx.command = node;
  ctx.tty = tty;
  if (!unknown_flags.empty()) {
    const std::string& arg = unknown_flags[0];
    return UsageError(ctx, absl::StartsWith(arg, "--")
                               ? absl::StrCat(UnknownFlag(arg), " for \"", path, "\"")
                               : UnknownFlag(arg));
  }
  if (std::string problem = CollectFlags(parser.root(), node, path, &ctx); !problem.empty()) {
    return UsageError(ctx, problem);
  }
  for (const CLI::Option* option : node->get_options()) {
    if (!option->get_positional()) continue;
    if (static_cast<int>(option->count()) < option->get_items_expected_min()) {
      return UsageError(ctx, absl::StrCat("missing ", command->Operands()));
    }
    ctx.operands.insert(ctx.operands.end(), option->results().begin(), option->results().end());
  }
  if (!extra_operands.empty()) {
    return UsageError(ctx, absl::StrCat("unexpected argument \"", extra_operands[0], "\""));
  }
  for (const std::string& flag : command->required_flags) {
    if (!ctx.Has(flag)) return UsageError(ctx, absl::StrCat("--", flag, " is required"));
  }
  absl::StatusOr<bool> json = ParseBool(ctx.Get("json", "false"));
  if (!json.ok()) return UsageError(ctx, absl::StrCat("--json: ", json.status().message()));
  ctx.json = *json;
  return command->run(ctx);
}

}  // namespace

std::string CliUsage() {
  Parser parser;
  return cli::RootHelp(parser.tree());
}

int RunCli(const std::vector<std::string>& args, const EnvLookup& env, std::ostream& out,
           std::ostream& err) {
  return RunCommandLine(args, env, out, err, /*tty=*/false);
}

int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  return RunCommandLine(
      args,
      [](const std::string& name) -> std::string {
        const char* value = std::getenv(name.c_str());
        return value == nullptr ? "" : value;
      },
      out, err, &out == &std::cout && isatty(STDOUT_FILENO) == 1);
}

}  // namespace parley::client
