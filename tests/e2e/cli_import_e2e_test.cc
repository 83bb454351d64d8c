// End to end through the real binaries: parleyd on port 0, the parley CLI and parley-gen as an
// organiser would run them. Imports 1,000 generated attendees from a CSV, re-imports them
// (nothing changes), imports a file with bad rows (exit 2, a rejects file naming rows and
// fields), stops the server with SIGTERM (exit 0) and restarts it on the same store.
#include <sys/stat.h>
#include <sys/wait.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "parley/v1/admin_service.pb.h"
#include "parley/v1/organizer_service.pb.h"
#include "services/domain/csv_reader.h"
#include "services/domain/import_csv.h"
#include "tests/e2e/cli_fixture.h"
#include "tests/e2e/process.h"
#include "tests/testing/temp_dir.h"

namespace parley::e2e {
namespace {

using ::testing::HasSubstr;

constexpr int kAttendees = 1000;
constexpr int kSeed = 20240917;

class CliImportE2eTest : public CliServerTest {
 protected:
  // Runs `parley attendees import` and checks its exit code and summary line; returns stdout.
  std::string ExpectImport(const std::string& token, const std::string& event_id,
                           const std::string& csv, const std::string& rejects, int exit_code,
                           const std::string& summary) {
    const CommandResult result =
        Cli(token, {"attendees", "import", "--event", event_id, csv, "--rejects", rejects});
    EXPECT_EQ(result.exit_code, exit_code) << result.out << result.err;
    EXPECT_THAT(result.out, HasSubstr(summary));
    return result.out;
  }

  v1::ListAttendeesResponse ListAll(const std::string& token, const std::string& event_id) {
    v1::ListAttendeesResponse list;
    CliJson(token, {"attendees", "list", "--event", event_id, "--all"}, &list);
    return list;
  }
};

TEST_F(CliImportE2eTest, ImportsThousandAttendeesIdempotentlyRejectsBadRowsAndSurvivesRestart) {
  // Operator: a community and an organiser token.
  v1::Community community;
  CliJson(server_->admin_token(), {"admin", "communities", "create", "E2E Meetup"}, &community);
  ASSERT_NE(community.id(), 0u);
  v1::IssuedToken issued;
  CliJson(server_->admin_token(),
          {"admin", "tokens", "issue", "--community", absl::StrCat(community.id())}, &issued);
  const std::string organiser = issued.token();
  ASSERT_FALSE(organiser.empty());

  // Organiser: an event with 6 slots s1..s6 (the ids parley-gen's availability uses).
  v1::Event event;
  CliJson(organiser,
          {"events", "create", "--name", "E2E Night", "--slot-count", "6", "--start",
           "2030-12-01T10:00", "--slot-minutes", "30", "--locations", "hall:20"},
          &event);
  ASSERT_NE(event.id(), 0u);
  ASSERT_EQ(event.slots_size(), 6);
  EXPECT_EQ(event.slots(0).id(), "s1");
  EXPECT_EQ(event.slots(5).id(), "s6");
  const std::string event_id = absl::StrCat(event.id());
  {
    const CommandResult open = Cli(organiser, {"events", "status", event_id, "open"});
    ASSERT_EQ(open.exit_code, 0) << open.out << open.err;
  }

  // 1,000 generated attendees.
  const std::string csv_path = dir_.Sub("people.csv");
  {
    absl::StatusOr<CommandResult> gen =
        RunCommand({PARLEY_GEN_PATH, "--attendees", absl::StrCat(kAttendees), "--slots", "6",
                    "--seed", absl::StrCat(kSeed), "--out", csv_path});
    ASSERT_TRUE(gen.ok()) << gen.status();
    ASSERT_EQ(gen->exit_code, 0) << gen->err;
  }
  // What the file says, read by the server's own reader.
  absl::StatusOr<domain::CsvImport> csv =
      domain::ReadAttendeeCsv(ReadWholeFile(csv_path), v1::CsvImportOptions());
  ASSERT_TRUE(csv.ok()) << csv.status();
  ASSERT_EQ(csv->rows.size(), static_cast<size_t>(kAttendees));
  std::map<std::string, std::string> expected_names;  // external_id -> display_name
  for (const domain::CsvImportRow& row : csv->rows) {
    ASSERT_EQ(row.error, "");
    expected_names[row.attendee.external_id()] = row.attendee.display_name();
  }
  ASSERT_EQ(expected_names.size(), static_cast<size_t>(kAttendees)) << "duplicate external_id";

  const std::string rejects_path = dir_.Sub("rejects.csv");
  ExpectImport(organiser, event_id, csv_path, rejects_path, 0,
               "1000 rows, 1000 created, 0 updated, 0 unchanged, 0 rejected");
  ASSERT_FALSE(HasFailure());

  v1::ListAttendeesResponse listed = ListAll(organiser, event_id);
  ASSERT_EQ(listed.attendees_size(), kAttendees);
  EXPECT_TRUE(listed.next_page_token().empty());
  {
    std::map<std::string, std::string> stored_names;
    std::set<uint64_t> ids;
    for (const v1::Attendee& a : listed.attendees()) {
      EXPECT_EQ(a.event_id(), event.id());
      EXPECT_TRUE(ids.insert(a.id()).second) << "attendee id " << a.id() << " listed twice";
      stored_names[a.external_id()] = a.display_name();
    }
    EXPECT_EQ(stored_names, expected_names);
  }

  // The same file again: idempotent.
  {
    ExpectImport(organiser, event_id, csv_path, rejects_path, 0,
                 "1000 rows, 0 created, 0 updated, 1000 unchanged, 0 rejected");
    v1::ListAttendeesResponse relisted = ListAll(organiser, event_id);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(relisted, listed))
        << "a re-import changed stored attendees";
  }

