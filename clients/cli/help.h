#ifndef PARLEY_CLIENTS_CLI_HELP_H_
#define PARLEY_CLIENTS_CLI_HELP_H_

#include <string>

#include "CLI/CLI.hpp"
#include "clients/cli/commands.h"

// The help texts of the `parley` CLI, built from the command tree. CLI11's own layout is
// replaced: `parley help`, `parley help COMMAND` and the help after a usage error keep one
// plain format (a synopsis line, the summary and details, then one line per flag).
namespace parley::client::cli {

// `parley help`: every command with its synopsis and summary, the global flags (the root's),
// the environment and the exit codes.
std::string RootHelp(const CommandTree& tree);
// `parley help events create`: the usage line, summary, details and flags of one command.
std::string CommandHelp(const Command& command);
// `parley help admin`: "commands:" and the synopsis of every command under `group`.
std::string GroupHelp(const CommandTree& tree, const CLI::App* group);

// The help of `app`, whichever kind of node it is.
std::string HelpOf(const CommandTree& tree, const CLI::App* app);

// Installed on every node of the tree, so that CLI::App::help() gives the texts above.
class HelpFormatter : public CLI::FormatterBase {
 public:
  // `tree` is not owned and must outlive the formatter.
  explicit HelpFormatter(const CommandTree* tree) : tree_(tree) {}
  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode mode) const override;

 private:
  const CommandTree* tree_;
};

}  // namespace parley::client::cli

#endif  // PARLEY_CLIENTS_CLI_HELP_H_
