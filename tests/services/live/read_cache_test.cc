// The read caches (token -> principal, my agenda, my suggestions) over a real server: every
// write that changes what a cached answer shows makes the next read show it, and a revoked or
// erased token is refused by the next call.
#include <string>
#include <vector>

#include "google/protobuf/util/message_differencer.h"
#include "storage/store_versions.h"
#include "tests/services/matching_test_util.h"

namespace parley {
namespace {

using google::protobuf::util::MessageDifferencer;

class ReadCacheTest : public testutil::MatchingServiceTest {
 protected:
  v1::ListMySuggestionsResponse SuggestionsOf(uint64_t attendee_id) {
    v1::ListMySuggestionsResponse response;
    grpc::Status s = agenda_->ListMySuggestions(Ctx(TokenOf(attendee_id)).get(), {}, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return response;
  }
  // Reads both views twice (the second read is served from the cache).
  void Warm(uint64_t attendee_id) {
    for (int i = 0; i < 2; ++i) {
      AgendaOf(attendee_id);
      SuggestionsOf(attendee_id);
    }
  }
  static const v1::Proposal* Find(const v1::Agenda& agenda, uint64_t meeting_id) {
    for (const v1::Proposal& p : agenda.items()) {
      if (p.meeting_id() == meeting_id) return &p;
    }
    return nullptr;
  }
  static const v1::Proposal* Find(const v1::ListMySuggestionsResponse& list, uint64_t meeting_id) {
    for (const v1::Proposal& p : list.proposals()) {
      if (p.meeting_id() == meeting_id) return &p;
    }
    return nullptr;
  }
};

TEST(StoreVersionsTest, AValueIsStaleOnlyAfterAWriteOfARecordItWasBuiltFrom) {
  storage::StoreVersions versions;
  const uint64_t built = versions.Now();
  const storage::RecordKey mine[] = {storage::AttendeeRecord(1, 2), storage::EventRecord(1)};
  EXPECT_TRUE(versions.UnchangedSince(built, mine));
  versions.Bump({storage::AttendeeRecord(1, 3)});
  EXPECT_TRUE(versions.UnchangedSince(built, mine));
  versions.Bump({storage::EventRecord(1)});
  EXPECT_FALSE(versions.UnchangedSince(built, mine));
  // Rebuilt after the write: current again.
  EXPECT_TRUE(versions.UnchangedSince(versions.Now(), mine));
}

TEST(StoreVersionsTest, DroppingTheTableMakesEveryOlderValueStale) {
  storage::StoreVersions versions;
  const uint64_t built = versions.Now();
  const storage::RecordKey mine[] = {storage::AttendeeRecord(1, 1)};
  for (uint64_t i = 0; i <= storage::StoreVersions::kMaxTracked; ++i) {
    versions.Bump({storage::AttendeeRecord(2, i + 1)});
  }
  EXPECT_FALSE(versions.UnchangedSince(built, mine));
  EXPECT_TRUE(versions.UnchangedSince(versions.Now(), mine));
}

TEST_F(ReadCacheTest, EveryAttendeesViewsAreBuiltAfterARun) {
  SetUpEvent(12, 3, 2);
  Run();
  // The views are built on the run's worker after the run's stream closed; building them again
  // here waits for nothing and builds whatever is missing, so the count below is known.
  ASSERT_TRUE(server_->agenda()->WarmViews(event_.id()).ok());
  EXPECT_EQ(server_->agenda()->cached_views(), 2 * ids_.size());
}

TEST_F(ReadCacheTest, ARevokedOrganizerTokenIsRefusedByTheNextCall) {
  community_ = CreateCommunity("Club");
  v1::IssueOrganizerTokenRequest issue;
  issue.set_community_id(community_);
  v1::IssuedToken issued;
  ASSERT_TRUE(admin_->IssueOrganizerToken(Ctx(admin_token_).get(), issue, &issued).ok());
  v1::ListEventsRequest list;
  for (int i = 0; i < 2; ++i) {
    v1::ListEventsResponse events;
    ASSERT_TRUE(organizer_->ListEvents(Ctx(issued.token()).get(), list, &events).ok());
  }
  v1::RevokeTokenRequest revoke;
  revoke.set_token_id(issued.info().token_id());
  v1::TokenInfo info;
  ASSERT_TRUE(admin_->RevokeToken(Ctx(admin_token_).get(), revoke, &info).ok());
  v1::ListEventsResponse events;
  EXPECT_EQ(organizer_->ListEvents(Ctx(issued.token()).get(), list, &events).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ReadCacheTest, ARemovedAttendeeIsRefusedAndLeavesItsPartnersViews) {
  SetUpEvent(4, 2, 1);
  Run();
  const v1::Meeting m = Meetings(v1::Meeting::PROPOSED)[0];
  Warm(m.attendee_a());
  Warm(m.attendee_b());
  ASSERT_NE(Find(AgendaOf(m.attendee_b()), m.id()), nullptr);
  v1::RemoveAttendeeRequest remove;
  remove.set_event_id(event_.id());
  remove.set_attendee_id(m.attendee_a());
  v1::RemoveAttendeeResponse removed;
  ASSERT_TRUE(organizer_->RemoveAttendee(Ctx(token_).get(), remove, &removed).ok());
  v1::Agenda agenda;
  EXPECT_EQ(agenda_->GetMyAgenda(Ctx(TokenOf(m.attendee_a())).get(), {}, &agenda).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Find(AgendaOf(m.attendee_b()), m.id()), nullptr);
  EXPECT_EQ(Find(SuggestionsOf(m.attendee_b()), m.id()), nullptr);
}

TEST_F(ReadCacheTest, AnswersShowInBothSidesNextViews) {
  SetUpEvent(4, 2, 1);
  Run();
  const v1::Meeting m = Meetings(v1::Meeting::PROPOSED)[0];
  Warm(m.attendee_a());
  Warm(m.attendee_b());
  ASSERT_TRUE(Respond(m.attendee_a(), m.id(), true).ok());
  EXPECT_EQ(Find(AgendaOf(m.attendee_a()), m.id())->status(), v1::Proposal::AWAITING_THEM);
  EXPECT_EQ(Find(SuggestionsOf(m.attendee_a()), m.id())->status(), v1::Proposal::AWAITING_THEM);
  EXPECT_EQ(Find(SuggestionsOf(m.attendee_b()), m.id())->status(), v1::Proposal::AWAITING_ME);
  ASSERT_TRUE(Respond(m.attendee_b(), m.id(), true).ok());
  for (uint64_t me : {m.attendee_a(), m.attendee_b()}) {
    const v1::Agenda agenda = AgendaOf(me);
    ASSERT_NE(Find(agenda, m.id()), nullptr);
    EXPECT_EQ(Find(agenda, m.id())->status(), v1::Proposal::CONFIRMED);
    EXPECT_EQ(agenda.confirmed(), 1);
    EXPECT_EQ(Find(SuggestionsOf(me), m.id()), nullptr);
  }
}

TEST_F(ReadCacheTest, ADeclineAndItsReplacementShowInTheNextViews) {
  SetUpEvent(6, 2, 1);
  Run();
  const std::vector<v1::Meeting> before = Meetings(v1::Meeting::PROPOSED);
  for (uint64_t id : ids_) Warm(id);
  const v1::Meeting m = before[0];
  ASSERT_TRUE(Respond(m.attendee_b(), m.id(), false).ok());
  server_->live()->WaitIdle();
  EXPECT_EQ(Find(SuggestionsOf(m.attendee_a()), m.id()), nullptr);
  EXPECT_EQ(Find(AgendaOf(m.attendee_b()), m.id()), nullptr);
  // Whatever the repair proposed is in its attendees' views.
  for (const v1::Meeting& now : Meetings(v1::Meeting::PROPOSED)) {
    EXPECT_NE(Find(SuggestionsOf(now.attendee_a()), now.id()), nullptr) << now.id();
    EXPECT_NE(Find(AgendaOf(now.attendee_b()), now.id()), nullptr) << now.id();
  }
}

TEST_F(ReadCacheTest, AProfileEditShowsInThePartnersNextViews) {
  SetUpEvent(4, 2, 1);
  Run();
  const v1::Meeting m = Meetings(v1::Meeting::PROPOSED)[0];
  Warm(m.attendee_a());
  // The partner edits its own profile.
  v1::UpdateMyProfileRequest mine;
  mine.mutable_attendee()->set_bio("I now play go as well");
  mine.mutable_update_mask()->add_paths("bio");
  v1::MyProfile profile;
  ASSERT_TRUE(attendee_->UpdateMyProfile(Ctx(TokenOf(m.attendee_b())).get(), mine, &profile).ok());
  EXPECT_EQ(Find(SuggestionsOf(m.attendee_a()), m.id())->partner().bio(), "I now play go as well");
  EXPECT_EQ(Find(AgendaOf(m.attendee_a()), m.id())->partner().bio(), "I now play go as well");
  // The organiser renames it.
  v1::UpdateAttendeeRequest rename;
  rename.mutable_attendee()->set_event_id(event_.id());
  rename.mutable_attendee()->set_id(m.attendee_b());
  rename.mutable_attendee()->set_display_name("Renamed");
  rename.mutable_update_mask()->add_paths("display_name");
  v1::Attendee renamed;
  ASSERT_TRUE(organizer_->UpdateAttendee(Ctx(token_).get(), rename, &renamed).ok());
  EXPECT_EQ(Find(AgendaOf(m.attendee_a()), m.id())->partner().display_name(), "Renamed");
  EXPECT_EQ(Find(SuggestionsOf(m.attendee_a()), m.id())->partner().display_name(), "Renamed");
  // A re-import changes its organisation.
  v1::Attendee row = people_[m.attendee_b()];
  row.set_organisation("New Org");
  v1::ImportAttendeesResponse imported;
  ASSERT_TRUE(Import(token_, event_.id(), {row}, &imported).ok());
  EXPECT_EQ(Find(AgendaOf(m.attendee_a()), m.id())->partner().organisation(), "New Org");
  EXPECT_EQ(Find(SuggestionsOf(m.attendee_a()), m.id())->partner().organisation(), "New Org");
}

TEST_F(ReadCacheTest, AnEventEditShowsInTheNextViews) {
  SetUpEvent(4, 2, 1);
  Run();
  const v1::Meeting m = Meetings(v1::Meeting::PROPOSED)[0];
  Warm(m.attendee_a());
  v1::UpdateEventRequest update;
  *update.mutable_event() = event_;
  update.mutable_event()->mutable_locations(0)->set_name("Great hall");
  update.mutable_update_mask()->add_paths("locations");
  v1::Event updated;
  ASSERT_TRUE(organizer_->UpdateEvent(Ctx(token_).get(), update, &updated).ok());
  EXPECT_EQ(Find(AgendaOf(m.attendee_a()), m.id())->location_name(), "Great hall");
  EXPECT_EQ(Find(SuggestionsOf(m.attendee_a()), m.id())->location_name(), "Great hall");
}

TEST_F(ReadCacheTest, CachedViewsEqualFreshlyBuiltOnes) {
  SetUpEvent(8, 3, 2);
  Run();
  std::vector<v1::Agenda> first;
  for (uint64_t id : ids_) first.push_back(AgendaOf(id));
  for (size_t i = 0; i < ids_.size(); ++i) {
    EXPECT_TRUE(MessageDifferencer::Equals(AgendaOf(ids_[i]), first[i])) << ids_[i];
  }
  // A restart empties the caches: the rebuilt views are the same.
  Restart();
  attendee_tokens_.clear();
  for (size_t i = 0; i < ids_.size(); ++i) {
    EXPECT_TRUE(MessageDifferencer::Equals(AgendaOf(ids_[i]), first[i])) << ids_[i];
  }
}

}  // namespace
}  // namespace parley
