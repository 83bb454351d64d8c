// Attendees: the import upsert, read-modify-write, removal, listing and scanning.
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

class AttendeeTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    community_ = NewCommunity();
    event_ = NewEvent(community_);
  }
  std::vector<UpsertResult> Upsert(std::vector<v1::Attendee> rows) {
    absl::StatusOr<std::vector<UpsertResult>> results =
        store_->UpsertAttendees(event_, std::move(rows));
    EXPECT_TRUE(results.ok()) << results.status();
    return results.ok() ? *results : std::vector<UpsertResult>();
  }
  v1::TokenInfo AttendeeToken(const std::string& token_id, uint64_t attendee_id) {
    return AttendeeTokenInfo(token_id, community_, event_, attendee_id);
  }
  uint64_t community_ = 0;
  uint64_t event_ = 0;
};

MATCHER_P2(IsResult, outcome, id, "") {
  return arg.outcome == outcome && arg.attendee_id == static_cast<uint64_t>(id);
}

TEST_F(AttendeeTest, UpsertCreatesUpdatesAndLeavesUnchanged) {
  std::vector<UpsertResult> first = Upsert({Row("x1", "Ada"), Row("x2", "Grace")});
  EXPECT_THAT(first, ::testing::ElementsAre(IsResult(UpsertOutcome::kCreated, 1),
                                            IsResult(UpsertOutcome::kCreated, 2)));
  absl::StatusOr<v1::Attendee> ada = store_->GetAttendee(event_, 1);
  ASSERT_TRUE(ada.ok()) << ada.status();
  EXPECT_EQ(ada->display_name(), "Ada");
  EXPECT_EQ(ada->event_id(), event_);
  EXPECT_EQ(ada->external_id(), "x1");
  EXPECT_GT(ada->create_time(), 0);

  // The same file again changes nothing, even if the caller filled in output-only fields.
  v1::Attendee again = Row("x1", "Ada");
  again.set_id(555);
  again.set_create_time(1);
  again.set_update_time(2);
  again.set_event_id(9);
  std::vector<UpsertResult> second = Upsert({again, Row("x2", "Grace"), Row("x3", "Lin")});
  EXPECT_THAT(second, ::testing::ElementsAre(IsResult(UpsertOutcome::kUnchanged, 1),
                                             IsResult(UpsertOutcome::kUnchanged, 2),
                                             IsResult(UpsertOutcome::kCreated, 3)));
  EXPECT_EQ(store_->GetAttendee(event_, 1)->SerializeAsString(), ada->SerializeAsString());

  v1::Attendee changed = Row("x2", "Grace Hopper");
  changed.add_interests()->set_tag("compilers");
  std::vector<UpsertResult> third = Upsert({changed});
  EXPECT_THAT(third, ::testing::ElementsAre(IsResult(UpsertOutcome::kUpdated, 2)));
  absl::StatusOr<v1::Attendee> grace = store_->GetAttendee(event_, 2);
  EXPECT_EQ(grace->display_name(), "Grace Hopper");
  EXPECT_EQ(grace->interests(0).tag(), "compilers");
  EXPECT_EQ(grace->id(), 2u);
  EXPECT_EQ(grace->create_time(), ada->create_time());
}

TEST_F(AttendeeTest, UpsertTreatsBudgetPresenceAsAChange) {
  Upsert({Row("x1", "Ada")});
  v1::Attendee opted_out = Row("x1", "Ada");
  opted_out.set_budget(0);  // present and 0 = opted out, unlike absent
  EXPECT_THAT(Upsert({opted_out}), ::testing::ElementsAre(IsResult(UpsertOutcome::kUpdated, 1)));
  EXPECT_TRUE(store_->GetAttendee(event_, 1)->has_budget());
}

TEST_F(AttendeeTest, UpsertDuplicatesInOneBatchSeeEarlierRows) {
  v1::Attendee changed = Row("x1", "Ada L.");
  std::vector<UpsertResult> results =
      Upsert({Row("x1", "Ada"), Row("x1", "Ada"), changed, Row("x2", "Bo"), changed});
  EXPECT_THAT(results, ::testing::ElementsAre(IsResult(UpsertOutcome::kCreated, 1),
                                              IsResult(UpsertOutcome::kUnchanged, 1),
                                              IsResult(UpsertOutcome::kUpdated, 1),
                                              IsResult(UpsertOutcome::kCreated, 2),
                                              IsResult(UpsertOutcome::kUnchanged, 1)));
  EXPECT_EQ(store_->GetAttendee(event_, 1)->display_name(), "Ada L.");
  EXPECT_EQ(store_->ListAttendees(event_, 0, 10)->size(), 2u);

  // Existing record, then two different versions in one batch: the last one wins.
  results = Upsert({Row("x2", "Bo 2"), Row("x2", "Bo 3"), Row("x2", "Bo 3")});
  EXPECT_THAT(results, ::testing::ElementsAre(IsResult(UpsertOutcome::kUpdated, 2),
                                              IsResult(UpsertOutcome::kUpdated, 2),
                                              IsResult(UpsertOutcome::kUnchanged, 2)));
  EXPECT_EQ(store_->GetAttendee(event_, 2)->display_name(), "Bo 3");
}

