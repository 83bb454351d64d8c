// The C++ examples, run as child processes against the real parleyd (port 0, temp data dir).

#include <sys/inotify.h>

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "clients/client.h"
#include "gtest/gtest.h"
#include "tests/e2e/process.h"
#include "tests/testing/temp_dir.h"

namespace parley::e2e {
namespace {

class ExamplesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Parleyd>> server = StartParleyd(dir_.path());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    admin_ = Connect(server_->admin_token());
    v1::CreateCommunityRequest community;
    community.set_name("examples");
    absl::StatusOr<v1::Community> created = admin_->CreateCommunity(community);
    ASSERT_TRUE(created.ok()) << created.status();
    v1::IssueOrganizerTokenRequest issue;
    issue.set_community_id(created->id());
    absl::StatusOr<v1::IssuedToken> token = admin_->IssueOrganizerToken(issue);
    ASSERT_TRUE(token.ok()) << token.status();
    organizer_token_ = token->token();
    organizer_ = Connect(organizer_token_);
  }

  std::unique_ptr<client::Client> Connect(const std::string& token) {
    client::ClientOptions options;
    options.target = server_->target();
    options.token = token;
    options.deadline = absl::Seconds(30);
    absl::StatusOr<std::unique_ptr<client::Client>> connected = client::Client::Connect(options);
    EXPECT_TRUE(connected.ok()) << connected.status();
    return connected.ok() ? *std::move(connected) : nullptr;
  }

  // Runs `parley-example MODE` with `token`; fails the test unless it exits 0.
  std::string RunExample(const std::string& mode, const std::string& token,
                         std::vector<std::string> args) {
    std::vector<std::string> argv = {EXAMPLE_PATH,      mode,      "--server",
                                     server_->target(), "--token", token};
    argv.insert(argv.end(), args.begin(), args.end());
    absl::StatusOr<CommandResult> result = RunCommand(argv, absl::Seconds(300));
    EXPECT_TRUE(result.ok()) << result.status();
    if (!result.ok()) return "";
    EXPECT_EQ(result->exit_code, 0) << "stdout:\n" << result->out << "\nstderr:\n" << result->err;
    return result->out;
  }

  // Runs the organiser example on a new event; returns the event id (0 on failure).
  uint64_t RunOrganizer(std::string* out) {
    *out = RunExample("organizer", organizer_token_, {"--csv", EXAMPLE_CSV_PATH, "--seed", "3"});
    std::smatch match;
    uint64_t event_id = 0;
    if (std::regex_search(*out, match, std::regex("\nevent ([0-9]+)\n"))) {
      EXPECT_TRUE(absl::SimpleAtoi(match[1].str(), &event_id));
    }
    EXPECT_NE(event_id, 0u) << *out;
    return event_id;
  }

  v1::Meeting FirstProposed(uint64_t event_id) {
    v1::ListMeetingsRequest request;
    request.set_event_id(event_id);
    request.set_state(v1::Meeting::PROPOSED);
    absl::StatusOr<v1::ListMeetingsResponse> meetings = organizer_->ListMeetings(request);
    EXPECT_TRUE(meetings.ok()) << meetings.status();
    if (!meetings.ok() || meetings->meetings_size() == 0) return v1::Meeting();
    return meetings->meetings(0);
  }

  std::string AttendeeToken(uint64_t event_id, uint64_t attendee_id) {
    v1::IssueAttendeeTokenRequest request;
    request.set_event_id(event_id);
    request.set_attendee_id(attendee_id);
    absl::StatusOr<v1::IssuedAttendeeToken> token = organizer_->IssueAttendeeToken(request);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.ok() ? token->token() : "";
  }

  // Destroyed bottom-up: clients, then the server, then its directory.
  testutil::ScopedTempDir dir_;
  std::unique_ptr<Parleyd> server_;
  std::unique_ptr<client::Client> admin_;
  std::string organizer_token_;
  std::unique_ptr<client::Client> organizer_;
};

TEST_F(ExamplesTest, OrganizerImportsRunsAndPrintsTheReport) {
  std::string out;
  const uint64_t event_id = RunOrganizer(&out);
  ASSERT_NE(event_id, 0u);
  EXPECT_NE(out.find(absl::StrCat("-> event ", event_id,
                                  ": 16 created, 0 updated, 0 unchanged, 0 rejected")),
            std::string::npos)
      << out;
  EXPECT_TRUE(std::regex_search(out, std::regex("run [0-9]+: loading .*\nrun [0-9]+: candidates "
                                                ".*\nrun [0-9]+: scheduling .*\nrun [0-9]+: "
                                                "writing .*\nrun [0-9]+: done ")))
      << out;
  EXPECT_NE(out.find("quality "), std::string::npos) << out;
  EXPECT_NE(FirstProposed(event_id).id(), 0u);
}

