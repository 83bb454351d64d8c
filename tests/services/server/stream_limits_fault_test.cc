// Fault suite, the attacks on limits (issue 13): floods of streams per token, per connection and
// in total get RESOURCE_EXHAUSTED; revoking a token or removing its attendee ends its open
// streams at once; calls without a valid token are limited per client address; two
// authorization headers and unparseable bodies get clear statuses. A real in-process server.
#include <grpcpp/generic/generic_stub.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "parley/v1/relationship_service.grpc.pb.h"
#include "tests/services/service_fixture.h"

namespace parley {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;

class StreamLimitsFaultTest : public testutil::ServiceTest {
 protected:
  void SetUp() override {
    adjust_options_ = [](services::ServerOptions* options) {
      options->listen_address = "127.0.0.1:0";  // connections need a socket
      options->stream_limits.per_token = 3;
      options->stream_limits.per_connection = 5;
      options->stream_limits.total = 8;
      // A stopped clock: the bucket never refills, so the count is exact.
      options->unauthenticated_rate_limit.per_second = 1;
      options->unauthenticated_rate_limit.burst = 5;
      options->unauthenticated_rate_limit.clock = [] { return absl::FromUnixSeconds(1e9); };
    };
    ServiceTest::SetUp();
    const uint64_t community = CreateCommunity("Limits");
    organiser_ = OrganizerToken(community);
    event_ = CreateEvent(organiser_, "Floods");
    v1::ImportAttendeesResponse imported;
    std::vector<v1::Attendee> rows;
    for (int i = 0; i < 4; ++i) {
      rows.push_back(Person(absl::StrCat("p", i), absl::StrCat("Person ", i)));
    }
    ASSERT_TRUE(Import(organiser_, event_.id(), rows, &imported).ok());
    for (const v1::ImportRowResult& r : imported.results()) ids_.push_back(r.attendee_id());
    ASSERT_EQ(ids_.size(), 4u);
  }

  // A new TCP connection to the server (its own subchannel, so its own peer address).
  std::shared_ptr<grpc::Channel> NewConnection() {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetInt("parley.test.connection", ++connections_);  // distinct args: no sharing
    return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                     grpc::InsecureChannelCredentials(), args);
  }

  struct Watch {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientReader<v1::Agenda>> reader;
  };
  // Opens WatchMyAgenda; the server's first agenda proves the stream is open.
  Watch OpenWatch(const std::shared_ptr<grpc::Channel>& channel, const std::string& token,
                  bool* opened) {
    Watch w;
    w.context = Ctx(token);
    w.reader = v1::AgendaService::NewStub(channel)->WatchMyAgenda(w.context.get(), {});
    v1::Agenda agenda;
    *opened = w.reader->Read(&agenda);
    return w;
  }

  struct HealthWatch {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientReader<grpc::health::v1::HealthCheckResponse>> reader;
  };
  HealthWatch OpenHealthWatch(const std::shared_ptr<grpc::Channel>& channel, bool* opened) {
    HealthWatch w;
    w.context = Ctx("");
    w.reader = grpc::health::v1::Health::NewStub(channel)->Watch(w.context.get(), {});
    grpc::health::v1::HealthCheckResponse response;
    *opened = w.reader->Read(&response) &&
              response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
    return w;
  }

