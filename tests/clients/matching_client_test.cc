// The client library and CLI for MatchingService and AgendaService against a scripted in-process
// fake of both services on 127.0.0.1:0: streaming calls (progress callbacks, stopping early,
// CSV chunks to a stream, agenda watches ended by the callback), bearer tokens, paging, and
// the CLI's output. The real services are covered by tests/e2e/matching_e2e_test.cc.
#include <fstream>
#include <mutex>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "clients/cli.h"
#include "clients/cli_print.h"
#include "clients/client.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "tests/testing/temp_dir.h"

namespace parley::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kToken[] = "tok-3141";

// Remembers the bearer header of every call.
class TokenLog {
 public:
  void Record(grpc::ServerContext* context) {
    auto it = context->client_metadata().find("authorization");
    std::lock_guard<std::mutex> lock(mu_);
    headers_.push_back(it == context->client_metadata().end()
                           ? std::string()
                           : std::string(it->second.data(), it->second.size()));
  }
  std::vector<std::string> headers() {
    std::lock_guard<std::mutex> lock(mu_);
    return headers_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> headers_;
};

v1::MatchingRun Progress(v1::MatchingRun::Phase phase) {
  v1::MatchingRun run;
  run.set_id(9);
  run.set_event_id(4);
  run.set_phase(phase);
  run.set_attendees(2000);
  if (phase >= v1::MatchingRun::SCHEDULING) run.set_candidate_edges(41000);
  if (phase >= v1::MatchingRun::DONE) {
    run.set_meetings_proposed(4100);
    v1::QualityReport* report = run.mutable_report();
    report->set_weight(993);
    report->set_upper_bound(1000);
    report->set_quality(0.993);
    report->set_meetings(4100);
    for (uint32_t count : {3u, 100u, 900u, 997u}) report->add_meetings_per_attendee(count);
    report->set_zero_opted_out(3);
  }
  return run;
}

class FakeMatching final : public v1::MatchingService::Service {
 public:
  explicit FakeMatching(TokenLog* log) : log_(log) {}
  bool fail_run = false;

  grpc::Status StartMatchingRun(grpc::ServerContext* context,
                                const v1::StartMatchingRunRequest* request,
                                grpc::ServerWriter<v1::MatchingRun>* writer) override {
    log_->Record(context);
    if (request->event_id() != 4) return grpc::Status(grpc::StatusCode::NOT_FOUND, "event 5");
    for (auto phase : {v1::MatchingRun::LOADING, v1::MatchingRun::CANDIDATES,
                       v1::MatchingRun::SCHEDULING, v1::MatchingRun::WRITING}) {
      writer->Write(Progress(phase));
    }
    v1::MatchingRun last = Progress(fail_run ? v1::MatchingRun::FAILED : v1::MatchingRun::DONE);
    if (fail_run) last.set_error("too many interruptions");
    writer->Write(last);
    return grpc::Status::OK;
  }

  grpc::Status GetQualityReport(grpc::ServerContext* context,
                                const v1::GetQualityReportRequest* request,
                                v1::GetQualityReportResponse* response) override {
    log_->Record(context);
    *response->mutable_run() = Progress(v1::MatchingRun::DONE);
    const int page = request->page_token().empty() ? 0 : 1;
    v1::AttendeeDiagnostic* d = response->add_without_meeting();
    d->set_attendee_id(100 + page);
    d->set_external_id(page == 0 ? "r-100" : "r-101");
    d->set_display_name(page == 0 ? "Ada Alone" : "Bo Busy");
    d->set_cause(page == 0 ? v1::AttendeeDiagnostic::NO_AVAILABILITY
                           : v1::AttendeeDiagnostic::NO_FEASIBLE_PARTNER);
    d->set_hint(page == 0 ? "available in 0 of 6 slots" : "avoid lists exclude 1999 partners");
    if (page == 0) response->set_next_page_token("p2");
    return grpc::Status::OK;
  }

