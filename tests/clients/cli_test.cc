// RunCli without a server: usage, argument checking, local CSV handling and transport errors.
// Calls that need a running parleyd are covered by the end-to-end tests against the real server.
#include "clients/cli.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>

#include "clients/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace parley::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// A loopback port with nothing listening: bound to port 0, then closed.
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  socklen_t length = sizeof(address);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  close(fd);
  return ntohs(address.sin_port);
}

class CliTest : public ::testing::Test {
 protected:
  // Runs with an environment of `env_` only, and a short deadline towards a closed port unless
  // the arguments say otherwise.
  int Run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    return RunCli(
        args,
        [this](const std::string& name) {
          auto it = env_.find(name);
          return it == env_.end() ? std::string() : it->second;
        },
        out_, err_);
  }

  std::string Closed() { return "127.0.0.1:" + std::to_string(ClosedPort()); }

  std::string Write(const std::string& name, const std::string& contents) {
    const std::string path = dir_.Sub(name);
    std::ofstream(path, std::ios::binary) << contents;
    return path;
  }

  std::string out() const { return out_.str(); }
  std::string err() const { return err_.str(); }

  testutil::ScopedTempDir dir_;
  std::map<std::string, std::string> env_;
  std::ostringstream out_, err_;
};

TEST_F(CliTest, NoArgumentsPrintsUsageAndExits64) {
  EXPECT_EQ(Run({}), kExitUsage);
  EXPECT_THAT(err(), HasSubstr("usage: parley"));
  EXPECT_THAT(out(), IsEmpty());
}

TEST_F(CliTest, HelpListsEveryCommand) {
  EXPECT_EQ(Run({"help"}), kExitOk);
  for (const char* command : {"admin communities create NAME",
                              "admin communities list",
                              "admin tokens issue",
                              "admin tokens list",
                              "admin tokens revoke TOKEN_ID",
                              "events create",
                              "events get ID",
                              "events list",
                              "events update ID",
                              "events status ID",
                              "attendees import",
                              "attendees get",
                              "attendees list",
                              "attendees update",
                              "attendees remove",
                              "attendees token",
                              "run --event ID",
                              "report --event ID",
                              "meetings list --event ID",
                              "meetings export --event ID",
                              "publish --event ID",
                              "calendar",
                              "suggestions",
                              "respond MEETING_ID accept|decline",
                              "  agenda ",
                              "agenda watch",
                              "more",
                              "cancel MEETING_ID",
                              "  me ",
                              "me update",
                              "me export",
                              "health",
                              "PARLEY_SERVER",
                              "PARLEY_TOKEN",
                              "--server",
                              "--token",
                              "--tls",
                              "--ca-cert",
                              "--timeout",
                              "--json"}) {
    EXPECT_THAT(out(), HasSubstr(command));
  }
  EXPECT_EQ(Run({"--help"}), kExitOk);
  EXPECT_THAT(out(), HasSubstr("usage: parley"));
}

TEST_F(CliTest, CommandHelpShowsItsFlags) {
  EXPECT_EQ(Run({"help", "events", "create"}), kExitOk);
  EXPECT_THAT(out(), HasSubstr("usage: parley events create --name TEXT"));
  for (const char* flag : {"--slots SPEC", "--slot-count N", "--locations SPEC", "--from-json",
                           "--max-meetings N", "--time-zone TZ"}) {
    EXPECT_THAT(out(), HasSubstr(flag));
  }
  EXPECT_EQ(Run({"attendees", "import", "--help"}), kExitOk);
  EXPECT_THAT(out(), HasSubstr("--rejects FILE"));
  EXPECT_EQ(Run({"help", "admin"}), kExitOk);
  EXPECT_THAT(out(), HasSubstr("parley admin tokens revoke TOKEN_ID"));
}

TEST_F(CliTest, UnknownCommandIsAUsageError) {
  EXPECT_EQ(Run({"frobnicate"}), kExitUsage);
  EXPECT_THAT(err(), StartsWith("parley: unknown command \"frobnicate\""));
}

TEST_F(CliTest, PartialCommandListsItsSubcommands) {
  EXPECT_EQ(Run({"admin", "tokens"}), kExitUsage);
  EXPECT_THAT(err(), HasSubstr("needs a subcommand"));
  EXPECT_THAT(err(), HasSubstr("parley admin tokens issue --community ID"));
}