TEST_F(ExamplesTest, BothAttendeesAcceptAndTheMeetingIsConfirmed) {
  std::string out;
  const uint64_t event_id = RunOrganizer(&out);
  ASSERT_NE(event_id, 0u);
  const v1::Meeting meeting = FirstProposed(event_id);
  ASSERT_NE(meeting.id(), 0u);
  const std::string id = absl::StrCat(meeting.id());

  const std::string first =
      RunExample("attendee", AttendeeToken(event_id, meeting.attendee_a()), {"--meeting", id});
  EXPECT_NE(first.find(absl::StrCat("meeting ", id, "  [AWAITING_ME]")), std::string::npos)
      << first;
  EXPECT_NE(first.find("  why:\n    - "), std::string::npos) << first;
  EXPECT_NE(first.find(absl::StrCat("accepted meeting ", id, ": now AWAITING_THEM")),
            std::string::npos)
      << first;

  // b may have other proposals awaiting an answer, so b names this one.
  const std::string second =
      RunExample("attendee", AttendeeToken(event_id, meeting.attendee_b()), {"--meeting", id});
  EXPECT_NE(second.find(absl::StrCat("accepted meeting ", id, ": now CONFIRMED")),
            std::string::npos)
      << second;

  v1::ListMeetingsRequest request;
  request.set_event_id(event_id);
  request.set_state(v1::Meeting::CONFIRMED);
  absl::StatusOr<v1::ListMeetingsResponse> confirmed = organizer_->ListMeetings(request);
  ASSERT_TRUE(confirmed.ok()) << confirmed.status();
  ASSERT_EQ(confirmed->meetings_size(), 1);
  EXPECT_EQ(confirmed->meetings(0).id(), meeting.id());
}

// parleyd with TLS (a self-signed certificate for 127.0.0.1): the example and the C++ client
// connect with use_tls and the certificate as their CA; plaintext is refused.
TEST(ExamplesTlsTest, OrganizerExampleOverTls) {
  testutil::ScopedTempDir dir;
  const std::string cert = dir.Sub("cert.pem"), key = dir.Sub("key.pem");
  absl::StatusOr<CommandResult> openssl = RunCommand(
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out",
       cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"});
  ASSERT_TRUE(openssl.ok()) << openssl.status();
  ASSERT_EQ(openssl->exit_code, 0) << openssl->err;

  // Watch before spawning, so that the port file's rename cannot be missed.
  const int inotify = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  ASSERT_GE(inotify, 0);
  ASSERT_GE(inotify_add_watch(inotify, dir.path().c_str(), IN_MOVED_TO), 0);
  Process::Stdio stdio;
  stdio.log_file = dir.Sub("parleyd.log");
  absl::StatusOr<std::unique_ptr<Process>> server = Process::Spawn(
      {PARLEYD_PATH, "--listen=127.0.0.1:0", "--data_dir=" + dir.Sub("data"),
       "--admin_token_file=" + dir.Sub("admin.token"), "--port_file=" + dir.Sub("port"),
       "--tls_cert_file=" + cert, "--tls_key_file=" + key, "--log_level=warning"},
      stdio);
  ASSERT_TRUE(server.ok()) << server.status();
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  int port = 0;
  while (!absl::SimpleAtoi(absl::StripAsciiWhitespace(ReadWholeFile(dir.Sub("port"))), &port)) {
    pollfd fds[2] = {{inotify, POLLIN, 0}, {(*server)->pidfd(), POLLIN, 0}};
    ASSERT_GT(poll(fds, 2, PollMillis(deadline)), 0) << "no port file in time";
    ASSERT_EQ(fds[1].revents, 0) << "parleyd exited:\n" << ReadWholeFile(stdio.log_file);
    char events[4096];
    while (read(inotify, events, sizeof events) > 0) {
    }
  }
  close(inotify);
  const std::string target = absl::StrCat("127.0.0.1:", port);
  const std::string admin_token(absl::StripAsciiWhitespace(ReadWholeFile(dir.Sub("admin.token"))));

  client::ClientOptions options;
  options.target = target;
  options.token = admin_token;
  options.use_tls = true;
  options.ca_cert_file = cert;
  options.deadline = absl::Seconds(30);
  absl::StatusOr<std::unique_ptr<client::Client>> admin = client::Client::Connect(options);
  ASSERT_TRUE(admin.ok()) << admin.status();
  v1::CreateCommunityRequest community;
  community.set_name("over TLS");
  absl::StatusOr<v1::Community> created = (*admin)->CreateCommunity(community);
  ASSERT_TRUE(created.ok()) << created.status();
  v1::IssueOrganizerTokenRequest issue;
  issue.set_community_id(created->id());
  absl::StatusOr<v1::IssuedToken> organizer = (*admin)->IssueOrganizerToken(issue);
  ASSERT_TRUE(organizer.ok()) << organizer.status();

  absl::StatusOr<CommandResult> secure =
      RunCommand({EXAMPLE_PATH, "organizer", "--server", target, "--token", organizer->token(),
                  "--tls", "--ca_cert", cert, "--csv", EXAMPLE_CSV_PATH},
                 absl::Seconds(300));
  ASSERT_TRUE(secure.ok()) << secure.status();
  EXPECT_EQ(secure->exit_code, 0) << secure->out << secure->err;
  EXPECT_NE(secure->out.find("\nevent 1\n"), std::string::npos) << secure->out;

  absl::StatusOr<CommandResult> plaintext =
      RunCommand({EXAMPLE_PATH, "organizer", "--server", target, "--token", organizer->token(),
                  "--timeout", "5", "--csv", EXAMPLE_CSV_PATH},
                 absl::Seconds(60));
  ASSERT_TRUE(plaintext.ok()) << plaintext.status();
  EXPECT_EQ(plaintext->exit_code, 1);
  EXPECT_NE(plaintext->err.find("UNAVAILABLE"), std::string::npos) << plaintext->err;

  (*server)->Signal(SIGTERM);
  absl::StatusOr<int> status = (*server)->Wait(absl::Seconds(60));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(DescribeWaitStatus(*status), "exit 0");
}

}  // namespace
}  // namespace parley::e2e
