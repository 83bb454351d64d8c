// The attendee's own data through the real `parley` CLI and parleyd: contact sharing as the
// agenda shows it (each side's consent decides what the other sees, once both confirmed), and
// `parley me export` (everything held about me, as JSON, into a file only I can read).
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "clients/cli.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "parley/v1/admin_service.pb.h"
#include "parley/v1/agenda_service.pb.h"
#include "parley/v1/attendee_service.pb.h"
#include "parley/v1/matching_service.pb.h"
#include "parley/v1/organizer_service.pb.h"
#include "tests/e2e/cli_fixture.h"

namespace parley::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class CliMeE2eTest : public CliServerTest {
 protected:
  // Ann and Bob (both into chess, one meeting each) with a confirmed meeting; Cem elsewhere.
  void SetUpConfirmedPair() {
    SetUpOpenEvent("Chess Club",
                   {"--name", "Chess Night", "--slot-count", "2", "--start", "2030-03-01T18:00",
                    "--slot-minutes", "30", "--locations", "hall:10"},
                   "external_id,name,email,phone,interests,budget\n"
                   "ann,Ann,ann@example.org,+49 170 111,chess,1\n"
                   "bob,Bob,bob@example.org,+49 170 222,chess,1\n"
                   "cem,Cem,cem@example.org,+49 170 333,knitting,1\n");
    ASSERT_FALSE(HasFailure());
    ASSERT_EQ(Cli(organiser_, {"run", "--event", event_id_}).exit_code, 0);
    v1::ListMySuggestionsResponse suggestions;
    CliJson(tokens_["ann"], {"suggestions"}, &suggestions);
    ASSERT_EQ(suggestions.proposals_size(), 1);
    meeting_ = absl::StrCat(suggestions.proposals(0).meeting_id());
    ASSERT_EQ(Cli(tokens_["ann"], {"respond", meeting_, "accept"}).exit_code, 0);
  }

  std::string meeting_;
};

TEST_F(CliMeE2eTest, TheAgendaShowsAConfirmedPartnersContactOnlyWhenTheyShareIt) {
  SetUpConfirmedPair();
  ASSERT_FALSE(HasFailure());
  const CommandResult shared =
      Cli(tokens_["ann"], {"me", "update", "--share-email", "yes", "--share-phone", "yes"});
  ASSERT_EQ(shared.exit_code, 0) << shared.err;
  EXPECT_THAT(shared.out, HasSubstr("share_email: yes"));
  EXPECT_THAT(shared.out, HasSubstr("share_phone: yes"));
  // Only Ann has accepted: Bob sees no contact yet.
  CommandResult bobs = Cli(tokens_["bob"], {"agenda"});
  ASSERT_EQ(bobs.exit_code, 0) << bobs.err;
  EXPECT_THAT(bobs.out, Not(HasSubstr("ann@example.org")));
  ASSERT_EQ(Cli(tokens_["bob"], {"respond", meeting_, "accept"}).exit_code, 0);

  // Confirmed: Bob sees Ann's contact; Ann sees nothing of Bob's, who shares nothing.
  bobs = Cli(tokens_["bob"], {"agenda"});
  EXPECT_THAT(bobs.out, HasSubstr("[confirmed]"));
  EXPECT_THAT(bobs.out, HasSubstr("  contact: ann@example.org, +49 170 111\n"));
  const CommandResult anns = Cli(tokens_["ann"], {"agenda"});
  EXPECT_THAT(anns.out, HasSubstr("[confirmed]"));
  EXPECT_THAT(anns.out, Not(HasSubstr("contact:")));
  EXPECT_THAT(anns.out, Not(HasSubstr("bob@example.org")));
  EXPECT_THAT(anns.out, Not(HasSubstr("+49 170 222")));
  EXPECT_THAT(Cli(tokens_["cem"], {"agenda"}).out, Not(HasSubstr("@example.org")));

  // Bob shares his email only.
  ASSERT_EQ(Cli(tokens_["bob"], {"me", "update", "--share-email", "true"}).exit_code, 0);
  const CommandResult again = Cli(tokens_["ann"], {"agenda"});
  EXPECT_THAT(again.out, HasSubstr("  contact: bob@example.org\n"));
  EXPECT_THAT(again.out, Not(HasSubstr("+49 170 222")));
}

TEST_F(CliMeE2eTest, ExportWritesEverythingAboutMeAsJsonIntoAPrivateFile) {
  SetUpConfirmedPair();
  ASSERT_FALSE(HasFailure());
  ASSERT_EQ(Cli(tokens_["bob"], {"respond", meeting_, "accept"}).exit_code, 0);
  ASSERT_EQ(Cli(tokens_["bob"], {"me", "update", "--share-email", "true"}).exit_code, 0);

  const std::string path = dir_.Sub("ann.json");
  const CommandResult exported = Cli(tokens_["ann"], {"me", "export", "--out", path});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_THAT(exported.out, HasSubstr(absl::StrCat("wrote ", path, ": 1 meetings")));
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  v1::MyData data;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(text.str(), &data).ok()) << text.str();
  EXPECT_EQ(data.profile().external_id(), "ann");
  EXPECT_EQ(data.profile().email(), "ann@example.org");
  EXPECT_EQ(data.event().name(), "Chess Night");
  ASSERT_EQ(data.meetings_size(), 1);
  EXPECT_EQ(data.meetings(0).my_answer(), v1::Meeting::ACCEPTED);
  EXPECT_EQ(data.meetings(0).proposal().partner().display_name(), "Bob");
  EXPECT_EQ(data.meetings(0).proposal().partner_email(), "bob@example.org");
  EXPECT_EQ(data.meetings(0).proposal().partner_phone(), "");
  EXPECT_FALSE(data.tokens().empty());
  EXPECT_THAT(text.str(), Not(HasSubstr("+49 170 222")));
  EXPECT_THAT(text.str(), Not(HasSubstr("cem@example.org")));
  EXPECT_THAT(text.str(), HasSubstr("\"partner_email\": \"bob@example.org\""));

  // On standard output, the same JSON whatever --json says; Bob's does not show Ann's contact.
  const CommandResult bobs = Cli(tokens_["bob"], {"me", "export"});
  ASSERT_EQ(bobs.exit_code, 0) << bobs.err;
  v1::MyData theirs;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(bobs.out, &theirs).ok()) << bobs.out;
  EXPECT_EQ(theirs.profile().external_id(), "bob");
  EXPECT_TRUE(theirs.profile().share_email());
  EXPECT_THAT(bobs.out, Not(HasSubstr("ann@example.org")));
  EXPECT_THAT(bobs.out, Not(HasSubstr("+49 170 111")));
}

