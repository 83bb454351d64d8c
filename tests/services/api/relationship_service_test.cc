// Relationships over a real server: feedback and its privacy, person_ref as a keyed hash, memory
// across a community's events (freeze and follow-ups), warm introductions (private declines,
// live proposals), requests for introductions, "who else should I meet?", wishes, analytics and
// erasure; and the attendee's export of all of it (AttendeeService.ExportMyData), which is built
// from these records.
#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "google/protobuf/util/json_util.h"
#include "parley/v1/attendee_service.grpc.pb.h"
#include "parley/v1/relationship_service.grpc.pb.h"
#include "services/domain/policy.h"
#include "tests/services/service_fixture.h"

namespace parley {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class RelationshipServiceTest : public testutil::ServiceTest {
 protected:
  void SetUp() override {
    testutil::ServiceTest::SetUp();
    relationships_ = v1::RelationshipService::NewStub(channel_);
    community_ = CreateCommunity("Bicycle Club");
    organizer_token_ = OrganizerToken(community_);
  }

  static v1::Attendee Profile(const std::string& id, std::vector<std::string> interests,
                              const std::string& person_ref = "") {
    v1::Attendee a = Person(id, "Name " + id);
    a.set_email(id + "@example.org");
    a.set_phone("+41 79 000 00 " + id);
    for (const std::string& tag : interests) a.add_interests()->set_tag(tag);
    a.set_person_ref(person_ref);
    return a;
  }

  // An OPEN event with these attendees; fills ids_ (external id -> attendee id) and tokens_.
  uint64_t Event(const std::string& name, const std::vector<v1::Attendee>& people,
                 bool allow_any_introductions = false) {
    v1::CreateEventRequest create;
    *create.mutable_event() = EventSpec(name, 3);
    create.mutable_event()->mutable_policy()->set_allow_any_introductions(allow_any_introductions);
    v1::Event event;
    grpc::Status s = organizer_->CreateEvent(Ctx(organizer_token_).get(), create, &event);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_TRUE(SetStatus(organizer_token_, event.id(), v1::OPEN).ok());
    v1::ImportAttendeesResponse imported;
    s = Import(organizer_token_, event.id(), people, &imported);
    EXPECT_TRUE(s.ok()) << s.error_message();
    for (const v1::ImportRowResult& row : imported.results()) {
      EXPECT_EQ(row.error(), "");
      ids_[row.external_id()] = row.attendee_id();
      tokens_[row.external_id()] = AttendeeToken(organizer_token_, event.id(), row.attendee_id());
    }
    return event.id();
  }

  void Run(uint64_t event_id) {
    v1::MatchingRun last;
    grpc::Status s = RunMatching(organizer_token_, event_id, &last);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ASSERT_EQ(last.phase(), v1::MatchingRun::DONE) << last.error();
  }

  std::vector<v1::Proposal> Suggestions(const std::string& who) {
    v1::ListMySuggestionsResponse response;
    grpc::Status s = agenda_->ListMySuggestions(Ctx(tokens_[who]).get(), {}, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {response.proposals().begin(), response.proposals().end()};
  }

  // The open proposal between two attendees, accepted by both; its meeting id.
  uint64_t Confirm(const std::string& x, const std::string& y) {
    for (const v1::Proposal& p : Suggestions(x)) {
      if (p.partner().attendee_id() != ids_[y]) continue;
      for (const std::string& who : {x, y}) {
        v1::RespondToProposalRequest request;
        request.set_meeting_id(p.meeting_id());
        request.set_accept(true);
        v1::Proposal answer;
        grpc::Status s = agenda_->RespondToProposal(Ctx(tokens_[who]).get(), request, &answer);
        EXPECT_TRUE(s.ok()) << s.error_message();
      }
      return p.meeting_id();
    }
    ADD_FAILURE() << "no proposal between " << x << " and " << y;
    return 0;
  }

  grpc::Status Feedback(const std::string& who, uint64_t meeting_id, v1::Feedback::Outcome outcome,
                        uint32_t rating, bool follow_up, v1::Feedback* out = nullptr) {
    v1::RecordFeedbackRequest request;
    request.set_meeting_id(meeting_id);
    request.set_outcome(outcome);
    request.set_rating(rating);
    request.set_follow_up(follow_up);
    v1::Feedback ignored;
    return relationships_->RecordFeedback(Ctx(tokens_[who]).get(), request,
                                          out == nullptr ? &ignored : out);
  }

  grpc::Status Introduce(const std::string& who, const std::string& x, const std::string& y,
                         v1::Introduction* out, uint64_t request_id = 0) {
    v1::IntroduceRequest request;
    request.set_attendee_a(ids_[x]);
    request.set_attendee_b(ids_[y]);
    request.set_note("You both restore old Peugeot frames");
    request.set_request_id(request_id);
    return relationships_->Introduce(Ctx(tokens_[who]).get(), request, out);
  }

  std::vector<v1::Introduction> Introductions(const std::string& who) {
    v1::ListMyIntroductionsResponse response;
    grpc::Status s = relationships_->ListMyIntroductions(Ctx(tokens_[who]).get(), {}, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {response.introductions().begin(), response.introductions().end()};
  }

  v1::Introduction Respond(const std::string& who, uint64_t id, bool accept) {
    v1::RespondToIntroductionRequest request;
    request.set_introduction_id(id);
    request.set_accept(accept);
    v1::Introduction view;
    grpc::Status s = relationships_->RespondToIntroduction(Ctx(tokens_[who]).get(), request, &view);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return view;
  }

  // Among PROPOSED and CONFIRMED meetings: no attendee twice in a slot, no table twice.
  void ExpectOncePerSlotAndTable(uint64_t event) {
    std::map<std::pair<uint64_t, std::string>, int> per_slot;
    std::map<std::tuple<std::string, std::string, uint32_t>, int> per_table;
    ASSERT_TRUE(server_->store()
                    ->ScanMeetings(event,
                                   [&](const v1::Meeting& m) {
                                     if (m.state() == v1::Meeting::PROPOSED ||
                                         m.state() == v1::Meeting::CONFIRMED) {
                                       ++per_slot[{m.attendee_a(), m.slot_id()}];
                                       ++per_slot[{m.attendee_b(), m.slot_id()}];
                                       ++per_table[{m.slot_id(), m.location_id(), m.table()}];
                                     }
                                     return true;
                                   })
                    .ok());
    for (const auto& [key, count] : per_slot) EXPECT_EQ(count, 1) << key.second;
    for (const auto& [key, count] : per_table) EXPECT_EQ(count, 1) << std::get<0>(key);
  }

  // After every slot of the fixture's events.
  void AfterTheEvent() { now_ = 1800000000 + 10 * 1800; }

  uint64_t community_ = 0;
  std::string organizer_token_;
  std::map<std::string, uint64_t> ids_;
  std::map<std::string, std::string> tokens_;
  std::unique_ptr<v1::RelationshipService::Stub> relationships_;
};

TEST_F(RelationshipServiceTest, FeedbackOpensAfterTheSlotAndStaysPrivate) {
  const uint64_t event = Event(
      "Ride", {Profile("1", {"bicycles"}), Profile("2", {"bicycles"}), Profile("3", {"books"})});
  Run(event);
  const uint64_t meeting = Confirm("1", "2");
  ASSERT_NE(meeting, 0u);

  grpc::Status s = Feedback("1", meeting, v1::Feedback::HAPPENED, 5, true);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("slot ends"));
  AfterTheEvent();
  s = Feedback("1", meeting, v1::Feedback::HAPPENED, 6, true);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("rating"));
  s = Feedback("1", meeting, v1::Feedback::OUTCOME_UNSPECIFIED, 0, false);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("outcome"));
  s = Feedback("3", meeting, v1::Feedback::HAPPENED, 4, false);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);

  // A no-show from one side, then the other says it happened: HELD.
  v1::Feedback mine;
  ASSERT_TRUE(Feedback("1", meeting, v1::Feedback::NO_SHOW, 0, false, &mine).ok());
  EXPECT_EQ(mine.partner().attendee_id(), ids_["2"]);
  EXPECT_TRUE(mine.partner().display_name() == "Name 2");
  EXPECT_EQ(server_->store()->GetMeeting(event, meeting)->state(), v1::Meeting::NO_SHOW);
  ASSERT_TRUE(Feedback("2", meeting, v1::Feedback::HAPPENED, 2, false).ok());
  EXPECT_EQ(server_->store()->GetMeeting(event, meeting)->state(), v1::Meeting::HELD);
  ASSERT_TRUE(Feedback("1", meeting, v1::Feedback::HAPPENED, 5, true).ok());  // replaces

  // Each side lists only their own feedback; nothing shows the other's rating.
  v1::ListMyFeedbackResponse one, two;
  ASSERT_TRUE(relationships_->ListMyFeedback(Ctx(tokens_["1"]).get(), {}, &one).ok());
  ASSERT_TRUE(relationships_->ListMyFeedback(Ctx(tokens_["2"]).get(), {}, &two).ok());
  ASSERT_EQ(one.feedback_size(), 1);
  EXPECT_EQ(one.feedback(0).rating(), 5u);
  EXPECT_TRUE(one.feedback(0).follow_up());
  ASSERT_EQ(two.feedback_size(), 1);
  EXPECT_EQ(two.feedback(0).rating(), 2u);
  EXPECT_FALSE(two.feedback(0).follow_up());
  v1::Agenda agenda;
  ASSERT_TRUE(agenda_->GetMyAgenda(Ctx(tokens_["2"]).get(), {}, &agenda).ok());
  EXPECT_THAT(agenda.SerializeAsString(), Not(HasSubstr("1@example.org")));
  EXPECT_THAT(two.SerializeAsString(), Not(HasSubstr("1@example.org")));

  // A proposal that was never confirmed cannot be rated.
  for (const v1::Proposal& p : Suggestions("3")) {
    s = Feedback("3", p.meeting_id(), v1::Feedback::HAPPENED, 3, false);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  }
}