  grpc::Status ListMeetings(grpc::ServerContext* context, const v1::ListMeetingsRequest* request,
                            v1::ListMeetingsResponse* response) override {
    log_->Record(context);
    last_list = *request;
    v1::Meeting* m = response->add_meetings();
    m->set_id(77);
    m->set_attendee_a(1);
    m->set_attendee_b(2);
    m->set_slot_id("s2");
    m->set_location_id("hall");
    m->set_table(3);
    m->set_state(v1::Meeting::CONFIRMED);
    m->set_answer_a(v1::Meeting::ACCEPTED);
    m->set_answer_b(v1::Meeting::ACCEPTED);
    return grpc::Status::OK;
  }

  grpc::Status ExportMeetings(grpc::ServerContext* context,
                              const v1::ExportMeetingsRequest* /*request*/,
                              grpc::ServerWriter<v1::CsvChunk>* writer) override {
    log_->Record(context);
    for (const char* data : {"id,slot\n", "1,s1\n", "2,s2\n"}) {
      v1::CsvChunk chunk;
      chunk.set_data(data);
      if (!writer->Write(chunk)) break;
    }
    return grpc::Status::OK;
  }

  grpc::Status GetAttendeeCalendar(grpc::ServerContext* context,
                                   const v1::GetAttendeeCalendarRequest* request,
                                   v1::Calendar* response) override {
    log_->Record(context);
    response->set_ics(absl::StrCat("BEGIN:VCALENDAR\r\nX-ATTENDEE:", request->attendee_id(),
                                   "\r\nEND:VCALENDAR\r\n"));
    return grpc::Status::OK;
  }

  v1::ListMeetingsRequest last_list;

 private:
  TokenLog* log_;
};

v1::Proposal SampleProposal() {
  v1::Proposal p;
  p.set_meeting_id(12);
  p.set_status(v1::Proposal::AWAITING_ME);
  p.set_slot_id("s2");
  p.set_start_time(1796119200);  // 2026-12-01 10:00 UTC
  p.set_end_time(1796121000);
  p.set_location_name("Library (quiet)");
  p.set_table(4);
  p.mutable_partner()->set_display_name("Grace Hopper");
  p.mutable_partner()->set_organisation("Navy");
  v1::Reason* shared = p.add_reasons();
  shared->set_kind(v1::Reason::SHARED_INTEREST);
  shared->set_tag("bicycles");
  v1::Reason* offer = p.add_reasons();
  offer->set_kind(v1::Reason::THEY_OFFER_WHAT_YOU_SEEK);
  offer->set_tag("compiler mentoring");
  p.set_conversation_starter("Ask Grace which bicycle she rides to work.");
  return p;
}

class FakeAgenda final : public v1::AgendaService::Service {
 public:
  explicit FakeAgenda(TokenLog* log) : log_(log) {}

  grpc::Status ListMySuggestions(grpc::ServerContext* context,
                                 const v1::ListMySuggestionsRequest* /*request*/,
                                 v1::ListMySuggestionsResponse* response) override {
    log_->Record(context);
    *response->add_proposals() = SampleProposal();
    return grpc::Status::OK;
  }

  grpc::Status RespondToProposal(grpc::ServerContext* context,
                                 const v1::RespondToProposalRequest* request,
                                 v1::Proposal* response) override {
    log_->Record(context);
    if (request->meeting_id() != 12) return grpc::Status(grpc::StatusCode::NOT_FOUND, "meeting");
    *response = SampleProposal();
    response->set_status(request->accept() ? v1::Proposal::AWAITING_THEM
                                           : v1::Proposal::DECLINED_BY_ME);
    return grpc::Status::OK;
  }

  // Sends numbered agendas until the client goes away (a write fails) or 10,000 were sent.
  grpc::Status WatchMyAgenda(grpc::ServerContext* context,
                             const v1::GetMyAgendaRequest* /*request*/,
                             grpc::ServerWriter<v1::Agenda>* writer) override {
    log_->Record(context);
    for (uint32_t i = 1; i <= 10000; ++i) {
      v1::Agenda agenda;
      agenda.set_budget(3);
      agenda.set_open(i);
      if (!writer->Write(agenda)) break;
    }
    return grpc::Status::OK;
  }

