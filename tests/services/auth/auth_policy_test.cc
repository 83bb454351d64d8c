// Deny by default, proven over the descriptors: every method of every service in our protos has
// a policy entry, refuses callers without a token, and refuses tokens of the wrong role.

#include <grpcpp/generic/generic_stub.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "google/protobuf/descriptor.h"
#include "services/auth/auth.h"
#include "tests/services/service_fixture.h"

namespace parley {
namespace {

using ::google::protobuf::DescriptorPool;
using ::google::protobuf::FileDescriptor;

struct Method {
  std::string full_name;  // "/parley.v1.AdminService/CreateCommunity"
  // A server stream (WatchMyAgenda) may stay open until the client leaves.
  bool server_streaming = false;
};

// Every method of every service in the .proto files that CMake found under proto/parley
// (PARLEY_PROTO_FILES), so a new service cannot slip past this test.
std::vector<Method> AllMethods() {
  std::vector<Method> methods;
  for (absl::string_view file : absl::StrSplit(PARLEY_PROTO_FILES, ',', absl::SkipEmpty())) {
    const FileDescriptor* fd = DescriptorPool::generated_pool()->FindFileByName(std::string(file));
    EXPECT_NE(fd, nullptr) << file << " is not linked into the test";
    if (fd == nullptr) continue;
    for (int s = 0; s < fd->service_count(); ++s) {
      for (int m = 0; m < fd->service(s)->method_count(); ++m) {
        const google::protobuf::MethodDescriptor* method = fd->service(s)->method(m);
        methods.push_back({absl::StrCat("/", fd->service(s)->full_name(), "/", method->name()),
                           method->server_streaming()});
      }
    }
  }
  return methods;
}

class AuthPolicyTest : public testutil::ServiceTest {
 protected:
  // Sends one empty message to `method` with `token` and returns the status.
  grpc::Status CallEmpty(const Method& method, const std::string& token) {
    grpc::GenericStub stub(channel_);
    auto context = Ctx(token);
    if (method.server_streaming) {
      // An open stream proves the call got past auth; a refusal comes at once.
      context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    }
    grpc::Slice empty("");
    grpc::ByteBuffer request(&empty, 1);  // a zero-length message: every field unset
    grpc::ByteBuffer response;
    grpc::Status status;
    absl::Notification done;
    stub.UnaryCall(context.get(), method.full_name, grpc::StubOptions(), &request, &response,
                   [&](grpc::Status s) {
                     status = std::move(s);
                     done.Notify();
                   });
    done.WaitForNotification();
    return status;
  }
};

TEST_F(AuthPolicyTest, EveryMethodHasAPolicyEntry) {
  const std::vector<Method> methods = AllMethods();
  ASSERT_GE(methods.size(), 18u);
  for (const Method& m : methods) {
    EXPECT_TRUE(services::MethodPolicy().contains(m.full_name)) << m.full_name << " has no policy";
  }
}

TEST_F(AuthPolicyTest, EveryMethodRefusesCallsWithoutToken) {
  for (const Method& m : AllMethods()) {
    grpc::Status s = CallEmpty(m, "");
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << m.full_name;
  }
}

TEST_F(AuthPolicyTest, EveryMethodRefusesAnUnknownToken) {
  for (const Method& m : AllMethods()) {
    grpc::Status s = CallEmpty(m, "prl_not-a-real-token");
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED) << m.full_name;
  }
}

TEST_F(AuthPolicyTest, EveryMethodRefusesTheWrongRoles) {
  const uint64_t community = CreateCommunity("c");
  const std::string organizer = OrganizerToken(community);
  v1::Event event = CreateEvent(organizer, "e");
  v1::ImportAttendeesResponse imported;
  ASSERT_TRUE(Import(organizer, event.id(), {Person("a1", "Ada")}, &imported).ok());
  const std::string attendee =
      AttendeeToken(organizer, event.id(), imported.results(0).attendee_id());
  const std::vector<std::pair<uint32_t, std::string>> tokens = {
      {services::kOperatorRole, admin_token_},
      {services::kOrganizerRole, organizer},
      {services::kAttendeeRole, attendee}};
  for (const Method& m : AllMethods()) {
    const uint32_t allowed = services::MethodPolicy().at(m.full_name);
    for (const auto& [role, token] : tokens) {
      grpc::Status s = CallEmpty(m, token);
      if (allowed & role) {
        EXPECT_NE(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << m.full_name;
        EXPECT_NE(s.error_code(), grpc::StatusCode::UNIMPLEMENTED) << m.full_name;
      } else {
        EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << m.full_name;
      }
    }
  }
}

TEST_F(AuthPolicyTest, RevokedTokenIsRefused) {
  const uint64_t community = CreateCommunity("c");
  v1::IssueOrganizerTokenRequest issue;
  issue.set_community_id(community);
  v1::IssuedToken issued;
  ASSERT_TRUE(admin_->IssueOrganizerToken(Ctx(admin_token_).get(), issue, &issued).ok());
  v1::ListEventsResponse events;
  ASSERT_TRUE(organizer_->ListEvents(Ctx(issued.token()).get(), {}, &events).ok());
  v1::RevokeTokenRequest revoke;
  revoke.set_token_id(issued.info().token_id());
  v1::TokenInfo info;
  ASSERT_TRUE(admin_->RevokeToken(Ctx(admin_token_).get(), revoke, &info).ok());
  EXPECT_NE(info.revoke_time(), 0);
  grpc::Status s = organizer_->ListEvents(Ctx(issued.token()).get(), {}, &events);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("revoked"));
}

TEST(TokenTest, SecretsAreLongRandomAndStoredOnlyAsHashes) {
  const std::string a = services::NewTokenSecret();
  const std::string b = services::NewTokenSecret();
  EXPECT_NE(a, b);
  EXPECT_GE(a.size(), 4u + 32u);  // "prl_" + base64 of 24 bytes
  EXPECT_EQ(services::TokenHash(a).size(), 32u);
  EXPECT_EQ(services::TokenIdFor(services::TokenHash(a)).size(), 3u + 16u);
  EXPECT_EQ(services::TokenIdFor(services::TokenHash(a)).find(a.substr(4, 8)), std::string::npos);
}

TEST(TokenTest, TheHashIsSha256OfTheSecret) {
  // Stored tokens are found by this hash: it must stay SHA-256 (FIPS 180-2 test vectors).
  EXPECT_EQ(absl::BytesToHexString(services::TokenHash("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(absl::BytesToHexString(services::TokenHash("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(OperatorTokenFileTest, CreatedWithMode0600AndReadBack) {
  testutil::ScopedTempDir dir;
  const std::string path = dir.Sub("admin.token");
  bool created = false;
  auto first = services::LoadOrCreateOperatorToken(path, &created);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(created);
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  auto second = services::LoadOrCreateOperatorToken(path, &created);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(created);
  EXPECT_EQ(*first, *second);
  chmod(path.c_str(), 0644);
  auto unsafe = services::LoadOrCreateOperatorToken(path, &created);
  EXPECT_EQ(unsafe.status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace parley
