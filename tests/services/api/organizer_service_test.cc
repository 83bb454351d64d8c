#include <set>
#include <string>
#include <vector>

#include "google/protobuf/util/message_differencer.h"
#include "tests/services/service_fixture.h"

namespace parley {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class OrganizerServiceTest : public testutil::ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    community_ = CreateCommunity("conf");
    token_ = OrganizerToken(community_);
    event_ = CreateEvent(token_, "Conf 2026");
  }

  static v1::Attendee Rich(const std::string& id) {
    v1::Attendee a = Person(id, absl::StrCat("Person ", id));
    a.set_email(absl::StrCat(id, "@example.org"));
    a.set_organisation("Acme");
    v1::Interest* books = a.add_interests();
    books->set_tag("  Books ");
    books->set_weight(3);
    a.add_interests()->set_tag("Bicycles");
    a.add_offers("Rust  Mentoring");
    a.add_seeks("investors");
    a.add_availability("S1");
    return a;
  }

  uint64_t community_;
  std::string token_;
  v1::Event event_;
};

TEST_F(OrganizerServiceTest, CreateEventFillsDefaultsAndStartsAsDraft) {
  EXPECT_EQ(event_.status(), v1::DRAFT);
  EXPECT_EQ(event_.community_id(), community_);
  EXPECT_EQ(event_.time_zone(), "UTC");
  EXPECT_EQ(event_.policy().max_meetings(), 6u);
  EXPECT_EQ(event_.policy().default_meetings(), 3u);
  EXPECT_EQ(event_.policy().rematch_freeze_days(), 365u);
  EXPECT_EQ(event_.policy().proposal_expiry_minutes(), 1440u);
  v1::GetEventRequest get;
  get.set_event_id(event_.id());
  v1::Event fetched;
  ASSERT_TRUE(organizer_->GetEvent(Ctx(token_).get(), get, &fetched).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(fetched, event_));
}

TEST_F(OrganizerServiceTest, BadEventFieldsAreNamed) {
  struct Case {
    std::function<void(v1::Event*)> mutate;
    std::string field;
  };
  std::vector<Case> cases = {
      {[](v1::Event* e) { e->clear_name(); }, "event.name"},
      {[](v1::Event* e) { e->mutable_slots(1)->set_id("s1"); }, "event.slots[1].id: duplicate"},
      {[](v1::Event* e) { e->mutable_slots(0)->set_end_time(1); }, "event.slots[0].end_time"},
      {[](v1::Event* e) { e->mutable_slots(0)->set_id("no spaces"); }, "event.slots[0].id"},
      {[](v1::Event* e) { e->mutable_locations(0)->set_tables(0); }, "event.locations[0].tables"},
      {[](v1::Event* e) { e->mutable_policy()->set_max_meetings(65); },
       "event.policy.max_meetings"},
      {[](v1::Event* e) { e->mutable_policy()->set_default_meetings(9); },
       "event.policy.default_meetings"},
      {[](v1::Event* e) { e->set_time_zone("Europe/Berlin; DROP"); }, "event.time_zone"},
  };
  for (const Case& c : cases) {
    v1::CreateEventRequest request;
    *request.mutable_event() = EventSpec("x", 3);
    c.mutate(request.mutable_event());
    v1::Event event;
    grpc::Status s = organizer_->CreateEvent(Ctx(token_).get(), request, &event);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_THAT(s.error_message(), HasSubstr(c.field));
  }
}