 private:
  TokenLog* log_;
};

class MatchingClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&matching_);
    builder.RegisterService(&agenda_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port, 0);
    target_ = absl::StrCat("127.0.0.1:", port);
    ClientOptions options;
    options.target = target_;
    options.token = kToken;
    options.deadline = absl::Seconds(20);
    auto client = Client::Connect(options);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
  }

  void TearDown() override { server_->Shutdown(); }

  int Cli(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    args.insert(args.end(), {"--server", target_, "--token", kToken, "--timeout", "20"});
    return RunCli(
        args, [](const std::string&) { return std::string(); }, out_, err_);
  }

  testutil::ScopedTempDir dir_;
  TokenLog log_;
  FakeMatching matching_{&log_};
  FakeAgenda agenda_{&log_};
  std::unique_ptr<grpc::Server> server_;
  std::string target_;
  std::unique_ptr<Client> client_;
  std::ostringstream out_, err_;
};

TEST_F(MatchingClientTest, StartMatchingRunReportsEveryPhaseAndReturnsTheLast) {
  std::vector<v1::MatchingRun::Phase> phases;
  v1::StartMatchingRunRequest request;
  request.set_event_id(4);
  absl::StatusOr<v1::MatchingRun> run =
      client_->StartMatchingRun(request, [&](const v1::MatchingRun& progress) {
        phases.push_back(progress.phase());
        return true;
      });
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->phase(), v1::MatchingRun::DONE);
  EXPECT_EQ(run->meetings_proposed(), 4100u);
  EXPECT_THAT(phases, ElementsAre(v1::MatchingRun::LOADING, v1::MatchingRun::CANDIDATES,
                                  v1::MatchingRun::SCHEDULING, v1::MatchingRun::WRITING,
                                  v1::MatchingRun::DONE));
  EXPECT_THAT(log_.headers(), ElementsAre(absl::StrCat("Bearer ", kToken)));
}

TEST_F(MatchingClientTest, StartMatchingRunStopsListeningWhenTheCallbackSaysSo) {
  v1::StartMatchingRunRequest request;
  request.set_event_id(4);
  int calls = 0;
  absl::StatusOr<v1::MatchingRun> run =
      client_->StartMatchingRun(request, [&](const v1::MatchingRun&) { return ++calls < 2; });
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(run->phase(), v1::MatchingRun::CANDIDATES);
}

