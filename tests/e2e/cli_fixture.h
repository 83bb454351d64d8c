#ifndef PARLEY_TESTS_E2E_CLI_FIXTURE_H_
#define PARLEY_TESTS_E2E_CLI_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/e2e/process.h"
#include "tests/testing/temp_dir.h"

namespace parley::e2e {

// The real parleyd on a port chosen by the OS, in a fresh data dir, and the real `parley` CLI
// pointed at it. Shared by the end-to-end tests.
class CliServerTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(); }

  void StartServer() {
    absl::StatusOr<std::unique_ptr<Parleyd>> server = StartParleyd(dir_.path());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  // Runs the CLI against the server with `token`; fails the test if it cannot be run at all.
  CommandResult Cli(const std::string& token, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {
        PARLEY_CLI_PATH, "--server", server_->target(), "--token", token, "--timeout", "60"};
    argv.insert(argv.end(), args.begin(), args.end());
    absl::StatusOr<CommandResult> result = RunCommand(argv, absl::Seconds(90));
    EXPECT_TRUE(result.ok()) << result.status();
    if (!result.ok()) return CommandResult();
    return *std::move(result);
  }

  // Runs a CLI command with --json that must succeed, and parses its output into `message`.
  void CliJson(const std::string& token, std::vector<std::string> args,
               google::protobuf::Message* message) {
    args.insert(args.begin(), "--json");
    const CommandResult result = Cli(token, args);
    ASSERT_EQ(result.exit_code, 0) << absl::StrJoin(args, " ") << "\nstdout:\n"
                                   << result.out << "\nstderr:\n"
                                   << result.err;
    google::protobuf::util::JsonParseOptions options;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(result.out, message, options).ok())
        << "not a " << message->GetTypeName() << ":\n"
        << result.out;
  }

  // Destroyed bottom-up: the server stops before its directory goes.
  testutil::ScopedTempDir dir_;
  std::unique_ptr<Parleyd> server_;
};

}  // namespace parley::e2e

#endif  // PARLEY_TESTS_E2E_CLI_FIXTURE_H_
