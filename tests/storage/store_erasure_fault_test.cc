// Fault suite: erasure reaches the disk. After RemoveAttendee, the person's name and email are
// in no file of the database directory once the erasure pass ran (CompactErased, or Close),
// whether their record had reached SST files or was still only in the WAL. Other people stay.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/store.h"
#include "tests/storage/store_fixture.h"
#include "tests/testing/fault_helpers.h"

namespace parley::storage {
namespace {

using ::testing::IsEmpty;
using ::testing::Not;

constexpr char kName[] = "Erasmus Q. Vanishwright";
constexpr char kEmail[] = "erasmus.vanishwright@example.org";
constexpr char kOtherName[] = "Henrietta Staysworth";

class ErasureTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    event_ = NewEvent(NewCommunity());
    std::vector<v1::Attendee> rows;
    for (int i = 0; i < 200; ++i) rows.push_back(Row(absl::StrCat("filler", i), "Filler"));
    v1::Attendee person = Row("erasmus", kName);
    person.set_email(kEmail);
    person.set_bio(absl::StrCat("Ask ", kName, " about ledgers"));
    rows.push_back(person);
    rows.push_back(Row("henrietta", kOtherName));
    absl::StatusOr<std::vector<UpsertResult>> stored = store_->UpsertAttendees(event_, rows);
    ASSERT_TRUE(stored.ok()) << stored.status();
    person_ = (*stored)[200].attendee_id;
    ASSERT_TRUE(
        store_->PutToken(std::string(32, 't'), AttendeeTokenInfo("tok-erasmus", 1, event_, person_))
            .ok());
  }
  // Updates the person's profile, so older versions of the record exist too.
  void EditProfile() {
    ASSERT_TRUE(store_
                    ->MutateAttendee(event_, person_,
                                     [](v1::Attendee* a) {
                                       a->set_organisation(absl::StrCat(kName, " & Co"));
                                       return absl::OkStatus();
                                     })
                    .ok());
  }
  std::vector<std::string> Holding(absl::string_view needle) const {
    return testutil::FilesContaining(Options().path, needle);
  }

  uint64_t event_ = 0;
  uint64_t person_ = 0;
};

TEST_F(ErasureTest, RecordsInSstFilesAreCompactedAway) {
  Reopen();  // flushed: the record is in SST files
  EditProfile();
  Reopen();  // and a second version in another SST
  ASSERT_THAT(Holding(kName), Not(IsEmpty())) << "the test cannot see the record";
  ASSERT_TRUE(store_->RemoveAttendee(event_, person_).ok());
  ASSERT_THAT(Holding(kEmail), Not(IsEmpty())) << "deletion alone leaves the bytes";

  ASSERT_TRUE(store_->CompactErased().ok());
  EXPECT_THAT(Holding(kName), IsEmpty());
  EXPECT_THAT(Holding(kEmail), IsEmpty());
  EXPECT_THAT(Holding(kOtherName), Not(IsEmpty())) << "the others must stay";
  EXPECT_TRUE(store_->GetAttendeeByExternalId(event_, "henrietta").ok());
  EXPECT_TRUE(absl::IsNotFound(store_->GetAttendee(event_, person_).status()));
}

TEST_F(ErasureTest, RecordsOnlyInTheWalAreGoneToo) {
  EditProfile();
  ASSERT_THAT(Holding(kName), Not(IsEmpty()));
  ASSERT_TRUE(store_->RemoveAttendee(event_, person_).ok());
  ASSERT_TRUE(store_->CompactErased().ok());
  EXPECT_THAT(Holding(kName), IsEmpty());
  EXPECT_THAT(Holding(kEmail), IsEmpty());
  EXPECT_THAT(Holding(kOtherName), Not(IsEmpty()));
}

TEST_F(ErasureTest, CloseRunsThePendingPass) {
  Reopen();
  ASSERT_TRUE(store_->RemoveAttendee(event_, person_).ok());
  ASSERT_TRUE(store_->Close().ok());
  store_.reset();
  EXPECT_THAT(Holding(kName), IsEmpty());
  EXPECT_THAT(Holding(kEmail), IsEmpty());
  Open();
  EXPECT_TRUE(store_->GetAttendeeByExternalId(event_, "henrietta").ok());
  EXPECT_TRUE(absl::IsNotFound(store_->GetAttendeeByExternalId(event_, "erasmus").status()));
}

TEST_F(ErasureTest, CompactErasedWithNothingRemovedIsANoOp) {
  EXPECT_TRUE(store_->CompactErased().ok());
  EXPECT_THAT(Holding(kName), Not(IsEmpty()));
}

}  // namespace
}  // namespace parley::storage