TEST_F(AttendeeTest, UpsertOutOfKeyOrderKeepsRowOrderForIdsAndTheIndexRight) {
  // The store looks external ids up in key order; ids and results still follow the rows.
  Upsert({Row("m", "M")});
  std::vector<UpsertResult> results =
      Upsert({Row("z", "Z"), Row("b", "B"), Row("m", "M2"), Row("a", "A"), Row("z", "Z")});
  EXPECT_THAT(results, ::testing::ElementsAre(IsResult(UpsertOutcome::kCreated, 2),
                                              IsResult(UpsertOutcome::kCreated, 3),
                                              IsResult(UpsertOutcome::kUpdated, 1),
                                              IsResult(UpsertOutcome::kCreated, 4),
                                              IsResult(UpsertOutcome::kUnchanged, 2)));
  const std::vector<std::pair<std::string, uint64_t>> expected = {
      {"a", 4}, {"b", 3}, {"m", 1}, {"z", 2}};
  for (const auto& [external_id, id] : expected) {
    absl::StatusOr<v1::Attendee> found = store_->GetAttendeeByExternalId(event_, external_id);
    ASSERT_TRUE(found.ok()) << external_id << ": " << found.status();
    EXPECT_EQ(found->id(), id) << external_id;
    EXPECT_EQ(found->external_id(), external_id);
  }
  EXPECT_EQ(store_->GetAttendee(event_, 1)->display_name(), "M2");
}

TEST_F(AttendeeTest, UpsertIsPerEvent) {
  const uint64_t other = NewEvent(community_, "other");
  Upsert({Row("x1", "Ada")});
  absl::StatusOr<std::vector<UpsertResult>> results =
      store_->UpsertAttendees(other, {Row("x1", "Ada")});
  ASSERT_TRUE(results.ok());
  EXPECT_EQ((*results)[0].outcome, UpsertOutcome::kCreated);
  EXPECT_EQ(store_->GetAttendeeByExternalId(other, "x1")->id(), (*results)[0].attendee_id);
  EXPECT_EQ(store_->GetAttendeeByExternalId(event_, "x1")->id(), 1u);
}

TEST_F(AttendeeTest, UpsertErrorsWriteNothing) {
  absl::StatusOr<std::vector<UpsertResult>> missing_event =
      store_->UpsertAttendees(99, {Row("x1", "Ada")});
  EXPECT_EQ(missing_event.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing_event.status().message(), "event 99 not found");

  absl::StatusOr<std::vector<UpsertResult>> empty_id =
      store_->UpsertAttendees(event_, {Row("x1", "Ada"), Row("", "Nobody")});
  EXPECT_EQ(empty_id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(empty_id.status().message(), HasSubstr("row 1"));
  EXPECT_TRUE(store_->ListAttendees(event_, 0, 10)->empty());
  EXPECT_TRUE(store_->UpsertAttendees(event_, {})->empty());
}

TEST_F(AttendeeTest, GetByExternalId) {
  Upsert({Row("x1", "Ada"), Row("x2", "Grace")});
  EXPECT_EQ(store_->GetAttendeeByExternalId(event_, "x2")->id(), 2u);
  absl::StatusOr<v1::Attendee> missing = store_->GetAttendeeByExternalId(event_, "nope");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("\"nope\""));
}

TEST_F(AttendeeTest, MutateAttendeeMovesTheExternalIdIndex) {
  Upsert({Row("x1", "Ada"), Row("x2", "Grace")});
  absl::StatusOr<Mutated<v1::Attendee>> mutated =
      store_->MutateAttendee(event_, 1, [](v1::Attendee* a) {
        a->set_external_id("x9");
        a->set_bio("hi");
        a->set_id(77);  // restored
        return absl::OkStatus();
      });
  ASSERT_TRUE(mutated.ok()) << mutated.status();
  EXPECT_EQ(mutated->record.id(), 1u);
  EXPECT_EQ(store_->GetAttendeeByExternalId(event_, "x9")->bio(), "hi");
  EXPECT_EQ(store_->GetAttendeeByExternalId(event_, "x1").status().code(),
            absl::StatusCode::kNotFound);
  // The old external_id is free again: importing it creates a new attendee.
  EXPECT_THAT(Upsert({Row("x1", "New")}),
              ::testing::ElementsAre(IsResult(UpsertOutcome::kCreated, 3)));
}

