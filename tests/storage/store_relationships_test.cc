// Feedback, memory and introductions in the store: one batch per feedback (meeting, feedback and
// memory together or nothing), memory scans that stay within one person, introduction ids that
// survive a reopen, and erasure that anonymises feedback and forgets the rest.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/key_codec.h"
#include "storage/store.h"
#include "tests/storage/store_fixture.h"

namespace parley::storage {
namespace {

class RelationshipStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    community_ = NewCommunity();
    event_ = NewEvent(community_);
    v1::Attendee ann = Row("ann", "Ann");
    ann.set_person_ref("pk1:aaaa");
    v1::Attendee bob = Row("bob", "Bob");
    bob.set_person_ref("pk1:bbbb");
    absl::StatusOr<std::vector<UpsertResult>> rows = store_->UpsertAttendees(event_, {ann, bob});
    ASSERT_TRUE(rows.ok()) << rows.status();
    ann_ = (*rows)[0].attendee_id;
    bob_ = (*rows)[1].attendee_id;
    v1::MatchingRun run;
    run.set_event_id(event_);
    absl::StatusOr<v1::MatchingRun> created = store_->CreateRun(run);
    ASSERT_TRUE(created.ok());
    v1::Meeting m;
    m.set_attendee_a(ann_);
    m.set_attendee_b(bob_);
    m.set_slot_id("s1");
    m.set_state(v1::Meeting::CONFIRMED);
    absl::StatusOr<std::vector<v1::Meeting>> stored =
        store_->ReplaceSchedule(event_, *created, {m}, {});
    ASSERT_TRUE(stored.ok()) << stored.status();
    meeting_ = stored->front().id();
  }

  MemoryEntry Entry(const std::string& person, const std::string& partner) const {
    MemoryEntry e{person, partner, {}};
    e.record.set_event_id(event_);
    e.record.set_meeting_id(meeting_);
    return e;
  }

  std::vector<MemoryEntry> MemoryOf(const std::string& person) {
    std::vector<MemoryEntry> out;
    EXPECT_TRUE(store_
                    ->ScanMemory(community_, person,
                                 [&](const MemoryEntry& e) {
                                   out.push_back(e);
                                   return true;
                                 })
                    .ok());
    return out;
  }

  uint64_t community_ = 0, event_ = 0, ann_ = 0, bob_ = 0, meeting_ = 0;
};

TEST_F(RelationshipStoreTest, FeedbackWritesMeetingFeedbackAndMemoryTogetherOrNothing) {
  absl::StatusOr<v1::Meeting> failed = store_->RecordFeedback(
      event_, meeting_, ann_,
      [&](v1::Meeting* m, v1::StoredFeedback* mine, const v1::StoredFeedback* theirs,
          std::vector<MemoryEntry>* memory) {
        EXPECT_EQ(theirs, nullptr);
        m->set_state(v1::Meeting::HELD);
        mine->set_rating(5);
        memory->push_back(Entry("pk1:aaaa", "pk1:bbbb"));
        return absl::FailedPreconditionError("changed my mind");
      });
  EXPECT_TRUE(absl::IsFailedPrecondition(failed.status()));
  EXPECT_EQ(store_->GetMeeting(event_, meeting_)->state(), v1::Meeting::CONFIRMED);
  EXPECT_TRUE(store_->ListFeedbackBy(event_, ann_)->empty());
  EXPECT_TRUE(MemoryOf("pk1:aaaa").empty());

  absl::StatusOr<v1::Meeting> held =
      store_->RecordFeedback(event_, meeting_, ann_,
                             [&](v1::Meeting* m, v1::StoredFeedback* mine,
                                 const v1::StoredFeedback*, std::vector<MemoryEntry>* memory) {
                               m->set_state(v1::Meeting::HELD);
                               m->set_attendee_a(999);  // restored by the store
                               mine->set_rating(5);
                               memory->push_back(Entry("pk1:aaaa", "pk1:bbbb"));
                               memory->push_back(Entry("pk1:bbbb", "pk1:aaaa"));
                               return absl::OkStatus();
                             });
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(held->attendee_a(), ann_);
  Reopen();
  EXPECT_EQ(store_->GetMeeting(event_, meeting_)->state(), v1::Meeting::HELD);
  std::vector<v1::StoredFeedback> given = *store_->ListFeedbackBy(event_, ann_);
  ASSERT_EQ(given.size(), 1u);
  EXPECT_EQ(given[0].rating(), 5u);
  EXPECT_EQ(given[0].giver(), ann_);
  EXPECT_GT(given[0].update_time(), 0);
  ASSERT_EQ(MemoryOf("pk1:aaaa").size(), 1u);
  EXPECT_EQ(MemoryOf("pk1:aaaa")[0].partner, "pk1:bbbb");

  // Bob's turn sees Ann's feedback.
  absl::StatusOr<v1::Meeting> second =
      store_->RecordFeedback(event_, meeting_, bob_,
                             [&](v1::Meeting*, v1::StoredFeedback*,
                                 const v1::StoredFeedback* theirs, std::vector<MemoryEntry>*) {
                               EXPECT_NE(theirs, nullptr);
                               if (theirs != nullptr) {
                                 EXPECT_EQ(theirs->rating(), 5u);
                               }
                               return absl::OkStatus();
                             });
  EXPECT_TRUE(second.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(
      store_
          ->RecordFeedback(event_, meeting_, 12345,
                           [](v1::Meeting*, v1::StoredFeedback*, const v1::StoredFeedback*,
                              std::vector<MemoryEntry>*) { return absl::OkStatus(); })
          .status()));
  EXPECT_TRUE(absl::IsNotFound(
      store_
          ->RecordFeedback(event_, 424242, ann_,
                           [](v1::Meeting*, v1::StoredFeedback*, const v1::StoredFeedback*,
                              std::vector<MemoryEntry>*) { return absl::OkStatus(); })
          .status()));
}

