// The grammar of the `parley` command line as CLI11 reads it for RunCli: where flags may stand,
// their spellings, operands, help and the usage errors. No server: each case stops at a usage
// error or a message that shows how the command line was read.
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "clients/cli.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parley::client {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

class CommandLineTest : public ::testing::Test {
 protected:
  int Run(const std::vector<std::string>& args) {
    out_.str("");
    err_.str("");
    return RunCli(
        args, [](const std::string&) { return std::string(); }, out_, err_);
  }
  std::string out() const { return out_.str(); }
  std::string err() const { return err_.str(); }

  std::ostringstream out_, err_;
};

TEST_F(CommandLineTest, GlobalFlagsMayComeBeforeOrAfterTheCommand) {
  // --tls=false is read as false, wherever it stands, so --ca-cert lacks --tls.
  EXPECT_EQ(Run({"--tls=false", "health", "--ca-cert", "ca.pem"}), kExitUsage);
  EXPECT_THAT(err(), StartsWith("parley: --ca-cert needs --tls"));
  EXPECT_EQ(Run({"health", "--ca-cert", "ca.pem", "--tls=false"}), kExitUsage);
  EXPECT_THAT(err(), StartsWith("parley: --ca-cert needs --tls"));
}

TEST_F(CommandLineTest, UnderscoresInFlagNamesAreDashes) {
  EXPECT_EQ(Run({"events", "list", "--page_size=0"}), kExitUsage);
  EXPECT_THAT(err(), StartsWith("parley: --page-size: expected 1 to 1000"));
  EXPECT_EQ(Run({"events", "list", "--page_size", "5", "--page-size", "6"}), kExitUsage);
  EXPECT_THAT(err(), StartsWith("parley: --page-size given twice"));
}

TEST_F(CommandLineTest, AValueMayStartWithADashOrBeEmpty) {
  EXPECT_EQ(Run({"events", "list", "--page-size", "-3"}), kExitUsage);
  EXPECT_THAT(err(), StartsWith("parley: --page-size: expected 1 to 1000"));
  // --label= is an empty label: the command goes on to read --community.
  EXPECT_EQ(Run({"admin", "tokens", "issue", "--label=", "--community", "x"}), kExitUsage);
  EXPECT_THAT(err(), StartsWith("parley: --community: \"x\" is not an id"));
}

TEST_F(CommandLineTest, DoubleDashEndsTheFlags) {
  EXPECT_EQ(Run({"cancel", "--", "-5"}), kExitUsage);
  EXPECT_THAT(err(), StartsWith("parley: meeting id: \"-5\" is not an id"));
}

TEST_F(CommandLineTest, AnOperandMayBeNamedLikeACommand) {
  EXPECT_EQ(Run({"events", "get", "report"}), kExitUsage);
  EXPECT_THAT(err(), StartsWith("parley: event id: \"report\" is not an id"));
}

TEST_F(CommandLineTest, FlagErrorsNameTheFlag) {
  EXPECT_EQ(Run({"events", "list", "--page-size"}), kExitUsage);
  EXPECT_THAT(err(), StartsWith("parley: --page-size needs a value\n\nusage: parley events list"));
  EXPECT_EQ(Run({"events", "list", "--all", "--all"}), kExitUsage);
  EXPECT_THAT(err(), StartsWith("parley: --all given twice"));
  EXPECT_EQ(Run({"events", "list", "-x"}), kExitUsage);
  EXPECT_THAT(err(), StartsWith("parley: unknown option -x (flags are written --name)"));
  EXPECT_EQ(Run({"events", "list", "--bo_gus=1"}), kExitUsage);
  EXPECT_THAT(err(), StartsWith("parley: unknown flag --bo-gus for \"events list\""));
  EXPECT_THAT(err(), HasSubstr("usage: parley events list [flags]"));
}

TEST_F(CommandLineTest, AParentCommandsFlagIsNotItsSubcommands) {
  EXPECT_EQ(Run({"feedback", "list", "--rating", "5"}), kExitUsage);
  EXPECT_THAT(err(), StartsWith("parley: unknown flag --rating for \"feedback list\""));
  EXPECT_EQ(Run({"feedback", "7"}), kExitUsage);
  EXPECT_THAT(err(), StartsWith("parley: missing MEETING_ID happened|no-show"));
}

TEST_F(CommandLineTest, HelpInEveryForm) {
  EXPECT_EQ(Run({"help", "events", "get"}), kExitOk);
  EXPECT_THAT(out(), StartsWith("usage: parley events get ID\n\nShows an event.\n"));
  EXPECT_THAT(err(), IsEmpty());
  // Help wins over what is missing.
  EXPECT_EQ(Run({"events", "get", "-h"}), kExitOk);
  EXPECT_THAT(out(), StartsWith("usage: parley events get ID\n"));
  EXPECT_EQ(Run({"attendees", "import", "--help"}), kExitOk);
  EXPECT_THAT(out(), StartsWith("usage: parley attendees import --event ID FILE.csv [flags]\n"));
  EXPECT_EQ(Run({"events", "--help"}), kExitOk);
  EXPECT_THAT(out(), StartsWith("commands:\n  parley events create --name TEXT\n"));
  EXPECT_EQ(Run({"help", "frobnicate"}), kExitUsage);
  EXPECT_THAT(err(), StartsWith("parley: unknown command \"frobnicate\""));
  EXPECT_EQ(Run({"admin", "frobnicate"}), kExitUsage);
  EXPECT_THAT(err(), StartsWith("parley: unknown command \"admin frobnicate\""));
}

TEST_F(CommandLineTest, EveryCommandInTheUsageHasItsOwnHelp) {
  ASSERT_EQ(Run({"help"}), kExitOk);
  std::istringstream usage(out());
  std::string line;
  int commands = 0;
  bool in_commands = false;
  while (std::getline(usage, line)) {
    if (line == "commands:") in_commands = true;
    if (line.empty()) in_commands = false;
    if (!in_commands || line == "commands:" || line.rfind("  help", 0) == 0) continue;
    // "  events create --name TEXT   Creates an event (in DRAFT)."
    std::vector<std::string> words = {"help"};
    std::istringstream split(line);
    for (std::string word; split >> word && word[0] >= 'a' && word[0] <= 'z';) {
      words.push_back(word);
    }
    ++commands;
    EXPECT_EQ(Run(words), kExitOk) << line;
    words.erase(words.begin());
    EXPECT_THAT(out(), StartsWith("usage: parley " + absl::StrJoin(words, " "))) << line;
    EXPECT_THAT(out(), Not(HasSubstr("commands:"))) << line;
  }
  EXPECT_EQ(commands, 47);  // with admin backup, known-pairs import and me export
}

}  // namespace
}  // namespace parley::client
