// The attendee's side over a real server: suggestions and privacy, double opt-in, private
// declines, cancellations, live repair, agenda watches, expiry, requests for more, calendars.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "tests/services/matching_test_util.h"

namespace parley {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class AgendaServiceTest : public testutil::MatchingServiceTest {
 protected:
  std::vector<v1::Proposal> Suggestions(uint64_t attendee_id) {
    v1::ListMySuggestionsResponse response;
    grpc::Status s = agenda_->ListMySuggestions(Ctx(TokenOf(attendee_id)).get(), {}, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {response.proposals().begin(), response.proposals().end()};
  }
  // Whoever has no meeting (with budgets of 1 and an odd number of players).
  uint64_t LeftOut() {
    std::set<uint64_t> busy;
    for (const v1::Meeting& m : Meetings(v1::Meeting::PROPOSED)) {
      busy.insert(m.attendee_a());
      busy.insert(m.attendee_b());
    }
    for (uint64_t id : ids_) {
      if (busy.count(id) == 0) return id;
    }
    ADD_FAILURE() << "nobody left out";
    return 0;
  }
};

TEST_F(AgendaServiceTest, ReasonsShowTheSpellingMostHoldersUsed) {
  // Of eight chess players, four write "VLA", one "vla", one "Vla" (issue 12: tags were shown
  // lower-cased as stored); no offers or seeks, so shared interests are the reasons. One tag for
  // matching, shown as most of its holders wrote it; each profile keeps its owner's spelling.
  const std::vector<std::string> kSpelling = {"VLA", "vla", "VLA", "Vla", "VLA", "VLA"};
  edit_row_ = [&](int i, v1::Attendee* a) {
    a->clear_offers();
    a->clear_seeks();
    if (i < static_cast<int>(kSpelling.size())) a->mutable_interests(1)->set_tag(kSpelling[i]);
  };
  SetUpEvent(8, 3, 2);
  Run();
  int shown = 0;
  for (uint64_t me : ids_) {
    for (const v1::Proposal& p : Suggestions(me)) {
      SCOPED_TRACE(p.ShortDebugString());
      for (const v1::Reason& r : p.reasons()) {
        if (absl::AsciiStrToLower(r.tag()) != "vla") continue;
        EXPECT_EQ(r.tag(), "VLA");
        ++shown;
      }
      EXPECT_THAT(p.conversation_starter(), Not(HasSubstr("vla")));
      EXPECT_THAT(p.conversation_starter(), Not(HasSubstr("Vla")));
      const size_t partner =
          std::find(ids_.begin(), ids_.end(), p.partner().attendee_id()) - ids_.begin();
      if (partner < kSpelling.size()) {
        EXPECT_THAT(p.partner().interests(), ::testing::Contains(kSpelling[partner]));
      }
    }
  }
  EXPECT_GT(shown, 0);
}

// A suggestion never names an interest, offer or seek I just removed from my profile: its
// reasons are the ones still true of both records, and its starter names none of the others.
TEST_F(AgendaServiceTest, ReasonsFollowAProfileEdit) {
  SetUpEvent(6, 3, 1);
  Run();
  const uint64_t me = ids_[0];
  std::vector<v1::Proposal> before = Suggestions(me);
  ASSERT_EQ(before.size(), 1u);
  std::set<std::string> removed;  // tags my edit makes untrue
  for (const v1::Reason& r : before[0].reasons()) {
    if (r.kind() == v1::Reason::SHARED_INTEREST ||
        r.kind() == v1::Reason::THEY_OFFER_WHAT_YOU_SEEK ||
        r.kind() == v1::Reason::YOU_OFFER_WHAT_THEY_SEEK) {
      removed.insert(r.tag());
    }
  }
  ASSERT_FALSE(removed.empty()) << before[0].ShortDebugString();
  v1::UpdateMyProfileRequest request;
  v1::Interest* interest = request.mutable_attendee()->add_interests();
  interest->set_tag("knitting");
  interest->set_weight(2);
  for (const char* path : {"interests", "offers", "seeks"}) {
    request.mutable_update_mask()->add_paths(path);  // offers and seeks: none left
  }
  v1::MyProfile profile;
  ASSERT_TRUE(attendee_->UpdateMyProfile(Ctx(TokenOf(me)).get(), request, &profile).ok());
  for (const v1::Proposal& p : Suggestions(me)) {
    SCOPED_TRACE(p.ShortDebugString());
    for (const v1::Reason& r : p.reasons()) EXPECT_EQ(removed.count(r.tag()), 0u);
    for (const std::string& tag : removed) {
      EXPECT_THAT(p.conversation_starter(), Not(HasSubstr(tag)));
    }
  }
}

TEST_F(AgendaServiceTest, SuggestionsShowThePartnersPublicProfileAndMySideOnly) {
  SetUpEvent(6, 3, 2);
  Run();
  const uint64_t me = ids_[0];
  std::vector<v1::Proposal> mine = Suggestions(me);
  ASSERT_EQ(mine.size(), 2u);
  for (const v1::Proposal& p : mine) {
    EXPECT_EQ(p.status(), v1::Proposal::AWAITING_ME);
    EXPECT_NE(p.partner().attendee_id(), me);
    const v1::Attendee& partner = people_[p.partner().attendee_id()];
    EXPECT_EQ(p.partner().display_name(), partner.display_name());
    EXPECT_EQ(p.partner().organisation(), partner.organisation());
    EXPECT_THAT(p.partner().interests(), ::testing::Contains("chess"));
    EXPECT_FALSE(p.reasons().empty());
    EXPECT_FALSE(p.conversation_starter().empty());
    EXPECT_NE(p.start_time(), 0);
    EXPECT_EQ(p.location_id(), "hall");
    EXPECT_GT(p.table(), 0u);
    EXPECT_GT(p.expire_time(), 0);
    const std::string bytes = p.SerializeAsString();
    for (const auto& [id, person] : people_) {
      EXPECT_THAT(bytes, Not(HasSubstr(person.email())));
      EXPECT_THAT(bytes, Not(HasSubstr(person.phone())));
    }
  }
  EXPECT_LT(mine[0].start_time(), mine[1].start_time());
  // The other side reads its own reasons: the same meeting, from their side.
  const std::vector<v1::Proposal> theirs = Suggestions(mine[0].partner().attendee_id());
  bool found = false;
  for (const v1::Proposal& p : theirs) {
    if (p.meeting_id() != mine[0].meeting_id()) continue;
    found = true;
    EXPECT_EQ(p.partner().attendee_id(), me);
  }
  EXPECT_TRUE(found);
}

TEST_F(AgendaServiceTest, AMeetingIsConfirmedOnlyWhenBothAccept) {
  SetUpEvent(4, 2, 1);
  Run();
  const v1::Meeting m = Meetings()[0];
  v1::Proposal view;
  ASSERT_TRUE(Respond(m.attendee_a(), m.id(), true, &view).ok());
  EXPECT_EQ(view.status(), v1::Proposal::AWAITING_THEM);
  // The other side does not learn my answer.
  EXPECT_EQ(Suggestions(m.attendee_b())[0].status(), v1::Proposal::AWAITING_ME);
  ASSERT_TRUE(Respond(m.attendee_a(), m.id(), true, &view).ok());  // idempotent
  EXPECT_EQ(view.status(), v1::Proposal::AWAITING_THEM);
  ASSERT_TRUE(Respond(m.attendee_b(), m.id(), true, &view).ok());
  EXPECT_EQ(view.status(), v1::Proposal::CONFIRMED);
  const v1::Agenda agenda = AgendaOf(m.attendee_a());
  EXPECT_EQ(agenda.confirmed(), 1u);
  EXPECT_EQ(agenda.open(), 0u);
  EXPECT_EQ(agenda.budget(), 1u);
  ASSERT_EQ(agenda.items_size(), 1);
  EXPECT_EQ(agenda.items(0).status(), v1::Proposal::CONFIRMED);
  // Confirmed: no longer answerable.
  grpc::Status again = Respond(m.attendee_a(), m.id(), false);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
}

// Contact sharing: what a partner sees of my email and phone is my choice alone, and only once
// we both confirmed. Here A allows both and B allows nothing: B sees A's, A sees nothing of B's.
TEST_F(AgendaServiceTest, AConfirmedPartnerSeesOnlyTheContactDetailsTheOtherSideShares) {
  SetUpEvent(4, 2, 1);
  Run();
  const v1::Meeting m = Meetings()[0];
  const uint64_t a = m.attendee_a(), b = m.attendee_b();
  auto share = [&](uint64_t who, bool email, bool phone) {
    v1::UpdateMyProfileRequest request;
    request.mutable_attendee()->set_share_email(email);
    request.mutable_attendee()->set_share_phone(phone);
    request.mutable_update_mask()->add_paths("share_email");
    request.mutable_update_mask()->add_paths("share_phone");
    v1::MyProfile profile;
    grpc::Status s = attendee_->UpdateMyProfile(Ctx(TokenOf(who)).get(), request, &profile);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(profile.attendee().share_email(), email);
    EXPECT_EQ(profile.attendee().share_phone(), phone);
  };
  auto item = [&](uint64_t who) {
    const v1::Agenda agenda = AgendaOf(who);
    for (const v1::Proposal& p : agenda.items()) {
      if (p.meeting_id() == m.id()) return p;
    }
    ADD_FAILURE() << "meeting " << m.id() << " not on the agenda of " << who;
    return v1::Proposal();
  };
  auto reveals = [&](const v1::Proposal& p, uint64_t whose) {
    const std::string bytes = p.SerializeAsString();
    return bytes.find(people_[whose].email()) != std::string::npos ||
           bytes.find(people_[whose].phone()) != std::string::npos;
  };
  // Consent is off by default.
  v1::MyProfile profile;
  ASSERT_TRUE(attendee_->GetMyProfile(Ctx(TokenOf(a)).get(), {}, &profile).ok());
  EXPECT_FALSE(profile.attendee().share_email());
  EXPECT_FALSE(profile.attendee().share_phone());

  share(a, true, true);
  // Proposed, then accepted by one side only: nothing is shared yet.
  EXPECT_FALSE(reveals(item(b), a));
  v1::Proposal view;
  ASSERT_TRUE(Respond(a, m.id(), true, &view).ok());
  EXPECT_FALSE(reveals(view, b));
  EXPECT_FALSE(reveals(item(b), a));
  ASSERT_TRUE(Respond(b, m.id(), true, &view).ok());
  ASSERT_EQ(view.status(), v1::Proposal::CONFIRMED);
  // B allowed nothing: A sees neither, B sees both of A's, in the answer and on the agenda.
  EXPECT_EQ(view.partner_email(), people_[a].email());
  EXPECT_EQ(view.partner_phone(), people_[a].phone());
  const v1::Proposal seen_by_b = item(b);
  EXPECT_EQ(seen_by_b.partner_email(), people_[a].email());
  EXPECT_EQ(seen_by_b.partner_phone(), people_[a].phone());
  const v1::Proposal seen_by_a = item(a);
  EXPECT_EQ(seen_by_a.status(), v1::Proposal::CONFIRMED);
  EXPECT_EQ(seen_by_a.partner_email(), "");
  EXPECT_EQ(seen_by_a.partner_phone(), "");
  EXPECT_FALSE(reveals(seen_by_a, b));
  // Nobody else's agenda shows either.
  for (uint64_t other : ids_) {
    if (other == a || other == b) continue;
    const std::string bytes = AgendaOf(other).SerializeAsString();
    EXPECT_EQ(bytes.find(people_[a].email()), std::string::npos);
    EXPECT_EQ(bytes.find(people_[a].phone()), std::string::npos);
  }

  // Each side changes only what the other sees of them, at once: B shares the email only; A
  // takes the phone back.
  share(b, true, false);
  share(a, true, false);
  EXPECT_EQ(item(a).partner_email(), people_[b].email());
  EXPECT_EQ(item(a).partner_phone(), "");
  EXPECT_EQ(item(b).partner_email(), people_[a].email());
  EXPECT_EQ(item(b).partner_phone(), "");

  // The organiser can neither give nor take consent; a re-import keeps it.
  v1::UpdateAttendeeRequest update;
  update.mutable_attendee()->set_event_id(event_.id());
  update.mutable_attendee()->set_id(b);
  update.mutable_attendee()->set_share_email(false);
  update.mutable_update_mask()->add_paths("share_email");
  v1::Attendee updated;
  grpc::Status refused = organizer_->UpdateAttendee(Ctx(token_).get(), update, &updated);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.error_message(), HasSubstr("share_email"));
  v1::Attendee row = people_[b];
  row.set_role("Grandmaster");
  row.set_share_email(false);  // both ignored: not the organiser's to set
  row.set_share_phone(true);
  v1::ImportAttendeesResponse imported;
  ASSERT_TRUE(Import(token_, event_.id(), {row}, &imported).ok());
  ASSERT_EQ(imported.results(0).attendee_id(), b);
  server_->live()->WaitIdle();
  EXPECT_EQ(item(a).partner_email(), people_[b].email());
  EXPECT_EQ(item(a).partner_phone(), "");