  // A file with bad rows: the CSV reader rejects rows 2 (budget) and 7 (an empty interest tag), the
  // server rows 3 (availability), 4 (email) and 6 (a tag over 64 bytes); rows 1 and 5 are stored.
  const std::string bad_path = dir_.Sub("bad.csv");
  ASSERT_TRUE(WriteWholeFile(bad_path,
                             "external_id,name,email,budget,availability,interests\n"
                             "bad-ok-1,Ada Good,ada@example.org,2,s1;s2,Rust\n"
                             "bad-budget,Bob Budget,bob@example.org,lots,,\n"
                             "bad-slot,Cy Slot,cy@example.org,1,s9,\n"
                             "bad-email,Di Mail,not-an-address,1,,\n"
                             "bad-ok-2,Eve Good,,,,Graphs:3\n"
                             "bad-tag,Gus Tag,,,," +
                                 std::string(65, 'x') +
                                 "\n"
                                 "bad-weight,Fay Weight,,,,graphs; :3\n"));
  const std::string bad_rejects = dir_.Sub("bad.rejects.csv");
  EXPECT_THAT(ExpectImport(organiser, event_id, bad_path, bad_rejects, 2,
                           "7 rows, 2 created, 0 updated, 0 unchanged, 5 rejected"),
              HasSubstr(bad_rejects));
  {
    std::vector<domain::CsvRecord> records = domain::ReadCsv(ReadWholeFile(bad_rejects));
    ASSERT_EQ(records.size(), 6u) << ReadWholeFile(bad_rejects);
    EXPECT_EQ(records[0].fields, (std::vector<std::string>{"row", "external_id", "error"}));
    struct Expected {
      std::string row, external_id, field;
    };
    const std::vector<Expected> expected = {{"2", "bad-budget", "budget"},
                                            {"3", "bad-slot", "availability"},
                                            {"4", "bad-email", "email"},
                                            {"6", "bad-tag", "interests[0]"},
                                            {"7", "bad-weight", "interests"}};
    for (size_t i = 0; i < expected.size(); ++i) {
      const domain::CsvRecord& record = records[i + 1];
      ASSERT_EQ(record.fields.size(), 3u) << record.line;
      EXPECT_EQ(record.fields[0], expected[i].row);
      EXPECT_EQ(record.fields[1], expected[i].external_id);
      EXPECT_THAT(record.fields[2], HasSubstr(absl::StrCat("row ", expected[i].row)));
      EXPECT_THAT(record.fields[2], HasSubstr(expected[i].field));
    }
  }
  const v1::ListAttendeesResponse before_stop = ListAll(organiser, event_id);
  ASSERT_EQ(before_stop.attendees_size(), kAttendees + 2);

