#ifndef PARLEY_CLIENTS_CLI_COMMANDS_H_
#define PARLEY_CLIENTS_CLI_COMMANDS_H_

#include <deque>
#include <string>
#include <vector>

#include "clients/cli/context.h"

// CLI11 stays out of the command families: only commands.cc, help.cc and cli.cc include it.
namespace CLI {
class App;
class Option;
}  // namespace CLI

// The command tree of the `parley` CLI. Each command family (admin.cc, events.cc, ...) adds its
// commands to a CommandTree: a CLI11 subcommand per command, with its flags, operands, summary
// (the CLI11 description) and details (the CLI11 footer), plus what CLI11 does not hold: the
// function that runs it and the flags it requires. The help text is built from the same tree
// (help.cc), so a flag documented is a flag accepted.
namespace parley::client::cli {

using RunFn = int (*)(Context&);

// A flag: its name without dashes, the name of its value ("" for a boolean flag) and its help.
struct FlagSpec {
  const char* name;
  const char* value;
  const char* help;
};

// Flags several families use.
inline constexpr FlagSpec kEventFlag = {"event", "ID", "event id"};
inline constexpr FlagSpec kAttendeeFlag = {"attendee", "ID", "attendee id"};
inline constexpr FlagSpec kLabelFlag = {"label", "TEXT", "free text to tell tokens apart"};
inline constexpr FlagSpec kOutFlag = {"out", "FILE", "write to FILE instead of standard output"};
inline constexpr FlagSpec kPagingFlags[] = {
    {"page-size", "N", "items per page, 1-1000 (server default 100)"},
    {"page-token", "TOKEN", "continue from a previous page"},
    {"all", "", "fetch every page"}};

// The names from the root to `app`: "events create"; "" for the root.
std::string CommandPath(const CLI::App* app);

// "--event ID", or "--all" for a boolean flag.
std::string FlagUsage(const CLI::Option& option);

// A runnable command: a leaf of the tree, or a node that also has subcommands (`agenda` and
// `agenda watch`).
struct Command {
  CLI::App* app;
  RunFn run;
  // Flags the command cannot run without ("event"). Checked after parsing rather than by
  // CLI11, so that the problems of a command line are reported in a fixed order (cli.cc).
  std::vector<std::string> required_flags;
  // The flags the synopsis shows: the required ones, and those a command checks itself.
  std::vector<std::string> synopsis_flags;

  // "events create".
  std::string Name() const;
  // The operands' names as the help shows them: "ID draft|open|scheduled|closed".
  std::string Operands() const;
  // "parley events create --name TEXT": the name, required flags and operands.
  std::string Synopsis() const;
};

// Adds flags and operands to the command it was made for, in the order the help lists them.
class CommandBuilder {
 public:
  explicit CommandBuilder(Command* command) : command_(command) {}

  // Positional arguments, each required. Their names are shown as the usage ("ID").
  CommandBuilder& Operands(std::initializer_list<const char*> names);
  CommandBuilder& Flag(const FlagSpec& flag);
  CommandBuilder& Flags(const std::vector<FlagSpec>& flags);
  template <size_t N>
  CommandBuilder& Flags(const FlagSpec (&flags)[N]) {
    for (const FlagSpec& flag : flags) Flag(flag);
    return *this;
  }
  // A flag that must be given (shown in the synopsis).
  CommandBuilder& Required(const FlagSpec& flag);
  // Shown in the synopsis as required, but checked by the command itself (`events create`
  // takes its --name from --from-json too).
  CommandBuilder& RequiredInSynopsis(const FlagSpec& flag);

 private:
  Command* command_;
};

class CommandTree {
 public:
  // `root` must outlive the tree.
  explicit CommandTree(CLI::App* root) : root_(root) {}

  // Adds the command at `path`, creating the groups above it ("admin", "admin tokens") as
  // needed. `summary` is one line for `parley help`; `details` more for `parley help COMMAND`.
  CommandBuilder Add(const std::vector<std::string>& path, const std::string& summary,
                     const std::string& details, RunFn run);

  // Adds a flag to `app` accepting both `--page-size` and `--page_size` (and `short_name` if
  // given, "-h"); every value is kept so that a repeated flag can be refused by name.
  static CLI::Option* AddFlag(CLI::App* app, const FlagSpec& flag, const char* short_name = "");

  // The command `app` runs, or null for a group that only holds subcommands.
  const Command* Find(const CLI::App* app) const;
  // In the order added, which is the order of `parley help`.
  const std::deque<Command>& commands() const { return commands_; }
  CLI::App* root() const { return root_; }

 private:
  CLI::App* root_;
  std::deque<Command> commands_;  // deque: Command* stay valid
};

// The command families, each in its own file, in the order `parley help` lists them.
void AddAdminCommands(CommandTree& tree);         // admin.cc
void AddEventCommands(CommandTree& tree);         // events.cc
void AddAttendeeCommands(CommandTree& tree);      // attendees.cc
void AddKnownPairCommands(CommandTree& tree);     // known_pairs.cc: known-pairs import
void AddMatchingCommands(CommandTree& tree);      // matching.cc: run, report, meetings, publish
void AddAgendaCommands(CommandTree& tree);        // agenda.cc: calendar, suggestions, respond...
void AddRelationshipCommands(CommandTree& tree);  // relationships.cc: feedback, introductions...
void AddProfileCommands(CommandTree& tree);       // profile.cc: me, health

}  // namespace parley::client::cli

#endif  // PARLEY_CLIENTS_CLI_COMMANDS_H_
