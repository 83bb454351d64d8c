// WorkerPool: a bounded pool refuses beyond its queue (naming itself), Submit ignores the bound,
// and the destructor runs everything submitted. Threads are held with notifications, no sleeps.
#include "services/live/worker_pool.h"

#include <atomic>
#include <memory>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parley::services {
namespace {

using ::testing::HasSubstr;

TEST(WorkerPoolTest, ABoundedPoolRefusesBeyondItsQueueAndTakesWorkOnceThereIsRoom) {
  absl::Notification held, release;
  std::atomic<int> ran{0};
  {
    WorkerPool pool(1, /*max_queued=*/2, "parley-test");
    ASSERT_TRUE(pool.TrySubmit([&] {
                      held.Notify();
                      release.WaitForNotification();
                    })
                    .ok());
    held.WaitForNotification();  // the only thread is busy; the queue is empty
    EXPECT_TRUE(pool.TrySubmit([&] { ++ran; }).ok());
    EXPECT_TRUE(pool.TrySubmit([&] { ++ran; }).ok());
    const absl::Status refused = pool.TrySubmit([&] { ran += 100; });
    EXPECT_TRUE(absl::IsResourceExhausted(refused)) << refused;
    EXPECT_THAT(refused.message(), HasSubstr("parley-test"));
    EXPECT_THAT(refused.message(), HasSubstr("2 calls waiting"));
    // Work the server itself generates is never refused.
    pool.Submit([&] { ++ran; });
    release.Notify();
  }  // the destructor runs what was accepted
  EXPECT_EQ(ran.load(), 3);
}

TEST(WorkerPoolTest, WaitUntilQueuedReturnsOnceThatManyTasksWait) {
  absl::Notification held, release;
  WorkerPool pool(1, WorkerPool::kUnbounded, "parley-test");
  pool.Submit([&] {
    held.Notify();
    release.WaitForNotification();
  });
  held.WaitForNotification();
  pool.Submit([] {});
  pool.Submit([] {});
  pool.WaitUntilQueued(2);
  EXPECT_TRUE(pool.TrySubmit([] {}).ok());  // unbounded
  release.Notify();
}

}  // namespace
}  // namespace parley::services