TEST_F(OrganizerServiceTest, AnotherCommunitysEventIsNotFound) {
  const std::string other = OrganizerToken(CreateCommunity("other"));
  v1::GetEventRequest get;
  get.set_event_id(event_.id());
  v1::Event fetched;
  EXPECT_EQ(organizer_->GetEvent(Ctx(other).get(), get, &fetched).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::ListEventsResponse events;
  ASSERT_TRUE(organizer_->ListEvents(Ctx(other).get(), {}, &events).ok());
  EXPECT_EQ(events.events_size(), 0);
  v1::ImportAttendeesResponse imported;
  EXPECT_EQ(Import(other, event_.id(), {Person("a", "A")}, &imported).error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::ListAttendeesRequest list;
  list.set_event_id(event_.id());
  v1::ListAttendeesResponse attendees;
  EXPECT_EQ(organizer_->ListAttendees(Ctx(other).get(), list, &attendees).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(OrganizerServiceTest, UpdateEventChangesOnlyMaskedFields) {
  v1::UpdateEventRequest request;
  request.mutable_event()->set_id(event_.id());
  request.mutable_event()->set_name("Renamed");
  request.mutable_event()->set_time_zone("Europe/Berlin");
  request.mutable_update_mask()->add_paths("name");
  v1::Event updated;
  ASSERT_TRUE(organizer_->UpdateEvent(Ctx(token_).get(), request, &updated).ok());
  EXPECT_EQ(updated.name(), "Renamed");
  EXPECT_EQ(updated.time_zone(), "UTC");
  EXPECT_EQ(updated.slots_size(), 3);
  request.mutable_update_mask()->add_paths("status");
  grpc::Status s = organizer_->UpdateEvent(Ctx(token_).get(), request, &updated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("update_mask"));
}

TEST_F(OrganizerServiceTest, SlotsInUseCannotBeRemoved) {
  v1::ImportAttendeesResponse imported;
  ASSERT_TRUE(Import(token_, event_.id(), {Rich("a1")}, &imported).ok());  // available in s1
  v1::UpdateEventRequest request;
  *request.mutable_event() = event_;
  request.mutable_event()->mutable_slots()->DeleteSubrange(0, 1);
  request.mutable_update_mask()->add_paths("slots");
  v1::Event updated;
  grpc::Status s = organizer_->UpdateEvent(Ctx(token_).get(), request, &updated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("\"s1\""));
}

TEST_F(OrganizerServiceTest, StatusFollowsTheLifecycle) {
  v1::SetEventStatusRequest request;
  request.set_event_id(event_.id());
  v1::Event event;
  request.set_status(v1::SCHEDULED);
  EXPECT_EQ(organizer_->SetEventStatus(Ctx(token_).get(), request, &event).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  for (v1::EventStatus next : {v1::OPEN, v1::SCHEDULED, v1::OPEN, v1::CLOSED}) {
    request.set_status(next);
    ASSERT_TRUE(organizer_->SetEventStatus(Ctx(token_).get(), request, &event).ok()) << next;
    EXPECT_EQ(event.status(), next);
  }
  request.set_status(v1::OPEN);
  EXPECT_EQ(organizer_->SetEventStatus(Ctx(token_).get(), request, &event).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  v1::ImportAttendeesResponse imported;
  EXPECT_EQ(Import(token_, event_.id(), {Person("late", "Late")}, &imported).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(OrganizerServiceTest, ImportNormalisesAndIsIdempotent) {
  std::vector<v1::Attendee> rows;
  for (int i = 0; i < 250; ++i) rows.push_back(Rich(absl::StrCat("p", i)));
  v1::ImportAttendeesResponse first;
  ASSERT_TRUE(Import(token_, event_.id(), rows, &first, 64).ok());
  EXPECT_EQ(first.created(), 250u);
  ASSERT_EQ(first.results_size(), 250);
  EXPECT_EQ(first.results(249).row_number(), 250u);

  v1::ImportAttendeesResponse second;
  ASSERT_TRUE(Import(token_, event_.id(), rows, &second, 100).ok());
  EXPECT_EQ(second.unchanged(), 250u);
  EXPECT_EQ(second.created() + second.updated(), 0u);
  EXPECT_EQ(second.results(7).attendee_id(), first.results(7).attendee_id());

  v1::GetAttendeeRequest get;
  get.set_event_id(event_.id());
  get.set_attendee_id(first.results(0).attendee_id());
  v1::Attendee stored;
  ASSERT_TRUE(organizer_->GetAttendee(Ctx(token_).get(), get, &stored).ok());
  EXPECT_EQ(stored.interests(0).tag(), "Books");  // trimmed; spelled as written
  EXPECT_EQ(stored.interests(0).weight(), 3u);
  EXPECT_EQ(stored.interests(1).weight(), 1u);
  EXPECT_EQ(stored.offers(0), "Rust Mentoring");
  EXPECT_EQ(stored.availability(0), "s1");

  rows[3].set_bio("changed");
  v1::ImportAttendeesResponse third;
  ASSERT_TRUE(Import(token_, event_.id(), rows, &third).ok());
  EXPECT_EQ(third.updated(), 1u);
  EXPECT_EQ(third.results(3).outcome(), v1::ImportRowResult::UPDATED);
}

TEST_F(OrganizerServiceTest, BadRowsAreReportedWithRowAndFieldWhileGoodRowsLand) {
  std::vector<v1::Attendee> rows = {Rich("ok1"),  Rich("bad1"), Rich("ok2"),
                                    Rich("bad2"), Rich("bad3"), Rich("ok3")};
  rows[1].add_interests()->set_tag(std::string(65, 't'));
  rows[3].add_availability("s9");
  rows[4].clear_display_name();
  v1::ImportAttendeesResponse response;
  ASSERT_TRUE(Import(token_, event_.id(), rows, &response, 2).ok());
  EXPECT_EQ(response.created(), 3u);
  EXPECT_EQ(response.rejected(), 3u);
  EXPECT_EQ(response.results(1).outcome(), v1::ImportRowResult::REJECTED);
  EXPECT_THAT(response.results(1).error(), HasSubstr("row 2: interests[2]: tag longer than 64"));
  EXPECT_THAT(response.results(3).error(), HasSubstr("row 4: availability[1]: no slot \"s9\""));
  EXPECT_THAT(response.results(4).error(), HasSubstr("row 5: display_name: required"));
  v1::ListAttendeesRequest list;
  list.set_event_id(event_.id());
  v1::ListAttendeesResponse attendees;
  ASSERT_TRUE(organizer_->ListAttendees(Ctx(token_).get(), list, &attendees).ok());
  ASSERT_EQ(attendees.attendees_size(), 3);
  EXPECT_EQ(attendees.attendees(2).external_id(), "ok3");
}

TEST_F(OrganizerServiceTest, ImportWithMixedEventsEndsTheStream) {
  v1::Event second = CreateEvent(token_, "Second");
  v1::ImportAttendeesResponse response;
  auto context = Ctx(token_);
  auto writer = organizer_->ImportAttendees(context.get(), &response);
  v1::ImportAttendeesRequest message;
  message.set_event_id(event_.id());
  *message.add_rows()->mutable_attendee() = Person("a", "A");
  writer->Write(message);
  message.set_event_id(second.id());
  writer->Write(message);
  writer->WritesDone();
  grpc::Status s = writer->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("event_id"));
}

TEST_F(OrganizerServiceTest, ListAttendeesPagesInIdOrder) {
  std::vector<v1::Attendee> rows;
  for (int i = 0; i < 23; ++i) rows.push_back(Person(absl::StrCat("x", i), "X"));
  v1::ImportAttendeesResponse imported;
  ASSERT_TRUE(Import(token_, event_.id(), rows, &imported).ok());
  v1::ListAttendeesRequest list;
  list.set_event_id(event_.id());
  list.set_page_size(5);
  std::vector<uint64_t> ids;
  for (;;) {
    v1::ListAttendeesResponse page;
    ASSERT_TRUE(organizer_->ListAttendees(Ctx(token_).get(), list, &page).ok());
    for (const v1::Attendee& a : page.attendees()) ids.push_back(a.id());
    if (page.next_page_token().empty()) break;
    list.set_page_token(page.next_page_token());
  }
  ASSERT_EQ(ids.size(), 23u);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()));
}

TEST_F(OrganizerServiceTest, UpdateAttendeeValidatesAndGuardsExternalIds) {
  v1::ImportAttendeesResponse imported;
  ASSERT_TRUE(Import(token_, event_.id(), {Rich("a"), Rich("b")}, &imported).ok());
  v1::UpdateAttendeeRequest request;
  request.mutable_attendee()->set_event_id(event_.id());
  request.mutable_attendee()->set_id(imported.results(0).attendee_id());
  request.mutable_attendee()->set_budget(2);
  request.mutable_update_mask()->add_paths("budget");
  v1::Attendee updated;
  ASSERT_TRUE(organizer_->UpdateAttendee(Ctx(token_).get(), request, &updated).ok());
  EXPECT_EQ(updated.budget(), 2u);
  EXPECT_EQ(updated.interests_size(), 2);  // untouched

  request.mutable_attendee()->set_budget(7);
  grpc::Status s = organizer_->UpdateAttendee(Ctx(token_).get(), request, &updated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("attendee.budget"));

  request.clear_update_mask();
  request.mutable_update_mask()->add_paths("external_id");
  request.mutable_attendee()->set_external_id("b");
  EXPECT_EQ(organizer_->UpdateAttendee(Ctx(token_).get(), request, &updated).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(OrganizerServiceTest, RemoveAttendeeRevokesTheirTokensAndIsIdempotent) {
  v1::ImportAttendeesResponse imported;
  ASSERT_TRUE(Import(token_, event_.id(), {Rich("gone")}, &imported).ok());
  const uint64_t id = imported.results(0).attendee_id();
  const std::string attendee_token = AttendeeToken(token_, event_.id(), id);
  v1::MyProfile me;
  ASSERT_TRUE(attendee_->GetMyProfile(Ctx(attendee_token).get(), {}, &me).ok());
  v1::RemoveAttendeeRequest remove;
  remove.set_event_id(event_.id());
  remove.set_attendee_id(id);
  v1::RemoveAttendeeResponse removed;
  ASSERT_TRUE(organizer_->RemoveAttendee(Ctx(token_).get(), remove, &removed).ok());
  EXPECT_TRUE(removed.removed());
  ASSERT_TRUE(organizer_->RemoveAttendee(Ctx(token_).get(), remove, &removed).ok());
  EXPECT_FALSE(removed.removed());
  EXPECT_EQ(attendee_->GetMyProfile(Ctx(attendee_token).get(), {}, &me).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  v1::GetAttendeeRequest get;
  get.set_event_id(event_.id());
  get.set_attendee_id(id);
  v1::Attendee attendee;
  EXPECT_EQ(organizer_->GetAttendee(Ctx(token_).get(), get, &attendee).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(OrganizerServiceTest, IssueAttendeeTokensIssuesAllOrNothing) {
  std::vector<v1::Attendee> rows;
  for (int i = 0; i < 5; ++i) rows.push_back(Rich(absl::StrCat("t", i)));
  v1::ImportAttendeesResponse imported;
  ASSERT_TRUE(Import(token_, event_.id(), rows, &imported).ok());
  std::vector<uint64_t> ids;
  for (const v1::ImportRowResult& r : imported.results()) ids.push_back(r.attendee_id());
  const std::string earlier = AttendeeToken(token_, event_.id(), ids[1]);

  auto issue = [&](const std::vector<uint64_t>& which, bool only_without_token,
                   v1::IssueAttendeeTokensResponse* out) {
    v1::IssueAttendeeTokensRequest request;
    request.set_event_id(event_.id());
    for (uint64_t id : which) request.add_attendee_ids(id);
    request.set_label("mail merge");
    request.set_only_without_token(only_without_token);
    return organizer_->IssueAttendeeTokens(Ctx(token_).get(), request, out);
  };
  v1::IssueAttendeeTokensResponse response;
  // Bad input names the field; nothing is issued.
  EXPECT_EQ(issue({}, false, &response).error_message(),
            "attendee_ids: 1 to 1000 ids per call, got 0");
  EXPECT_EQ(issue(std::vector<uint64_t>(1001, ids[0]), false, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(issue({ids[0], 0}, false, &response).error_message(), "attendee_ids[1]: 0");
  EXPECT_THAT(issue({ids[0], ids[0]}, false, &response).error_message(),
              HasSubstr("attendee_ids[1]: "));
  grpc::Status unknown = issue({ids[0], 999999}, false, &response);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(unknown.error_message(), HasSubstr("attendee_ids[1]"));
  absl::StatusOr<std::vector<v1::TokenInfo>> held =
      server_->store()->ListAttendeeTokens(event_.id(), ids[0]);
  ASSERT_TRUE(held.ok());
  EXPECT_TRUE(held->empty());

  // Late registrants only: ids[1] already holds a token and is skipped; a revoked token does
  // not count.
  const std::string revoked = AttendeeToken(token_, event_.id(), ids[2]);
  held = server_->store()->ListAttendeeTokens(event_.id(), ids[2]);
  ASSERT_TRUE(held.ok() && held->size() == 1);
  ASSERT_TRUE(server_->store()->RevokeToken(held->front().token_id(), 1).ok());
  ASSERT_TRUE(issue(ids, true, &response).ok());
  EXPECT_THAT(response.skipped_attendee_ids(), ElementsAre(ids[1]));
  ASSERT_EQ(response.tokens_size(), 4);
  std::set<std::string> secrets;
  for (int i = 0; i < response.tokens_size(); ++i) {
    const v1::IssuedAttendeeToken& t = response.tokens(i);
    EXPECT_EQ(t.info().attendee_id(), i == 0 ? ids[0] : ids[i + 1]);
    EXPECT_EQ(t.info().event_id(), event_.id());
    EXPECT_EQ(t.info().label(), "mail merge");
    secrets.insert(t.token());
    // Each works, and is that attendee's.
    v1::MyProfile me;
    ASSERT_TRUE(attendee_->GetMyProfile(Ctx(t.token()).get(), {}, &me).ok());
    EXPECT_EQ(me.attendee().id(), t.info().attendee_id());
  }
  EXPECT_EQ(secrets.size(), 4u);
  v1::MyProfile me;
  EXPECT_TRUE(attendee_->GetMyProfile(Ctx(earlier).get(), {}, &me).ok());

  // Attendees may not; another community's organiser does not see the event.
  EXPECT_EQ(
      organizer_
          ->IssueAttendeeTokens(Ctx(earlier).get(), v1::IssueAttendeeTokensRequest(), &response)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  const std::string stranger = OrganizerToken(CreateCommunity("Elsewhere"));
  v1::IssueAttendeeTokensRequest request;
  request.set_event_id(event_.id());
  request.add_attendee_ids(ids[0]);
  EXPECT_EQ(organizer_->IssueAttendeeTokens(Ctx(stranger).get(), request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(OrganizerServiceTest, ImportedRowsSurviveRestart) {
  std::vector<v1::Attendee> rows;
  for (int i = 0; i < 40; ++i) rows.push_back(Rich(absl::StrCat("r", i)));
  v1::ImportAttendeesResponse imported;
  ASSERT_TRUE(Import(token_, event_.id(), rows, &imported).ok());
  Restart();
  v1::ImportAttendeesResponse again;
  ASSERT_TRUE(Import(token_, event_.id(), rows, &again).ok());
  EXPECT_EQ(again.unchanged(), 40u);
}

}  // namespace
}  // namespace parley