TEST_F(RelationshipServiceTest, PersonRefIsStoredOnlyAsAKeyedHash) {
  const std::string ref = "alice.unique.marker@example.net";
  const uint64_t event = Event("Ride", {Profile("1", {"bicycles"}, ref)});
  v1::GetAttendeeRequest get;
  get.set_event_id(event);
  get.set_attendee_id(ids_["1"]);
  v1::Attendee stored;
  ASSERT_TRUE(organizer_->GetAttendee(Ctx(organizer_token_).get(), get, &stored).ok());
  EXPECT_THAT(stored.person_ref(), ::testing::StartsWith("pk1:"));
  EXPECT_EQ(stored.person_ref().size(), 36u);
  EXPECT_THAT(stored.person_ref(), Not(HasSubstr("alice")));

  // Importing the same row again changes nothing; writing back the hash keeps it.
  v1::ImportAttendeesResponse again;
  ASSERT_TRUE(Import(organizer_token_, event, {Profile("1", {"bicycles"}, ref)}, &again).ok());
  EXPECT_EQ(again.results(0).outcome(), v1::ImportRowResult::UNCHANGED);
  v1::UpdateAttendeeRequest update;
  *update.mutable_attendee() = stored;
  update.mutable_update_mask()->add_paths("person_ref");
  v1::Attendee updated;
  ASSERT_TRUE(organizer_->UpdateAttendee(Ctx(organizer_token_).get(), update, &updated).ok());
  EXPECT_EQ(updated.person_ref(), stored.person_ref());

  // The same ref in another community hashes differently.
  const uint64_t other = CreateCommunity("Book Club");
  const std::string other_token = OrganizerToken(other);
  v1::Event other_event = CreateEvent(other_token, "Reading");
  v1::ImportAttendeesResponse imported;
  ASSERT_TRUE(
      Import(other_token, other_event.id(), {Profile("1", {"books"}, ref)}, &imported).ok());
  get.set_event_id(other_event.id());
  get.set_attendee_id(imported.results(0).attendee_id());
  v1::Attendee theirs;
  ASSERT_TRUE(organizer_->GetAttendee(Ctx(other_token).get(), get, &theirs).ok());
  EXPECT_NE(theirs.person_ref(), stored.person_ref());

  // Not a byte of the clear ref reached the disk (WAL, tables, manifest).
  server_.reset();
  const std::string db = dir_.Sub("db");
  DIR* d = opendir(db.c_str());
  ASSERT_NE(d, nullptr);
  int files = 0;
  for (dirent* entry = readdir(d); entry != nullptr; entry = readdir(d)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    std::ifstream in(db + "/" + name, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    EXPECT_THAT(bytes.str(), Not(HasSubstr("alice.unique.marker"))) << name;
    ++files;
  }
  closedir(d);
  EXPECT_GT(files, 0);
}

// Two people meet at a first event; at the next event of the community they are not matched
// again (freeze), unless both asked to follow up: then they are, with the reason FOLLOW_UP.
class MemoryTest : public RelationshipServiceTest, public ::testing::WithParamInterface<bool> {};

TEST_P(MemoryTest, APairThatMetIsFrozenUnlessBothFollowUp) {
  const bool follow_up = GetParam();
  const uint64_t first = Event("Spring Ride", {Profile("1", {"bicycles"}, "ref-ann"),
                                               Profile("2", {"bicycles"}, "ref-bob")});
  Run(first);
  const uint64_t meeting = Confirm("1", "2");
  AfterTheEvent();
  ASSERT_TRUE(Feedback("1", meeting, v1::Feedback::HAPPENED, 5, follow_up).ok());
  ASSERT_TRUE(Feedback("2", meeting, v1::Feedback::HAPPENED, 4, true).ok());
  ASSERT_TRUE(SetStatus(organizer_token_, first, v1::CLOSED).ok());

  const uint64_t second = Event("Autumn Ride", {Profile("a", {"bicycles"}, "ref-ann"),
                                                Profile("b", {"bicycles"}, "ref-bob")});
  now_ = 0;  // the second event's slots are in the future again
  Run(second);
  std::vector<v1::Proposal> proposals = Suggestions("a");
  if (!follow_up) {
    EXPECT_TRUE(proposals.empty());
    return;
  }
  ASSERT_EQ(proposals.size(), 1u);
  bool follow_up_reason = false;
  for (const v1::Reason& r : proposals[0].reasons()) {
    if (r.kind() == v1::Reason::FOLLOW_UP) {
      follow_up_reason = true;
      EXPECT_EQ(r.tag(), "Spring Ride");
    }
  }
  EXPECT_TRUE(follow_up_reason) << proposals[0].DebugString();
}

INSTANTIATE_TEST_SUITE_P(FollowUp, MemoryTest, ::testing::Bool());

// Without any feedback, closing the event remembers its confirmed meetings; closing again (a
// retry) is harmless.
TEST_F(RelationshipServiceTest, ClosingAnEventRemembersItsConfirmedMeetings) {
  const uint64_t first = Event("Spring Ride", {Profile("1", {"bicycles"}, "ref-ann"),
                                               Profile("2", {"bicycles"}, "ref-bob")});
  Run(first);
  ASSERT_NE(Confirm("1", "2"), 0u);
  ASSERT_TRUE(SetStatus(organizer_token_, first, v1::CLOSED).ok());
  ASSERT_TRUE(SetStatus(organizer_token_, first, v1::CLOSED).ok());
  const uint64_t second = Event("Autumn Ride", {Profile("a", {"bicycles"}, "ref-ann"),
                                                Profile("b", {"bicycles"}, "ref-bob")});
  Run(second);
  EXPECT_TRUE(Suggestions("a").empty());
}

// Ann met Bob and Cem (bicycles, books); Bob and Cem share nothing, so matching never pairs
// them. Ann introduces them.
class IntroductionTest : public RelationshipServiceTest {
 protected:
  // After the event: bob says his meeting with ann happened and rates it 5, so the people ann
  // reaches become bob's who-else.
  void BobRatesAnnHighly() {
    uint64_t ann_bob = 0;
    v1::Agenda bobs;
    ASSERT_TRUE(agenda_->GetMyAgenda(Ctx(tokens_["bob"]).get(), {}, &bobs).ok());
    for (const v1::Proposal& p : bobs.items()) {
      if (p.partner().attendee_id() == ids_["ann"]) ann_bob = p.meeting_id();
    }
    ASSERT_TRUE(Feedback("bob", ann_bob, v1::Feedback::HAPPENED, 5, false).ok());
  }

  uint64_t SetUpTriangle(bool allow_any = false) {
    const uint64_t event =
        Event("Ride",
              {Profile("ann", {"bicycles", "books"}), Profile("bob", {"bicycles"}),
               Profile("cem", {"books"}), Profile("dia", {"chess"})},
              allow_any);
    Run(event);
    Confirm("ann", "bob");
    Confirm("ann", "cem");
    return event;
  }
};

TEST_F(IntroductionTest, OnlyPeopleIMetUnlessThePolicyAllowsAny) {
  SetUpTriangle();
  v1::Introduction made;
  grpc::Status s = Introduce("bob", "ann", "dia", &made);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  s = Introduce("ann", "bob", "bob", &made);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  s = Introduce("ann", "ann", "bob", &made);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  v1::IntroduceRequest no_note;
  no_note.set_attendee_a(ids_["bob"]);
  no_note.set_attendee_b(ids_["cem"]);
  s = relationships_->Introduce(Ctx(tokens_["ann"]).get(), no_note, &made);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("note"));
  ASSERT_TRUE(Introduce("ann", "bob", "cem", &made).ok());
  EXPECT_TRUE(made.made_by_me());
  EXPECT_EQ(made.status(), v1::Introduction::PENDING);
  s = Introduce("ann", "cem", "bob", &made);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
}