TEST_F(CliTest, ArgumentErrorsAreUsageErrors) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  for (const Case& c : std::vector<Case>{
           {{"events", "get", "3", "--bogus", "1"}, "unknown flag --bogus for \"events get\""},
           {{"events", "get"}, "missing ID"},
           {{"events", "get", "3", "4"}, "unexpected argument \"4\""},
           {{"events", "get", "abc"}, "event id: \"abc\" is not an id"},
           {{"attendees", "list"}, "--event is required"},
           {{"attendees", "list", "--event", "1", "--page-size", "0"}, "--page-size"},
           {{"events", "status", "3", "done"}, "expected draft, open, scheduled or closed"},
           {{"events", "create"}, "--name is required"},
           {{"events", "create", "--name", "X", "--slots", "s1=soon/10:00"}, "--slots: slot s1"},
           {{"events", "create", "--name", "X", "--slot-count", "3"}, "need --slot-count, --start"},
           {{"events", "create", "--name", "X", "--slots", "s1=2026-12-01T10:00/11:00",
             "--slot-count", "2"},
            "not both"},
           {{"events", "create", "--name", "X", "--locations", "hall"}, "--locations: location"},
           {{"events", "create", "--name", "X", "--time-zone", "Nowhere/Land"},
            "unknown time zone"},
           {{"events", "create", "--name", "X", "--auto-confirm", "perhaps"}, "--auto-confirm"},
           {{"events", "update", "3"}, "nothing to update"},
           {{"attendees", "update", "--event", "1", "5"}, "nothing to update"},
           {{"attendees", "update", "--event", "1", "5", "--interests", "a; :2"}, "--interests"},
           {{"me", "update", "--name", "X"}, "unknown flag --name"},
           {{"me", "update", "--budget", "lots"}, "--budget"},
           {{"me", "update"}, "nothing to update"},
           {{"attendees", "import", "--event", "1", "f.csv", "--map", "Email"},
            "--map: expected FIELD=VALUE"},
           {{"attendees", "import", "--event", "1", "f.csv", "--separator", "interests"},
            "--separator: expected FIELD=VALUE"},
           {{"health", "--ca-cert", "ca.pem"}, "--ca-cert needs --tls"},
           {{"health", "--timeout", "soon"}, "--timeout"},
           {{"health", "--token", "a", "--token-file", "f"}, "not both"},
           {{"--server"}, "--server needs a value"},
           {{"run"}, "--event is required"},
           {{"run", "--event", "1", "--seed", "x"}, "--seed"},
           {{"run", "--event", "1", "--progress", "fancy"}, "--progress"},
           {{"meetings", "list", "--event", "1", "--attendee", "zero"}, "--attendee"},
           {{"respond", "5"}, "missing MEETING_ID accept|decline"},
           {{"respond", "5", "perhaps"}, "expected accept or decline"},
           {{"cancel", "x"}, "meeting id"},
           {{"calendar", "--attendee", "3"}, "give both --event and --attendee"},
           {{"agenda", "watch", "--count", "none"}, "--count"},
       }) {
    EXPECT_EQ(Run(c.args), kExitUsage) << c.args[0] << " " << c.message;
    EXPECT_THAT(err(), StartsWith("parley: ")) << c.message;
    EXPECT_THAT(err(), HasSubstr(c.message));
    EXPECT_THAT(err(), HasSubstr("usage: parley"));
  }
}

TEST_F(CliTest, UnreachableServerFailsWithTheStatusCode) {
  const std::string server = Closed();
  EXPECT_EQ(Run({"health", "--server", server, "--timeout", "10"}), kExitFailure);
  EXPECT_THAT(err(), StartsWith("parley: UNAVAILABLE: "));
  EXPECT_THAT(out(), IsEmpty());
}

TEST_F(CliTest, ServerComesFromTheEnvironmentUnlessAFlagIsGiven) {
  const std::string server = Closed();
  env_["PARLEY_SERVER"] = server;
  EXPECT_EQ(Run({"events", "list", "--timeout", "10"}), kExitFailure);
  EXPECT_THAT(err(), HasSubstr(server));

  env_["PARLEY_SERVER"] = "unix:///nonexistent/parley.sock";
  EXPECT_EQ(Run({"events", "list", "--server", server, "--timeout", "10"}), kExitFailure);
  EXPECT_THAT(err(), HasSubstr(server));
}

TEST_F(CliTest, TokenFromTheEnvironmentIsChecked) {
  env_["PARLEY_SERVER"] = Closed();
  env_["PARLEY_TOKEN"] = "two words";
  EXPECT_EQ(Run({"me"}), kExitFailure);
  EXPECT_THAT(err(), StartsWith("parley: INVALID_ARGUMENT: token:"));
}

TEST_F(CliTest, TokenFileIsTrimmed) {
  env_["PARLEY_SERVER"] = Closed();
  const std::string file = Write("token", "  s3cret\n");
  EXPECT_EQ(Run({"me", "--token-file", file, "--timeout", "10"}), kExitFailure);
  EXPECT_THAT(err(), StartsWith("parley: UNAVAILABLE: "));  // accepted; the server is absent
  EXPECT_EQ(Run({"me", "--token-file", dir_.Sub("none")}), kExitFailure);
  EXPECT_THAT(err(), StartsWith("parley: NOT_FOUND: cannot read"));
}

TEST_F(CliTest, ImportOfAMissingFileFails) {
  EXPECT_EQ(Run({"attendees", "import", "--event", "1", dir_.Sub("none.csv")}), kExitFailure);
  EXPECT_THAT(err(), StartsWith("parley: NOT_FOUND: cannot read"));
}

// The server reads the file (ImportAttendeesCsv): header and row errors are tested with it, in
// tests/services/api/csv_import_test.cc and tests/e2e/cli_csv_import_e2e_test.cc. Without a
// server the CLI says the import did not finish; a bad --map never gets that far.
TEST_F(CliTest, ImportWithoutAServerSaysItDidNotFinish) {
  const std::string file = Write("people.csv", "external_id,name\nx,y\n");
  env_["PARLEY_SERVER"] = Closed();
  EXPECT_EQ(Run({"attendees", "import", "--event", "1", file}), kExitFailure);
  EXPECT_THAT(err(), StartsWith("parley: UNAVAILABLE: " + file + ": "));
  EXPECT_THAT(err(), HasSubstr("the import did not finish"));
  EXPECT_FALSE(std::ifstream(dir_.Sub("people.rejects.csv")).good());
}

TEST_F(CliTest, ImportThatCannotReachTheServerFails) {
  const std::string file = Write("ok.csv", "external_id,name\na1,Ann\n");
  EXPECT_EQ(
      Run({"attendees", "import", "--event", "1", file, "--server", Closed(), "--timeout", "10"}),
      kExitFailure);
  EXPECT_THAT(err(), StartsWith("parley: UNAVAILABLE: "));
  EXPECT_THAT(err(), HasSubstr("Importing the file again is safe"));
}

}  // namespace
}  // namespace parley::client