TEST_F(MatchingClientTest, ServerErrorsKeepTheirCode) {
  v1::StartMatchingRunRequest request;
  request.set_event_id(5);
  absl::StatusOr<v1::MatchingRun> run = client_->StartMatchingRun(request);
  EXPECT_EQ(run.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(MatchingClientTest, ExportMeetingsWritesTheChunksInOrder) {
  std::ostringstream csv;
  ASSERT_TRUE(client_->ExportMeetings(v1::ExportMeetingsRequest(), &csv).ok());
  EXPECT_EQ(csv.str(), "id,slot\n1,s1\n2,s2\n");
}

TEST_F(MatchingClientTest, ExportMeetingsStopsOnACallbackError) {
  int chunks = 0;
  absl::Status status =
      client_->ExportMeetings(v1::ExportMeetingsRequest(), [&](absl::string_view) -> absl::Status {
        ++chunks;
        return absl::DataLossError("disk full");
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(chunks, 1);
}

TEST_F(MatchingClientTest, WatchMyAgendaEndsWhenTheCallbackReturnsFalse) {
  std::vector<uint32_t> seen;
  absl::Status status = client_->WatchMyAgenda(v1::GetMyAgendaRequest(), [&](const v1::Agenda& a) {
    seen.push_back(a.open());
    return seen.size() < 3;
  });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_THAT(seen, ElementsAre(1u, 2u, 3u));
}

TEST_F(MatchingClientTest, WithTokenSharesTheChannelWithAnotherToken) {
  absl::StatusOr<std::unique_ptr<Client>> other = client_->WithToken("other-7");
  ASSERT_TRUE(other.ok()) << other.status();
  ASSERT_TRUE((*other)->ListMySuggestions(v1::ListMySuggestionsRequest()).ok());
  ASSERT_TRUE(client_->ListMySuggestions(v1::ListMySuggestionsRequest()).ok());
  EXPECT_THAT(log_.headers(), ElementsAre("Bearer other-7", absl::StrCat("Bearer ", kToken)));
  EXPECT_EQ(client_->WithToken("bad token").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(MatchingClientTest, CliRunPrintsPhaseLinesThenTheReport) {
  ASSERT_EQ(Cli({"run", "--event", "4", "--seed", "7", "--progress", "lines"}), kExitOk)
      << err_.str();
  const std::string out = out_.str();
  EXPECT_THAT(out, HasSubstr("run 9: loading  2000 attendees\n"));
  EXPECT_THAT(out, HasSubstr("run 9: scheduling  2000 attendees, 41000 candidate edges\n"));
  EXPECT_THAT(out, HasSubstr("quality 0.9930 (weight 993 of upper bound 1000)"));
  EXPECT_THAT(out, HasSubstr("meetings per attendee:  0: 3  1: 100  2: 900  3: 997"));
  EXPECT_THAT(out, Not(HasSubstr("\r")));
}

TEST(CliPrintTest, QualityWithoutABoundSaysWhy) {
  v1::MatchingRun run;
  run.set_id(3);
  run.set_event_id(1);
  run.set_phase(v1::MatchingRun::DONE);
  run.set_start_time(1000);
  run.set_end_time(1012);
  run.mutable_report()->set_weight(4626);
  run.mutable_report()->set_meetings(20);
  run.mutable_report()->set_bound_status(v1::QualityReport::BOUND_PENDING);
  std::ostringstream pending;
  PrintMatchingRun(pending, run);
  EXPECT_THAT(pending.str(), HasSubstr("done in 12 s"));
  EXPECT_THAT(pending.str(), HasSubstr("quality pending (the upper bound is being computed"));
  EXPECT_THAT(pending.str(), Not(HasSubstr("upper bound 0")));

  run.mutable_report()->set_bound_status(v1::QualityReport::BOUND_FAILED);
  run.mutable_report()->set_bound_error("a newer run of the event replaced this one");
  std::ostringstream failed;
  PrintMatchingRun(failed, run);
  EXPECT_THAT(failed.str(),
              HasSubstr("quality not certified (a newer run of the event replaced this one), "
                        "weight 4626, 20 meetings"));
}

TEST_F(MatchingClientTest, CliRunDrawsABarWhenAsked) {
  ASSERT_EQ(Cli({"run", "--event", "4", "--progress", "bar"}), kExitOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("\r[------------------------] 1/4 loading"));
  EXPECT_THAT(out_.str(), HasSubstr("\r[########################] 4/4 done"));
}

TEST_F(MatchingClientTest, CliRunJsonPrintsTheFinalRunAndFailsOnAFailedRun) {
  ASSERT_EQ(Cli({"--json", "run", "--event", "4"}), kExitOk) << err_.str();
  v1::MatchingRun run;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(out_.str(), &run).ok()) << out_.str();
  EXPECT_EQ(run.phase(), v1::MatchingRun::DONE);

  matching_.fail_run = true;
  EXPECT_EQ(Cli({"run", "--event", "4", "--progress", "lines"}), kExitFailure);
  EXPECT_THAT(err_.str(), HasSubstr("ended in phase failed: too many interruptions"));
}

TEST_F(MatchingClientTest, CliReportAllCollectsEveryPageOnce) {
  ASSERT_EQ(Cli({"report", "--event", "4", "--all"}), kExitOk) << err_.str();
  const std::string out = out_.str();
  EXPECT_THAT(out, HasSubstr("why nothing? (2 attendees)"));
  EXPECT_THAT(out, HasSubstr("100  r-100  Ada Alone  [no availability]  available in 0 of 6"));
  EXPECT_THAT(out, HasSubstr("101  r-101  Bo Busy  [no feasible partner]"));
  ASSERT_EQ(Cli({"--json", "report", "--event", "4", "--all"}), kExitOk) << err_.str();
  v1::GetQualityReportResponse report;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(out_.str(), &report).ok());
  EXPECT_EQ(report.without_meeting_size(), 2);
  EXPECT_EQ(report.run().report().meetings_per_attendee_size(), 4);
}

TEST_F(MatchingClientTest, CliMeetingsListSendsTheFilters) {
  ASSERT_EQ(Cli({"meetings", "list", "--event", "4", "--state", "confirmed", "--attendee", "2",
                 "--slot", "s2"}),
            kExitOk)
      << err_.str();
  EXPECT_EQ(matching_.last_list.state(), v1::Meeting::CONFIRMED);
  EXPECT_EQ(matching_.last_list.attendee_id(), 2u);
  EXPECT_EQ(matching_.last_list.slot_id(), "s2");
  EXPECT_THAT(out_.str(), HasSubstr("77  CONFIRMED  s2  hall/3  1 (accepted) + 2 (accepted)"));
  EXPECT_EQ(Cli({"meetings", "list", "--event", "4", "--state", "maybe"}), kExitUsage);
}

TEST_F(MatchingClientTest, CliExportAndCalendarWriteFiles) {
  const std::string csv = dir_.Sub("meetings.csv");
  ASSERT_EQ(Cli({"meetings", "export", "--event", "4", "--out", csv}), kExitOk) << err_.str();
  std::ifstream in(csv);
  std::stringstream contents;
  contents << in.rdbuf();
  EXPECT_EQ(contents.str(), "id,slot\n1,s1\n2,s2\n");

  ASSERT_EQ(Cli({"calendar", "--event", "4", "--attendee", "8"}), kExitOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("X-ATTENDEE:8"));
  EXPECT_EQ(Cli({"calendar", "--event", "4"}), kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("give both --event and --attendee"));
}

TEST_F(MatchingClientTest, CliSuggestionsShowReasonsAndTheStarter) {
  ASSERT_EQ(Cli({"suggestions"}), kExitOk) << err_.str();
  const std::string out = out_.str();
  EXPECT_THAT(out, HasSubstr("meeting 12  [waiting for your answer]"));
  EXPECT_THAT(out, HasSubstr("with:    Grace Hopper (Navy)"));
  EXPECT_THAT(out, HasSubstr("- you both list bicycles\n"));
  EXPECT_THAT(out, HasSubstr("- they offer compiler mentoring, which you seek"));
  EXPECT_THAT(out, HasSubstr("starter: Ask Grace which bicycle she rides to work."));
  EXPECT_THAT(out, HasSubstr("Library (quiet), table 4"));

  ASSERT_EQ(Cli({"respond", "12", "accept"}), kExitOk) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("[you accepted; waiting for them]"));
  EXPECT_EQ(Cli({"respond", "13", "decline"}), kExitFailure);
  EXPECT_THAT(err_.str(), HasSubstr("parley: NOT_FOUND"));
  EXPECT_EQ(Cli({"respond", "12", "maybe"}), kExitUsage);
}

TEST_F(MatchingClientTest, CliAgendaWatchStopsAfterCountUpdates) {
  ASSERT_EQ(Cli({"--json", "agenda", "watch", "--count", "3"}), kExitOk) << err_.str();
  std::vector<std::string> lines = absl::StrSplit(out_.str(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u) << out_.str();
  v1::Agenda third;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(lines[2], &third).ok());
  EXPECT_EQ(third.open(), 3u);
  EXPECT_EQ(Cli({"agenda", "watch", "--count", "0"}), kExitUsage);
}

}  // namespace
}  // namespace parley::client