TEST_F(IntroductionTest, AnyTwoWhenThePolicyAllows) {
  SetUpTriangle(/*allow_any=*/true);
  v1::Introduction made;
  EXPECT_TRUE(Introduce("bob", "ann", "dia", &made).ok());
}

TEST_F(IntroductionTest, ADeclineStaysPrivate) {
  SetUpTriangle();
  v1::Introduction made;
  ASSERT_TRUE(Introduce("ann", "bob", "cem", &made).ok());
  std::vector<v1::Introduction> to_bob = Introductions("bob");
  ASSERT_EQ(to_bob.size(), 1u);
  EXPECT_FALSE(to_bob[0].made_by_me());
  EXPECT_EQ(to_bob[0].introducer().attendee_id(), ids_["ann"]);
  EXPECT_EQ(to_bob[0].person().attendee_id(), ids_["cem"]);
  EXPECT_EQ(to_bob[0].note(), "You both restore old Peugeot frames");
  EXPECT_THAT(to_bob[0].SerializeAsString(), Not(HasSubstr("@example.org")));

  EXPECT_EQ(Respond("bob", made.id(), false).status(), v1::Introduction::DECLINED_BY_ME);
  EXPECT_EQ(Respond("cem", made.id(), true).status(), v1::Introduction::PENDING);
  EXPECT_EQ(Introductions("cem")[0].status(), v1::Introduction::PENDING);
  EXPECT_EQ(Introductions("ann")[0].status(), v1::Introduction::PENDING);
  // Changing one's mind is refused; not one's introduction is NOT_FOUND.
  v1::RespondToIntroductionRequest request;
  request.set_introduction_id(made.id());
  request.set_accept(true);
  v1::Introduction view;
  EXPECT_EQ(
      relationships_->RespondToIntroduction(Ctx(tokens_["bob"]).get(), request, &view).error_code(),
      grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(
      relationships_->RespondToIntroduction(Ctx(tokens_["dia"]).get(), request, &view).error_code(),
      grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(Introductions("dia").empty());
}

TEST_F(IntroductionTest, AcceptedByBothDuringTheEventGetsAProposalInAFreeSlot) {
  const uint64_t event = SetUpTriangle();
  v1::Introduction made;
  ASSERT_TRUE(Introduce("ann", "bob", "cem", &made).ok());
  Respond("bob", made.id(), true);
  const v1::Introduction accepted = Respond("cem", made.id(), true);
  EXPECT_EQ(accepted.status(), v1::Introduction::ACCEPTED);
  ASSERT_NE(accepted.meeting_id(), 0u);
  EXPECT_EQ(Introductions("ann")[0].status(), v1::Introduction::ACCEPTED);
  EXPECT_EQ(Introductions("ann")[0].meeting_id(), 0u);  // the introducer does not see it

  bool found = false;
  for (const v1::Proposal& p : Suggestions("bob")) {
    if (p.meeting_id() != accepted.meeting_id()) continue;
    found = true;
    EXPECT_EQ(p.partner().attendee_id(), ids_["cem"]);
    ASSERT_FALSE(p.reasons().empty());
    EXPECT_EQ(p.reasons(0).kind(), v1::Reason::INTRODUCED);
    EXPECT_EQ(p.reasons(0).introducer_name(), "Name ann");
    EXPECT_THAT(p.conversation_starter(), HasSubstr("Peugeot"));
  }
  EXPECT_TRUE(found);
  ExpectOncePerSlotAndTable(event);

  // A repair after that (Ann cancels with Bob) plans around the introduced proposal: no
  // attendee twice in a slot, no table twice.
  server_->live()->WaitIdle();
  for (const v1::Proposal& p : Suggestions("bob")) {
    if (p.partner().attendee_id() != ids_["ann"]) continue;
    v1::CancelMeetingRequest cancel;
    cancel.set_meeting_id(p.meeting_id());
    v1::Proposal cancelled;
    ASSERT_TRUE(agenda_->CancelMeeting(Ctx(tokens_["ann"]).get(), cancel, &cancelled).ok());
  }
  v1::Agenda anns;
  ASSERT_TRUE(agenda_->GetMyAgenda(Ctx(tokens_["ann"]).get(), {}, &anns).ok());
  for (const v1::Proposal& p : anns.items()) {
    if (p.partner().attendee_id() != ids_["bob"]) continue;
    v1::CancelMeetingRequest cancel;
    cancel.set_meeting_id(p.meeting_id());
    v1::Proposal cancelled;
    ASSERT_TRUE(agenda_->CancelMeeting(Ctx(tokens_["ann"]).get(), cancel, &cancelled).ok());
  }
  server_->live()->WaitIdle();
  ExpectOncePerSlotAndTable(event);
}

TEST_F(RelationshipServiceTest, AnIntroductionAcceptedBeforeARunBringsThePairIntoTheRun) {
  // Bob and Cem share nothing: only the introduction makes them a candidate pair.
  const uint64_t event = Event("Ride",
                               {Profile("ann", {"bicycles", "books"}), Profile("bob", {"bicycles"}),
                                Profile("cem", {"books"})},
                               /*allow_any_introductions=*/true);
  v1::Introduction made;
  ASSERT_TRUE(Introduce("ann", "bob", "cem", &made).ok());
  Respond("bob", made.id(), true);
  EXPECT_EQ(Respond("cem", made.id(), true).meeting_id(), 0u);  // no schedule yet
  Run(event);
  bool found = false;
  for (const v1::Proposal& p : Suggestions("bob")) {
    if (p.partner().attendee_id() != ids_["cem"]) continue;
    found = true;
    bool introduced = false;
    for (const v1::Reason& r : p.reasons()) {
      introduced |= r.kind() == v1::Reason::INTRODUCED && r.introducer_name() == "Name ann";
    }
    EXPECT_TRUE(introduced) << p.DebugString();
  }
  EXPECT_TRUE(found);
}

TEST_F(IntroductionTest, WhoElseAlsoReachesThePeopleMyContactsIntroduced) {
  SetUpTriangle(/*allow_any=*/true);
  AfterTheEvent();
  BobRatesAnnHighly();
  v1::WhoElseShouldIMeetResponse none;
  ASSERT_TRUE(relationships_->WhoElseShouldIMeet(Ctx(tokens_["bob"]).get(), {}, &none).ok());
  EXPECT_EQ(none.people_size(), 0);  // Ann rated nobody and introduced nobody yet
  v1::Introduction made;
  ASSERT_TRUE(Introduce("ann", "cem", "dia", &made).ok());
  v1::WhoElseShouldIMeetResponse reached;
  ASSERT_TRUE(relationships_->WhoElseShouldIMeet(Ctx(tokens_["bob"]).get(), {}, &reached).ok());
  std::vector<uint64_t> people;
  for (const v1::PersonSuggestion& p : reached.people()) {
    people.push_back(p.person().attendee_id());
    EXPECT_EQ(p.reasons(0).introducer_name(), "Name ann");
  }
  std::sort(people.begin(), people.end());
  std::vector<uint64_t> expected = {ids_["cem"], ids_["dia"]};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(people, expected);
}

// Known pairs (they already know each other) hold here too: who-else never suggests them, and
// an introduction of them is declined at once on both sides.
TEST_F(IntroductionTest, KnownPairsAreNeverSuggestedNorIntroduced) {
  const uint64_t event = SetUpTriangle(/*allow_any=*/true);
  AfterTheEvent();
  BobRatesAnnHighly();
  v1::Introduction made;
  ASSERT_TRUE(Introduce("ann", "cem", "dia", &made).ok());
  v1::ImportKnownPairsResponse imported;
  auto context = Ctx(organizer_token_);
  auto writer = organizer_->ImportKnownPairs(context.get(), &imported);
  v1::ImportKnownPairsRequest message;
  message.set_event_id(event);
  for (const auto& [x, y] : {std::pair<std::string, std::string>{"bob", "cem"}, {"cem", "dia"}}) {
    v1::KnownPair* pair = message.add_rows()->mutable_pair();
    pair->set_external_id_a(x);
    pair->set_external_id_b(y);
  }
  ASSERT_TRUE(writer->Write(message));
  writer->WritesDone();
  ASSERT_TRUE(writer->Finish().ok());
  ASSERT_EQ(imported.added(), 2u);

  v1::WhoElseShouldIMeetResponse reached;
  ASSERT_TRUE(relationships_->WhoElseShouldIMeet(Ctx(tokens_["bob"]).get(), {}, &reached).ok());
  ASSERT_EQ(reached.people_size(), 1);  // dia; cem is known to bob
  EXPECT_EQ(reached.people(0).person().attendee_id(), ids_["dia"]);

  // Ann introduces bob and cem, who know each other: both decline at once, privately.
  v1::Introduction known;
  ASSERT_TRUE(Introduce("ann", "bob", "cem", &known).ok());
  for (const std::string who : {"bob", "cem"}) {
    bool listed = false;
    for (const v1::Introduction& i : Introductions(who)) {
      if (i.id() != known.id()) continue;
      listed = true;
      EXPECT_EQ(i.status(), v1::Introduction::DECLINED_BY_ME) << who;
    }
    EXPECT_TRUE(listed) << who;
  }
}

TEST_F(IntroductionTest, AskSomeoneIMetForIntroductions) {
  SetUpTriangle();
  v1::AskForIntroductionsRequest ask;
  ask.set_attendee_id(ids_["ann"]);
  ask.set_note("people who fix wheels");
  v1::IntroductionRequest sent;
  ASSERT_TRUE(relationships_->AskForIntroductions(Ctx(tokens_["bob"]).get(), ask, &sent).ok());
  EXPECT_EQ(relationships_->AskForIntroductions(Ctx(tokens_["bob"]).get(), ask, &sent).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  ask.set_attendee_id(ids_["cem"]);
  EXPECT_EQ(relationships_->AskForIntroductions(Ctx(tokens_["bob"]).get(), ask, &sent).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  v1::ListIntroductionRequestsResponse received;
  ASSERT_TRUE(
      relationships_->ListIntroductionRequests(Ctx(tokens_["ann"]).get(), {}, &received).ok());
  ASSERT_EQ(received.requests_size(), 1);
  EXPECT_FALSE(received.requests(0).sent_by_me());
  EXPECT_EQ(received.requests(0).person().attendee_id(), ids_["bob"]);
  EXPECT_EQ(received.requests(0).note(), "people who fix wheels");

  v1::Introduction made;
  ASSERT_TRUE(Introduce("ann", "bob", "cem", &made, received.requests(0).id()).ok());
  v1::ListIntroductionRequestsResponse mine;
  ASSERT_TRUE(relationships_->ListIntroductionRequests(Ctx(tokens_["bob"]).get(), {}, &mine).ok());
  ASSERT_EQ(mine.requests_size(), 1);
  EXPECT_TRUE(mine.requests(0).sent_by_me());
  EXPECT_EQ(mine.requests(0).answered(), 1u);
  ASSERT_EQ(Introductions("bob").size(), 1u);
}

TEST_F(IntroductionTest, WhoElseReachesPeopleMyContactsRatedHighly) {
  SetUpTriangle();
  AfterTheEvent();
  // Bob rated Ann 5; Ann rated Cem 5: Bob is pointed to Cem, through Ann.
  std::vector<v1::Proposal> bobs;
  v1::Agenda agenda;
  ASSERT_TRUE(agenda_->GetMyAgenda(Ctx(tokens_["bob"]).get(), {}, &agenda).ok());
  ASSERT_TRUE(agenda_->GetMyAgenda(Ctx(tokens_["cem"]).get(), {}, &agenda).ok());
  uint64_t ann_bob = 0, ann_cem = 0;
  v1::Agenda anns;
  ASSERT_TRUE(agenda_->GetMyAgenda(Ctx(tokens_["ann"]).get(), {}, &anns).ok());
  for (const v1::Proposal& p : anns.items()) {
    if (p.status() != v1::Proposal::CONFIRMED) continue;
    if (p.partner().attendee_id() == ids_["bob"]) ann_bob = p.meeting_id();
    if (p.partner().attendee_id() == ids_["cem"]) ann_cem = p.meeting_id();
  }
  ASSERT_NE(ann_bob, 0u);
  ASSERT_NE(ann_cem, 0u);
  ASSERT_TRUE(Feedback("bob", ann_bob, v1::Feedback::HAPPENED, 5, false).ok());
  ASSERT_TRUE(Feedback("ann", ann_cem, v1::Feedback::HAPPENED, 5, false).ok());
  ASSERT_TRUE(Feedback("ann", ann_bob, v1::Feedback::HAPPENED, 2, false).ok());

  v1::WhoElseShouldIMeetResponse bob_others;
  ASSERT_TRUE(relationships_->WhoElseShouldIMeet(Ctx(tokens_["bob"]).get(), {}, &bob_others).ok());
  ASSERT_EQ(bob_others.people_size(), 1) << bob_others.DebugString();
  EXPECT_EQ(bob_others.people(0).person().attendee_id(), ids_["cem"]);
  ASSERT_FALSE(bob_others.people(0).reasons().empty());
  EXPECT_EQ(bob_others.people(0).reasons(0).kind(), v1::Reason::VIA_CONTACT);
  EXPECT_EQ(bob_others.people(0).reasons(0).introducer_name(), "Name ann");
  EXPECT_THAT(bob_others.SerializeAsString(), Not(HasSubstr("@example.org")));
  // Cem rated nobody highly: nobody to suggest. Ann rated Bob 2: Ann gets nobody new either.
  v1::WhoElseShouldIMeetResponse cem_others;
  ASSERT_TRUE(relationships_->WhoElseShouldIMeet(Ctx(tokens_["cem"]).get(), {}, &cem_others).ok());
  EXPECT_EQ(cem_others.people_size(), 0);
}

// Every call an attendee can make, after feedback, a declined introduction and a one-sided
// wish: no other attendee's contact details, no rating but one's own, no decline, no wish.
TEST_F(IntroductionTest, NothingAnAttendeeCanCallRevealsAnothersPrivateData) {
  SetUpTriangle();
  AfterTheEvent();
  v1::Agenda anns;
  ASSERT_TRUE(agenda_->GetMyAgenda(Ctx(tokens_["ann"]).get(), {}, &anns).ok());
  for (const v1::Proposal& p : anns.items()) {
    if (p.status() == v1::Proposal::CONFIRMED) {
      ASSERT_TRUE(Feedback("ann", p.meeting_id(), v1::Feedback::HAPPENED, 2, false).ok());
    }
  }
  v1::Introduction made;
  ASSERT_TRUE(Introduce("ann", "bob", "cem", &made).ok());
  Respond("bob", made.id(), false);
  v1::WishRequest wish;
  wish.set_attendee_id(ids_["bob"]);  // Cem was shown Bob by Ann's introduction
  v1::ListMyWishesResponse wishes;
  ASSERT_TRUE(relationships_->AddWish(Ctx(tokens_["cem"]).get(), wish, &wishes).ok());

  for (const std::string who : {"ann", "bob", "cem", "dia"}) {
    std::string seen;
    auto add = [&](const grpc::Status& s, const google::protobuf::Message& m) {
      EXPECT_TRUE(s.ok()) << who << ": " << s.error_message();
      seen += m.SerializeAsString();
    };
    const std::string& token = tokens_[who];
    v1::MyProfile profile;
    add(attendee_->GetMyProfile(Ctx(token).get(), {}, &profile), profile);
    v1::ListMySuggestionsResponse suggestions;
    add(agenda_->ListMySuggestions(Ctx(token).get(), {}, &suggestions), suggestions);
    v1::Agenda agenda;
    add(agenda_->GetMyAgenda(Ctx(token).get(), {}, &agenda), agenda);
    v1::Calendar calendar;
    add(agenda_->GetMyCalendar(Ctx(token).get(), {}, &calendar), calendar);
    v1::ListMyFeedbackResponse feedback;
    add(relationships_->ListMyFeedback(Ctx(token).get(), {}, &feedback), feedback);
    v1::ListMyIntroductionsResponse intros;
    add(relationships_->ListMyIntroductions(Ctx(token).get(), {}, &intros), intros);
    v1::ListIntroductionRequestsResponse requests;
    add(relationships_->ListIntroductionRequests(Ctx(token).get(), {}, &requests), requests);
    v1::WhoElseShouldIMeetResponse others;
    add(relationships_->WhoElseShouldIMeet(Ctx(token).get(), {}, &others), others);
    v1::ListMyWishesResponse mine;
    add(relationships_->ListMyWishes(Ctx(token).get(), {}, &mine), mine);
    for (const std::string other : {"ann", "bob", "cem", "dia"}) {
      if (other == who) continue;
      EXPECT_THAT(seen, Not(HasSubstr(other + "@example.org"))) << who;
      EXPECT_THAT(seen, Not(HasSubstr("+41 79 000 00 " + other))) << who;
    }
    if (who != "ann") {
      EXPECT_TRUE(feedback.feedback().empty()) << who;  // Ann's rating is hers
    }
    if (who != "cem") {
      EXPECT_TRUE(mine.wishes().empty()) << who;  // Cem's wish is hers
    }
    EXPECT_EQ(profile.attendee().wants_size(), 0) << who;  // no external ids of others
    for (const v1::Introduction& i : intros.introductions()) {
      if (who != "bob") {
        EXPECT_EQ(i.status(), v1::Introduction::PENDING) << who;
      }
    }
    for (const v1::Proposal& p : suggestions.proposals()) {
      for (const v1::Reason& r : p.reasons()) EXPECT_NE(r.kind(), v1::Reason::MUTUAL_WISH);
    }
  }
}

TEST_F(RelationshipServiceTest, WishesAreCappedLimitedToPeopleShownAndNeverRevealed) {
  std::vector<v1::Attendee> people;
  for (int i = 0; i < 14; ++i) people.push_back(Profile(absl::StrCat("p", i), {"bicycles"}));
  const uint64_t event = Event("Ride", people, /*allow_any_introductions=*/true);
  // p12 introduces p0 to p1..p11: p0 has been shown them (not p13).
  for (int i = 1; i <= 11; ++i) {
    v1::Introduction made;
    ASSERT_TRUE(Introduce("p12", "p0", absl::StrCat("p", i), &made).ok()) << i;
  }
  v1::WishRequest wish;
  v1::ListMyWishesResponse wishes;
  for (int i = 1; i <= 10; ++i) {
    wish.set_attendee_id(ids_[absl::StrCat("p", i)]);
    ASSERT_TRUE(relationships_->AddWish(Ctx(tokens_["p0"]).get(), wish, &wishes).ok());
  }
  EXPECT_EQ(wishes.wishes_size(), 10);
  ASSERT_TRUE(relationships_->AddWish(Ctx(tokens_["p0"]).get(), wish, &wishes).ok());  // again
  EXPECT_EQ(wishes.wishes_size(), 10);
  wish.set_attendee_id(ids_["p11"]);
  EXPECT_EQ(relationships_->AddWish(Ctx(tokens_["p0"]).get(), wish, &wishes).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  wish.set_attendee_id(ids_["p0"]);
  EXPECT_EQ(relationships_->AddWish(Ctx(tokens_["p0"]).get(), wish, &wishes).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // Nobody can be looked up through wishes: not someone never shown, not an id that does not
  // exist, and both answer alike.
  wish.set_attendee_id(ids_["p13"]);
  grpc::Status stranger = relationships_->AddWish(Ctx(tokens_["p0"]).get(), wish, &wishes);
  wish.set_attendee_id(987654321);
  grpc::Status nobody = relationships_->AddWish(Ctx(tokens_["p0"]).get(), wish, &wishes);
  EXPECT_EQ(stranger.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(nobody.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  wish.set_attendee_id(ids_["p10"]);
  ASSERT_TRUE(relationships_->RemoveWish(Ctx(tokens_["p0"]).get(), wish, &wishes).ok());
  EXPECT_EQ(wishes.wishes_size(), 9);

  // p1 does not learn of p0's wish: not in their wishes, their profile, nor their proposal.
  v1::ListMyWishesResponse theirs;
  ASSERT_TRUE(relationships_->ListMyWishes(Ctx(tokens_["p1"]).get(), {}, &theirs).ok());
  EXPECT_EQ(theirs.wishes_size(), 0);
  Run(event);
  auto reasons_with = [&](const std::string& who, const std::string& partner) {
    std::vector<v1::Reason::Kind> kinds;
    bool found = false;
    for (const v1::Proposal& p : Suggestions(who)) {
      if (p.partner().attendee_id() != ids_[partner]) continue;
      found = true;
      for (const v1::Reason& r : p.reasons()) kinds.push_back(r.kind());
    }
    EXPECT_TRUE(found) << who << " has no proposal with " << partner;
    return kinds;
  };
  EXPECT_THAT(reasons_with("p0", "p1"), ::testing::Contains(v1::Reason::YOU_ASKED_TO_MEET));
  EXPECT_THAT(reasons_with("p1", "p0"),
              ::testing::Not(::testing::AnyOf(::testing::Contains(v1::Reason::MUTUAL_WISH),
                                              ::testing::Contains(v1::Reason::YOU_ASKED_TO_MEET))));
  // Once p1 wishes too, the next run shows both the mutual wish.
  wish.set_attendee_id(ids_["p0"]);
  ASSERT_TRUE(relationships_->AddWish(Ctx(tokens_["p1"]).get(), wish, &theirs).ok());
  ASSERT_EQ(theirs.wishes_size(), 1);
  Run(event);
  EXPECT_THAT(reasons_with("p0", "p1"), ::testing::Contains(v1::Reason::MUTUAL_WISH));
  EXPECT_THAT(reasons_with("p1", "p0"), ::testing::Contains(v1::Reason::MUTUAL_WISH));
}

// One attendee, inside their rate limit, could store introductions without end (10,339 in a
// minute with allow_any_introductions): the rulebook caps them per attendee and event.
TEST_F(RelationshipServiceTest, IntroductionsOneAttendeeMakesAreCapped) {
  std::vector<v1::Attendee> people = {Profile("me", {"bikes"})};
  for (int i = 0; i < 16; ++i) people.push_back(Profile(absl::StrCat("p", i), {"bikes"}));
  const uint64_t event = Event("Crowd", people, /*allow_any_introductions=*/true);
  ASSERT_NE(event, 0u);
  size_t made = 0;
  grpc::Status refused;
  for (int x = 0; x < 16 && refused.ok(); ++x) {
    for (int y = x + 1; y < 16 && refused.ok(); ++y) {
      v1::IntroduceRequest request;
      request.set_attendee_a(ids_[absl::StrCat("p", x)]);
      request.set_attendee_b(ids_[absl::StrCat("p", y)]);
      request.set_note("you both ride");
      v1::Introduction out;
      grpc::Status s = relationships_->Introduce(Ctx(tokens_["me"]).get(), request, &out);
      if (s.ok()) {
        ++made;
      } else {
        refused = s;
      }
    }
  }
  EXPECT_EQ(made, domain::kMaxIntroductionsMade);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(),
              HasSubstr(absl::StrCat("at most ", domain::kMaxIntroductionsMade)));
  // Somebody else still may.
  v1::IntroduceRequest request;
  request.set_attendee_a(ids_["p0"]);
  request.set_attendee_b(ids_["p1"]);
  request.set_note("you both ride");
  v1::Introduction out;
  EXPECT_TRUE(relationships_->Introduce(Ctx(tokens_["p15"]).get(), request, &out).ok());
}

TEST_F(IntroductionTest, AnalyticsAggregateWithoutNamingAnybody) {
  const uint64_t event = SetUpTriangle();
  v1::Introduction made;
  ASSERT_TRUE(Introduce("ann", "bob", "cem", &made).ok());
  Respond("bob", made.id(), true);
  Respond("cem", made.id(), true);
  AfterTheEvent();
  uint64_t meeting = 0;
  v1::Agenda anns;
  ASSERT_TRUE(agenda_->GetMyAgenda(Ctx(tokens_["ann"]).get(), {}, &anns).ok());
  for (const v1::Proposal& p : anns.items()) {
    if (p.status() == v1::Proposal::CONFIRMED) meeting = p.meeting_id();
  }
  ASSERT_TRUE(Feedback("ann", meeting, v1::Feedback::HAPPENED, 4, true).ok());

  v1::GetAnalyticsRequest request;
  request.set_event_id(event);
  v1::GetAnalyticsResponse response;
  ASSERT_TRUE(relationships_->GetAnalytics(Ctx(organizer_token_).get(), request, &response).ok());
  ASSERT_EQ(response.events_size(), 1);
  const v1::Analytics& a = response.events(0);
  EXPECT_EQ(a.confirmed(), 2u);
  EXPECT_EQ(a.held(), 1u);
  EXPECT_DOUBLE_EQ(a.held_rate(), 0.5);
  EXPECT_EQ(a.feedback(), 1u);
  ASSERT_EQ(a.rating_counts_size(), 5);
  EXPECT_EQ(a.rating_counts(3), 1u);
  EXPECT_EQ(a.follow_ups(), 1u);
  EXPECT_EQ(a.introductions_made(), 1u);
  EXPECT_EQ(a.introductions_accepted(), 1u);
  EXPECT_EQ(response.total().confirmed(), 2u);

  // The whole community, and nothing for another community's organiser.
  request.set_event_id(0);
  ASSERT_TRUE(relationships_->GetAnalytics(Ctx(organizer_token_).get(), request, &response).ok());
  EXPECT_EQ(response.total().held(), 1u);
  const std::string stranger = OrganizerToken(CreateCommunity("Other"));
  request.set_event_id(event);
  EXPECT_EQ(relationships_->GetAnalytics(Ctx(stranger).get(), request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(
      relationships_->GetAnalytics(Ctx(tokens_["ann"]).get(), request, &response).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);

  // Erasing Ann keeps her feedback in the aggregates, under nobody's name.
  v1::RemoveAttendeeRequest remove;
  remove.set_event_id(event);
  remove.set_attendee_id(ids_["ann"]);
  v1::RemoveAttendeeResponse removed;
  ASSERT_TRUE(organizer_->RemoveAttendee(Ctx(organizer_token_).get(), remove, &removed).ok());
  ASSERT_TRUE(relationships_->GetAnalytics(Ctx(organizer_token_).get(), request, &response).ok());
  EXPECT_EQ(response.events(0).feedback(), 1u);
  EXPECT_EQ(response.events(0).introductions_made(), 0u);
  ASSERT_TRUE(server_->store()
                  ->ScanFeedback(event,
                                 [&](const v1::StoredFeedback& f) {
                                   EXPECT_EQ(f.giver(), 0u);
                                   EXPECT_EQ(f.partner(), 0u);
                                   return true;
                                 })
                  .ok());
}

// --- The attendee's export ------------------------------------------------------------------

class ExportTest : public RelationshipServiceTest {
 protected:
  absl::StatusOr<v1::MyData> Export(const std::string& token) {
    v1::MyData data;
    grpc::Status s = attendee_->ExportMyData(Ctx(token).get(), {}, &data);
    if (!s.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(s.error_code()), s.error_message());
    }
    return data;
  }
  void Share(const std::string& who, bool email, bool phone) {
    v1::UpdateMyProfileRequest request;
    request.mutable_attendee()->set_share_email(email);
    request.mutable_attendee()->set_share_phone(phone);
    request.mutable_update_mask()->add_paths("share_email");
    request.mutable_update_mask()->add_paths("share_phone");
    v1::MyProfile profile;
    grpc::Status s = attendee_->UpdateMyProfile(Ctx(tokens_[who]).get(), request, &profile);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
};

TEST_F(ExportTest, HoldsEverythingAboutMeAndNothingOthersSaidAboutMe) {
  const uint64_t event =
      Event("Ride",
            {Profile("1", {"bicycles"}, "ref-1"), Profile("2", {"bicycles"}, "ref-2"),
             Profile("3", {"books"}), Profile("4", {"books"})},
            /*allow_any_introductions=*/true);
  ASSERT_TRUE(server_->store()->AddKnownPairs(event, {{ids_["1"], ids_["4"]}}).ok());
  Run(event);
  const uint64_t meeting = Confirm("1", "2");
  ASSERT_NE(meeting, 0u);
  Share("2", /*email=*/true, /*phone=*/false);
  AfterTheEvent();
  ASSERT_TRUE(Feedback("1", meeting, v1::Feedback::HAPPENED, 5, true).ok());
  // What 2 thinks of 1 is 2's: it is in no export of 1's.
  ASSERT_TRUE(Feedback("2", meeting, v1::Feedback::HAPPENED, 2, false).ok());
  v1::Introduction introduction;
  ASSERT_TRUE(Introduce("1", "2", "3", &introduction).ok());
  v1::AskForIntroductionsRequest ask;
  ask.set_attendee_id(ids_["2"]);
  ask.set_note("people who fix wheels");
  v1::IntroductionRequest asked;
  ASSERT_TRUE(relationships_->AskForIntroductions(Ctx(tokens_["1"]).get(), ask, &asked).ok());
  v1::WishRequest wish;
  wish.set_attendee_id(ids_["3"]);  // shown to 1 by the introduction 1 made
  v1::ListMyWishesResponse wishes;
  ASSERT_TRUE(relationships_->AddWish(Ctx(tokens_["1"]).get(), wish, &wishes).ok());
  // The wish is a profile change: the live repair proposes 1 and 3 in a free slot. Exported once
  // it has.
  server_->live()->WaitIdle();

  absl::StatusOr<v1::MyData> mine = Export(tokens_["1"]);
  ASSERT_TRUE(mine.ok()) << mine.status();
  EXPECT_GT(mine->export_time(), 0);
  EXPECT_EQ(mine->profile().id(), ids_["1"]);
  EXPECT_EQ(mine->profile().email(), "1@example.org");
  EXPECT_EQ(mine->profile().phone(), "+41 79 000 00 1");
  EXPECT_TRUE(mine->profile().wants().empty());  // shown as people, in `wishes`
  EXPECT_EQ(mine->event().id(), event);
  ASSERT_EQ(mine->meetings_size(), 2);
  const bool confirmed_first = mine->meetings(0).proposal().meeting_id() == meeting;
  const v1::MyMeeting& m = mine->meetings(confirmed_first ? 0 : 1);
  const v1::MyMeeting& wished = mine->meetings(confirmed_first ? 1 : 0);
  EXPECT_EQ(wished.proposal().partner().attendee_id(), ids_["3"]);
  EXPECT_EQ(wished.proposal().status(), v1::Proposal::AWAITING_ME);
  EXPECT_EQ(wished.proposal().partner_email(), "");  // 3 shares nothing
  EXPECT_EQ(m.proposal().meeting_id(), meeting);
  EXPECT_EQ(m.proposal().status(), v1::Proposal::CONFIRMED);
  EXPECT_EQ(m.my_answer(), v1::Meeting::ACCEPTED);
  EXPECT_GT(m.create_time(), 0);
  EXPECT_EQ(m.proposal().partner().attendee_id(), ids_["2"]);
  EXPECT_EQ(m.proposal().partner_email(), "2@example.org");  // 2 shares it
  EXPECT_EQ(m.proposal().partner_phone(), "");               // but not the phone
  ASSERT_EQ(mine->feedback_size(), 1);
  EXPECT_EQ(mine->feedback(0).meeting_id(), meeting);
  EXPECT_EQ(mine->feedback(0).rating(), 5u);
  ASSERT_EQ(mine->introductions_size(), 1);
  EXPECT_TRUE(mine->introductions(0).made_by_me());
  EXPECT_EQ(mine->introductions(0).other_person().attendee_id(), ids_["3"]);
  ASSERT_EQ(mine->introduction_requests_size(), 1);
  EXPECT_TRUE(mine->introduction_requests(0).sent_by_me());
  ASSERT_EQ(mine->wishes_size(), 1);
  EXPECT_EQ(mine->wishes(0).person().attendee_id(), ids_["3"]);
  ASSERT_EQ(mine->memory_size(), 1);
  EXPECT_EQ(mine->memory(0).meeting_id(), meeting);
  EXPECT_EQ(mine->memory(0).event_name(), "Ride");
  EXPECT_EQ(mine->memory(0).partner_name(), "Name 2");
  EXPECT_EQ(mine->memory(0).rating(), 5u);
  EXPECT_TRUE(mine->memory(0).follow_up());
  ASSERT_FALSE(mine->tokens().empty());
  for (const v1::TokenInfo& t : mine->tokens()) EXPECT_EQ(t.attendee_id(), ids_["1"]);
  EXPECT_EQ(mine->known_pairs(), 1u);

  // Nothing of anybody else beyond what my calls show: not 2's phone, not 3's or 4's contact
  // details, no rating but mine, no score.
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(*mine, &json, options).ok());
  for (const std::string other : {"2", "3", "4"}) {
    EXPECT_THAT(json, Not(HasSubstr("+41 79 000 00 " + other)));
    if (other != "2") {
      EXPECT_THAT(json, Not(HasSubstr(other + "@example.org")));
    }
  }
  EXPECT_THAT(json, Not(HasSubstr("\"rating\":2")));
  EXPECT_THAT(json, Not(HasSubstr("partner_rating")));
  EXPECT_THAT(json, Not(HasSubstr("score")));

  // 2's export: 2's own feedback, and not 1's contact details (1 shares nothing).
  absl::StatusOr<v1::MyData> theirs = Export(tokens_["2"]);
  ASSERT_TRUE(theirs.ok()) << theirs.status();
  ASSERT_EQ(theirs->feedback_size(), 1);
  EXPECT_EQ(theirs->feedback(0).rating(), 2u);
  ASSERT_EQ(theirs->meetings_size(), 1);
  EXPECT_EQ(theirs->meetings(0).proposal().partner_email(), "");
  EXPECT_THAT(theirs->SerializeAsString(), Not(HasSubstr("1@example.org")));
  EXPECT_EQ(theirs->known_pairs(), 0u);
  ASSERT_EQ(theirs->memory_size(), 1);
  EXPECT_EQ(theirs->memory(0).rating(), 2u);
}

TEST_F(ExportTest, OnlyTheAttendeeThemselvesMayExport) {
  Event("Ride", {Profile("1", {"bicycles"}), Profile("2", {"bicycles"})});
  EXPECT_EQ(Export(organizer_token_).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Export("").status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(Export("prl_not-a-token").status().code(), absl::StatusCode::kUnauthenticated);
  absl::StatusOr<v1::MyData> mine = Export(tokens_["1"]);
  ASSERT_TRUE(mine.ok()) << mine.status();
  EXPECT_EQ(mine->profile().id(), ids_["1"]);
  EXPECT_TRUE(mine->meetings().empty());  // before any run
}

}  // namespace
}  // namespace parley
