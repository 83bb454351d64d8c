#ifndef PARLEY_TESTS_SERVICES_SERVICE_FIXTURE_H_
#define PARLEY_TESTS_SERVICES_SERVICE_FIXTURE_H_

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "parley/v1/admin_service.grpc.pb.h"
#include "parley/v1/agenda_service.grpc.pb.h"
#include "parley/v1/attendee_service.grpc.pb.h"
#include "parley/v1/matching_service.grpc.pb.h"
#include "parley/v1/organizer_service.grpc.pb.h"
#include "services/server/server.h"
#include "tests/testing/manual_clock.h"
#include "tests/testing/temp_dir.h"

namespace parley::testutil {

// A real parleyd in-process: real RocksDB in a temp dir, real gRPC server, in-process channel.
class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(); }

  void StartServer() {
    services::ServerOptions options;
    options.listen_address = "";  // in-process channel only
    options.data_dir = dir_.Sub("db");
    options.admin_token_file = dir_.Sub("admin.token");
    // No background expiry: tests call SweepExpired. now_ (0: the real clock) drives expiry.
    options.expiry_sweep_interval = absl::ZeroDuration();
    if (adjust_options_) adjust_options_(&options);
    services::ServerSeams seams;
    seams.clock = std::make_shared<ManualClock>(&now_);
    seams.run_observer = run_observer_;
    auto server = services::Server::Start(options, std::move(seams));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    std::ifstream in(options.admin_token_file);
    std::stringstream contents;
    contents << in.rdbuf();
    admin_token_ = std::string(absl::StripAsciiWhitespace(contents.str()));
    channel_ = server_->InProcessChannel();
    admin_ = v1::AdminService::NewStub(channel_);
    organizer_ = v1::OrganizerService::NewStub(channel_);
    attendee_ = v1::AttendeeService::NewStub(channel_);
    matching_ = v1::MatchingService::NewStub(channel_);
    agenda_ = v1::AgendaService::NewStub(channel_);
  }

  // Shuts the server down and starts it again on the same store.
  void Restart() {
    matching_.reset();
    agenda_.reset();
    admin_.reset();
    organizer_.reset();
    attendee_.reset();
    channel_.reset();
    server_.reset();
    StartServer();
  }

  // A client context with a 30 s deadline and, unless empty, the bearer token.
  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    if (!token.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
    return context;
  }

  uint64_t CreateCommunity(const std::string& name) {
    v1::CreateCommunityRequest request;
    request.set_name(name);
    v1::Community community;
    grpc::Status s = admin_->CreateCommunity(Ctx(admin_token_).get(), request, &community);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return community.id();
  }

  std::string OrganizerToken(uint64_t community_id) {
    v1::IssueOrganizerTokenRequest request;
    request.set_community_id(community_id);
    v1::IssuedToken issued;
    grpc::Status s = admin_->IssueOrganizerToken(Ctx(admin_token_).get(), request, &issued);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return issued.token();
  }

  // An event with `slots` slots s1..sN of 30 minutes and one location of 50 tables.
  static v1::Event EventSpec(const std::string& name, int slots) {
    v1::Event event;
    event.set_name(name);
    for (int i = 1; i <= slots; ++i) {
      v1::Slot* slot = event.add_slots();
      slot->set_id(absl::StrCat("s", i));
      slot->set_start_time(1800000000 + i * 1800);
      slot->set_end_time(1800000000 + i * 1800 + 1500);
    }
    v1::Location* hall = event.add_locations();
    hall->set_id("hall");
    hall->set_tables(50);
    return event;
  }

  v1::Event CreateEvent(const std::string& organizer_token, const std::string& name,
                        int slots = 3) {
    v1::CreateEventRequest request;
    *request.mutable_event() = EventSpec(name, slots);
    v1::Event event;
    grpc::Status s = organizer_->CreateEvent(Ctx(organizer_token).get(), request, &event);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return event;
  }

  static v1::Attendee Person(const std::string& external_id, const std::string& name) {
    v1::Attendee a;
    a.set_external_id(external_id);
    a.set_display_name(name);
    return a;
  }

  // Imports rows (numbered from 1) in messages of `per_message` rows.
  grpc::Status Import(const std::string& token, uint64_t event_id,
                      const std::vector<v1::Attendee>& rows, v1::ImportAttendeesResponse* out,
                      int per_message = 100) {
    auto context = Ctx(token);
    auto writer = organizer_->ImportAttendees(context.get(), out);
    v1::ImportAttendeesRequest message;
    for (size_t i = 0; i < rows.size(); ++i) {
      message.set_event_id(event_id);
      v1::ImportRow* row = message.add_rows();
      row->set_row_number(static_cast<uint32_t>(i + 1));
      *row->mutable_attendee() = rows[i];
      if (message.rows_size() == per_message) {
        if (!writer->Write(message)) break;
        message.Clear();
      }
    }
    if (message.rows_size() > 0 || rows.empty()) {
      message.set_event_id(event_id);
      writer->Write(message);
    }
    writer->WritesDone();
    return writer->Finish();
  }

  std::string AttendeeToken(const std::string& organizer_token, uint64_t event_id,
                            uint64_t attendee_id) {
    v1::IssueAttendeeTokenRequest request;
    request.set_event_id(event_id);
    request.set_attendee_id(attendee_id);
    v1::IssuedAttendeeToken issued;
    grpc::Status s = organizer_->IssueAttendeeToken(Ctx(organizer_token).get(), request, &issued);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return issued.token();
  }

  // Runs matching to the end of its progress stream; returns the last message, or the status
  // if the stream carried none.
  grpc::Status RunMatching(const std::string& token, uint64_t event_id, v1::MatchingRun* last,
                           uint64_t seed = 1, std::vector<v1::MatchingRun>* all = nullptr) {
    v1::StartMatchingRunRequest request;
    request.set_event_id(event_id);
    request.set_seed(seed);
    auto context = Ctx(token);
    auto reader = matching_->StartMatchingRun(context.get(), request);
    v1::MatchingRun run;
    while (reader->Read(&run)) {
      if (all != nullptr) all->push_back(run);
      *last = run;
    }
    return reader->Finish();
  }

  grpc::Status SetStatus(const std::string& token, uint64_t event_id, v1::EventStatus status) {
    v1::SetEventStatusRequest request;
    request.set_event_id(event_id);
    request.set_status(status);
    v1::Event event;
    return organizer_->SetEventStatus(Ctx(token).get(), request, &event);
  }

  // Members are destroyed bottom-up: stubs, channel, server, dir.
  // Set before StartServer: the time the server sees (0: the real clock), a hook to change
  // server options, and what is told of runs and bounds (null: nothing).
  std::atomic<int64_t> now_{0};
  std::function<void(services::ServerOptions*)> adjust_options_;
  std::shared_ptr<services::RunObserver> run_observer_;
  ScopedTempDir dir_;
  std::unique_ptr<services::Server> server_;
  std::string admin_token_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<v1::OrganizerService::Stub> organizer_;
  std::unique_ptr<v1::AttendeeService::Stub> attendee_;
  std::unique_ptr<v1::MatchingService::Stub> matching_;
  std::unique_ptr<v1::AgendaService::Stub> agenda_;
};

}  // namespace parley::testutil

#endif  // PARLEY_TESTS_SERVICES_SERVICE_FIXTURE_H_
