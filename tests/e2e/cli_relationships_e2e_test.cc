// Relationships through the real `parley` CLI and parleyd: a past event (so feedback is open),
// confirmed meetings, feedback, an introduction both accept, a request for introductions,
// who-else, wishes and the organiser's analytics; then a restart keeps all of it.
#include <fstream>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "clients/cli.h"
#include "gmock/gmock.h"
#include "parley/v1/admin_service.pb.h"
#include "parley/v1/agenda_service.pb.h"
#include "parley/v1/organizer_service.pb.h"
#include "parley/v1/relationship_service.pb.h"
#include "tests/e2e/cli_fixture.h"

namespace parley::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class CliRelationshipsE2eTest : public CliServerTest {
 protected:
  std::string Token(const std::string& who) { return tokens_.at(who); }
  uint64_t Id(const std::string& who) { return attendees_.at(who).id(); }

  // Accepts, as both, the open proposal between x and y; returns its meeting id.
  uint64_t ConfirmPair(const std::string& x, const std::string& y) {
    v1::ListMySuggestionsResponse suggestions;
    CliJson(Token(x), {"suggestions"}, &suggestions);
    for (const v1::Proposal& p : suggestions.proposals()) {
      if (p.partner().attendee_id() != Id(y)) continue;
      const std::string meeting = absl::StrCat(p.meeting_id());
      EXPECT_EQ(Cli(Token(x), {"respond", meeting, "accept"}).exit_code, 0);
      EXPECT_EQ(Cli(Token(y), {"respond", meeting, "accept"}).exit_code, 0);
      return p.meeting_id();
    }
    ADD_FAILURE() << "no proposal between " << x << " and " << y;
    return 0;
  }
};