// `parley more` never answers a bare "0 new suggestions": it says why nothing new came.
TEST_F(CliMeE2eTest, MoreSaysWhyNothingNewCame) {
  SetUpConfirmedPair();
  ASSERT_FALSE(HasFailure());
  const CommandResult full = Cli(tokens_["ann"], {"more"});
  ASSERT_EQ(full.exit_code, 0) << full.err;
  EXPECT_THAT(full.out,
              HasSubstr("0 new suggestions: your 1 meeting and proposals fill your budget of 1"));
  v1::ListMySuggestionsResponse json;
  CliJson(tokens_["ann"], {"more"}, &json);
  EXPECT_EQ(json.nothing_new(), v1::ListMySuggestionsResponse::BUDGET_FULL);
  // Cem has room, but Ann and Bob are full.
  const CommandResult nobody = Cli(tokens_["cem"], {"more"});
  ASSERT_EQ(nobody.exit_code, 0) << nobody.err;
  EXPECT_THAT(nobody.out, HasSubstr("0 new suggestions: nobody who is free when you are"));
  ASSERT_EQ(Cli(tokens_["cem"], {"me", "update", "--budget", "0"}).exit_code, 0);
  EXPECT_THAT(Cli(tokens_["cem"], {"more"}).out, HasSubstr("opted out"));
}

// person_ref is the organiser's: `parley me` (and its JSON) shows no trace of it.
TEST_F(CliMeE2eTest, MeDoesNotShowThePersonRef) {
  SetUpOpenEvent("Chess Club",
                 {"--name", "Chess Night", "--slot-count", "2", "--start", "2030-03-01T18:00",
                  "--slot-minutes", "30", "--locations", "hall:10"},
                 "external_id,name,email,interests,person_ref\n"
                 "ann,Ann,ann@example.org,chess,ref-ann\n"
                 "bob,Bob,bob@example.org,chess,ref-bob\n");
  ASSERT_FALSE(HasFailure());
  ASSERT_THAT(attendees_["ann"].person_ref(), HasSubstr("pk1:"));  // the organiser sees it
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"me"}, std::vector<std::string>{"--json", "me"}}) {
    const CommandResult me = Cli(tokens_["ann"], args);
    ASSERT_EQ(me.exit_code, 0) << me.err;
    EXPECT_THAT(me.out, HasSubstr("Ann"));
    EXPECT_THAT(me.out, Not(HasSubstr("pk1:")));
    EXPECT_THAT(me.out, Not(HasSubstr(attendees_["ann"].person_ref())));
  }
}

// --all prints each page as it arrives (constant memory), as one JSON document with --json.
TEST_F(CliMeE2eTest, ListAllStreamsEveryPage) {
  SetUpConfirmedPair();
  ASSERT_FALSE(HasFailure());
  v1::ListAttendeesResponse attendees;
  CliJson(organiser_, {"attendees", "list", "--event", event_id_, "--all", "--page-size", "1"},
          &attendees);
  ASSERT_EQ(attendees.attendees_size(), 3);
  EXPECT_EQ(attendees.attendees(0).external_id(), "ann");
  EXPECT_EQ(attendees.attendees(2).external_id(), "cem");
  EXPECT_EQ(attendees.next_page_token(), "");
  const CommandResult human =
      Cli(organiser_, {"attendees", "list", "--event", event_id_, "--all", "--page-size", "1"});
  ASSERT_EQ(human.exit_code, 0) << human.err;
  for (const char* name : {"ann", "bob", "cem"}) EXPECT_THAT(human.out, HasSubstr(name));
  EXPECT_THAT(human.out, Not(HasSubstr("more: --page-token")));

  v1::ListMeetingsResponse meetings;
  CliJson(organiser_, {"meetings", "list", "--event", event_id_, "--all", "--page-size", "1"},
          &meetings);
  ASSERT_GE(meetings.meetings_size(), 1);
  EXPECT_EQ(meetings.external_ids().at(meetings.meetings(0).attendee_a()), "ann");
  // An empty list is still one document.
  v1::ListMeetingsResponse none;
  CliJson(organiser_, {"meetings", "list", "--event", event_id_, "--all", "--state", "held"},
          &none);
  EXPECT_EQ(none.meetings_size(), 0);
}

}  // namespace
}  // namespace parley::e2e