  // A cancelled meeting shares nothing any more.
  v1::CancelMeetingRequest cancel;
  cancel.set_meeting_id(m.id());
  ASSERT_TRUE(agenda_->CancelMeeting(Ctx(TokenOf(a)).get(), cancel, &view).ok());
  EXPECT_EQ(view.status(), v1::Proposal::CANCELLED);
  EXPECT_FALSE(reveals(view, b));
}

TEST_F(AgendaServiceTest, ADeclineIsPrivateAndThePairIsNeverProposedAgain) {
  SetUpEvent(4, 2, 1);
  Run();
  const v1::Meeting m = Meetings()[0];
  v1::Proposal view;
  ASSERT_TRUE(Respond(m.attendee_a(), m.id(), false, &view).ok());
  EXPECT_EQ(view.status(), v1::Proposal::DECLINED_BY_ME);
  server_->live()->WaitIdle();
  // The other side sees the proposal gone, and if it tries to answer, WITHDRAWN: never
  // "declined".
  for (const v1::Proposal& p : Suggestions(m.attendee_b())) EXPECT_NE(p.meeting_id(), m.id());
  const v1::Agenda agenda_b = AgendaOf(m.attendee_b());
  for (const v1::Proposal& p : agenda_b.items()) {
    EXPECT_NE(p.meeting_id(), m.id());
  }
  grpc::Status late = Respond(m.attendee_b(), m.id(), true);
  EXPECT_EQ(late.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(late.error_message(), HasSubstr("WITHDRAWN"));
  EXPECT_THAT(late.error_message(), Not(HasSubstr("DECLINED")));
  // Neither repair nor a new run proposes the pair again.
  Run(5);
  for (const v1::Meeting& x : Meetings()) {
    if (x.id() == m.id()) {
      EXPECT_EQ(x.state(), v1::Meeting::DECLINED);  // organisers see it
      continue;
    }
    EXPECT_FALSE(x.attendee_a() == m.attendee_a() && x.attendee_b() == m.attendee_b());
  }
}

TEST_F(AgendaServiceTest, AnotherAttendeesMeetingIsNotFound) {
  SetUpEvent(4, 2, 1);
  Run();
  const v1::Meeting m = Meetings()[0];
  uint64_t outsider = 0;
  for (uint64_t id : ids_) {
    if (id != m.attendee_a() && id != m.attendee_b()) outsider = id;
  }
  EXPECT_EQ(Respond(outsider, m.id(), true).error_code(), grpc::StatusCode::NOT_FOUND);
  v1::CancelMeetingRequest cancel;
  cancel.set_meeting_id(m.id());
  v1::Proposal view;
  EXPECT_EQ(agenda_->CancelMeeting(Ctx(TokenOf(outsider)).get(), cancel, &view).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Respond(outsider, 987654, true).error_code(), grpc::StatusCode::NOT_FOUND);
  // An organiser token is the wrong role.
  v1::ListMySuggestionsResponse response;
  EXPECT_EQ(agenda_->ListMySuggestions(Ctx(token_).get(), {}, &response).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(AgendaServiceTest, ADeclineGetsAReplacementAndLeavesOtherAgendasAsTheyWere) {
  SetUpEvent(5, 1, 1);  // one slot, budgets of 1: two meetings, one attendee left out
  Run();
  const uint64_t left_out = LeftOut();
  std::vector<v1::Meeting> before = Meetings();
  ASSERT_EQ(before.size(), 2u);
  const v1::Meeting declined = before[0];
  const v1::Meeting untouched = before[1];
  std::map<uint64_t, std::string> agendas;
  for (uint64_t id : ids_) agendas[id] = AgendaOf(id).SerializeAsString();

  // The left-out attendee watches: the replacement must show up there.
  auto watch_context = Ctx(TokenOf(left_out));
  auto watch = agenda_->WatchMyAgenda(watch_context.get(), {});
  v1::Agenda seen;
  ASSERT_TRUE(watch->Read(&seen));
  EXPECT_EQ(seen.items_size(), 0);

  ASSERT_TRUE(Respond(declined.attendee_a(), declined.id(), false).ok());
  ASSERT_TRUE(watch->Read(&seen));  // within the call's deadline; no sleeps
  ASSERT_EQ(seen.items_size(), 1);
  const uint64_t partner = seen.items(0).partner().attendee_id();
  EXPECT_TRUE(partner == declined.attendee_a() || partner == declined.attendee_b());
  EXPECT_EQ(seen.items(0).status(), v1::Proposal::AWAITING_ME);
  EXPECT_FALSE(seen.items(0).reasons().empty());
  watch_context->TryCancel();
  watch->Finish().IgnoreError();

  server_->live()->WaitIdle();
  for (uint64_t id : {untouched.attendee_a(), untouched.attendee_b()}) {
    EXPECT_EQ(AgendaOf(id).SerializeAsString(), agendas[id]) << "attendee " << id;
  }
  std::vector<v1::Meeting> after = Meetings(v1::Meeting::PROPOSED);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].id(), untouched.id());
  EXPECT_EQ(after[0].SerializeAsString(), untouched.SerializeAsString());
  EXPECT_EQ(after[1].run_id(), 0u);  // a live replacement
}

// Watches are served on queues of their own, a few calls awaited on each (async_stream.h): more
// watchers than that are all served, each sees the changes of its own agenda, and a shutdown
// ends them all.
TEST_F(AgendaServiceTest, MoreWatchersThanTheServerAwaitsAtOnceAreServedAndEndAtShutdown) {
  SetUpEvent(4, 2, 1);
  Run();
  const v1::Meeting m = Meetings()[0];
  const int n = services::kWatchQueues * services::AgendaService::kWatchCallsAwaited + 8;
  struct Watch {
    uint64_t attendee;
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<grpc::ClientReaderInterface<v1::Agenda>> reader;
  };
  std::vector<Watch> watches;
  for (int i = 0; i < n; ++i) {
    Watch w{ids_[i % ids_.size()], Ctx(TokenOf(ids_[i % ids_.size()])), nullptr};
    w.reader = agenda_->WatchMyAgenda(w.context.get(), {});
    v1::Agenda first;
    ASSERT_TRUE(w.reader->Read(&first)) << "watch " << i;
    watches.push_back(std::move(w));
  }
  EXPECT_EQ(server_->live()->notifier()->size(), static_cast<size_t>(n));

  // An accept changes the accepting side's agenda (the other side never sees an answer), on
  // whichever queue each of its watches is.
  ASSERT_TRUE(Respond(m.attendee_a(), m.id(), true).ok());
  for (Watch& w : watches) {
    if (w.attendee != m.attendee_a()) continue;
    v1::Agenda seen;
    ASSERT_TRUE(w.reader->Read(&seen));
    bool shown = false;
    for (const v1::Proposal& p : seen.items()) {
      shown |= p.meeting_id() == m.id() && p.status() == v1::Proposal::AWAITING_THEM;
    }
    EXPECT_TRUE(shown);
  }

  server_->Shutdown(absl::Milliseconds(200));
  for (Watch& w : watches) {
    v1::Agenda more;
    while (w.reader->Read(&more)) {
    }
    EXPECT_FALSE(w.reader->Finish().ok());
  }
}

// A feed token for a calendar app: my calendar, with reminders, and nothing else; listed,
// revocable by me only.
TEST_F(AgendaServiceTest, ACalendarFeedReadsOnlyMyCalendarUntilIRevokeIt) {
  SetUpEvent(4, 2, 1);
  Run();
  const v1::Meeting m = Meetings()[0];
  ASSERT_TRUE(Respond(m.attendee_a(), m.id(), true).ok());
  ASSERT_TRUE(Respond(m.attendee_b(), m.id(), true).ok());
  const std::string mine = TokenOf(m.attendee_a());
  const std::string theirs = TokenOf(m.attendee_b());
  v1::CreateCalendarFeedRequest create;
  create.set_label("phone");
  v1::IssuedCalendarFeed feed;
  ASSERT_TRUE(agenda_->CreateCalendarFeed(Ctx(mine).get(), create, &feed).ok());
  EXPECT_EQ(feed.info().role(), v1::TokenInfo::CALENDAR_FEED);
  EXPECT_EQ(feed.info().attendee_id(), m.attendee_a());
  EXPECT_EQ(feed.info().label(), "phone");
  EXPECT_NE(feed.token(), mine);

  v1::Calendar calendar;
  grpc::Status s = agenda_->GetMyCalendar(Ctx(feed.token()).get(), {}, &calendar);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_THAT(calendar.ics(),
              HasSubstr(absl::StrCat("UID:meeting-", m.id(), "-event-", event_.id())));
  EXPECT_THAT(calendar.ics(), HasSubstr("TRIGGER:-PT10M"));
  // Nothing but the calendar.
  v1::Agenda agenda;
  EXPECT_EQ(agenda_->GetMyAgenda(Ctx(feed.token()).get(), {}, &agenda).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::MyProfile profile;
  EXPECT_EQ(attendee_->GetMyProfile(Ctx(feed.token()).get(), {}, &profile).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::IssuedCalendarFeed another;
  EXPECT_EQ(agenda_->CreateCalendarFeed(Ctx(feed.token()).get(), create, &another).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  v1::ListCalendarFeedsResponse listed;
  ASSERT_TRUE(agenda_->ListCalendarFeeds(Ctx(mine).get(), {}, &listed).ok());
  ASSERT_EQ(listed.feeds_size(), 1);
  EXPECT_EQ(listed.feeds(0).token_id(), feed.info().token_id());
  EXPECT_THAT(listed.SerializeAsString(), Not(HasSubstr(feed.token())));
  v1::ListCalendarFeedsResponse their_list;
  ASSERT_TRUE(agenda_->ListCalendarFeeds(Ctx(theirs).get(), {}, &their_list).ok());
  EXPECT_EQ(their_list.feeds_size(), 0);

  v1::RevokeCalendarFeedRequest revoke;
  revoke.set_token_id(feed.info().token_id());
  v1::TokenInfo revoked;
  EXPECT_EQ(agenda_->RevokeCalendarFeed(Ctx(theirs).get(), revoke, &revoked).error_code(),
            grpc::StatusCode::NOT_FOUND);
  ASSERT_TRUE(agenda_->GetMyCalendar(Ctx(feed.token()).get(), {}, &calendar).ok());
  ASSERT_TRUE(agenda_->RevokeCalendarFeed(Ctx(mine).get(), revoke, &revoked).ok());
  EXPECT_NE(revoked.revoke_time(), 0);
  EXPECT_EQ(agenda_->GetMyCalendar(Ctx(feed.token()).get(), {}, &calendar).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  ASSERT_TRUE(agenda_->RevokeCalendarFeed(Ctx(mine).get(), revoke, &revoked).ok());  // again
  // An invitation token is not a feed: it cannot be revoked this way.
  v1::IssueAttendeeTokenRequest issue;
  issue.set_event_id(event_.id());
  issue.set_attendee_id(m.attendee_a());
  v1::IssuedAttendeeToken invitation;
  ASSERT_TRUE(organizer_->IssueAttendeeToken(Ctx(token_).get(), issue, &invitation).ok());
  revoke.set_token_id(invitation.info().token_id());
  EXPECT_EQ(agenda_->RevokeCalendarFeed(Ctx(mine).get(), revoke, &revoked).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(agenda_->GetMyAgenda(Ctx(invitation.token()).get(), {}, &agenda).ok());
}

TEST_F(AgendaServiceTest, CalendarFeedsAreLimitedAreNoInvitationAndGoWithTheAttendee) {
  SetUpEvent(2, 1, 1);
  const uint64_t me = ids_[0];
  v1::IssueAttendeeTokenRequest issue;
  issue.set_event_id(event_.id());
  issue.set_attendee_id(me);
  v1::IssuedAttendeeToken invitation;
  ASSERT_TRUE(organizer_->IssueAttendeeToken(Ctx(token_).get(), issue, &invitation).ok());
  std::vector<v1::IssuedCalendarFeed> feeds(domain::kMaxCalendarFeeds);
  for (v1::IssuedCalendarFeed& feed : feeds) {
    ASSERT_TRUE(agenda_->CreateCalendarFeed(Ctx(invitation.token()).get(), {}, &feed).ok());
  }
  v1::IssuedCalendarFeed over;
  EXPECT_EQ(agenda_->CreateCalendarFeed(Ctx(invitation.token()).get(), {}, &over).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  v1::RevokeCalendarFeedRequest revoke;
  revoke.set_token_id(feeds[0].info().token_id());
  v1::TokenInfo revoked;
  ASSERT_TRUE(agenda_->RevokeCalendarFeed(Ctx(invitation.token()).get(), revoke, &revoked).ok());
  ASSERT_TRUE(agenda_->CreateCalendarFeed(Ctx(invitation.token()).get(), {}, &over).ok());

  // With the invitation revoked, the attendee holds feeds but no invitation: a mail-merge of
  // new invitations (only_without_token) still reaches them.
  v1::RevokeTokenRequest revoke_invitation;
  revoke_invitation.set_token_id(invitation.info().token_id());
  ASSERT_TRUE(admin_->RevokeToken(Ctx(admin_token_).get(), revoke_invitation, &revoked).ok());
  v1::IssueAttendeeTokensRequest batch;
  batch.set_event_id(event_.id());
  batch.add_attendee_ids(me);
  batch.set_only_without_token(true);
  v1::IssueAttendeeTokensResponse reissued;
  ASSERT_TRUE(organizer_->IssueAttendeeTokens(Ctx(token_).get(), batch, &reissued).ok());
  EXPECT_EQ(reissued.tokens_size(), 1);
  EXPECT_EQ(reissued.skipped_attendee_ids_size(), 0);

  // Erasure takes the feeds along.
  v1::RemoveAttendeeRequest remove;
  remove.set_event_id(event_.id());
  remove.set_attendee_id(me);
  v1::RemoveAttendeeResponse removed;
  ASSERT_TRUE(organizer_->RemoveAttendee(Ctx(token_).get(), remove, &removed).ok());
  v1::Calendar calendar;
  EXPECT_EQ(agenda_->GetMyCalendar(Ctx(over.token()).get(), {}, &calendar).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(AgendaServiceTest, CancellingAConfirmedMeetingShowsInBothCalendars) {
  SetUpEvent(4, 2, 1);
  Run();
  const v1::Meeting m = Meetings()[0];
  ASSERT_TRUE(Respond(m.attendee_a(), m.id(), true).ok());
  ASSERT_TRUE(Respond(m.attendee_b(), m.id(), true).ok());
  v1::Calendar calendar;
  ASSERT_TRUE(agenda_->GetMyCalendar(Ctx(TokenOf(m.attendee_b())).get(), {}, &calendar).ok());
  EXPECT_THAT(calendar.ics(), HasSubstr("STATUS:CONFIRMED"));
  EXPECT_THAT(calendar.ics(), HasSubstr("SEQUENCE:2"));
  EXPECT_TRUE(calendar.cancellations().empty());
  v1::CancelMeetingRequest cancel;
  cancel.set_meeting_id(m.id());
  v1::Proposal view;
  ASSERT_TRUE(agenda_->CancelMeeting(Ctx(TokenOf(m.attendee_a())).get(), cancel, &view).ok());
  EXPECT_EQ(view.status(), v1::Proposal::CANCELLED);
  ASSERT_TRUE(agenda_->GetMyCalendar(Ctx(TokenOf(m.attendee_b())).get(), {}, &calendar).ok());
  EXPECT_THAT(calendar.ics(), HasSubstr("STATUS:CANCELLED"));
  EXPECT_THAT(calendar.ics(), HasSubstr("SEQUENCE:3"));
  EXPECT_THAT(calendar.cancellations(), HasSubstr("METHOD:CANCEL"));
  EXPECT_THAT(calendar.cancellations(),
              HasSubstr(absl::StrCat("UID:meeting-", m.id(), "-event-", event_.id())));
  // Cancelled is final.
  EXPECT_EQ(agenda_->CancelMeeting(Ctx(TokenOf(m.attendee_b())).get(), cancel, &view).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  server_->live()->WaitIdle();
}

TEST_F(AgendaServiceTest, UnansweredProposalsExpireAndExpiredOnesCannotBeAnswered) {
  // Two days before the first slot, so the policy's 24 hours end before any slot starts (a
  // proposal lapses at its slot's start at the latest).
  now_ = 1800000000 - 2 * 86400;
  SetUpEvent(4, 2, 1);
  Run();
  const std::vector<v1::Meeting> proposed = Meetings(v1::Meeting::PROPOSED);
  ASSERT_EQ(proposed.size(), 2u);
  EXPECT_EQ(proposed[0].expire_time(), 1800000000 - 2 * 86400 + 1440 * 60);
  now_ = proposed[0].expire_time();
  grpc::Status late = Respond(proposed[0].attendee_a(), proposed[0].id(), true);
  EXPECT_EQ(late.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(late.error_message(), HasSubstr("expired"));
  absl::StatusOr<int> swept = server_->live()->SweepExpired(now_);
  ASSERT_TRUE(swept.ok()) << swept.status();
  EXPECT_EQ(*swept, 1);  // the other one; the first expired when answered
  server_->live()->WaitIdle();
  for (const v1::Meeting& m : proposed) {
    absl::StatusOr<v1::Meeting> stored = server_->store()->GetMeeting(event_.id(), m.id());
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(stored->state(), v1::Meeting::EXPIRED);
    EXPECT_EQ(stored->sequence(), m.sequence() + 1);
  }
  // Replacements pair people who never had a proposal together, and expire later.
  for (const v1::Meeting& m : Meetings(v1::Meeting::PROPOSED)) {
    EXPECT_GT(m.expire_time(), now_);
    for (const v1::Meeting& old : proposed) {
      EXPECT_FALSE(m.attendee_a() == old.attendee_a() && m.attendee_b() == old.attendee_b());
    }
  }
  EXPECT_EQ(*server_->live()->SweepExpired(now_), 0);
}

TEST_F(AgendaServiceTest, RequestMoreFillsAFreeSlotWithAPartnerWhoHasRoom) {
  SetUpEvent(5, 2, 1);  // two slots, budgets of 1: one attendee left out
  Run();
  const uint64_t left_out = LeftOut();
  v1::RequestMoreSuggestionsRequest more;
  v1::ListMySuggestionsResponse added;
  grpc::Status s = agenda_->RequestMoreSuggestions(Ctx(TokenOf(left_out)).get(), more, &added);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(added.proposals_size(), 0);  // everybody else is full
  // Somebody raises their budget: the live repair gives them a second proposal at once, with
  // the only attendee who has room.
  const uint64_t generous = ids_[0] == left_out ? ids_[1] : ids_[0];
  v1::UpdateMyProfileRequest update;
  update.mutable_attendee()->set_budget(2);
  update.mutable_update_mask()->add_paths("budget");
  v1::MyProfile profile;
  ASSERT_TRUE(attendee_->UpdateMyProfile(Ctx(TokenOf(generous)).get(), update, &profile).ok());
  server_->live()->WaitIdle();
  EXPECT_EQ(AgendaOf(generous).open(), 2u);
  const std::vector<v1::Proposal> mine = Suggestions(left_out);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].partner().attendee_id(), generous);
  EXPECT_EQ(mine[0].status(), v1::Proposal::AWAITING_ME);
  // Nobody else has room now.
  ASSERT_TRUE(agenda_->RequestMoreSuggestions(Ctx(TokenOf(left_out)).get(), more, &added).ok());
  EXPECT_EQ(added.proposals_size(), 0);
}

TEST_F(AgendaServiceTest, WatchersSeeRunsAndTheirPartnersAnswersOnlyWhenVisible) {
  SetUpEvent(4, 2, 1);
  const uint64_t me = ids_[0];
  auto context = Ctx(TokenOf(me));
  auto watch = agenda_->WatchMyAgenda(context.get(), {});
  v1::Agenda seen;
  ASSERT_TRUE(watch->Read(&seen));
  EXPECT_EQ(seen.items_size(), 0);
  Run();
  ASSERT_TRUE(watch->Read(&seen));
  ASSERT_EQ(seen.items_size(), 1);
  const uint64_t meeting = seen.items(0).meeting_id();
  const uint64_t partner = seen.items(0).partner().attendee_id();
  ASSERT_TRUE(Respond(me, meeting, true).ok());
  ASSERT_TRUE(watch->Read(&seen));
  EXPECT_EQ(seen.items(0).status(), v1::Proposal::AWAITING_THEM);
  ASSERT_TRUE(Respond(partner, meeting, true).ok());
  ASSERT_TRUE(watch->Read(&seen));
  EXPECT_EQ(seen.items(0).status(), v1::Proposal::CONFIRMED);
  EXPECT_EQ(seen.confirmed(), 1u);
  context->TryCancel();
  EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

// An agenda with nothing in it serialises to no bytes at all; the watcher still gets it first,
// so a client never waits for a stream that has started.
TEST_F(AgendaServiceTest, AWatcherWhoOptedOutStillGetsTheFirstAgenda) {
  SetUpEvent(4, 2, 1);
  const uint64_t me = ids_[0];
  v1::UpdateMyProfileRequest update;
  update.mutable_attendee()->set_budget(0);
  update.mutable_update_mask()->add_paths("budget");
  v1::MyProfile profile;
  ASSERT_TRUE(attendee_->UpdateMyProfile(Ctx(TokenOf(me)).get(), update, &profile).ok());
  auto context = Ctx(TokenOf(me));
  auto watch = agenda_->WatchMyAgenda(context.get(), {});
  v1::Agenda seen;
  ASSERT_TRUE(watch->Read(&seen));
  EXPECT_EQ(seen.ByteSizeLong(), 0u);
  context->TryCancel();
  EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

}  // namespace
}  // namespace parley
