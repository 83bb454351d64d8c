#include <string>

#include "tests/services/service_fixture.h"

namespace parley {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class AttendeeServiceTest : public testutil::ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    organizer_token_ = OrganizerToken(CreateCommunity("c"));
    event_ = CreateEvent(organizer_token_, "e");
    v1::Attendee ada = Person("ada", "Ada");
    ada.set_email("ada@example.org");
    v1::ImportAttendeesResponse imported;
    ASSERT_TRUE(Import(organizer_token_, event_.id(), {ada, Person("bob", "Bob")}, &imported).ok());
    ada_id_ = imported.results(0).attendee_id();
    ada_token_ = AttendeeToken(organizer_token_, event_.id(), ada_id_);
  }

  std::string organizer_token_;
  v1::Event event_;
  uint64_t ada_id_;
  std::string ada_token_;
};

TEST_F(AttendeeServiceTest, GetMyProfileReturnsOnlyTheTokensAttendee) {
  v1::MyProfile me;
  ASSERT_TRUE(attendee_->GetMyProfile(Ctx(ada_token_).get(), {}, &me).ok());
  EXPECT_EQ(me.attendee().id(), ada_id_);
  EXPECT_EQ(me.attendee().email(), "ada@example.org");
  EXPECT_EQ(me.event().id(), event_.id());
}

TEST_F(AttendeeServiceTest, UpdatesAllowedFieldsAndNormalisesTags) {
  v1::UpdateMyProfileRequest request;
  v1::Interest* interest = request.mutable_attendee()->add_interests();
  interest->set_tag("  Cafe\xCC\x81   Culture ");  // decomposed é, odd spacing
  interest->set_weight(2);
  request.mutable_attendee()->add_seeks("RUST");
  request.mutable_attendee()->set_budget(1);
  request.mutable_attendee()->add_availability("s2");
  request.mutable_attendee()->set_email("ignored@example.org");  // not in the mask
  for (const char* path : {"interests", "seeks", "budget", "availability"}) {
    request.mutable_update_mask()->add_paths(path);
  }
  v1::MyProfile me;
  ASSERT_TRUE(attendee_->UpdateMyProfile(Ctx(ada_token_).get(), request, &me).ok());
  // NFC and single spaces; the case stays as written (compared folded).
  EXPECT_EQ(me.attendee().interests(0).tag(), "Caf\xC3\xA9 Culture");
  EXPECT_EQ(me.attendee().seeks(0), "RUST");
  EXPECT_EQ(me.attendee().budget(), 1u);
  EXPECT_EQ(me.attendee().email(), "ada@example.org");
  v1::MyProfile again;
  ASSERT_TRUE(attendee_->GetMyProfile(Ctx(ada_token_).get(), {}, &again).ok());
  EXPECT_EQ(again.attendee().budget(), 1u);
}

// Wishes name other attendees by the organiser's external ids: an attendee neither sets them
// here (that would look other attendees up by guessed ids) nor reads them back.
TEST_F(AttendeeServiceTest, WantsAreNeitherSetNorShownHere) {
  ASSERT_TRUE(server_->store()
                  ->MutateAttendee(event_.id(), ada_id_,
                                   [](v1::Attendee* a) {
                                     a->add_wants("bob");  // as an organiser's import sets it
                                     return absl::OkStatus();
                                   })
                  .ok());
  v1::MyProfile me;
  ASSERT_TRUE(attendee_->GetMyProfile(Ctx(ada_token_).get(), {}, &me).ok());
  EXPECT_EQ(me.attendee().wants_size(), 0);
  v1::UpdateMyProfileRequest request;
  request.mutable_attendee()->add_wants("carol");
  request.mutable_update_mask()->add_paths("wants");
  grpc::Status s = attendee_->UpdateMyProfile(Ctx(ada_token_).get(), request, &me);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  request.mutable_update_mask()->Clear();
  request.mutable_update_mask()->add_paths("bio");
  ASSERT_TRUE(attendee_->UpdateMyProfile(Ctx(ada_token_).get(), request, &me).ok());
  EXPECT_EQ(me.attendee().wants_size(), 0);
  EXPECT_EQ(server_->store()->GetAttendee(event_.id(), ada_id_)->wants(0), "bob");  // kept
}

