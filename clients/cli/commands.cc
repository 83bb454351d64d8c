#include "clients/cli/commands.h"

#include <algorithm>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace parley::client::cli {

std::string CommandPath(const CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::App* node = app; node->get_parent() != nullptr; node = node->get_parent()) {
    names.push_back(node->get_name());
  }
  std::reverse(names.begin(), names.end());
  return absl::StrJoin(names, " ");
}

std::string Command::Name() const { return CommandPath(app); }

std::string Command::Operands() const {
  std::vector<std::string> names;
  for (const CLI::Option* option : app->get_options()) {
    if (!option->get_positional()) continue;
    for (int i = 0; i < option->get_items_expected_min(); ++i) {
      names.push_back(option->get_name(/*positional=*/true));
    }
  }
  return absl::StrJoin(names, " ");
}

std::string FlagUsage(const CLI::Option& option) {
  const std::string value = option.get_type_name();
  return value.empty() ? option.get_name() : absl::StrCat(option.get_name(), " ", value);
}

std::string Command::Synopsis() const {
  std::string line = absl::StrCat("parley ", Name());
  for (const std::string& flag : synopsis_flags) {
    absl::StrAppend(&line, " ", FlagUsage(*app->get_option("--" + flag)));
  }
  const std::string operands = Operands();
  if (!operands.empty()) absl::StrAppend(&line, " ", operands);
  return line;
}

CommandBuilder& CommandBuilder::Operands(std::initializer_list<const char*> names) {
  CLI::Option* last = nullptr;
  for (const char* name : names) {
    // CLI11 names options uniquely: `introduce ATTENDEE_ID ATTENDEE_ID` is one option of two.
    if (last != nullptr && last->get_name(/*positional=*/true) == name) {
      last->expected(last->get_expected_min() + 1);
      continue;
    }
    // Required, so that an operand that happens to be a command's name ("parley admin
    // communities create report") is taken as the operand. Not for a command that also has
    // subcommands (`feedback MEETING_ID ...` and `feedback list`): there the subcommand wins.
    last = command_->app->add_option(name);
    if (command_->app->get_subcommands({}).empty()) last->required();
  }
  return *this;
}

CommandBuilder& CommandBuilder::Flag(const FlagSpec& flag) {
  CommandTree::AddFlag(command_->app, flag);
  return *this;
}

CommandBuilder& CommandBuilder::Flags(const std::vector<FlagSpec>& flags) {
  for (const FlagSpec& flag : flags) Flag(flag);
  return *this;
}

CommandBuilder& CommandBuilder::Required(const FlagSpec& flag) {
  Flag(flag);
  command_->required_flags.push_back(flag.name);
  command_->synopsis_flags.push_back(flag.name);
  return *this;
}

CommandBuilder& CommandBuilder::RequiredInSynopsis(const FlagSpec& flag) {
  Flag(flag);
  command_->synopsis_flags.push_back(flag.name);
  return *this;
}

CLI::Option* CommandTree::AddFlag(CLI::App* app, const FlagSpec& flag, const char* short_name) {
  std::string names = absl::StrCat("--", flag.name);
  const std::string underscored = absl::StrReplaceAll(flag.name, {{"-", "_"}});
  if (underscored != flag.name) absl::StrAppend(&names, ",--", underscored);
  if (*short_name != '\0') absl::StrAppend(&names, ",", short_name);
  CLI::Option* option = *flag.value == '\0'
                            ? app->add_flag(names, flag.help)
                            : app->add_option(names, flag.help)->type_name(flag.value);
  option->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  return option;
}

CommandBuilder CommandTree::Add(const std::vector<std::string>& path, const std::string& summary,
                                const std::string& details, RunFn run) {
  CLI::App* node = root_;
  for (const std::string& name : path) {
    CLI::App* child = nullptr;
    for (CLI::App* sub : node->get_subcommands({})) {
      if (sub->get_name() == name) child = sub;
    }
    if (child == nullptr) {
      child = node->add_subcommand(name);
      // Global flags (on the root) may follow the command; anything unknown is collected and
      // reported by RunCli with the command's help, not by CLI11.
      child->fallthrough()->allow_extras();
      // A group node gets a subcommand: its operands stop being required (see Operands).
      for (CLI::Option* option : node->get_options()) {
        if (option->get_positional()) option->required(false);
      }
    }
    node = child;
  }
  node->description(summary);
  node->footer(details);
  commands_.push_back(Command{node, run, {}, {}});
  return CommandBuilder(&commands_.back());
}

const Command* CommandTree::Find(const CLI::App* app) const {
  for (const Command& command : commands_) {
    if (command.app == app) return &command;
  }
  return nullptr;
}

}  // namespace parley::client::cli