TEST_F(CliRelationshipsE2eTest, FeedbackIntroductionsWhoElseWishesAndAnalyticsSurviveRestart) {
  // Planned in the future (a run refuses slots that have all ended), then moved to the past:
  // the meetings are over, so feedback is open.
  SetUpOpenEvent("Cycling Club",
                 {"--name", "Spring Ride", "--slot-count", "4", "--start", "2030-03-01T10:00",
                  "--slot-minutes", "30", "--locations", "hall:20"},
                 "external_id,name,email,interests,person_ref\n"
                 "ann,Ann,ann@example.org,bicycles;books,ref-ann\n"
                 "bob,Bob,bob@example.org,bicycles,ref-bob\n"
                 "cem,Cem,cem@example.org,books,ref-cem\n"
                 "dia,Dia,dia@example.org,chess,ref-dia\n");
  ASSERT_FALSE(HasFailure());
  ASSERT_EQ(attendees_.size(), 4u);
  for (const auto& [external_id, a] : attendees_) {
    EXPECT_THAT(a.person_ref(), Not(HasSubstr("ref-")));  // only the keyed hash comes back
  }
  const std::string& organiser = organiser_;
  const std::string& event_id = event_id_;
  ASSERT_EQ(Cli(organiser, {"run", "--event", event_id}).exit_code, 0);
  const uint64_t ann_bob = ConfirmPair("ann", "bob");
  const uint64_t ann_cem = ConfirmPair("ann", "cem");
  ASSERT_FALSE(HasFailure());
  const CommandResult moved =
      Cli(organiser, {"events", "update", event_id, "--slot-count", "4", "--start",
                      "2025-03-01T10:00", "--slot-minutes", "30"});
  ASSERT_EQ(moved.exit_code, 0) << moved.err;

  // Feedback: private, and a rating is required when the meeting happened.
  EXPECT_EQ(Cli(Token("bob"), {"feedback", absl::StrCat(ann_bob), "happened"}).exit_code,
            client::kExitUsage);
  CommandResult given = Cli(Token("bob"), {"feedback", absl::StrCat(ann_bob), "happened",
                                           "--rating", "5", "--follow-up"});
  ASSERT_EQ(given.exit_code, 0) << given.err;
  EXPECT_THAT(given.out, HasSubstr("rated 5"));
  ASSERT_EQ(
      Cli(Token("ann"), {"feedback", absl::StrCat(ann_cem), "happened", "--rating", "4"}).exit_code,
      0);
  const CommandResult anns_feedback = Cli(Token("ann"), {"feedback", "list"});
  EXPECT_THAT(anns_feedback.out, HasSubstr("rated 4"));
  EXPECT_THAT(anns_feedback.out, Not(HasSubstr("rated 5")));  // Bob's rating stays his

  // Who else: Bob rated Ann highly, Ann rated Cem highly.
  const CommandResult who = Cli(Token("bob"), {"who-else"});
  ASSERT_EQ(who.exit_code, 0) << who.err;
  EXPECT_THAT(who.out, HasSubstr("Cem"));
  EXPECT_THAT(who.out, HasSubstr("through Ann"));
  EXPECT_THAT(who.out, Not(HasSubstr("@example.org")));

  // Bob asks Ann for introductions; Ann answers by introducing Bob and Cem; both accept.
  v1::IntroductionRequest asked;
  CliJson(Token("bob"), {"introductions", "ask", absl::StrCat(Id("ann")), "--note", "books?"},
          &asked);
  const CommandResult requests = Cli(Token("ann"), {"introductions", "requests"});
  EXPECT_THAT(requests.out, HasSubstr("asked by Bob"));
  v1::Introduction made;
  CliJson(Token("ann"),
          {"introduce", absl::StrCat(Id("bob")), absl::StrCat(Id("cem")), "--note",
           "Bob wants to read more", "--request", absl::StrCat(asked.id())},
          &made);
  const CommandResult stranger = Cli(Token("dia"), {"introduce", absl::StrCat(Id("bob")),
                                                    absl::StrCat(Id("cem")), "--note", "hi"});
  EXPECT_EQ(stranger.exit_code, client::kExitFailure);
  EXPECT_THAT(stranger.err, HasSubstr("PERMISSION_DENIED"));  // Dia met neither
  ASSERT_EQ(
      Cli(Token("bob"), {"introductions", "respond", absl::StrCat(made.id()), "accept"}).exit_code,
      0);
  const CommandResult accepted =
      Cli(Token("cem"), {"introductions", "respond", absl::StrCat(made.id()), "accept"});
  ASSERT_EQ(accepted.exit_code, 0) << accepted.err;
  EXPECT_THAT(accepted.out, HasSubstr("accepted by both"));

  // Wishes: Cem (shown Bob by Ann's introduction) wishes to meet Bob; Bob cannot see it. Dia
  // was shown nobody.
  ASSERT_EQ(Cli(Token("cem"), {"wishes", "add", absl::StrCat(Id("bob"))}).exit_code, 0);
  EXPECT_THAT(Cli(Token("cem"), {"wishes"}).out, HasSubstr("Bob"));
  EXPECT_THAT(Cli(Token("bob"), {"wishes"}).out, HasSubstr("no wishes"));
  EXPECT_THAT(Cli(Token("dia"), {"wishes", "add", absl::StrCat(Id("ann"))}).err,
              HasSubstr("PERMISSION_DENIED"));

  // The organiser's aggregates, then all of it again after a restart.
  v1::GetAnalyticsResponse analytics;
  CliJson(organiser, {"analytics", "--event", event_id}, &analytics);
  ASSERT_EQ(analytics.events_size(), 1);
  EXPECT_EQ(analytics.events(0).held(), 2u);
  EXPECT_EQ(analytics.events(0).feedback(), 2u);
  EXPECT_EQ(analytics.events(0).introductions_accepted(), 1u);
  EXPECT_THAT(Cli(Token("ann"), {"analytics"}).err, HasSubstr("PERMISSION_DENIED"));

  server_.reset();
  StartServer();
  v1::GetAnalyticsResponse after;
  CliJson(organiser, {"analytics", "--event", event_id}, &after);
  EXPECT_EQ(after.events(0).SerializeAsString(), analytics.events(0).SerializeAsString());
  EXPECT_THAT(Cli(Token("bob"), {"introductions"}).out, HasSubstr("accepted by both"));
}

}  // namespace
}  // namespace parley::e2e
