// Fault suite against the real parleyd: a damaged WAL stops the start with the damage named (and
// --salvage_wal gets past it), a missing CURRENT is refused, a full disk fails writes but not
// reads or health and writes come back, a removed person leaves every file, and an online backup
// restores into a fresh directory with every record.
#include <sys/inotify.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/process.h"
#include "tests/testing/fault_helpers.h"
#include "tests/testing/temp_dir.h"

namespace parley::e2e {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

class FaultE2eTest : public ::testing::Test {
 protected:
  void Start(std::vector<std::string> extra_args = {}, const std::string& data_dir = "") {
    absl::StatusOr<std::unique_ptr<Parleyd>> server =
        StartParleyd(dir_.path(), std::move(extra_args), data_dir);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  // SIGTERM: a clean shutdown (the store is closed).
  void Stop() {
    absl::StatusOr<int> status = server_->Terminate();
    ASSERT_TRUE(status.ok()) << status.status();
    EXPECT_EQ(DescribeWaitStatus(*status), "exit 0");
    server_.reset();
  }
  std::unique_ptr<client::Client> Connect(const std::string& token) {
    absl::StatusOr<std::unique_ptr<client::Client>> client = server_->Connect(token);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }
  // A community, its organiser token and an event.
  void CreateEvent() {
    v1::Event event;
    event.set_name("Fault Night");
    absl::StatusOr<TestEvent> created = CreateTestEvent(*server_, "Faults", event);
    ASSERT_TRUE(created.ok()) << created.status();
    organiser_token_ = created->organiser_token;
    event_id_ = created->event_id;
  }
  // Imports `n` attendees "<prefix>0".."<prefix>n-1" with ~1 KB bios, in one call.
  absl::StatusOr<v1::ImportAttendeesResponse> Import(const std::string& prefix, int n) {
    std::vector<v1::ImportRow> rows(n);
    for (int i = 0; i < n; ++i) {
      v1::Attendee* a = rows[i].mutable_attendee();
      a->set_external_id(absl::StrCat(prefix, i));
      a->set_display_name(absl::StrCat("Person ", prefix, i));
      a->set_bio(std::string(1000, 'b'));
    }
    return Connect(organiser_token_)->ImportAttendees(event_id_, rows);
  }
  std::map<std::string, v1::Attendee> ListAll() {
    std::map<std::string, v1::Attendee> out;
    v1::ListAttendeesRequest request;
    request.set_event_id(event_id_);
    request.set_page_size(1000);
    std::unique_ptr<client::Client> organiser = Connect(organiser_token_);
    for (int pages = 0; pages < 100; ++pages) {
      absl::StatusOr<v1::ListAttendeesResponse> page = organiser->ListAttendees(request);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (const v1::Attendee& a : page->attendees()) out.emplace(a.external_id(), a);
      if (page->next_page_token().empty()) break;
      request.set_page_token(page->next_page_token());
    }
    return out;
  }
  grpc::health::v1::HealthCheckResponse::ServingStatus Health() {
    absl::StatusOr<grpc::health::v1::HealthCheckResponse> health =
        Connect("")->Check(grpc::health::v1::HealthCheckRequest());
    EXPECT_TRUE(health.ok()) << health.status();
    return health.ok() ? health->status() : grpc::health::v1::HealthCheckResponse::UNKNOWN;
  }
  // Starting must fail; returns the log's tail.
  std::string StartFails(std::vector<std::string> extra_args = {}) {
    absl::StatusOr<std::unique_ptr<Parleyd>> server =
        StartParleyd(dir_.path(), std::move(extra_args));
    EXPECT_FALSE(server.ok()) << "parleyd started";
    return server.ok() ? "" : std::string(server.status().message());
  }

  testutil::ScopedTempDir dir_;
  std::unique_ptr<Parleyd> server_;
  std::string organiser_token_;
  uint64_t event_id_ = 0;
};

TEST_F(FaultE2eTest, DamagedWalStopsTheStartNamingItAndSalvageGetsPast) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(CreateEvent());
  for (int call = 0; call < 20; ++call) {
    ASSERT_TRUE(Import(absl::StrCat("c", call, "-"), 10).ok());
  }
  ASSERT_TRUE(server_->Kill().ok());  // the acknowledged rows are in the WAL only
  const std::vector<std::string> wals = testutil::FilesEndingIn(server_->data_dir(), ".log");
  ASSERT_FALSE(wals.empty());
  const std::string wal = absl::StrCat(server_->data_dir(), "/", wals.back());
  {
    std::fstream f(wal, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(wal) / 10));
    f.put('\x5a');
  }
  const std::string refused = StartFails();
  EXPECT_THAT(refused, HasSubstr("write-ahead log damaged"));
  EXPECT_THAT(refused, HasSubstr(absl::StrCat(wals.back(), " at offset ")));
  EXPECT_THAT(refused, HasSubstr("--salvage_wal"));

