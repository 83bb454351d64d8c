#ifndef PARLEY_CLIENTS_CLI_H_
#define PARLEY_CLIENTS_CLI_H_

#include <functional>
#include <ostream>
#include <string>
#include <vector>

// The `parley` command-line tool as a library function, so tests can run commands in-process.
// cli/main.cc only forwards argv and the process environment. The commands live in cli/, one
// file per family; CLI11 parses the command line (cli/cli.cc).
namespace parley::client {

// Exit codes of RunCli.
inline constexpr int kExitOk = 0;
// An RPC or a local file failed; stderr has "parley: <CODE>: <message>".
inline constexpr int kExitFailure = 1;
// `attendees import` finished but rejected some rows.
inline constexpr int kExitRejected = 2;
// Bad command line; stderr has the problem and the usage (BSD sysexits EX_USAGE).
inline constexpr int kExitUsage = 64;

// Value of an environment variable, "" if unset.
using EnvLookup = std::function<std::string(const std::string& name)>;

// Runs one command. `args` excludes the program name: {"events", "get", "3", "--json"}.
// Reads PARLEY_SERVER and PARLEY_TOKEN through `env` (flags win). Results go to `out`, errors
// and diagnostics to `err`. Thread-compatible: concurrent calls must not share streams.
int RunCli(const std::vector<std::string>& args, const EnvLookup& env, std::ostream& out,
           std::ostream& err);

// As above, with the process environment.
int RunCli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The usage text listing every command (`parley help`).
std::string CliUsage();

}  // namespace parley::client

#endif  // PARLEY_CLIENTS_CLI_H_
