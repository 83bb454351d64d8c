// The organiser's matching calls over a real server: runs and their progress stream, one run
// per event, re-runs, the quality report, meetings, publishing, CSV export and calendars.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/services/matching_test_util.h"

namespace parley {
namespace {

using ::testing::HasSubstr;

// Holds the background bound thread, which may outlive a test: everything it touches is
// shared (the server shares the observer with that thread). The destructor lets a held bound
// go, whatever the test did.
struct BoundHooks {
  std::shared_ptr<absl::Notification> held = std::make_shared<absl::Notification>();
  std::shared_ptr<absl::Notification> release = std::make_shared<absl::Notification>();
  std::shared_ptr<absl::Notification> recorded = std::make_shared<absl::Notification>();
  ~BoundHooks() {
    if (!release->HasBeenNotified()) release->Notify();
  }

  class Observer final : public services::RunObserver {
   public:
    explicit Observer(const BoundHooks& hooks)
        : held_(hooks.held), release_(hooks.release), recorded_(hooks.recorded) {}
    void BeforeBound(uint64_t, uint64_t) override {
      if (!held_->HasBeenNotified()) held_->Notify();
      release_->WaitForNotification();
    }
    void AfterBound(uint64_t, uint64_t) override {
      if (!recorded_->HasBeenNotified()) recorded_->Notify();
    }

   private:
    const std::shared_ptr<absl::Notification> held_, release_, recorded_;
  };
};

// Holds the `which`-th run (0: the first) on the run thread: `started` is notified when it is
// held, and it goes on once `release` is notified.
class HoldRunObserver final : public services::RunObserver {
 public:
  HoldRunObserver(absl::Notification* started, absl::Notification* release, int which = 0)
      : started_(started), release_(release), which_(which) {}
  void BeforeRun(uint64_t) override {
    if (holds_.fetch_add(1) != which_) return;
    started_->Notify();
    release_->WaitForNotification();
  }

 private:
  absl::Notification* const started_;
  absl::Notification* const release_;
  const int which_;
  std::atomic<int> holds_{0};
};

class MatchingServiceTest : public testutil::MatchingServiceTest {
 protected:
  // Restarts the server so that its first run waits on the run thread: started_ is notified
  // when it is held, and it goes on once release_ is notified.
  void HoldFirstRun() {
    run_observer_ = std::make_shared<HoldRunObserver>(&started_, &release_);
    Restart();
  }

  v1::MatchingRun LatestRun() {
    v1::GetMatchingRunRequest get;
    get.set_event_id(event_.id());
    v1::MatchingRun run;
    grpc::Status s = matching_->GetMatchingRun(Ctx(token_).get(), get, &run);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return run;
  }

  // A run of a "large" event (see BoundHooks) whose bound the bound thread has taken up and
  // holds.
  v1::MatchingRun RunWithHeldBound(const BoundHooks& hooks) {
    adjust_options_ = [](services::ServerOptions* options) {
      options->bound_inline_max_attendees = 5;  // the events below are "large"
    };
    run_observer_ = std::make_shared<BoundHooks::Observer>(hooks);
    Restart();
    SetUpEvent(10, 3, 2);
    const v1::MatchingRun done = Run();
    EXPECT_TRUE(hooks.held->WaitForNotificationWithTimeout(absl::Seconds(60)));
    return done;
  }

