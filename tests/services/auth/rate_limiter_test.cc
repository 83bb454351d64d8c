// Per-token rate limits: the token bucket on a fake clock, and the server refusing a token that
// exceeds its limit with RESOURCE_EXHAUSTED while other tokens go on.
#include "services/auth/rate_limiter.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/service_fixture.h"

namespace parley {
namespace {

using ::testing::HasSubstr;

TEST(RateLimiterTest, BurstThenTheSustainedRatePerKey) {
  absl::Time now = absl::FromUnixSeconds(1000);
  services::RateLimiter limiter({/*per_second=*/10, /*burst=*/3, [&] { return now; }});
  absl::Duration retry;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Admit("a", &retry)) << i;
  EXPECT_FALSE(limiter.Admit("a", &retry));
  EXPECT_EQ(retry, absl::Milliseconds(100));
  EXPECT_TRUE(limiter.Admit("b", &retry));  // another key has its own bucket
  now += absl::Milliseconds(100);
  EXPECT_TRUE(limiter.Admit("a", &retry));
  EXPECT_FALSE(limiter.Admit("a", &retry));
  now += absl::Hours(1);  // refills to the burst, not beyond
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Admit("a", &retry)) << i;
  EXPECT_FALSE(limiter.Admit("a", &retry));
  const absl::Status refused = limiter.Exhausted("token tk_1", absl::Milliseconds(100));
  EXPECT_TRUE(absl::IsResourceExhausted(refused));
  EXPECT_THAT(refused.message(), HasSubstr("token tk_1: more than 10 calls per second"));
  EXPECT_THAT(refused.message(), HasSubstr("retry in 100 ms"));
}

TEST(RateLimiterTest, ZeroMeansNoLimit) {
  services::RateLimiter limiter({/*per_second=*/0, /*burst=*/1, nullptr});
  absl::Duration retry;
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(limiter.Admit("a", &retry));
}

TEST(RateLimiterTest, IdleKeysAreForgottenBusyOnesKept) {
  absl::Time now = absl::FromUnixSeconds(1000);
  services::RateLimiter limiter({/*per_second=*/1, /*burst=*/2, [&] { return now; }});
  absl::Duration retry;
  const size_t flood = 16 * services::RateLimiter::kMaxKeysPerShard;
  for (size_t i = 0; i < flood; ++i) ASSERT_TRUE(limiter.Admit(absl::StrCat("old", i), &retry));
  now += absl::Seconds(10);  // every old key is full again: idle
  ASSERT_TRUE(limiter.Admit("busy", &retry));
  ASSERT_TRUE(limiter.Admit("busy", &retry));
  for (size_t i = 0; i < flood; ++i) ASSERT_TRUE(limiter.Admit(absl::StrCat("new", i), &retry));
  EXPECT_LT(limiter.size(), flood + flood / 2) << "idle keys were not forgotten";
  EXPECT_FALSE(limiter.Admit("busy", &retry)) << "a drained bucket must not be forgotten";
}

class RateLimitedServerTest : public testutil::ServiceTest {
 protected:
  void SetUp() override {
    adjust_options_ = [](services::ServerOptions* options) {
      options->rate_limit.per_second = 0.001;  // no refill within a test
      options->rate_limit.burst = 3;
    };
    testutil::ServiceTest::SetUp();
  }
};

TEST_F(RateLimitedServerTest, ATokenBeyondItsLimitIsRefusedOthersGoOn) {
  const uint64_t community = CreateCommunity("Limits");     // operator call 1
  const std::string organiser = OrganizerToken(community);  // operator call 2
  const std::string other = OrganizerToken(community);      // operator call 3
  v1::ListEventsRequest list;
  v1::ListEventsResponse events;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(organizer_->ListEvents(Ctx(organiser).get(), list, &events).ok()) << i;
  }
  grpc::Status refused = organizer_->ListEvents(Ctx(organiser).get(), list, &events);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("token tk_"));
  EXPECT_THAT(refused.error_message(), HasSubstr("retry in"));
  EXPECT_TRUE(organizer_->ListEvents(Ctx(other).get(), list, &events).ok());
  v1::CreateCommunityRequest create;
  create.set_name("One too many");
  v1::Community ignored;
  refused = admin_->CreateCommunity(Ctx(admin_token_).get(), create, &ignored);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("the operator token"));
  // A call without a valid token is refused for that, not counted against anybody.
  EXPECT_EQ(organizer_->ListEvents(Ctx("prl_unknown").get(), list, &events).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

}  // namespace
}  // namespace parley
