// Tokens: put, lookup by hash, get by id, revoke, list by community and role.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/storage/store_fixture.h"

namespace parley::storage {
namespace {

using ::testing::HasSubstr;

std::string Hash(char c) { return std::string(32, c); }

v1::TokenInfo Organizer(const std::string& token_id, uint64_t community_id) {
  v1::TokenInfo token;
  token.set_token_id(token_id);
  token.set_role(v1::TokenInfo::ORGANIZER);
  token.set_community_id(community_id);
  token.set_label("desk");
  return token;
}

TEST_F(StoreTest, PutLookupAndGetToken) {
  const uint64_t community = NewCommunity();
  ASSERT_TRUE(store_->PutToken(Hash('a'), Organizer("tok-a", community)).ok());
  absl::StatusOr<v1::TokenInfo> by_hash = store_->LookupToken(Hash('a'));
  ASSERT_TRUE(by_hash.ok()) << by_hash.status();
  EXPECT_EQ(by_hash->token_id(), "tok-a");
  EXPECT_EQ(by_hash->community_id(), community);
  EXPECT_EQ(by_hash->label(), "desk");
  EXPECT_GT(by_hash->create_time(), 0);
  EXPECT_EQ(by_hash->revoke_time(), 0);
  absl::StatusOr<v1::TokenInfo> by_id = store_->GetTokenInfo("tok-a");
  ASSERT_TRUE(by_id.ok()) << by_id.status();
  EXPECT_EQ(by_id->SerializeAsString(), by_hash->SerializeAsString());

  EXPECT_EQ(store_->LookupToken(Hash('b')).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetTokenInfo("nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(StoreTest, PutTokenRejectsBadInputAndDuplicates) {
  const uint64_t community = NewCommunity();
  EXPECT_EQ(store_->PutToken("short", Organizer("t", community)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->LookupToken("short").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->PutToken(Hash('a'), Organizer("", community)).code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(store_->PutToken(Hash('a'), Organizer("t1", community)).ok());
  absl::Status same_id = store_->PutToken(Hash('b'), Organizer("t1", community));
  EXPECT_EQ(same_id.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(same_id.message(), HasSubstr("t1"));
  EXPECT_EQ(store_->PutToken(Hash('a'), Organizer("t2", community)).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(store_->LookupToken(Hash('a'))->token_id(), "t1");
  EXPECT_EQ(store_->GetTokenInfo("t2").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(StoreTest, AttendeeTokenNeedsAnExistingAttendee) {
  const uint64_t community = NewCommunity();
  const uint64_t event = NewEvent(community);
  v1::TokenInfo token;
  token.set_token_id("t");
  token.set_role(v1::TokenInfo::ATTENDEE);
  token.set_community_id(community);
  token.set_event_id(event);
  token.set_attendee_id(1);
  absl::Status missing = store_->PutToken(Hash('a'), token);
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.message(), HasSubstr("attendee 1 of event"));
  ASSERT_TRUE(store_->UpsertAttendees(event, {Row("x1", "Ada")}).ok());
  EXPECT_TRUE(store_->PutToken(Hash('a'), token).ok());
  EXPECT_EQ(store_->LookupToken(Hash('a'))->attendee_id(), 1u);
}

TEST_F(StoreTest, PutTokensStoresAllOrNone) {
  const uint64_t community = NewCommunity();
  const uint64_t event = NewEvent(community);
  ASSERT_TRUE(store_->UpsertAttendees(event, {Row("x1", "Ada"), Row("x2", "Bo")}).ok());
  auto attendee_token = [&](const std::string& id, uint64_t attendee) {
    return AttendeeTokenInfo(id, community, event, attendee);
  };
  // The third names a missing attendee: none of the three is stored.
  absl::Status missing = store_->PutTokens({{Hash('a'), attendee_token("a", 1)},
                                            {Hash('b'), attendee_token("b", 2)},
                                            {Hash('c'), attendee_token("c", 3)}});
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetTokenInfo("a").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(
      store_->PutTokens({{Hash('a'), attendee_token("a", 1)}, {Hash('a'), attendee_token("b", 2)}})
          .code(),
      absl::StatusCode::kInvalidArgument);

  ASSERT_TRUE(store_
                  ->PutTokens({{Hash('a'), attendee_token("a", 1)},
                               {Hash('b'), attendee_token("b", 2)},
                               {Hash('d'), attendee_token("d", 1)}})
                  .ok());
  absl::StatusOr<std::vector<v1::TokenInfo>> of_first = store_->ListAttendeeTokens(event, 1);
  ASSERT_TRUE(of_first.ok()) << of_first.status();
  ASSERT_EQ(of_first->size(), 2u);
  EXPECT_EQ((*of_first)[0].token_id(), "a");
  EXPECT_EQ((*of_first)[1].token_id(), "d");
  EXPECT_EQ(store_->LookupToken(Hash('b'))->attendee_id(), 2u);
  EXPECT_TRUE(store_->ListAttendeeTokens(event, 7)->empty());
}

TEST_F(StoreTest, RevokeTokenSetsRevokeTimeOnce) {
  const uint64_t community = NewCommunity();
  ASSERT_TRUE(store_->PutToken(Hash('a'), Organizer("t1", community)).ok());
  absl::StatusOr<v1::TokenInfo> revoked = store_->RevokeToken("t1", 1700000000);
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(revoked->revoke_time(), 1700000000);
  EXPECT_EQ(store_->LookupToken(Hash('a'))->revoke_time(), 1700000000);
  revoked = store_->RevokeToken("t1", 1800000000);  // idempotent: the first time stays
  EXPECT_EQ(revoked->revoke_time(), 1700000000);
  EXPECT_EQ(store_->RevokeToken("t9", 1).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(StoreTest, ListTokensByCommunityAndRoleInTokenIdOrderWithPaging) {
  const uint64_t a = NewCommunity("a");
  const uint64_t b = NewCommunity("b");
  // Inserted out of order; one is a prefix of another.
  const std::vector<std::string> ids = {"t3", "t1", "t10", "t2", "t"};
  char c = 'a';
  for (const std::string& id : ids) {
    ASSERT_TRUE(store_->PutToken(Hash(c++), Organizer(id, a)).ok());
  }
  ASSERT_TRUE(store_->PutToken(Hash(c++), Organizer("other", b)).ok());
  v1::TokenInfo operator_token;
  operator_token.set_token_id("op");
  operator_token.set_role(v1::TokenInfo::OPERATOR);
  ASSERT_TRUE(store_->PutToken(Hash(c++), operator_token).ok());

  std::vector<std::string> seen;
  std::string after;
  for (;;) {
    absl::StatusOr<std::vector<v1::TokenInfo>> page =
        store_->ListTokens(a, v1::TokenInfo::ORGANIZER, after, 2);
    ASSERT_TRUE(page.ok()) << page.status();
    if (page->empty()) break;
    for (const v1::TokenInfo& t : *page) seen.push_back(t.token_id());
    after = page->back().token_id();
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"t", "t1", "t10", "t2", "t3"}));
  EXPECT_TRUE(store_->ListTokens(a, v1::TokenInfo::ATTENDEE, "", 10)->empty());
  absl::StatusOr<std::vector<v1::TokenInfo>> operators =
      store_->ListTokens(0, v1::TokenInfo::OPERATOR, "", 10);
  ASSERT_EQ(operators->size(), 1u);
  EXPECT_EQ((*operators)[0].token_id(), "op");
}

}  // namespace
}  // namespace parley::storage