TEST_F(RelationshipStoreTest, MemoryScansStayWithinOnePerson) {
  // "pk1:a" is a prefix of "pk1:aaaa" as bytes: the length in the key keeps them apart.
  ASSERT_TRUE(store_
                  ->PutMemory(community_,
                              {Entry("pk1:a", "x"), Entry("pk1:aaaa", "y"), Entry("pk1:aaaa", "z")})
                  .ok());
  EXPECT_EQ(MemoryOf("pk1:a").size(), 1u);
  EXPECT_EQ(MemoryOf("pk1:aaaa").size(), 2u);
  EXPECT_TRUE(MemoryOf("pk1:aa").empty());
  EXPECT_TRUE(absl::IsInvalidArgument(store_->PutMemory(community_, {Entry("", "x")})));
  const uint64_t other = NewCommunity("Other");
  std::vector<MemoryEntry> elsewhere;
  ASSERT_TRUE(store_
                  ->ScanMemory(other, "pk1:aaaa",
                               [&](const MemoryEntry& e) {
                                 elsewhere.push_back(e);
                                 return true;
                               })
                  .ok());
  EXPECT_TRUE(elsewhere.empty());
}

TEST_F(RelationshipStoreTest, IntroductionIdsSurviveAReopen) {
  v1::StoredIntroduction intro;
  intro.set_event_id(event_);
  intro.set_kind(v1::StoredIntroduction::INTRODUCTION);
  intro.set_attendee_a(ann_);
  intro.set_attendee_b(bob_);
  absl::StatusOr<v1::StoredIntroduction> first = store_->CreateIntroduction(intro);
  ASSERT_TRUE(first.ok()) << first.status();
  Reopen();
  absl::StatusOr<v1::StoredIntroduction> second = store_->CreateIntroduction(intro);
  ASSERT_TRUE(second.ok());
  EXPECT_GT(second->id(), first->id());
  absl::StatusOr<Mutated<v1::StoredIntroduction>> answered =
      store_->MutateIntroduction(event_, first->id(), [](v1::StoredIntroduction* i) {
        i->set_answer_a(v1::Meeting::ACCEPTED);
        i->set_kind(v1::StoredIntroduction::REQUEST);  // restored
        return absl::OkStatus();
      });
  ASSERT_TRUE(answered.ok());
  EXPECT_EQ(answered->record.kind(), v1::StoredIntroduction::INTRODUCTION);
  EXPECT_EQ(store_->GetIntroduction(event_, first->id())->answer_a(), v1::Meeting::ACCEPTED);
  intro.set_event_id(999999);
  EXPECT_TRUE(absl::IsNotFound(store_->CreateIntroduction(intro).status()));
}

