#ifndef PARLEY_TESTS_E2E_CLI_FIXTURE_H_
#define PARLEY_TESTS_E2E_CLI_FIXTURE_H_

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "parley/v1/admin_service.pb.h"
#include "parley/v1/organizer_service.pb.h"
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

  // As a person would: the operator creates `community` and an organiser token; the organiser
  // creates an event (`events create` with `event_args`), opens it, imports `csv_text` (the
  // CLI's attendee CSV) and issues a token to each attendee. Fills organiser_, event_id_,
  // attendees_ and tokens_ (by external id). Check HasFailure() after it.
  void SetUpOpenEvent(const std::string& community_name, std::vector<std::string> event_args,
                      const std::string& csv_text) {
    v1::Community community;
    CliJson(server_->admin_token(), {"admin", "communities", "create", community_name}, &community);
    v1::IssuedToken issued;
    CliJson(server_->admin_token(),
            {"admin", "tokens", "issue", "--community", absl::StrCat(community.id())}, &issued);
    organiser_ = issued.token();
    event_args.insert(event_args.begin(), {"events", "create"});
    v1::Event event;
    CliJson(organiser_, event_args, &event);
    ASSERT_FALSE(HasFailure());
    event_id_ = absl::StrCat(event.id());
    ASSERT_EQ(Cli(organiser_, {"events", "status", event_id_, "open"}).exit_code, 0);
    const std::string csv = dir_.Sub("people.csv");
    {
      std::ofstream out(csv);
      out << csv_text;
    }
    const CommandResult imported = Cli(organiser_, {"attendees", "import", "--event", event_id_,
                                                    csv, "--rejects", dir_.Sub("rejects.csv")});
    ASSERT_EQ(imported.exit_code, 0) << imported.out << imported.err;
    v1::ListAttendeesResponse attendees;
    CliJson(organiser_, {"attendees", "list", "--event", event_id_, "--all"}, &attendees);
    for (const v1::Attendee& a : attendees.attendees()) {
      attendees_[a.external_id()] = a;
      v1::IssuedAttendeeToken token;
      CliJson(organiser_, {"attendees", "token", absl::StrCat(a.id()), "--event", event_id_},
              &token);
      tokens_[a.external_id()] = token.token();
    }
  }

  // Set by SetUpOpenEvent.
  std::string organiser_;
  std::string event_id_;
  std::map<std::string, v1::Attendee> attendees_;
  std::map<std::string, std::string> tokens_;

  // Destroyed bottom-up: the server stops before its directory goes.
  testutil::ScopedTempDir dir_;
  std::unique_ptr<Parleyd> server_;
};

}  // namespace parley::e2e

#endif  // PARLEY_TESTS_E2E_CLI_FIXTURE_H_