  // Waits (bounded, without sleeping) until the server holds `n` open streams: a stream's
  // place is freed when gRPC is done with it, just after the client saw its end.
  void AwaitOpenStreams(int n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (server_->streams()->open() != n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    ASSERT_EQ(server_->streams()->open(), n);
  }

  std::string organiser_;
  v1::Event event_;
  std::vector<uint64_t> ids_;
  int connections_ = 0;
};

TEST_F(StreamLimitsFaultTest, OneTokenGetsAtMostItsCapOfStreams) {
  const std::string token = AttendeeToken(organiser_, event_.id(), ids_[0]);
  auto channel = NewConnection();
  std::vector<Watch> watches;
  for (int i = 0; i < 3; ++i) {
    bool opened = false;
    watches.push_back(OpenWatch(channel, token, &opened));
    ASSERT_TRUE(opened) << "stream " << i;
  }
  bool opened = true;
  Watch refused = OpenWatch(NewConnection(), token, &opened);  // another connection: same token
  EXPECT_FALSE(opened);
  const grpc::Status status = refused.reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("limit per token"));
  // Another attendee is not affected.
  Watch other = OpenWatch(channel, AttendeeToken(organiser_, event_.id(), ids_[1]), &opened);
  EXPECT_TRUE(opened);
  // Closing one frees its place.
  watches[0].context->TryCancel();
  EXPECT_EQ(watches[0].reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  AwaitOpenStreams(3);
  Watch again = OpenWatch(channel, token, &opened);
  EXPECT_TRUE(opened);
}

TEST_F(StreamLimitsFaultTest, HealthWatchesWithoutATokenAreCappedPerConnectionAndInTotal) {
  auto first = NewConnection();
  std::vector<HealthWatch> watches;
  for (int i = 0; i < 5; ++i) {
    bool opened = false;
    watches.push_back(OpenHealthWatch(first, &opened));
    ASSERT_TRUE(opened) << "stream " << i;
  }
  bool opened = true;
  HealthWatch over = OpenHealthWatch(first, &opened);
  EXPECT_FALSE(opened);
  grpc::Status status = over.reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("limit per connection"));
  // Other connections fill the server's total of 8.
  auto second = NewConnection();
  for (int i = 0; i < 3; ++i) {
    watches.push_back(OpenHealthWatch(second, &opened));
    ASSERT_TRUE(opened) << "stream " << i;
  }
  HealthWatch beyond = OpenHealthWatch(NewConnection(), &opened);
  EXPECT_FALSE(opened);
  status = beyond.reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("limit for all clients"));
  // Agenda streams count in the same total.
  Watch agenda = OpenWatch(first, AttendeeToken(organiser_, event_.id(), ids_[0]), &opened);
  EXPECT_FALSE(opened);
  EXPECT_EQ(agenda.reader->Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  // Unary health checks are not streams: still answered.
  grpc::health::v1::HealthCheckResponse response;
  EXPECT_TRUE(grpc::health::v1::Health::NewStub(second)->Check(Ctx("").get(), {}, &response).ok());
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(StreamLimitsFaultTest, RevokingATokenEndsItsOpenStreamsAtOnce) {
  v1::IssueAttendeeTokenRequest issue;
  issue.set_event_id(event_.id());
  issue.set_attendee_id(ids_[0]);
  v1::IssuedAttendeeToken issued;
  ASSERT_TRUE(organizer_->IssueAttendeeToken(Ctx(organiser_).get(), issue, &issued).ok());
  auto channel = NewConnection();
  bool opened = false;
  Watch a = OpenWatch(channel, issued.token(), &opened);
  ASSERT_TRUE(opened);
  Watch b = OpenWatch(NewConnection(), issued.token(), &opened);
  ASSERT_TRUE(opened);
  Watch bystander = OpenWatch(channel, AttendeeToken(organiser_, event_.id(), ids_[1]), &opened);
  ASSERT_TRUE(opened);

  v1::RevokeTokenRequest revoke;
  revoke.set_token_id(issued.info().token_id());
  v1::TokenInfo revoked;
  ASSERT_TRUE(admin_->RevokeToken(Ctx(admin_token_).get(), revoke, &revoked).ok());
  // No agenda change follows: only the revocation can end these streams.
  for (Watch* w : {&a, &b}) {
    v1::Agenda agenda;
    EXPECT_FALSE(w->reader->Read(&agenda));
    const grpc::Status status = w->reader->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_THAT(status.error_message(), HasSubstr("revoked"));
  }
  AwaitOpenStreams(1);  // the bystander's
  // A new stream with the revoked token is refused.
  Watch late = OpenWatch(channel, issued.token(), &opened);
  EXPECT_FALSE(opened);
  EXPECT_EQ(late.reader->Finish().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(StreamLimitsFaultTest, RemovingTheAttendeeEndsTheirStreams) {
  const std::string token = AttendeeToken(organiser_, event_.id(), ids_[2]);
  bool opened = false;
  Watch w = OpenWatch(NewConnection(), token, &opened);
  ASSERT_TRUE(opened);
  v1::RemoveAttendeeRequest remove;
  remove.set_event_id(event_.id());
  remove.set_attendee_id(ids_[2]);
  v1::RemoveAttendeeResponse removed;
  ASSERT_TRUE(organizer_->RemoveAttendee(Ctx(organiser_).get(), remove, &removed).ok());
  v1::Agenda agenda;
  while (w.reader->Read(&agenda)) {
  }
  const grpc::Status status = w.reader->Finish();
  // The revocation check or the agenda's own reload, whichever comes first.
  EXPECT_THAT(status.error_code(),
              AnyOf(grpc::StatusCode::UNAUTHENTICATED, grpc::StatusCode::NOT_FOUND));
  AwaitOpenStreams(0);
}

TEST_F(StreamLimitsFaultTest, CallsWithoutAValidTokenAreLimitedPerClientAddress) {
  auto channel = NewConnection();
  auto stub = v1::AttendeeService::NewStub(channel);
  int unauthenticated = 0, exhausted = 0;
  std::string exhausted_message;
  for (int i = 0; i < 40; ++i) {
    v1::MyProfile profile;
    // Alternating garbage tokens and none at all, over fresh connections too.
    auto use = i % 3 == 0 ? v1::AttendeeService::NewStub(NewConnection()) : nullptr;
    const grpc::Status s =
        (use ? use : stub)
            ->GetMyProfile(Ctx(i % 2 == 0 ? absl::StrCat("prl_garbage", i) : "").get(), {},
                           &profile);
    if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED) ++unauthenticated;
    if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++exhausted;
      exhausted_message = s.error_message();
    }
  }
  EXPECT_EQ(unauthenticated, 5);  // the burst
  EXPECT_EQ(exhausted, 35);
  EXPECT_THAT(exhausted_message, HasSubstr("calls without a valid token"));
  // A valid token from the same address is not refused.
  v1::MyProfile profile;
  EXPECT_TRUE(
      stub->GetMyProfile(Ctx(AttendeeToken(organiser_, event_.id(), ids_[0])).get(), {}, &profile)
          .ok());
}

TEST_F(StreamLimitsFaultTest, TwoAuthorizationHeadersAreRefused) {
  const std::string token = AttendeeToken(organiser_, event_.id(), ids_[0]);
  auto context = Ctx(token);
  context->AddMetadata("authorization", absl::StrCat("Bearer ", admin_token_));
  v1::MyProfile profile;
  const grpc::Status s = attendee_->GetMyProfile(context.get(), {}, &profile);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("more than one `authorization`"));
}