TEST_F(RelationshipStoreTest, ErasureAnonymisesFeedbackAndForgetsIntroductionsAndMemory) {
  ASSERT_TRUE(
      store_
          ->RecordFeedback(event_, meeting_, ann_,
                           [&](v1::Meeting*, v1::StoredFeedback* mine, const v1::StoredFeedback*,
                               std::vector<MemoryEntry>* memory) {
                             mine->set_partner(bob_);
                             mine->set_rating(4);
                             memory->push_back(Entry("pk1:aaaa", "pk1:bbbb"));
                             memory->push_back(Entry("pk1:bbbb", "pk1:aaaa"));
                             return absl::OkStatus();
                           })
          .ok());
  ASSERT_TRUE(store_
                  ->RecordFeedback(event_, meeting_, bob_,
                                   [&](v1::Meeting*, v1::StoredFeedback* mine,
                                       const v1::StoredFeedback*, std::vector<MemoryEntry>*) {
                                     mine->set_partner(ann_);
                                     mine->set_rating(2);
                                     return absl::OkStatus();
                                   })
                  .ok());
  v1::StoredIntroduction intro;
  intro.set_event_id(event_);
  intro.set_kind(v1::StoredIntroduction::REQUEST);
  intro.set_introducer(bob_);
  intro.set_attendee_a(ann_);
  ASSERT_TRUE(store_->CreateIntroduction(intro).ok());

  ASSERT_TRUE(*store_->RemoveAttendee(event_, ann_));
  int records = 0;
  ASSERT_TRUE(store_
                  ->ScanFeedback(event_,
                                 [&](const v1::StoredFeedback& f) {
                                   ++records;
                                   EXPECT_NE(f.giver(), ann_);
                                   EXPECT_NE(f.partner(), ann_);
                                   return true;
                                 })
                  .ok());
  EXPECT_EQ(records, 2);  // both ratings still count
  int introductions = 0;
  ASSERT_TRUE(store_
                  ->ScanIntroductions(event_,
                                      [&](const v1::StoredIntroduction&) {
                                        ++introductions;
                                        return true;
                                      })
                  .ok());
  EXPECT_EQ(introductions, 0);
  EXPECT_TRUE(MemoryOf("pk1:aaaa").empty());
  EXPECT_TRUE(MemoryOf("pk1:bbbb").empty());
}

TEST_F(RelationshipStoreTest, ErasingBothSidesKeepsBothAnonymousFeedbacks) {
  for (uint64_t giver : {ann_, bob_}) {
    ASSERT_TRUE(store_
                    ->RecordFeedback(event_, meeting_, giver,
                                     [&](v1::Meeting*, v1::StoredFeedback* mine,
                                         const v1::StoredFeedback*, std::vector<MemoryEntry>*) {
                                       mine->set_partner(giver == ann_ ? bob_ : ann_);
                                       mine->set_rating(giver == ann_ ? 5 : 1);
                                       return absl::OkStatus();
                                     })
                    .ok());
  }
  // Bob's meeting is gone with Ann, so erase Bob with no meeting left: his feedback stays
  // about nobody, and Ann's anonymous record is not overwritten.
  ASSERT_TRUE(*store_->RemoveAttendee(event_, ann_));
  ASSERT_TRUE(*store_->RemoveAttendee(event_, bob_));
  std::vector<uint32_t> ratings;
  ASSERT_TRUE(store_
                  ->ScanFeedback(event_,
                                 [&](const v1::StoredFeedback& f) {
                                   ratings.push_back(f.rating());
                                   EXPECT_EQ(f.giver(), 0u);
                                   EXPECT_EQ(f.partner(), 0u);
                                   return true;
                                 })
                  .ok());
  std::sort(ratings.begin(), ratings.end());
  EXPECT_EQ(ratings, (std::vector<uint32_t>{1, 5}));
}

TEST_F(RelationshipStoreTest, PutMemoryNeverOverwritesNorRemembersAnErasedMeeting) {
  MemoryEntry fuller = Entry("pk1:aaaa", "pk1:bbbb");
  fuller.record.set_rating(5);
  ASSERT_TRUE(store_->PutMemory(community_, {fuller}).ok());
  MemoryEntry stale = Entry("pk1:aaaa", "pk1:bbbb");  // e.g. a slow close of the event
  ASSERT_TRUE(store_->PutMemory(community_, {stale}).ok());
  ASSERT_EQ(MemoryOf("pk1:aaaa").size(), 1u);
  EXPECT_EQ(MemoryOf("pk1:aaaa")[0].record.rating(), 5u);
  MemoryEntry gone = Entry("pk1:cccc", "pk1:dddd");
  gone.record.set_meeting_id(meeting_ + 1000);  // no such meeting (erased meanwhile)
  ASSERT_TRUE(store_->PutMemory(community_, {gone}).ok());
  EXPECT_TRUE(MemoryOf("pk1:cccc").empty());
}

}  // namespace
}  // namespace parley::storage
