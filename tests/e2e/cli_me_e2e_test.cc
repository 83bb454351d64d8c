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

}  // namespace
}  // namespace parley::e2e
