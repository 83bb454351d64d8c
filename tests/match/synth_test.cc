#include "tools/match/synth.h"

#include <map>
#include <sstream>
#include <string>

#include "gtest/gtest.h"

namespace parley::synth {
namespace {

std::string Csv(int attendees, uint64_t seed, int slots = 6) {
  SynthOptions options;
  options.attendees = attendees;
  options.seed = seed;
  options.slots = slots;
  std::ostringstream out;
  WriteCsv(GenerateEvent(options), out);
  return out.str();
}

TEST(SynthTest, SameSeedSameBytesOtherSeedOtherBytes) {
  EXPECT_EQ(Csv(500, 3), Csv(500, 3));
  EXPECT_NE(Csv(500, 3), Csv(500, 4));
}

TEST(SynthTest, WritesTheImportHeaderAndOneRowPerAttendee) {
  const std::string csv = Csv(50, 1);
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "external_id,name,email,phone,organisation,role,bio,interests,offers,seeks,languages,"
            "budget,availability,person_ref,wants,avoid");
  size_t rows = 0;
  for (char ch : csv) rows += ch == '\n';
  EXPECT_EQ(rows, 51u);                                                    // bios hold no newlines
  EXPECT_NE(csv.find("\"\"always happy to chat\"\""), std::string::npos);  // RFC 4180 quotes
}

TEST(SynthTest, CsvFieldQuotesOnlyWhenNeeded) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
}

TEST(SynthTest, EventLooksLikeTheModel) {
  SynthOptions options;
  options.attendees = 5000;
  options.seed = 9;
  const SynthEvent event = GenerateEvent(options);
  std::map<std::string, int> df;
  int zero_budget = 0, small_budget = 0, partial = 0, avoid = 0, seeks = 0;
  for (const SynthAttendee& a : event.attendees) {
    for (const match::Interest& i : a.profile.interests) ++df[i.tag];
    zero_budget += a.profile.budget == 0;
    small_budget += a.profile.budget == 1 || a.profile.budget == 2;
    partial += a.profile.availability != 0x3F;
    avoid += !a.profile.avoid.empty();
    seeks += !a.profile.seeks.empty();
  }
  const double n = 5000;
  EXPECT_NEAR(df["software"] / n, 0.78, 0.03);
  EXPECT_NEAR(df["web"] / n, 0.30, 0.03);
  EXPECT_GT(df.size(), 400u);  // a long tail
  EXPECT_GT(zero_budget, 0);
  EXPECT_GT(small_budget, 300);
  EXPECT_GT(partial, 800);
  EXPECT_GT(avoid, 50);
  EXPECT_GT(seeks, 2500);
}

}  // namespace
}  // namespace parley::synth
