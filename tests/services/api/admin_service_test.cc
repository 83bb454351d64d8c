#include <string>

#include "tests/services/service_fixture.h"

namespace parley {
namespace {

class AdminServiceTest : public testutil::ServiceTest {};

TEST_F(AdminServiceTest, CreatesAndPagesThroughCommunities) {
  for (int i = 0; i < 5; ++i) CreateCommunity(absl::StrCat("community ", i));
  std::vector<std::string> names;
  v1::ListCommunitiesRequest request;
  request.set_page_size(2);
  for (int page = 0; page < 10; ++page) {
    v1::ListCommunitiesResponse response;
    ASSERT_TRUE(admin_->ListCommunities(Ctx(admin_token_).get(), request, &response).ok());
    for (const v1::Community& c : response.communities()) names.push_back(c.name());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  EXPECT_THAT(names, ::testing::ElementsAre("community 0", "community 1", "community 2",
                                            "community 3", "community 4"));
}

TEST_F(AdminServiceTest, CommunityNameIsRequiredAndLimited) {
  v1::CreateCommunityRequest request;
  v1::Community community;
  grpc::Status s = admin_->CreateCommunity(Ctx(admin_token_).get(), request, &community);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("name"));
  request.set_name(std::string(201, 'x'));
  s = admin_->CreateCommunity(Ctx(admin_token_).get(), request, &community);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // proto3 strings cannot carry invalid UTF-8: protobuf refuses the message before our
  // validation sees it. What matters is that the call fails and the server keeps serving.
  request.set_name("bad \xff utf8");
  s = admin_->CreateCommunity(Ctx(admin_token_).get(), request, &community);
  EXPECT_FALSE(s.ok());
  request.set_name("fine");
  EXPECT_TRUE(admin_->CreateCommunity(Ctx(admin_token_).get(), request, &community).ok());
}

TEST_F(AdminServiceTest, BadPageArgumentsAreInvalid) {
  v1::ListCommunitiesRequest request;
  v1::ListCommunitiesResponse response;
  request.set_page_size(-1);
  EXPECT_EQ(admin_->ListCommunities(Ctx(admin_token_).get(), request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  request.set_page_size(10);
  request.set_page_token("garbage!");
  grpc::Status s = admin_->ListCommunities(Ctx(admin_token_).get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("page_token"));
}

TEST_F(AdminServiceTest, OrganizerTokensAreListedWithoutSecretsAndRevocable) {
  const uint64_t community = CreateCommunity("c");
  v1::IssueOrganizerTokenRequest issue;
  issue.set_community_id(community);
  issue.set_label("desk");
  v1::IssuedToken issued;
  ASSERT_TRUE(admin_->IssueOrganizerToken(Ctx(admin_token_).get(), issue, &issued).ok());
  EXPECT_EQ(issued.info().role(), v1::TokenInfo::ORGANIZER);
  v1::ListOrganizerTokensRequest list;
  list.set_community_id(community);
  v1::ListOrganizerTokensResponse tokens;
  ASSERT_TRUE(admin_->ListOrganizerTokens(Ctx(admin_token_).get(), list, &tokens).ok());
  ASSERT_EQ(tokens.tokens_size(), 1);
  EXPECT_EQ(tokens.tokens(0).token_id(), issued.info().token_id());
  EXPECT_EQ(tokens.tokens(0).label(), "desk");
  EXPECT_EQ(tokens.DebugString().find(issued.token()), std::string::npos);

  v1::RevokeTokenRequest revoke;
  revoke.set_token_id(issued.info().token_id());
  v1::TokenInfo revoked;
  ASSERT_TRUE(admin_->RevokeToken(Ctx(admin_token_).get(), revoke, &revoked).ok());
  ASSERT_TRUE(admin_->RevokeToken(Ctx(admin_token_).get(), revoke, &revoked).ok());  // idempotent
  revoke.set_token_id("tk_0000000000000000");
  EXPECT_EQ(admin_->RevokeToken(Ctx(admin_token_).get(), revoke, &revoked).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(AdminServiceTest, TokenForMissingCommunityIsNotFound) {
  v1::IssueOrganizerTokenRequest issue;
  issue.set_community_id(12345);
  v1::IssuedToken issued;
  EXPECT_EQ(admin_->IssueOrganizerToken(Ctx(admin_token_).get(), issue, &issued).error_code(),
            grpc::StatusCode::NOT_FOUND);
  issue.set_community_id(0);
  EXPECT_EQ(admin_->IssueOrganizerToken(Ctx(admin_token_).get(), issue, &issued).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AdminServiceTest, CommunitiesAndTokensSurviveRestart) {
  const uint64_t community = CreateCommunity("durable");
  const std::string organizer = OrganizerToken(community);
  Restart();
  v1::ListEventsResponse events;
  EXPECT_TRUE(organizer_->ListEvents(Ctx(organizer).get(), {}, &events).ok());
  v1::ListCommunitiesResponse communities;
  ASSERT_TRUE(admin_->ListCommunities(Ctx(admin_token_).get(), {}, &communities).ok());
  ASSERT_EQ(communities.communities_size(), 1);
  EXPECT_EQ(communities.communities(0).name(), "durable");
}

}  // namespace
}  // namespace parley