  ASSERT_NO_FATAL_FAILURE(Start({"--salvage_wal"}));
  EXPECT_THAT(server_->LogTail(20000), HasSubstr("salvage: store at"));
  EXPECT_EQ(Health(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(FaultE2eTest, MissingCurrentIsRefusedAndNothingIsDeleted) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(CreateEvent());
  ASSERT_TRUE(Import("x", 50).ok());
  ASSERT_NO_FATAL_FAILURE(Stop());
  const std::vector<std::string> ssts = testutil::FilesEndingIn(dir_.Sub("data"), ".sst");
  ASSERT_FALSE(ssts.empty());
  fs::remove(dir_.Sub("data/CURRENT"));
  const std::string refused = StartFails();
  EXPECT_THAT(refused, HasSubstr("CURRENT file is missing"));
  EXPECT_EQ(testutil::FilesEndingIn(dir_.Sub("data"), ".sst"), ssts);
}

TEST_F(FaultE2eTest, FullDiskFailsWritesKeepsReadsAndHealthAndWritesComeBack) {
  testutil::TmpfsMount mount(dir_.Sub("mnt"), 24u << 20);
  if (!mount.ok()) GTEST_SKIP() << mount.why();
  const std::string data_dir = dir_.Sub("mnt/data");
  const std::string ballast = dir_.Sub("mnt/ballast");
  std::ofstream(ballast, std::ios::binary) << std::string(6u << 20, 'b');
  ASSERT_NO_FATAL_FAILURE(Start({"--min_free_disk_mb=4"}, data_dir));
  ASSERT_NO_FATAL_FAILURE(CreateEvent());
  absl::Status full;
  int calls = 0;
  for (; calls < 1000 && full.ok(); ++calls) {
    full = Import(absl::StrCat("c", calls, "-"), 50).status();
  }
  ASSERT_EQ(full.code(), absl::StatusCode::kResourceExhausted) << full;
  EXPECT_THAT(full.message(), HasSubstr("disk full: "));
  EXPECT_THAT(full.message(), HasSubstr("bytes free"));
  EXPECT_EQ(Health(), grpc::health::v1::HealthCheckResponse::SERVING);
  const size_t stored = ListAll().size();
  EXPECT_GE(stored, 50u * (calls - 1));

  fs::remove(ballast);
  EXPECT_TRUE(Import("after-", 50).ok()) << "writes did not come back";
  EXPECT_EQ(ListAll().size(), stored + 50);

  // A restart on a full disk serves reads.
  ASSERT_NO_FATAL_FAILURE(Stop());
  testutil::FillDisk(ballast);
  ASSERT_NO_FATAL_FAILURE(Start({"--min_free_disk_mb=4"}, data_dir));
  EXPECT_EQ(Health(), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(ListAll().size(), stored + 50);
  absl::Status refused = Import("refused-", 1).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted) << refused;
  ASSERT_TRUE(server_->Kill().ok());
  server_.reset();
  fs::remove(ballast);
}

TEST_F(FaultE2eTest, RemovedPersonLeavesEveryFileWithinTheErasureDelay) {
  const std::string name = "Quillon Erasewright";
  const std::string email = "quillon.erasewright@example.org";
  ASSERT_NO_FATAL_FAILURE(Start({"--erasure_delay_seconds=1"}));
  ASSERT_NO_FATAL_FAILURE(CreateEvent());
  std::vector<v1::ImportRow> rows(2);
  rows[0].mutable_attendee()->set_external_id("q");
  rows[0].mutable_attendee()->set_display_name(name);
  rows[0].mutable_attendee()->set_email(email);
  rows[1].mutable_attendee()->set_external_id("stays");
  rows[1].mutable_attendee()->set_display_name("Stays Here");
  absl::StatusOr<v1::ImportAttendeesResponse> imported =
      Connect(organiser_token_)->ImportAttendees(event_id_, rows);
  ASSERT_TRUE(imported.ok()) << imported.status();
  ASSERT_NO_FATAL_FAILURE(Stop());  // the records reach SST files
  ASSERT_NO_FATAL_FAILURE(Start({"--erasure_delay_seconds=1"}));
  const std::string data_dir = server_->data_dir();
  ASSERT_THAT(testutil::FilesContaining(data_dir, email), Not(IsEmpty()));

  v1::RemoveAttendeeRequest remove;
  remove.set_event_id(event_id_);
  remove.set_attendee_id(imported->results(0).attendee_id());
  ASSERT_TRUE(Connect(organiser_token_)->RemoveAttendee(remove).ok());
  // The pass deletes the files that held the person: wait for deletions, not for time.
  const int inotify = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  ASSERT_GE(inotify, 0);
  ASSERT_GE(inotify_add_watch(inotify, data_dir.c_str(), IN_DELETE), 0);
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (!testutil::FilesContaining(data_dir, email).empty() && absl::Now() < deadline) {
    pollfd fd = {inotify, POLLIN, 0};
    poll(&fd, 1, PollMillis(deadline));
    char events[4096];
    while (read(inotify, events, sizeof events) > 0) {
    }
  }
  close(inotify);
  EXPECT_THAT(testutil::FilesContaining(data_dir, email), IsEmpty());
  EXPECT_THAT(testutil::FilesContaining(data_dir, name), IsEmpty());
  EXPECT_THAT(testutil::FilesContaining(data_dir, "Stays Here"), Not(IsEmpty()));
}

TEST_F(FaultE2eTest, OnlineBackupRestoresIntoAFreshDirectoryWithEveryRecord) {
  ASSERT_NO_FATAL_FAILURE(Start());
  ASSERT_NO_FATAL_FAILURE(CreateEvent());
  ASSERT_TRUE(Import("before-", 300).ok());
  const std::map<std::string, v1::Attendee> before = ListAll();
  ASSERT_EQ(before.size(), 300u);

  std::unique_ptr<client::Client> admin = Connect(server_->admin_token());
  v1::BackupRequest request;
  request.set_out_dir("relative/dir");
  EXPECT_EQ(admin->Backup(request).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Connect(organiser_token_)->Backup(request).status().code(),
            absl::StatusCode::kPermissionDenied);
  const std::string backup = dir_.Sub("backup");
  request.set_out_dir(backup);
  absl::StatusOr<v1::BackupResponse> written = admin->Backup(request);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->store_dir(), backup + "/store");
  EXPECT_EQ(written->person_key_file(), backup + "/person.key");
  EXPECT_GT(written->files(), 0);
  EXPECT_EQ(admin->Backup(request).status().code(), absl::StatusCode::kAlreadyExists);
  // The same through the CLI, as an operator types it.
  const std::string cli_backup = dir_.Sub("backup-cli");
  absl::StatusOr<CommandResult> cli =
      RunCommand({PARLEY_CLI_PATH, "--server", server_->target(), "--token", server_->admin_token(),
                  "admin", "backup", "--out", cli_backup});
  ASSERT_TRUE(cli.ok()) << cli.status();
  EXPECT_EQ(cli->exit_code, 0) << cli->err;
  EXPECT_THAT(cli->out, HasSubstr(absl::StrCat("backup written: ", cli_backup, "/store")));
  EXPECT_TRUE(fs::exists(cli_backup + "/person.key"));
  cli = RunCommand({PARLEY_CLI_PATH, "--server", server_->target(), "--token",
                    server_->admin_token(), "admin", "backup", "--out", "rel"});
  ASSERT_TRUE(cli.ok()) << cli.status();
  EXPECT_NE(cli->exit_code, 0);
  EXPECT_THAT(cli->err, HasSubstr("absolute path"));
  // Writes after the backup are not in it.
  ASSERT_TRUE(Import("after-", 5).ok());
  ASSERT_NO_FATAL_FAILURE(Stop());

  // Restore as README.md says: the store copy becomes a fresh data dir, the person key goes
  // beside the (new) operator token.
  testutil::ScopedTempDir restored;
  fs::copy(backup + "/store", restored.Sub("data"), fs::copy_options::recursive);
  fs::copy_file(backup + "/person.key", restored.Sub("person.key"));
  absl::StatusOr<std::unique_ptr<Parleyd>> server = StartParleyd(restored.path());
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = *std::move(server);
  const std::map<std::string, v1::Attendee> after = ListAll();  // the old organiser token works
  ASSERT_EQ(after.size(), before.size());
  for (const auto& [external_id, attendee] : before) {
    auto it = after.find(external_id);
    ASSERT_NE(it, after.end()) << external_id;
    EXPECT_EQ(it->second.SerializeAsString(), attendee.SerializeAsString()) << external_id;
  }
  EXPECT_EQ(after.count("after-0"), 0u);
  Stop();
}

}  // namespace
}  // namespace parley::e2e