  absl::Notification started_, release_;
};

TEST_F(MatchingServiceTest, RunStreamsEveryPhaseAndStoresProposals) {
  SetUpEvent(10, 3, 2);
  std::vector<v1::MatchingRun> progress;
  v1::MatchingRun last;
  ASSERT_TRUE(RunMatching(token_, event_.id(), &last, 7, &progress).ok());
  std::vector<v1::MatchingRun::Phase> phases;
  for (const v1::MatchingRun& r : progress) phases.push_back(r.phase());
  EXPECT_EQ(phases,
            (std::vector<v1::MatchingRun::Phase>{
                v1::MatchingRun::LOADING, v1::MatchingRun::CANDIDATES, v1::MatchingRun::SCHEDULING,
                v1::MatchingRun::WRITING, v1::MatchingRun::DONE}));
  EXPECT_EQ(last.attendees(), 10u);
  EXPECT_EQ(last.meetings_proposed(), 10u);  // budgets of 2, everybody compatible
  EXPECT_EQ(Meetings(v1::Meeting::PROPOSED).size(), 10u);
  v1::GetMatchingRunRequest get;
  get.set_event_id(event_.id());
  v1::MatchingRun latest;
  ASSERT_TRUE(matching_->GetMatchingRun(Ctx(token_).get(), get, &latest).ok());
  EXPECT_EQ(latest.id(), last.id());
  EXPECT_EQ(latest.phase(), v1::MatchingRun::DONE);
}

// Shutting down (Server::Drain, parleyd's first step on SIGTERM): health answers NOT_SERVING
// while calls are still served, a run in progress stops and is recorded FAILED with the previous
// schedule untouched, and new runs are refused.
TEST_F(MatchingServiceTest, DrainingStopsTheRunKeepsTheScheduleAndHealthSaysNotServing) {
  // The second run (the first makes the schedule that must survive) is held.
  run_observer_ = std::make_shared<HoldRunObserver>(&started_, &release_, 1);
  Restart();
  SetUpEvent(12, 3, 2);
  Run();
  const std::vector<v1::Meeting> before = Meetings();
  ASSERT_FALSE(before.empty());
  auto health = [this] {
    auto stub = grpc::health::v1::Health::NewStub(channel_);
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status s = stub->Check(Ctx("").get(), {}, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response.status();
  };
  v1::StartMatchingRunRequest request;
  request.set_event_id(event_.id());
  request.set_seed(5);
  auto context = Ctx(token_);
  auto reader = matching_->StartMatchingRun(context.get(), request);
  ASSERT_TRUE(started_.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_EQ(health(), grpc::health::v1::HealthCheckResponse::SERVING);

  server_->Drain();
  EXPECT_EQ(health(), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  release_.Notify();
  v1::MatchingRun progress, last;
  while (reader->Read(&progress)) last = progress;
  grpc::Status finished = reader->Finish();
  ASSERT_TRUE(finished.ok()) << finished.error_message();
  EXPECT_EQ(last.phase(), v1::MatchingRun::FAILED);
  EXPECT_EQ(last.error(),
            "the server is shutting down: cancelled during loading; the previous schedule is "
            "unchanged");
  EXPECT_EQ(LatestRun().phase(), v1::MatchingRun::FAILED);  // still serving
  const std::vector<v1::Meeting> after = Meetings();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(after[i].SerializeAsString(), before[i].SerializeAsString());
  }
  v1::MatchingRun refused;
  grpc::Status again = RunMatching(token_, event_.id(), &refused);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(again.error_message(), HasSubstr("shutting down"));
}

TEST_F(MatchingServiceTest, OtherCommunitiesEventsAreNotFoundAndAttendeesAreRefused) {
  SetUpEvent(4, 2, 1);
  const std::string stranger = OrganizerToken(CreateCommunity("Other"));
  v1::MatchingRun last;
  EXPECT_EQ(RunMatching(stranger, event_.id(), &last).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::ListMeetingsRequest list;
  list.set_event_id(event_.id());
  v1::ListMeetingsResponse meetings;
  EXPECT_EQ(matching_->ListMeetings(Ctx(stranger).get(), list, &meetings).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::GetAttendeeCalendarRequest calendar;
  calendar.set_event_id(event_.id());
  calendar.set_attendee_id(ids_[0]);
  v1::Calendar ics;
  EXPECT_EQ(matching_->GetAttendeeCalendar(Ctx(stranger).get(), calendar, &ics).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(RunMatching(TokenOf(ids_[0]), event_.id(), &last).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(MatchingServiceTest, OneRunPerEventAtATime) {
  HoldFirstRun();
  SetUpEvent(6, 2, 1);
  v1::StartMatchingRunRequest request;
  request.set_event_id(event_.id());
  auto context = Ctx(token_);
  auto first = matching_->StartMatchingRun(context.get(), request);
  ASSERT_TRUE(started_.WaitForNotificationWithTimeout(absl::Seconds(30)));
  v1::MatchingRun last;
  grpc::Status second = RunMatching(token_, event_.id(), &last);
  EXPECT_EQ(second.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(second.error_message(), HasSubstr("in progress"));
  release_.Notify();
  v1::MatchingRun run;
  while (first->Read(&run)) last = run;
  ASSERT_TRUE(first->Finish().ok());
  EXPECT_EQ(last.phase(), v1::MatchingRun::DONE);
  Run(2);  // and the next one may start
}

TEST_F(MatchingServiceTest, RunNeedsAnOpenEventWithSlotsAndLocations) {
  community_ = CreateCommunity("c");
  token_ = OrganizerToken(community_);
  event_ = CreateEvent(token_, "draft", 2);
  v1::MatchingRun last;
  EXPECT_EQ(RunMatching(token_, event_.id(), &last).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(MatchingServiceTest, ARunContinuesAndIsRecordedWhenItsClientLeaves) {
  HoldFirstRun();
  SetUpEvent(6, 2, 1);
  {
    v1::StartMatchingRunRequest request;
    request.set_event_id(event_.id());
    auto context = Ctx(token_);
    auto reader = matching_->StartMatchingRun(context.get(), request);
    ASSERT_TRUE(started_.WaitForNotificationWithTimeout(absl::Seconds(30)));
    context->TryCancel();
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  release_.Notify();
  // The next run waits for the first on the run thread; then both are recorded.
  v1::MatchingRun last;
  grpc::Status s;
  do {
    s = RunMatching(token_, event_.id(), &last, 3);
  } while (s.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(s.ok()) << s.error_message();
  v1::GetMatchingRunRequest get;
  get.set_event_id(event_.id());
  get.set_run_id(last.id() - 1);
  v1::MatchingRun first;
  ASSERT_TRUE(matching_->GetMatchingRun(Ctx(token_).get(), get, &first).ok());
  EXPECT_EQ(first.phase(), v1::MatchingRun::DONE);
}

TEST_F(MatchingServiceTest, RerunKeepsConfirmedMeetingsAndReplansTheRest) {
  SetUpEvent(8, 3, 2);
  Run();
  const v1::Meeting m = Meetings(v1::Meeting::PROPOSED)[0];
  ASSERT_TRUE(Respond(m.attendee_a(), m.id(), true).ok());
  ASSERT_TRUE(Respond(m.attendee_b(), m.id(), true).ok());
  Run(99);
  std::vector<v1::Meeting> confirmed = Meetings(v1::Meeting::CONFIRMED);
  ASSERT_EQ(confirmed.size(), 1u);
  EXPECT_EQ(confirmed[0].id(), m.id());
  EXPECT_EQ(confirmed[0].slot_id(), m.slot_id());
  for (const v1::Meeting& p : Meetings(v1::Meeting::PROPOSED)) {
    EXPECT_GT(p.id(), m.id());
    EXPECT_FALSE(p.attendee_a() == m.attendee_a() && p.attendee_b() == m.attendee_b());
    for (uint64_t x : {m.attendee_a(), m.attendee_b()}) {
      if (p.attendee_a() == x || p.attendee_b() == x) {
        EXPECT_NE(p.slot_id(), m.slot_id());
      }
    }
  }
}

TEST_F(MatchingServiceTest, QualityReportSaysWhyAttendeesHaveNothing) {
  SetUpEvent(5, 1, 1);  // budgets of 1 in one slot: one of five is left out
  v1::Attendee opted_out = Player(10, 0);
  v1::Attendee loner = Person("loner", "Lone Wolf");
  v1::Interest* knitting = loner.add_interests();
  knitting->set_tag("knitting");
  v1::ImportAttendeesResponse imported;
  ASSERT_TRUE(Import(token_, event_.id(), {opted_out, loner}, &imported).ok());
  Run();
  v1::GetQualityReportRequest request;
  request.set_event_id(event_.id());
  v1::GetQualityReportResponse report;
  ASSERT_TRUE(matching_->GetQualityReport(Ctx(token_).get(), request, &report).ok());
  EXPECT_EQ(report.run().report().meetings(), 2u);
  std::map<std::string, v1::AttendeeDiagnostic> by_external;
  for (const v1::AttendeeDiagnostic& d : report.without_meeting()) by_external[d.external_id()] = d;
  ASSERT_EQ(by_external.size(), 3u);
  EXPECT_EQ(by_external["p10"].cause(), v1::AttendeeDiagnostic::OPTED_OUT);
  EXPECT_EQ(by_external["loner"].cause(), v1::AttendeeDiagnostic::NO_FEASIBLE_PARTNER);
  EXPECT_THAT(by_external["loner"].hint(), HasSubstr("interests"));
  int left_out = 0;
  for (const auto& [external, d] : by_external) {
    if (d.cause() == v1::AttendeeDiagnostic::LEFT_OUT) {
      ++left_out;
      // The real cause: every partner's single meeting is taken; tables (50) were never short.
      EXPECT_THAT(d.hint(), HasSubstr("fully booked"));
      EXPECT_THAT(d.hint(), ::testing::Not(HasSubstr("add tables")));
    }
  }
  EXPECT_EQ(left_out, 1);
  // Paged by attendee id.
  request.set_page_size(2);
  v1::GetQualityReportResponse first;
  ASSERT_TRUE(matching_->GetQualityReport(Ctx(token_).get(), request, &first).ok());
  EXPECT_EQ(first.without_meeting_size(), 2);
  request.set_page_token(first.next_page_token());
  v1::GetQualityReportResponse second;
  ASSERT_TRUE(matching_->GetQualityReport(Ctx(token_).get(), request, &second).ok());
  EXPECT_EQ(second.without_meeting_size(), 1);
  EXPECT_TRUE(second.next_page_token().empty());
}

TEST_F(MatchingServiceTest, ListMeetingsFiltersByStateAttendeeAndSlotAndPages) {
  SetUpEvent(10, 3, 2);
  Run();
  const std::vector<v1::Meeting> all = Meetings();
  ASSERT_EQ(all.size(), 10u);
  v1::ListMeetingsRequest request;
  request.set_event_id(event_.id());
  request.set_attendee_id(ids_[3]);
  v1::ListMeetingsResponse mine;
  ASSERT_TRUE(matching_->ListMeetings(Ctx(token_).get(), request, &mine).ok());
  EXPECT_EQ(mine.meetings_size(), 2);
  for (const v1::Meeting& m : mine.meetings()) {
    EXPECT_TRUE(m.attendee_a() == ids_[3] || m.attendee_b() == ids_[3]);
  }
  request.clear_attendee_id();
  request.set_slot_id(all[0].slot_id());
  v1::ListMeetingsResponse in_slot;
  ASSERT_TRUE(matching_->ListMeetings(Ctx(token_).get(), request, &in_slot).ok());
  EXPECT_GT(in_slot.meetings_size(), 0);
  for (const v1::Meeting& m : in_slot.meetings()) EXPECT_EQ(m.slot_id(), all[0].slot_id());
  request.clear_slot_id();
  request.set_state(v1::Meeting::CONFIRMED);
  v1::ListMeetingsResponse none;
  ASSERT_TRUE(matching_->ListMeetings(Ctx(token_).get(), request, &none).ok());
  EXPECT_EQ(none.meetings_size(), 0);
  request.clear_state();
  request.set_page_size(3);
  std::set<uint64_t> seen;
  for (;;) {
    v1::ListMeetingsResponse page;
    ASSERT_TRUE(matching_->ListMeetings(Ctx(token_).get(), request, &page).ok());
    EXPECT_LE(page.meetings_size(), 3);
    for (const v1::Meeting& m : page.meetings()) EXPECT_TRUE(seen.insert(m.id()).second);
    if (page.next_page_token().empty()) break;
    request.set_page_token(page.next_page_token());
  }
  EXPECT_EQ(seen.size(), 10u);
}

TEST_F(MatchingServiceTest, PublishNeedsAFinishedRun) {
  SetUpEvent(4, 2, 1);
  v1::PublishScheduleRequest request;
  request.set_event_id(event_.id());
  v1::Event published;
  EXPECT_EQ(matching_->PublishSchedule(Ctx(token_).get(), request, &published).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  Run();
  ASSERT_TRUE(matching_->PublishSchedule(Ctx(token_).get(), request, &published).ok());
  EXPECT_EQ(published.status(), v1::SCHEDULED);
  ASSERT_TRUE(matching_->PublishSchedule(Ctx(token_).get(), request, &published).ok());
  EXPECT_EQ(published.status(), v1::SCHEDULED);
}

TEST_F(MatchingServiceTest, ExportsEveryMeetingAsQuotedCsv) {
  community_ = CreateCommunity("c");
  token_ = OrganizerToken(community_);
  event_ = CreateEvent(token_, "e", 2);
  v1::Attendee odd = Player(0, 1);
  odd.set_display_name("Smith, \"Bob\"");
  ASSERT_TRUE(SetStatus(token_, event_.id(), v1::OPEN).ok());
  v1::ImportAttendeesResponse imported;
  ASSERT_TRUE(Import(token_, event_.id(), {odd, Player(1, 1)}, &imported).ok());
  Run();
  v1::ExportMeetingsRequest request;
  request.set_event_id(event_.id());
  auto context = Ctx(token_);
  auto reader = matching_->ExportMeetings(context.get(), request);
  std::string csv;
  v1::CsvChunk chunk;
  while (reader->Read(&chunk)) csv += chunk.data();
  ASSERT_TRUE(reader->Finish().ok());
  std::vector<std::string> lines = absl::StrSplit(csv, "\r\n");
  ASSERT_EQ(lines.size(), 3u);  // header, one meeting, "" after the last CRLF
  EXPECT_EQ(lines[0],
            "meeting_id,slot_id,start,end,location_id,table,state,attendee_a_external_id,"
            "attendee_a_name,attendee_b_external_id,attendee_b_name,score");
  EXPECT_THAT(lines[1], HasSubstr(",PROPOSED,p0,\"Smith, \"\"Bob\"\"\",p1,Player 1,"));
  EXPECT_THAT(lines[1], HasSubstr(",2027-01-15T"));
  EXPECT_EQ(lines[2], "");
}

TEST_F(MatchingServiceTest, ExportStreamsLargeEventsInChunks) {
  name_padding_ = std::string(180, 'x');
  SetUpEvent(300, 3, 3, 500);
  Run();
  v1::ExportMeetingsRequest request;
  request.set_event_id(event_.id());
  auto context = Ctx(token_);
  auto reader = matching_->ExportMeetings(context.get(), request);
  std::string csv;
  v1::CsvChunk chunk;
  int chunks = 0;
  while (reader->Read(&chunk)) {
    EXPECT_LE(chunk.data().size(), 70u << 10);
    csv += chunk.data();
    ++chunks;
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_GT(chunks, 1) << csv.size() << " bytes";
  const size_t rows = std::count(csv.begin(), csv.end(), '\n');
  EXPECT_EQ(rows, Meetings().size() + 1);
}

TEST_F(MatchingServiceTest, OrganiserGetsAnAttendeesCalendar) {
  SetUpEvent(4, 2, 1);
  Run();
  const v1::Meeting m = Meetings()[0];
  ASSERT_TRUE(Respond(m.attendee_a(), m.id(), true).ok());
  ASSERT_TRUE(Respond(m.attendee_b(), m.id(), true).ok());
  v1::GetAttendeeCalendarRequest request;
  request.set_event_id(event_.id());
  request.set_attendee_id(m.attendee_a());
  v1::Calendar calendar;
  ASSERT_TRUE(matching_->GetAttendeeCalendar(Ctx(token_).get(), request, &calendar).ok());
  EXPECT_THAT(calendar.ics(),
              HasSubstr(absl::StrCat("UID:meeting-", m.id(), "-event-", event_.id(), "@parley")));
  EXPECT_THAT(calendar.ics(), HasSubstr(absl::StrCat("SUMMARY:Meeting with ",
                                                     people_[m.attendee_b()].display_name())));
  EXPECT_THAT(calendar.ics(), HasSubstr("STATUS:CONFIRMED"));
  request.set_attendee_id(999999);
  EXPECT_EQ(matching_->GetAttendeeCalendar(Ctx(token_).get(), request, &calendar).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(MatchingServiceTest, LargeEventsGetTheirBoundAfterTheRun) {
  BoundHooks hooks;
  const v1::MatchingRun done = RunWithHeldBound(hooks);
  EXPECT_EQ(done.report().bound_status(), v1::QualityReport::BOUND_PENDING);
  EXPECT_EQ(done.report().upper_bound(), 0);
  EXPECT_GT(done.report().weight(), 0);
  EXPECT_EQ(LatestRun().report().bound_status(), v1::QualityReport::BOUND_PENDING);

  hooks.release->Notify();
  ASSERT_TRUE(hooks.recorded->WaitForNotificationWithTimeout(absl::Seconds(60)));
  const v1::MatchingRun certified = LatestRun();
  EXPECT_EQ(certified.id(), done.id());
  EXPECT_EQ(certified.report().bound_status(), v1::QualityReport::BOUND_COMPUTED);
  EXPECT_GE(certified.report().upper_bound(), certified.report().weight());
  EXPECT_DOUBLE_EQ(certified.report().quality(),
                   static_cast<double>(certified.report().weight()) /
                       static_cast<double>(certified.report().upper_bound()));
  // The same bound as within the run: the default limit certifies this event inline.
  adjust_options_ = nullptr;
  run_observer_ = nullptr;
  Restart();
  const v1::MatchingRun inline_run = Run();
  EXPECT_EQ(inline_run.report().bound_status(), v1::QualityReport::BOUND_COMPUTED);
  EXPECT_EQ(inline_run.report().upper_bound(), certified.report().upper_bound());
}

TEST_F(MatchingServiceTest, ABoundPendingAtARestartIsRecordedAsFailed) {
  BoundHooks hooks;
  const v1::MatchingRun done = RunWithHeldBound(hooks);
  Restart();
  const v1::MatchingRun after = LatestRun();
  EXPECT_EQ(after.id(), done.id());
  EXPECT_EQ(after.phase(), v1::MatchingRun::DONE);
  EXPECT_EQ(after.report().bound_status(), v1::QualityReport::BOUND_FAILED);
  EXPECT_THAT(after.report().bound_error(), HasSubstr("restarted"));
}

TEST_F(MatchingServiceTest, RunsInterruptedByARestartAreRecordedAsFailed) {
  SetUpEvent(4, 2, 1);
  v1::MatchingRun stuck;
  stuck.set_event_id(event_.id());
  stuck.set_phase(v1::MatchingRun::SCHEDULING);
  absl::StatusOr<v1::MatchingRun> created = server_->store()->CreateRun(stuck);
  ASSERT_TRUE(created.ok()) << created.status();
  Restart();
  v1::GetMatchingRunRequest get;
  get.set_event_id(event_.id());
  v1::MatchingRun run;
  ASSERT_TRUE(matching_->GetMatchingRun(Ctx(token_).get(), get, &run).ok());
  EXPECT_EQ(run.id(), created->id());
  EXPECT_EQ(run.phase(), v1::MatchingRun::FAILED);
  EXPECT_EQ(run.error(), "interrupted by a restart");
  Run();  // the event is not stuck
}

}  // namespace
}  // namespace parley
