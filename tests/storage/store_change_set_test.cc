// The commit funnel: every write tells the listeners what it changed, derived from the keys it
// wrote, once it is durable; a write that fails or changes nothing tells nobody.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/change_set.h"
#include "tests/storage/store_fixture.h"

namespace parley::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Keeps every change set, and checks that the write is already visible when it is told.
class Recorder : public CommitListener {
 public:
  explicit Recorder(const Store* store) : store_(store) {}
  void OnCommit(const ChangeSet& changes) override {
    seen.push_back(changes);
    for (const auto& [event_id, attendee_id] : changes.attendees) {
      absl::StatusOr<v1::Attendee> now = store_->GetAttendee(event_id, attendee_id);
      visible_or_removed += now.ok() || absl::IsNotFound(now.status()) ? 1 : 0;
    }
  }
  std::vector<ChangeSet> seen;
  int visible_or_removed = 0;

 private:
  const Store* store_;
};

class ChangeSetTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    recorder_ = std::make_unique<Recorder>(store_.get());
    store_->AddCommitListener(recorder_.get());
  }
  void TearDown() override { store_->RemoveCommitListener(recorder_.get()); }
  const ChangeSet& Last() { return recorder_->seen.back(); }

  std::unique_ptr<Recorder> recorder_;
};

TEST_F(ChangeSetTest, EachWriteNamesWhatItChanged) {
  const uint64_t community = NewCommunity();
  EXPECT_TRUE(Last().communities);
  const uint64_t event = NewEvent(community);
  EXPECT_THAT(Last().events, ElementsAre(event));

  absl::StatusOr<std::vector<UpsertResult>> rows =
      store_->UpsertAttendees(event, {Row("b", "Bo"), Row("a", "Ada"), Row("c", "Cy")});
  ASSERT_TRUE(rows.ok()) << rows.status();
  const uint64_t bo = (*rows)[0].attendee_id, ada = (*rows)[1].attendee_id;
  const uint64_t cy = (*rows)[2].attendee_id;
  // Sorted and unique, whatever the row order.
  EXPECT_THAT(Last().attendees,
              ElementsAre(std::make_pair(event, std::min({bo, ada, cy})),
                          std::make_pair(event, bo < ada ? ada : bo), std::make_pair(event, cy)));
  const size_t before_unchanged = recorder_->seen.size();
  ASSERT_TRUE(store_->UpsertAttendees(event, {Row("a", "Ada")}).ok());
  EXPECT_EQ(recorder_->seen.size(), before_unchanged) << "an unchanged row writes nothing";

  ASSERT_TRUE(
      store_->PutToken(std::string(32, 'x'), AttendeeTokenInfo("t1", community, event, ada)).ok());
  EXPECT_TRUE(Last().tokens);
  EXPECT_THAT(Last().attendees, IsEmpty());

  v1::MatchingRun run;
  run.set_event_id(event);
  absl::StatusOr<v1::MatchingRun> created = store_->CreateRun(run);
  ASSERT_TRUE(created.ok());
  EXPECT_THAT(Last().runs, ElementsAre(event));
  v1::Meeting m;
  m.set_attendee_a(std::min(ada, bo));
  m.set_attendee_b(std::max(ada, bo));
  m.set_slot_id("s1");
  m.set_state(v1::Meeting::PROPOSED);
  absl::StatusOr<std::vector<v1::Meeting>> stored =
      store_->ReplaceSchedule(event, *created, {m}, {});
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_THAT(Last().runs, ElementsAre(event));
  EXPECT_THAT(Last().meeting_attendees, ElementsAre(std::make_pair(event, std::min(ada, bo)),
                                                    std::make_pair(event, std::max(ada, bo))));

  // A meeting moved to another pair names the attendees before and after.
  absl::StatusOr<Mutated<v1::Meeting>> moved =
      store_->MutateMeeting(event, (*stored)[0].id(), [&](v1::Meeting* x) {
        x->set_attendee_a(std::min(ada, cy));
        x->set_attendee_b(std::max(ada, cy));
        return absl::OkStatus();
      });
  ASSERT_TRUE(moved.ok()) << moved.status();
  std::vector<ChangeSet::EventAttendee> expected = {{event, ada}, {event, bo}, {event, cy}};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(Last().meeting_attendees, expected);

  // Erasure: the profile, the token, the meetings.
  ASSERT_TRUE(*store_->RemoveAttendee(event, ada));
  EXPECT_THAT(Last().attendees, ElementsAre(std::make_pair(event, ada)));
  EXPECT_TRUE(Last().tokens);
  EXPECT_FALSE(Last().meeting_attendees.empty());
  EXPECT_EQ(recorder_->visible_or_removed, 4);  // every attendee change was readable when told
}

TEST_F(ChangeSetTest, AFailedOrEmptyMutationTellsNobody) {
  const uint64_t event = NewEvent(NewCommunity());
  ASSERT_TRUE(store_->UpsertAttendees(event, {Row("a", "Ada")}).ok());
  const size_t seen = recorder_->seen.size();
  absl::StatusOr<Mutated<v1::Attendee>> refused = store_->MutateAttendee(
      event, 1, [](v1::Attendee*) { return absl::FailedPreconditionError("no"); });
  EXPECT_TRUE(absl::IsFailedPrecondition(refused.status()));
  absl::StatusOr<Mutated<v1::Attendee>> same =
      store_->MutateAttendee(event, 1, [](v1::Attendee* a) {
        a->set_display_name("Ada");
        return absl::OkStatus();
      });
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_FALSE(same->changed);
  EXPECT_EQ(recorder_->seen.size(), seen);
  absl::StatusOr<Mutated<v1::Attendee>> renamed =
      store_->MutateAttendee(event, 1, [](v1::Attendee* a) {
        a->set_display_name("Ada L.");
        return absl::OkStatus();
      });
  ASSERT_TRUE(renamed.ok()) << renamed.status();
  EXPECT_TRUE(renamed->changed);
  ASSERT_EQ(recorder_->seen.size(), seen + 1);
  EXPECT_THAT(Last().attendees, ElementsAre(std::make_pair(event, uint64_t{1})));
}

}  // namespace
}  // namespace parley::storage