  // Invitations: a token for each of the 1,002 attendees (two pages) into a private file, then
  // none for the same people again.
  {
    const std::string tokens_path = dir_.Sub("tokens.csv");
    const CommandResult all =
        Cli(organiser, {"attendees", "tokens", "--event", event_id, "--out", tokens_path});
    ASSERT_EQ(all.exit_code, 0) << all.out << all.err;
    EXPECT_THAT(all.out, HasSubstr("1002 attendee tokens written to " + tokens_path));
    struct stat info {};
    ASSERT_EQ(stat(tokens_path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    std::vector<domain::CsvRecord> records = domain::ReadCsv(ReadWholeFile(tokens_path));
    ASSERT_EQ(records.size(), 1003u);
    EXPECT_EQ(records[0].fields,
              (std::vector<std::string>{"attendee_id", "external_id", "name", "email", "token"}));
    std::set<std::string> secrets;
    for (size_t i = 1; i < records.size(); ++i) secrets.insert(records[i].fields.at(4));
    EXPECT_EQ(secrets.size(), 1002u);
    const CommandResult me = Cli(records[1].fields[4], {"me"});
    ASSERT_EQ(me.exit_code, 0) << me.err;
    EXPECT_THAT(me.out, HasSubstr(records[1].fields[2]));

    const CommandResult again =
        Cli(organiser, {"attendees", "tokens", "--event", event_id, "--out", tokens_path});
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_THAT(again.err, HasSubstr("cannot create " + tokens_path));
    const std::string new_path = dir_.Sub("new-tokens.csv");
    const CommandResult only_new = Cli(
        organiser, {"attendees", "tokens", "--event", event_id, "--out", new_path, "--only-new"});
    ASSERT_EQ(only_new.exit_code, 0) << only_new.err;
    EXPECT_THAT(only_new.out, HasSubstr("0 attendee tokens written to " + new_path +
                                        " (1002 attendees already had one)"));
  }

  // SIGTERM: a clean shutdown with exit code 0.
  {
    absl::StatusOr<int> status = server_->Terminate();
    ASSERT_TRUE(status.ok()) << status.status();
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
        << DescribeWaitStatus(*status) << "\n"
        << server_->LogTail();
  }

  // A restart on the same store serves the same data, to the same tokens.
  const std::string admin_token = server_->admin_token();
  server_.reset();
  ASSERT_NO_FATAL_FAILURE(StartServer());
  ASSERT_EQ(server_->admin_token(), admin_token);
  const v1::ListAttendeesResponse after_restart = ListAll(organiser, event_id);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(after_restart, before_stop))
      << "attendees changed across a restart: " << after_restart.attendees_size() << " vs "
      << before_stop.attendees_size();
  ExpectImport(organiser, event_id, csv_path, rejects_path, 0,
               "1000 rows, 0 created, 0 updated, 1000 unchanged, 0 rejected");
  {
    const CommandResult health = Cli("", {"health"});
    EXPECT_EQ(health.exit_code, 0) << health.out << health.err;
  }
  absl::StatusOr<int> status = server_->Terminate();
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << DescribeWaitStatus(*status);
}

// `parley known-pairs import`: a TSV of external-id pairs, streamed; a second import changes
// nothing; unknown ids and malformed lines are reported with their rows (exit 2).
TEST_F(CliImportE2eTest, KnownPairsImportFromATsvFile) {
  v1::Community community;
  CliJson(server_->admin_token(), {"admin", "communities", "create", "Co-authors"}, &community);
  v1::IssuedToken issued;
  CliJson(server_->admin_token(),
          {"admin", "tokens", "issue", "--community", absl::StrCat(community.id())}, &issued);
  const std::string organiser = issued.token();
  v1::Event event;
  CliJson(organiser,
          {"events", "create", "--name", "Workshop", "--slot-count", "2", "--start",
           "2030-12-01T10:00", "--slot-minutes", "30", "--locations", "hall:20"},
          &event);
  const std::string event_id = absl::StrCat(event.id());
  const std::string people = dir_.Sub("people.csv");
  ASSERT_TRUE(WriteWholeFile(people, "external_id,name\np1,Ada\np2,Bo\np3,Cy\n"));
  ExpectImport(organiser, event_id, people, dir_.Sub("people.rejects.csv"), 0, "3 created");

  const std::string pairs = dir_.Sub("coauthors.tsv");
  ASSERT_TRUE(WriteWholeFile(pairs, "p1\tp2\np3\tp1\n"));
  CommandResult result = Cli(organiser, {"known-pairs", "import", "--event", event_id, pairs});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr(": 2 pairs, 2 added, 0 already known, 0 rejected"));
  result = Cli(organiser, {"known-pairs", "import", "--event", event_id, pairs});
  EXPECT_THAT(result.out, HasSubstr(": 2 pairs, 0 added, 2 already known, 0 rejected"));

  const std::string bad = dir_.Sub("bad.tsv");
  ASSERT_TRUE(WriteWholeFile(bad, "p2\tp3\np2\tnobody\njust-one\n"));
  result = Cli(organiser, {"known-pairs", "import", "--event", event_id, bad});
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr(": 3 pairs, 1 added, 0 already known, 2 rejected"));
  EXPECT_THAT(result.out, HasSubstr("row 2: external_id_b: no attendee \"nobody\""));
  EXPECT_THAT(result.out, HasSubstr("row 3 (line 3): expected 2 fields, found 1"));
}

}  // namespace
}  // namespace parley::e2e
