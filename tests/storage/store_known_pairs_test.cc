// Known pairs: idempotent adds, removal, scans from either side, durability and erasure.
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/storage/store_fixture.h"

namespace parley::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class KnownPairsTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    event_ = NewEvent(NewCommunity());
    absl::StatusOr<std::vector<UpsertResult>> rows = store_->UpsertAttendees(
        event_, {Row("a", "Ada"), Row("b", "Bo"), Row("c", "Cy"), Row("d", "Di")});
    ASSERT_TRUE(rows.ok()) << rows.status();
  }
  std::vector<AttendeePair> Pairs() {
    std::vector<AttendeePair> out;
    absl::Status s = store_->ScanKnownPairs(event_, [&](uint64_t a, uint64_t b) {
      out.emplace_back(a, b);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s;
    return out;
  }
  uint64_t event_ = 0;
};

TEST_F(KnownPairsTest, AddIsIdempotentInEitherOrderAndReportsMissingAttendees) {
  absl::StatusOr<std::vector<KnownPairOutcome>> added =
      store_->AddKnownPairs(event_, {{2, 1}, {1, 2}, {3, 99}, {3, 4}});
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_THAT(*added, ElementsAre(KnownPairOutcome::kAdded, KnownPairOutcome::kUnchanged,
                                  KnownPairOutcome::kMissingAttendee, KnownPairOutcome::kAdded));
  EXPECT_THAT(Pairs(), ElementsAre(AttendeePair{1, 2}, AttendeePair{3, 4}));
  added = store_->AddKnownPairs(event_, {{1, 2}, {4, 3}});
  ASSERT_TRUE(added.ok());
  EXPECT_THAT(*added, ElementsAre(KnownPairOutcome::kUnchanged, KnownPairOutcome::kUnchanged));
  EXPECT_TRUE(*store_->IsKnownPair(event_, 2, 1));
  EXPECT_FALSE(*store_->IsKnownPair(event_, 1, 3));
}

TEST_F(KnownPairsTest, BadPairsWriteNothing) {
  EXPECT_EQ(store_->AddKnownPairs(event_, {{1, 2}, {3, 3}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->AddKnownPairs(event_, {{0, 2}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Pairs(), IsEmpty());
}

TEST_F(KnownPairsTest, RemoveForgetsOnlyKnownPairs) {
  ASSERT_TRUE(store_->AddKnownPairs(event_, {{1, 2}, {1, 3}}).ok());
  absl::StatusOr<std::vector<bool>> removed = store_->RemoveKnownPairs(event_, {{3, 1}, {2, 4}});
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_THAT(*removed, ElementsAre(true, false));
  EXPECT_THAT(Pairs(), ElementsAre(AttendeePair{1, 2}));
}

TEST_F(KnownPairsTest, PairsSurviveReopenAndStayInTheirEvent) {
  ASSERT_TRUE(store_->AddKnownPairs(event_, {{1, 4}}).ok());
  Reopen();
  EXPECT_THAT(Pairs(), ElementsAre(AttendeePair{1, 4}));
  const uint64_t other = NewEvent(NewCommunity("Other"));
  std::vector<AttendeePair> seen;
  ASSERT_TRUE(store_
                  ->ScanKnownPairs(other,
                                   [&](uint64_t a, uint64_t b) {
                                     seen.emplace_back(a, b);
                                     return true;
                                   })
                  .ok());
  EXPECT_THAT(seen, IsEmpty());
}

TEST_F(KnownPairsTest, RemovingAnAttendeeErasesTheirPairsBothWays) {
  ASSERT_TRUE(store_->AddKnownPairs(event_, {{1, 2}, {3, 2}, {3, 4}}).ok());
  absl::StatusOr<bool> removed = store_->RemoveAttendee(event_, 2);
  ASSERT_TRUE(removed.ok() && *removed) << removed.status();
  EXPECT_THAT(Pairs(), ElementsAre(AttendeePair{3, 4}));
  EXPECT_FALSE(*store_->IsKnownPair(event_, 3, 2));
  Reopen();
  EXPECT_THAT(Pairs(), ElementsAre(AttendeePair{3, 4}));
}

}  // namespace
}  // namespace parley::storage