// person_ref links one human's records across the community's events: the organiser's field.
// The attendee reads their profile (and export) without it, the organiser still sees it.
TEST_F(AttendeeServiceTest, PersonRefIsShownOnlyToTheOrganiser) {
  ASSERT_TRUE(server_->store()
                  ->MutateAttendee(event_.id(), ada_id_,
                                   [](v1::Attendee* a) {
                                     a->set_person_ref("pk1:0123456789abcdef0123456789abcdef");
                                     return absl::OkStatus();
                                   })
                  .ok());
  v1::MyProfile me;
  ASSERT_TRUE(attendee_->GetMyProfile(Ctx(ada_token_).get(), {}, &me).ok());
  EXPECT_EQ(me.attendee().person_ref(), "");
  v1::UpdateMyProfileRequest request;
  request.mutable_attendee()->set_bio("hello");
  request.mutable_update_mask()->add_paths("bio");
  ASSERT_TRUE(attendee_->UpdateMyProfile(Ctx(ada_token_).get(), request, &me).ok());
  EXPECT_EQ(me.attendee().person_ref(), "");
  v1::MyData data;
  ASSERT_TRUE(attendee_->ExportMyData(Ctx(ada_token_).get(), {}, &data).ok());
  EXPECT_THAT(data.SerializeAsString(), Not(HasSubstr("pk1:")));
  // Kept in the store, where the organiser reads it.
  EXPECT_EQ(server_->store()->GetAttendee(event_.id(), ada_id_)->person_ref(),
            "pk1:0123456789abcdef0123456789abcdef");
}

TEST_F(AttendeeServiceTest, OrganiserOwnedFieldsAreRefused) {
  for (const char* path : {"email", "display_name", "external_id", "person_ref", "id"}) {
    v1::UpdateMyProfileRequest request;
    request.mutable_update_mask()->add_paths(path);
    v1::MyProfile me;
    grpc::Status s = attendee_->UpdateMyProfile(Ctx(ada_token_).get(), request, &me);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << path;
    EXPECT_THAT(s.error_message(), HasSubstr("update_mask")) << path;
  }
}

TEST_F(AttendeeServiceTest, BadValuesNameTheField) {
  v1::UpdateMyProfileRequest request;
  for (int i = 0; i < 51; ++i) request.mutable_attendee()->add_offers(absl::StrCat("t", i));
  request.mutable_update_mask()->add_paths("offers");
  v1::MyProfile me;
  grpc::Status s = attendee_->UpdateMyProfile(Ctx(ada_token_).get(), request, &me);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("attendee.offers: more than 50"));

  request.Clear();
  request.mutable_attendee()->add_avoid("ada");
  request.mutable_update_mask()->add_paths("avoid");
  s = attendee_->UpdateMyProfile(Ctx(ada_token_).get(), request, &me);
  EXPECT_THAT(s.error_message(), HasSubstr("attendee.avoid[0]"));

  request.Clear();
  request.mutable_attendee()->add_interests()->set_tag("x");
  request.mutable_attendee()->mutable_interests(0)->set_weight(4);
  request.mutable_update_mask()->add_paths("interests");
  s = attendee_->UpdateMyProfile(Ctx(ada_token_).get(), request, &me);
  EXPECT_THAT(s.error_message(), HasSubstr("attendee.interests[0].weight"));
}

TEST_F(AttendeeServiceTest, ClosedEventIsReadOnly) {
  v1::SetEventStatusRequest close;
  close.set_event_id(event_.id());
  close.set_status(v1::CLOSED);
  v1::Event event;
  ASSERT_TRUE(organizer_->SetEventStatus(Ctx(organizer_token_).get(), close, &event).ok());
  v1::UpdateMyProfileRequest request;
  request.mutable_attendee()->set_bio("hi");
  request.mutable_update_mask()->add_paths("bio");
  v1::MyProfile me;
  EXPECT_EQ(attendee_->UpdateMyProfile(Ctx(ada_token_).get(), request, &me).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace parley
