// kill -9 at the storage level: a child process imports batches in a loop and is killed at a
// random moment (fixed seed) without closing the store; after reopening, every acknowledged
// batch is there and no batch is half-written. Repeated over several rounds on one database.
// Its own binary, and the parent touches RocksDB only after the last child, so that no RocksDB
// thread exists at fork().
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/testing/temp_dir.h"

namespace parley::storage {
namespace {

constexpr int kRows = 50;
constexpr int kRounds = 4;

std::string ExternalId(int round, int batch, int row) {
  return absl::StrCat("r", round, "/b", batch, "/", row);
}

// Runs in the child: imports batches until killed, reporting each acknowledged one on ack_fd.
[[noreturn]] void ImportUntilKilled(const StoreOptions& options, int round, int ack_fd) {
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  if (!store.ok()) _exit(2);
  if (absl::IsNotFound((*store)->GetEvent(1).status())) {
    absl::StatusOr<v1::Community> c = (*store)->CreateCommunity(v1::Community());
    if (!c.ok()) _exit(3);
    v1::Event event;
    event.set_community_id(c->id());
    if (!(*store)->CreateEvent(event).ok()) _exit(4);
  }
  for (int b = 0;; ++b) {
    std::vector<v1::Attendee> rows(kRows);
    for (int i = 0; i < kRows; ++i) {
      rows[i].set_external_id(ExternalId(round, b, i));
      rows[i].set_display_name(std::string(100, 'n'));
    }
    if (!(*store)->UpsertAttendees(1, std::move(rows)).ok()) _exit(5);
    const char ack = 'a';
    if (write(ack_fd, &ack, 1) != 1) _exit(6);
  }
}

TEST(StoreCrashTest, AcknowledgedBatchesSurviveKill9AndNoneIsHalfWritten) {
  testutil::ScopedTempDir dir;
  StoreOptions options;
  options.path = dir.Sub("db");
  options.sync_writes = true;
  options.block_cache_bytes = 8u << 20;
  std::mt19937 rng(20240601);
  std::vector<int> acked(kRounds);
  for (int round = 0; round < kRounds; ++round) {
    const int kill_after = std::uniform_int_distribution<int>(1, 8)(rng);
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      ImportUntilKilled(options, round, fds[1]);
    }
    close(fds[1]);
    char ack;
    while (acked[round] < kill_after && read(fds[0], &ack, 1) == 1) ++acked[round];
    kill(pid, SIGKILL);  // the child is mid-way through its next batch, or about to start it
    int wstatus = 0;
    ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
    close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited with " << WEXITSTATUS(wstatus);
    ASSERT_EQ(acked[round], kill_after);
  }

  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  std::map<std::string, int> rows_per_batch;
  uint64_t last_id = 0;
  ASSERT_TRUE((*store)
                  ->ScanAttendees(1,
                                  [&](const v1::Attendee& a) {
                                    const std::string& x = a.external_id();
                                    ++rows_per_batch[x.substr(0, x.rfind('/'))];
                                    last_id = a.id();
                                    return true;
                                  })
                  .ok());
  for (const auto& [batch, rows] : rows_per_batch) EXPECT_EQ(rows, kRows) << batch;
  for (int round = 0; round < kRounds; ++round) {
    for (int b = 0; b < acked[round]; ++b) {
      EXPECT_TRUE((*store)->GetAttendeeByExternalId(1, ExternalId(round, b, kRows - 1)).ok())
          << "round " << round << " batch " << b;
    }
  }
  // The id counter came back with the records.
  std::vector<v1::Attendee> one(1);
  one[0].set_external_id("after");
  absl::StatusOr<std::vector<UpsertResult>> next = (*store)->UpsertAttendees(1, std::move(one));
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ((*next)[0].attendee_id, last_id + 1);
}

}  // namespace
}  // namespace parley::storage