TEST_F(AttendeeTest, MutateAttendeeToATakenExternalIdIsAlreadyExists) {
  Upsert({Row("x1", "Ada"), Row("x2", "Grace")});
  absl::StatusOr<Mutated<v1::Attendee>> mutated =
      store_->MutateAttendee(event_, 1, [](v1::Attendee* a) {
        a->set_external_id("x2");
        a->set_bio("should not be written");
        return absl::OkStatus();
      });
  EXPECT_EQ(mutated.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(mutated.status().message(), HasSubstr("attendee 2"));
  EXPECT_EQ(store_->GetAttendee(event_, 1)->bio(), "");
  EXPECT_EQ(store_->GetAttendeeByExternalId(event_, "x1")->id(), 1u);
  EXPECT_EQ(store_->GetAttendeeByExternalId(event_, "x2")->id(), 2u);
}

TEST_F(AttendeeTest, MutateMissingAttendeeIsNotFoundNamingIds) {
  absl::StatusOr<Mutated<v1::Attendee>> mutated =
      store_->MutateAttendee(event_, 17, [](v1::Attendee*) { return absl::OkStatus(); });
  EXPECT_EQ(mutated.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(mutated.status().message(),
            absl::StrCat("attendee 17 of event ", event_, " not found"));
}

TEST_F(AttendeeTest, RemoveAttendeeRemovesIndexAndTokensAndIsIdempotent) {
  Upsert({Row("x1", "Ada"), Row("x2", "Grace")});
  ASSERT_TRUE(store_->PutToken(std::string(32, 'a'), AttendeeToken("t-ada-1", 1)).ok());
  ASSERT_TRUE(store_->PutToken(std::string(32, 'b'), AttendeeToken("t-ada-2", 1)).ok());
  ASSERT_TRUE(store_->PutToken(std::string(32, 'c'), AttendeeToken("t-grace", 2)).ok());

  absl::StatusOr<bool> removed = store_->RemoveAttendee(event_, 1);
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_TRUE(*removed);
  EXPECT_EQ(store_->GetAttendee(event_, 1).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetAttendeeByExternalId(event_, "x1").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->LookupToken(std::string(32, 'a')).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetTokenInfo("t-ada-2").status().code(), absl::StatusCode::kNotFound);
  absl::StatusOr<std::vector<v1::TokenInfo>> left =
      store_->ListTokens(community_, v1::TokenInfo::ATTENDEE, "", 10);
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].token_id(), "t-grace");
  EXPECT_EQ(store_->GetAttendee(event_, 2)->display_name(), "Grace");

  removed = store_->RemoveAttendee(event_, 1);
  ASSERT_TRUE(removed.ok());
  EXPECT_FALSE(*removed);
  // The token ids are free again.
  EXPECT_TRUE(store_->PutToken(std::string(32, 'a'), AttendeeToken("t-ada-1", 2)).ok());
}

TEST_F(AttendeeTest, ListAttendeesPagesWithinTheEvent) {
  const uint64_t other = NewEvent(community_, "other");
  std::vector<v1::Attendee> rows;
  for (int i = 0; i < 10; ++i) rows.push_back(Row(absl::StrCat("x", i), "n"));
  ASSERT_TRUE(store_->UpsertAttendees(other, rows).ok());  // ids 1..10, other event
  Upsert(rows);                                            // ids 11..20, this event
  std::vector<uint64_t> seen;
  uint64_t after = 0;
  for (;;) {
    absl::StatusOr<std::vector<v1::Attendee>> page = store_->ListAttendees(event_, after, 3);
    ASSERT_TRUE(page.ok()) << page.status();
    if (page->empty()) break;
    EXPECT_LE(page->size(), 3u);
    for (const v1::Attendee& a : *page) {
      EXPECT_EQ(a.event_id(), event_);
      seen.push_back(a.id());
    }
    after = page->back().id();
  }
  std::vector<uint64_t> expected;
  for (uint64_t id = 11; id <= 20; ++id) expected.push_back(id);
  EXPECT_EQ(seen, expected);
  EXPECT_TRUE(store_->ListAttendees(event_, UINT64_MAX, 3)->empty());
}

TEST_F(AttendeeTest, ScanAttendeesVisitsInIdOrderFromASnapshotAndStopsEarly) {
  std::vector<v1::Attendee> rows;
  for (int i = 0; i < 20; ++i) rows.push_back(Row(absl::StrCat("x", i), "n"));
  Upsert(rows);
  std::vector<uint64_t> seen;
  absl::Status s = store_->ScanAttendees(event_, [&](const v1::Attendee& a) {
    seen.push_back(a.id());
    // Writes during the scan are not seen by it.
    if (a.id() == 1) {
      EXPECT_TRUE(store_->UpsertAttendees(event_, {Row("late", "n")}).ok());
      EXPECT_TRUE(store_->RemoveAttendee(event_, 20).ok());
    }
    return true;
  });
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_EQ(seen.size(), 20u);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], i + 1);

  int visited = 0;
  s = store_->ScanAttendees(event_, [&](const v1::Attendee&) { return ++visited < 5; });
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(visited, 5);
}

}  // namespace
}  // namespace parley::storage
