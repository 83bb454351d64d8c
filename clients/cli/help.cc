#include "clients/cli/help.h"

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"

namespace parley::client::cli {
namespace {

// Help texts are aligned in a column for the descriptions.
constexpr size_t kFlagColumn = 30;
constexpr size_t kCommandColumn = 47;

std::string Padded(const std::string& text, size_t column) {
  return absl::StrCat(text, std::string(text.size() < column ? column - text.size() : 1, ' '));
}

// "  --event ID                    event id\n" for every flag of `app`.
std::string FlagLines(const CLI::App& app) {
  std::string text;
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_positional()) continue;
    absl::StrAppend(&text, "  ", Padded(FlagUsage(*option), kFlagColumn), option->get_description(),
                    "\n");
  }
  return text;
}

bool IsUnder(const CLI::App* app, const CLI::App* group) {
  for (; app != nullptr; app = app->get_parent()) {
    if (app == group) return true;
  }
  return false;
}

}  // namespace

std::string RootHelp(const CommandTree& tree) {
  std::string text =
      "usage: parley [global flags] COMMAND [flags] [args]\n"
      "\n"
      "The command-line client of parleyd. `parley help COMMAND` or `parley COMMAND --help`\n"
      "shows a command's flags.\n"
      "\n"
      "commands:\n";
  for (const Command& command : tree.commands()) {
    const std::string synopsis = command.Synopsis().substr(7);  // without "parley "
    absl::StrAppend(&text, "  ", Padded(synopsis, kCommandColumn), command.app->get_description(),
                    "\n");
  }
  absl::StrAppend(&text, "  ", Padded("help [COMMAND]", kCommandColumn),
                  "This text, or a command's.\n", "\nglobal flags:\n", FlagLines(*tree.root()),
                  "\nenvironment: PARLEY_SERVER, PARLEY_TOKEN (flags win).\n"
                  "exit codes: 0 ok, 1 failure, 2 import with rejected rows, 64 usage error.\n");
  return text;
}

std::string CommandHelp(const Command& command) {
  const CLI::App& app = *command.app;
  const std::string flags = FlagLines(app);
  size_t flag_count = 0;
  for (const CLI::Option* option : app.get_options()) flag_count += !option->get_positional();
  const std::string details = app.get_footer();
  std::string text = absl::StrCat(
      "usage: ", command.Synopsis(), flag_count > command.synopsis_flags.size() ? " [flags]" : "",
      "\n\n", app.get_description(), "\n", details, details.empty() ? "" : "\n");
  if (!flags.empty()) absl::StrAppend(&text, "\nflags:\n", flags);
  absl::StrAppend(&text, "\nglobal flags: see `parley help`\n");
  return text;
}

std::string GroupHelp(const CommandTree& tree, const CLI::App* group) {
  std::string text = "commands:\n";
  for (const Command& command : tree.commands()) {
    if (command.app != group && IsUnder(command.app, group)) {
      absl::StrAppend(&text, "  ", command.Synopsis(), "\n");
    }
  }
  return text;
}

std::string HelpOf(const CommandTree& tree, const CLI::App* app) {
  if (app == tree.root()) return RootHelp(tree);
  if (const Command* command = tree.Find(app)) return CommandHelp(*command);
  return GroupHelp(tree, app);
}

std::string HelpFormatter::make_help(const CLI::App* app, std::string /*name*/,
                                     CLI::AppFormatMode /*mode*/) const {
  return HelpOf(*tree_, app);
}

}  // namespace parley::client::cli
