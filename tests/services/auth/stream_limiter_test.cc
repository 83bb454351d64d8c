// StreamLimiter on a real store: the three caps, places freed by their slots, and the end of a
// revoked token's streams driven by the store's commits. PeerAddress.
#include "services/auth/stream_limiter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/auth/auth.h"
#include "storage/store.h"
#include "tests/testing/temp_dir.h"

namespace parley::services {
namespace {

using ::testing::HasSubstr;

class StreamLimiterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions options;
    options.path = dir_.Sub("db");
    auto store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    v1::Community community;
    community.set_name("Limits");
    auto created = store_->CreateCommunity(community);
    ASSERT_TRUE(created.ok()) << created.status();
    community_id_ = created->id();
  }
  void TearDown() override {
    if (limiter_ != nullptr) store_->RemoveCommitListener(limiter_.get());
  }

  void MakeLimiter(StreamLimitOptions options) {
    limiter_ = std::make_unique<StreamLimiter>(store_.get(), options);
    store_->AddCommitListener(limiter_.get());
  }

  // An organiser token stored under a hash made of `c`.
  Principal Token(const std::string& token_id, char c) {
    v1::TokenInfo info;
    info.set_token_id(token_id);
    info.set_role(v1::TokenInfo::ORGANIZER);
    info.set_community_id(community_id_);
    EXPECT_TRUE(store_->PutToken(std::string(32, c), info).ok());
    Principal who;
    who.role = v1::TokenInfo::ORGANIZER;
    who.community_id = community_id_;
    who.token_id = token_id;
    return who;
  }

  testutil::ScopedTempDir dir_;
  std::unique_ptr<storage::Store> store_;
  uint64_t community_id_ = 0;
  std::unique_ptr<StreamLimiter> limiter_;
};

TEST_F(StreamLimiterTest, EachCapRefusesWithItsOwnMessageAndSlotsFreeTheirPlaces) {
  MakeLimiter({/*per_token=*/2, /*per_connection=*/3, /*total=*/4});
  const Principal a = Token("tk_a", 'a');
  const Principal b = Token("tk_b", 'b');
  std::vector<std::unique_ptr<StreamLimiter::Slot>> slots;
  for (int i = 0; i < 2; ++i) {
    auto slot = limiter_->Open(a, "ipv4:10.0.0.1:1000", nullptr);
    ASSERT_TRUE(slot.ok()) << slot.status();
    slots.push_back(*std::move(slot));
  }
  auto refused = limiter_->Open(a, "ipv4:10.0.0.2:1000", nullptr);
  EXPECT_TRUE(absl::IsResourceExhausted(refused.status()));
  EXPECT_THAT(refused.status().message(), HasSubstr("token tk_a already holds 2"));
  auto third = limiter_->Open(b, "ipv4:10.0.0.1:1000", nullptr);
  ASSERT_TRUE(third.ok());
  slots.push_back(*std::move(third));
  refused = limiter_->Open(b, "ipv4:10.0.0.1:1000", nullptr);
  EXPECT_THAT(refused.status().message(), HasSubstr("limit per connection"));
  auto fourth = limiter_->Open(Principal{}, "ipv4:10.0.0.9:1", nullptr);  // no token
  ASSERT_TRUE(fourth.ok());
  slots.push_back(*std::move(fourth));
  refused = limiter_->Open(Principal{}, "ipv4:10.0.0.8:1", nullptr);
  EXPECT_THAT(refused.status().message(), HasSubstr("limit for all clients"));
  EXPECT_EQ(limiter_->open(), 4);
  slots.erase(slots.begin());  // one of tk_a's
  EXPECT_EQ(limiter_->open(), 3);
  EXPECT_TRUE(limiter_->Open(a, "ipv4:10.0.0.3:1", nullptr).ok());  // and freed again at once
}

TEST_F(StreamLimiterTest, RevocationEndsOnlyTheRevokedTokensStreams) {
  MakeLimiter({});
  const Principal a = Token("tk_a", 'a');
  const Principal b = Token("tk_b", 'b');
  absl::Mutex mu;
  std::vector<std::string> ended;
  auto ender = [&](const std::string& name) {
    return [&, name](const absl::Status& status) {
      absl::MutexLock lock(&mu);
      ended.push_back(absl::StrCat(name, ": ", status.ToString()));
    };
  };
  auto a1 = limiter_->Open(a, "p1", ender("a1"));
  auto a2 = limiter_->Open(a, "p2", ender("a2"));
  auto b1 = limiter_->Open(b, "p1", ender("b1"));
  ASSERT_TRUE(a1.ok() && a2.ok() && b1.ok());
  ASSERT_TRUE(store_->RevokeToken("tk_a", 1800000000).ok());
  limiter_->WaitForChecks();
  {
    absl::MutexLock lock(&mu);
    ASSERT_EQ(ended.size(), 2u);
    for (const std::string& e : ended) {
      EXPECT_THAT(e, HasSubstr("UNAUTHENTICATED"));
      EXPECT_THAT(e, HasSubstr("token tk_a has been revoked"));
    }
  }
  // Another token change checks again; an ended stream is not ended twice.
  Token("tk_c", 'c');
  limiter_->WaitForChecks();
  absl::MutexLock lock(&mu);
  EXPECT_EQ(ended.size(), 2u);
}

TEST_F(StreamLimiterTest, AStreamOpenedWithAnAlreadyRevokedTokenIsRefused) {
  MakeLimiter({});
  const Principal a = Token("tk_a", 'a');
  ASSERT_TRUE(store_->RevokeToken("tk_a", 1800000000).ok());
  auto slot = limiter_->Open(a, "p", nullptr);
  EXPECT_TRUE(absl::IsUnauthenticated(slot.status())) << slot.status();
  EXPECT_EQ(limiter_->open(), 0);
}

TEST(PeerAddressTest, DropsThePortOfIpAddressesOnly) {
  EXPECT_EQ(PeerAddress("ipv4:10.0.0.7:53122"), "ipv4:10.0.0.7");
  EXPECT_EQ(PeerAddress("ipv6:[::1]:4000"), "ipv6:[::1]");
  EXPECT_EQ(PeerAddress("ipv6:[fe80::1%eth0]:4000"), "ipv6:[fe80::1%eth0]");
  EXPECT_EQ(PeerAddress("unix:/run/parley.sock"), "unix:/run/parley.sock");
  EXPECT_EQ(PeerAddress("inproc"), "inproc");
}

}  // namespace
}  // namespace parley::services