TEST_F(StreamLimitsFaultTest, AnUnparseableBodyIsInvalidArgumentAfterAuthentication) {
  grpc::GenericStub generic(channel_);
  const std::string garbage = "\xff\xff\xff\xff\xff";  // a field number no varint can end
  auto call = [&](const std::string& token) {
    grpc::Slice slice(garbage);
    grpc::ByteBuffer request(&slice, 1), response;
    grpc::Status status;
    absl::Notification done;
    auto context = Ctx(token);
    generic.UnaryCall(context.get(), "/parley.v1.AttendeeService/GetMyProfile", {}, &request,
                      &response, [&](grpc::Status s) {
                        status = std::move(s);
                        done.Notify();
                      });
    done.WaitForNotification();
    return status;
  };
  grpc::Status s = call("");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << s.error_message();
  s = call(AttendeeToken(organiser_, event_.id(), ids_[0]));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("parley.v1.GetMyProfileRequest"));
}

TEST_F(StreamLimitsFaultTest, AHugeFieldMaskPathIsNotEchoedIntoTheStatus) {
  v1::UpdateMyProfileRequest request;
  request.mutable_update_mask()->add_paths(std::string(100000, 'x'));
  v1::MyProfile profile;
  const grpc::Status s = attendee_->UpdateMyProfile(
      Ctx(AttendeeToken(organiser_, event_.id(), ids_[0])).get(), request, &profile);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LT(s.error_message().size(), 300u);
  EXPECT_THAT(s.error_message(), HasSubstr("(100000 bytes)"));
}

// Reflection is the one synchronous service (its streams hold a thread each, bounded by the
// server's thread quota): it still answers.
TEST_F(StreamLimitsFaultTest, ServerReflectionStillListsTheServices) {
  grpc::GenericStub generic(NewConnection());
  grpc::CompletionQueue cq;
  auto context = Ctx("");
  auto call = generic.PrepareCall(
      context.get(), "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  void* tag = nullptr;
  bool ok = false;
  auto next = [&](intptr_t expected) {
    return cq.Next(&tag, &ok) && ok && reinterpret_cast<intptr_t>(tag) == expected;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(next(1));
  // ServerReflectionRequest{list_services: "*"}: field 7, length-delimited.
  grpc::Slice slice(std::string("\x3a\x01*", 3));
  grpc::ByteBuffer request(&slice, 1);
  call->Write(request, reinterpret_cast<void*>(2));
  ASSERT_TRUE(next(2));
  grpc::ByteBuffer response;
  call->Read(&response, reinterpret_cast<void*>(3));
  ASSERT_TRUE(next(3));
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& s : slices)
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_THAT(bytes, HasSubstr("parley.v1.AgendaService"));
  EXPECT_THAT(bytes, HasSubstr("grpc.health.v1.Health"));
  call->WritesDone(reinterpret_cast<void*>(4));
  ASSERT_TRUE(next(4));
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  ASSERT_TRUE(next(5));
  EXPECT_TRUE(status.ok()) << status.error_message();
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

}  // namespace
}  // namespace parley
