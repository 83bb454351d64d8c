#ifndef PARLEY_TESTS_SERVICES_MATCHING_TEST_UTIL_H_
#define PARLEY_TESTS_SERVICES_MATCHING_TEST_UTIL_H_

// Small matchable events for the matching and agenda service tests.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/services/service_fixture.h"

namespace parley::testutil {

class MatchingServiceTest : public ServiceTest {
 protected:
  // Everybody loves chess (so every pair is feasible), with an email and a phone that must
  // never reach another attendee.
  static v1::Attendee Player(int i, int budget) {
    v1::Attendee a = Person(absl::StrCat("p", i), absl::StrCat("Player ", i));
    a.set_email(absl::StrCat("secret", i, "@mail.example"));
    a.set_phone(absl::StrCat("+4917000", 1000 + i));
    a.set_organisation(absl::StrCat("Org ", i));
    v1::Interest* chess = a.add_interests();
    chess->set_tag("chess");
    chess->set_weight(1 + i % 3);
    v1::Interest* other = a.add_interests();
    other->set_tag(i % 2 == 0 ? "rust" : "go");
    a.add_offers(i % 2 == 0 ? "rust mentoring" : "go mentoring");
    a.add_seeks(i % 2 == 0 ? "go mentoring" : "rust mentoring");
    a.set_budget(budget);
    return a;
  }

  // A community with an OPEN event of `slots` slots and `n` players; fills token_, event_,
  // ids_ (by row) and people_ (id -> attendee as imported).
  void SetUpEvent(int n, int slots, int budget, uint32_t tables = 50) {
    community_ = CreateCommunity("Chess club");
    token_ = OrganizerToken(community_);
    v1::CreateEventRequest create;
    *create.mutable_event() = EventSpec("Chess night", slots);
    create.mutable_event()->mutable_locations(0)->set_tables(tables);
    ASSERT_TRUE(organizer_->CreateEvent(Ctx(token_).get(), create, &event_).ok());
    std::vector<v1::Attendee> rows;
    for (int i = 0; i < n; ++i) {
      rows.push_back(Player(i, budget));
      rows.back().mutable_display_name()->append(name_padding_);
      if (edit_row_) edit_row_(i, &rows.back());
    }
    v1::ImportAttendeesResponse imported;
    ASSERT_TRUE(Import(token_, event_.id(), rows, &imported).ok());
    for (int i = 0; i < n; ++i) {
      ids_.push_back(imported.results(i).attendee_id());
      people_[ids_.back()] = rows[i];
    }
    ASSERT_TRUE(SetStatus(token_, event_.id(), v1::OPEN).ok());
  }

  v1::MatchingRun Run(uint64_t seed = 1) {
    v1::MatchingRun last;
    grpc::Status s = RunMatching(token_, event_.id(), &last, seed);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(last.phase(), v1::MatchingRun::DONE) << last.error();
    return last;
  }

  std::vector<v1::Meeting> Meetings(v1::Meeting::State state = v1::Meeting::STATE_UNSPECIFIED) {
    std::vector<v1::Meeting> out;
    v1::ListMeetingsRequest request;
    request.set_event_id(event_.id());
    request.set_state(state);
    request.set_page_size(1000);
    for (;;) {
      v1::ListMeetingsResponse response;
      grpc::Status s = matching_->ListMeetings(Ctx(token_).get(), request, &response);
      EXPECT_TRUE(s.ok()) << s.error_message();
      for (const v1::Meeting& m : response.meetings()) out.push_back(m);
      if (!s.ok() || response.next_page_token().empty()) return out;
      request.set_page_token(response.next_page_token());
    }
  }

  const std::string& TokenOf(uint64_t attendee_id) {
    std::string& token = attendee_tokens_[attendee_id];
    if (token.empty()) token = AttendeeToken(token_, event_.id(), attendee_id);
    return token;
  }

  grpc::Status Respond(uint64_t attendee_id, uint64_t meeting_id, bool accept,
                       v1::Proposal* out = nullptr) {
    v1::RespondToProposalRequest request;
    request.set_meeting_id(meeting_id);
    request.set_accept(accept);
    v1::Proposal proposal;
    grpc::Status s =
        agenda_->RespondToProposal(Ctx(TokenOf(attendee_id)).get(), request, &proposal);
    if (out != nullptr) *out = proposal;
    return s;
  }

  v1::Agenda AgendaOf(uint64_t attendee_id) {
    v1::Agenda agenda;
    grpc::Status s = agenda_->GetMyAgenda(Ctx(TokenOf(attendee_id)).get(), {}, &agenda);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return agenda;
  }

  std::string name_padding_;  // appended to every player's name by SetUpEvent
  // When set, SetUpEvent passes each row (its index and the player) through it before import.
  std::function<void(int, v1::Attendee*)> edit_row_;
  uint64_t community_ = 0;
  std::string token_;
  v1::Event event_;
  std::vector<uint64_t> ids_;
  std::map<uint64_t, v1::Attendee> people_;
  std::map<uint64_t, std::string> attendee_tokens_;
};

}  // namespace parley::testutil

#endif  // PARLEY_TESTS_SERVICES_MATCHING_TEST_UTIL_H_
