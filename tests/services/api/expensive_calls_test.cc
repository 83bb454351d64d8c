// The organisers' expensive calls run on their own bounded pool, off the threads that serve
// attendees: with that pool saturated (held deterministically by a task the test submits),
// attendees are still answered, and the call beyond the queue is refused.
#include <memory>
#include <vector>

#include "absl/synchronization/notification.h"
#include "parley/v1/relationship_service.grpc.pb.h"
#include "tests/services/matching_test_util.h"

namespace parley {
namespace {

using ::testing::HasSubstr;

constexpr size_t kQueue = 2;

class ExpensiveCallsTest : public testutil::MatchingServiceTest {
 protected:
  void SetUp() override {
    adjust_options_ = [](services::ServerOptions* options) {
      options->expensive_threads = 1;
      options->expensive_queue = kQueue;
    };
    StartServer();
    SetUpEvent(8, 2, 1);
    Run();
  }
  void TearDown() override {
    // Whatever failed, the pool is let go and no call is left in flight.
    if (!release_.HasBeenNotified()) release_.Notify();
    for (const auto& p : queued_) p->done.WaitForNotification();
  }

  // Occupies the expensive pool's only thread until release_ is notified.
  void HoldExpensivePool() {
    server_->expensive()->Submit([this] {
      held_.Notify();
      release_.WaitForNotification();
    });
    ASSERT_TRUE(held_.WaitForNotificationWithTimeout(absl::Seconds(30)));
  }

  v1::GetQualityReportRequest ReportRequest() const {
    v1::GetQualityReportRequest request;
    request.set_event_id(event_.id());
    return request;
  }

  // One GetQualityReport in flight; done is notified with its status.
  struct PendingReport {
    std::unique_ptr<grpc::ClientContext> context;
    v1::GetQualityReportRequest request;
    v1::GetQualityReportResponse response;
    grpc::Status status;
    absl::Notification done;
  };
  PendingReport* StartReport() {
    auto pending = std::make_unique<PendingReport>();
    pending->context = Ctx(token_);
    pending->request = ReportRequest();
    PendingReport* p = pending.get();
    matching_->async()->GetQualityReport(p->context.get(), &p->request, &p->response,
                                         [p](grpc::Status s) {
                                           p->status = std::move(s);
                                           p->done.Notify();
                                         });
    queued_.push_back(std::move(pending));
    return p;
  }

  absl::Notification held_, release_;
  std::vector<std::unique_ptr<PendingReport>> queued_;
};

TEST_F(ExpensiveCallsTest, AttendeesAreAnsweredWhileReportsWaitAndBeyondTheQueueIsRefused) {
  const std::vector<v1::Meeting> proposed = Meetings(v1::Meeting::PROPOSED);
  ASSERT_FALSE(proposed.empty());
  HoldExpensivePool();
  for (size_t i = 0; i < kQueue; ++i) StartReport();
  server_->expensive()->WaitUntilQueued(kQueue);
  for (const auto& p : queued_) EXPECT_FALSE(p->done.HasBeenNotified());  // waiting, not run

  // The (n+1)th expensive call of each kind is refused at once, naming the limit.
  v1::GetQualityReportResponse report;
  grpc::Status refused = matching_->GetQualityReport(Ctx(token_).get(), ReportRequest(), &report);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("parley-expensive"));
  EXPECT_THAT(refused.error_message(), HasSubstr("retry later"));
  auto relationships = v1::RelationshipService::NewStub(channel_);
  v1::GetAnalyticsRequest analytics;
  analytics.set_event_id(event_.id());
  v1::GetAnalyticsResponse counts;
  EXPECT_EQ(relationships->GetAnalytics(Ctx(token_).get(), analytics, &counts).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  v1::ExportMeetingsRequest export_request;
  export_request.set_event_id(event_.id());
  auto export_context = Ctx(token_);
  auto reader = matching_->ExportMeetings(export_context.get(), export_request);
  v1::CsvChunk chunk;
  EXPECT_FALSE(reader->Read(&chunk));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // A call without a valid token never takes a place in the queue: it is refused for that.
  EXPECT_EQ(
      matching_->GetQualityReport(Ctx("not-a-token").get(), ReportRequest(), &report).error_code(),
      grpc::StatusCode::UNAUTHENTICATED);

  // Attendees are served meanwhile: a read on gRPC's threads, a write on the workers.
  const v1::Meeting& m = proposed[0];
  EXPECT_FALSE(AgendaOf(m.attendee_a()).items().empty());
  EXPECT_TRUE(Respond(m.attendee_a(), m.id(), true).ok());
  for (const auto& p : queued_) EXPECT_FALSE(p->done.HasBeenNotified());

  // Once the pool is free, the queued reports are answered.
  release_.Notify();
  for (const auto& p : queued_) {
    ASSERT_TRUE(p->done.WaitForNotificationWithTimeout(absl::Seconds(30)));
    EXPECT_TRUE(p->status.ok()) << p->status.error_message();
    EXPECT_EQ(p->response.run().event_id(), event_.id());
  }
  EXPECT_TRUE(matching_->GetQualityReport(Ctx(token_).get(), ReportRequest(), &report).ok());
}

}  // namespace
}  // namespace parley
