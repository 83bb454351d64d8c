// The attendee CSV of registration exports (services/domain/import_csv.h), on files shaped like
// real Eventbrite, Tito and Google Forms exports, and on bad input of every kind.
#include "services/domain/import_csv.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/domain/languages.h"

namespace parley::domain {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

v1::CsvImportOptions Options(std::vector<std::pair<std::string, std::string>> mapping = {}) {
  v1::CsvImportOptions options;
  for (auto& [field, column] : mapping) (*options.mutable_mapping())[field] = column;
  return options;
}

CsvImport ReadOk(const std::string& data, const v1::CsvImportOptions& options = Options()) {
  absl::StatusOr<CsvImport> csv = ReadAttendeeCsv(data, options);
  EXPECT_TRUE(csv.ok()) << csv.status();
  if (!csv.ok()) return CsvImport();
  return *std::move(csv);
}

std::vector<std::string> Tags(const v1::Attendee& a) {
  std::vector<std::string> tags;
  for (const v1::Interest& i : a.interests()) tags.push_back(i.tag());
  return tags;
}

// An Eventbrite attendee report: BOM, CRLF, Order # shared by a group order, Attendee # per
// person, first and last name, Attendee Status, Yes/No, comma lists, a quoted multi-line bio,
// emoji.
constexpr char kEventbrite[] =
    "\xEF\xBB\xBF"
    "Order #,Order Date,Attendee #,First Name,Last Name,Email,Company,Job Title,Ticket Type,"
    "Attendee Status,What would you love to talk about?,Wants 1:1 meetings?,Languages,Bio\r\n"
    "1001,2026-11-01,5001,Ada,Lovelace,ada@example.org,Analytical Engines,Engineer,General,"
    "Attending,\"rust, embedded systems, bicycles 🚲\",Yes,\"English, Deutsch\","
    "\"Likes engines.\r\nAnd poetry.\"\r\n"
    "1002,2026-11-02,5002,Grace,Hopper,grace@example.org,Navy,Admiral,General,Attending,"
    "\"compilers, cobol\",No,en,\r\n"
    "1002,2026-11-02,5003,Alan,Turing,ALAN@example.org,Bletchley,Mathematician,General,"
    "Not Attending,\"crypto\",Yes,eng,\r\n"
    "\r\n"
    "1003,2026-11-03,5004,Émile,Zola,grace@example.org,Press,Writer,VIP,Attending,"
    "\"novels, rust\",maybe,français,\r\n";

TEST(ReadAttendeeCsvTest, EventbriteExportWithExplicitMapping) {
  CsvImport csv = ReadOk(kEventbrite, Options({{"interests", "What would you love to talk about?"},
                                               {"external_id", "Attendee #"}}));
  ASSERT_EQ(csv.rows.size(), 4u);
  const CsvImportRow& ada = csv.rows[0];
  EXPECT_TRUE(ada.error.empty()) << ada.error;
  EXPECT_EQ(ada.row_number, 1u);
  EXPECT_EQ(ada.line, 2u);
  EXPECT_EQ(ada.attendee.external_id(), "5001");
  EXPECT_EQ(ada.attendee.display_name(), "Ada Lovelace");
  EXPECT_EQ(ada.attendee.organisation(), "Analytical Engines");
  EXPECT_EQ(ada.attendee.role(), "Engineer");
  EXPECT_THAT(Tags(ada.attendee), ElementsAre("rust", "embedded systems", "bicycles 🚲"));
  EXPECT_THAT(ada.attendee.languages(), ElementsAre("English", "Deutsch"));
  EXPECT_EQ(ada.attendee.bio(), "Likes engines.\r\nAnd poetry.");
  EXPECT_FALSE(ada.attendee.has_budget());

  const CsvImportRow& grace = csv.rows[1];
  EXPECT_EQ(grace.line, 4u);  // after Ada's two-line bio
  ASSERT_TRUE(grace.attendee.has_budget());
  EXPECT_EQ(grace.attendee.budget(), 0u) << "wants 1:1 meetings: No opts out";

  EXPECT_TRUE(csv.rows[2].cancelled);
  EXPECT_EQ(csv.rows[2].status, "Not Attending");
  EXPECT_EQ(csv.rows[2].attendee.external_id(), "5003");

  const CsvImportRow& emile = csv.rows[3];
  EXPECT_EQ(emile.row_number, 4u) << "the blank line is not a row";
  EXPECT_EQ(emile.line, 7u);
  EXPECT_EQ(emile.error,
            "row 4 (line 7), column 12 \"Wants 1:1 meetings?\": wants_meetings: \"maybe\" is not "
            "yes or no (yes/no, true/false, 1/0)");

  EXPECT_THAT(csv.summary.columns(),
              testing::Contains("interests <- What would you love to talk about? (separated by "
                                "',')"));
  EXPECT_THAT(csv.summary.columns(), testing::Contains("display_name <- First Name + Last Name"));
  EXPECT_THAT(csv.summary.ignored_columns(), ElementsAre("Order #", "Order Date", "Ticket Type"));
  EXPECT_THAT(csv.summary.warnings(),
              testing::Contains(HasSubstr("ignored 3 columns that map to no field")));
  EXPECT_THAT(csv.summary.warnings(),
              testing::Contains(HasSubstr("interests: read as comma-separated")));
  EXPECT_EQ(csv.summary.rows(), 4u);
}

// The separator is chosen over the whole column: one ';' on the last of 2,000 rows makes every
// comma part of a tag, and each row still reaches the sink once, in order, with its line.
TEST(ReadAttendeeCsvTest, ASemicolonOnTheLastRowDecidesTheWholeColumn) {
  std::string data = "external_id,name,interests\n";
  for (int i = 1; i < 2000; ++i) absl::StrAppend(&data, i, ",P", i, ",\"rust, go\"\n");
  absl::StrAppend(&data, "2000,Last,\"rust; go, c\"\n");
  std::vector<uint32_t> lines;
  absl::StatusOr<CsvImport> csv = ReadAttendeeCsv(
      data, Options(), [&](const CsvImport&, CsvImportRow& row) { lines.push_back(row.line); });
  ASSERT_TRUE(csv.ok()) << csv.status();
  ASSERT_EQ(csv->rows.size(), 2000u);
  ASSERT_EQ(lines.size(), 2000u);
  EXPECT_EQ(lines.front(), 2u);
  EXPECT_EQ(lines.back(), 2001u);
  EXPECT_THAT(Tags(csv->rows[0].attendee), ElementsAre("rust, go"));
  EXPECT_THAT(Tags(csv->rows[1999].attendee), ElementsAre("rust", "go, c"));
  EXPECT_THAT(csv->summary.columns(),
              testing::Contains("interests <- interests (separated by ';')"));

  // Without it, the column is comma-separated, and the summary says so.
  data.resize(data.rfind("2000,"));
  csv = ReadAttendeeCsv(data, Options());
  ASSERT_TRUE(csv.ok()) << csv.status();
  EXPECT_THAT(Tags(csv->rows[0].attendee), ElementsAre("rust", "go"));
  EXPECT_THAT(csv->summary.warnings(),
              testing::Contains(HasSubstr("interests: read as comma-separated")));
}

// Rows are read before the whole file is seen: while an open list column has shown neither a
// comma nor a semicolon its cells split the same either way, so the first comma, on row 1,500,
// is where the rest of the file is read ahead. Both outcomes of that read-ahead, and an open
// column that stays empty, give what a reader of the whole column would.
TEST(ReadAttendeeCsvTest, ALateFirstCommaDecidesTheColumnForEveryRow) {
  auto file = [](bool semicolon_after) {
    std::string data = "external_id,name,interests,seeks\n";
    for (int i = 1; i <= 2000; ++i) {
      std::string interests = "\"go, c\"";
      if (i < 1500) interests = "rust";
      if (i == 1500) interests = "\"rust, go\"";
      if (i == 1900 && semicolon_after) interests = "\"c; zig, d\"";
      absl::StrAppend(&data, i, ",P", i, ",", interests, ",\n");
    }
    return data;
  };
  CsvImport commas = ReadOk(file(false));
  ASSERT_EQ(commas.rows.size(), 2000u);
  EXPECT_THAT(Tags(commas.rows[0].attendee), ElementsAre("rust"));
  EXPECT_THAT(Tags(commas.rows[1499].attendee), ElementsAre("rust", "go"));
  EXPECT_THAT(Tags(commas.rows[1999].attendee), ElementsAre("go", "c"));
  EXPECT_THAT(commas.summary.columns(),
              testing::Contains("interests <- interests (separated by ',')"));
  EXPECT_THAT(commas.summary.columns(), testing::Contains("seeks <- seeks (separated by ';')"));
  EXPECT_THAT(commas.summary.warnings(),
              testing::Contains(HasSubstr("interests: read as comma-separated")));

  CsvImport semicolons = ReadOk(file(true));
  EXPECT_THAT(Tags(semicolons.rows[1499].attendee), ElementsAre("rust, go"));
  EXPECT_THAT(Tags(semicolons.rows[1899].attendee), ElementsAre("c", "zig, d"));
  EXPECT_THAT(semicolons.summary.columns(),
              testing::Contains("interests <- interests (separated by ';')"));
  EXPECT_THAT(semicolons.summary.warnings(),
              testing::Not(testing::Contains(HasSubstr("read as comma-separated"))));
}

TEST(ReadAttendeeCsvTest, GroupOrderSharingAnOrderNumberIsAClearDuplicateError) {
  CsvImport csv = ReadOk(kEventbrite, Options({{"external_id", "Order #"},
                                               {"interests", "What would you love to talk about?"},
                                               {"status", "Ticket Type"}}));
  // Ticket Type as status: nobody is cancelled, so Grace and Alan share order 1002.
  ASSERT_EQ(csv.rows.size(), 4u);
  EXPECT_TRUE(csv.rows[1].error.empty());
  EXPECT_EQ(csv.rows[2].error,
            "row 3 (line 5), column 1 \"Order #\": external_id \"1002\" is also on row 2 (line 4); "
            "one id per person: a group order? map a per-attendee column to external_id");
  EXPECT_THAT(csv.summary.duplicate_external_ids(), ElementsAre("1002"));
}

TEST(ReadAttendeeCsvTest, StrictRefusesUnknownColumns) {
  v1::CsvImportOptions options = Options({{"external_id", "Attendee #"}});
  options.set_strict(true);
  absl::StatusOr<CsvImport> csv = ReadAttendeeCsv(kEventbrite, options);
  ASSERT_EQ(csv.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(csv.status().message(), HasSubstr("header (line 1): 4 columns map to no field"));
  EXPECT_THAT(csv.status().message(), HasSubstr("\"Order #\""));
}

// Tito: Ticket Reference, Ticket Full Name, Ticket Email, Ticket Company Name; '|' lists given.
TEST(ReadAttendeeCsvTest, TitoExportByAliasesWithAPipeSeparator) {
  v1::CsvImportOptions options = Options({{"interests", "Topics"}});
  (*options.mutable_separators())["interests"] = "|";
  CsvImport csv = ReadOk(
      "Ticket Reference,Ticket Full Name,Ticket Email,Ticket Company Name,Topics,Ticket Status\n"
      "ABCD-1,Lin Chen,lin@example.org,Acme,graph theory|rust:2,complete\n"
      "ABCD-2,Sam Roe,sam@example.org,Acme,,Cancelled\n",
      options);
  ASSERT_EQ(csv.rows.size(), 2u);
  EXPECT_EQ(csv.rows[0].attendee.external_id(), "ABCD-1");
  EXPECT_EQ(csv.rows[0].attendee.display_name(), "Lin Chen");
  EXPECT_EQ(csv.rows[0].attendee.email(), "lin@example.org");
  EXPECT_EQ(csv.rows[0].attendee.organisation(), "Acme");
  EXPECT_THAT(Tags(csv.rows[0].attendee), ElementsAre("graph theory", "rust"));
  EXPECT_EQ(csv.rows[0].attendee.interests(1).weight(), 2u);
  EXPECT_TRUE(csv.rows[1].cancelled);
  EXPECT_THAT(csv.summary.ignored_columns(), IsEmpty());
}

// Google Forms: Timestamp, Email Address, no id column at all.
TEST(ReadAttendeeCsvTest, GoogleFormWithoutAnIdUsesTheEmailAndSaysSo) {
  CsvImport csv = ReadOk(
      "Timestamp,Email Address,Your name,Organization,Interests,Do you prefer quiet places?\n"
      "2026/11/01 10:00:00,Kim@Example.org,Kim Park,Uni,\"ml; ethics\",TRUE\n");
  ASSERT_EQ(csv.rows.size(), 1u);
  EXPECT_EQ(csv.rows[0].attendee.external_id(), "kim@example.org");
  EXPECT_EQ(csv.rows[0].attendee.email(), "Kim@Example.org");
  EXPECT_EQ(csv.rows[0].attendee.organisation(), "Uni");
  EXPECT_THAT(Tags(csv.rows[0].attendee), ElementsAre("ml", "ethics"));
  EXPECT_THAT(csv.summary.warnings(),
              testing::Contains(HasSubstr("no external_id column: attendees are identified by "
                                          "their email")));
  EXPECT_THAT(csv.summary.ignored_columns(),
              ElementsAre("Timestamp", "Do you prefer quiet places?"));
}

TEST(ReadAttendeeCsvTest, TheCanonicalFormatStillImports) {
  CsvImport csv = ReadOk(
      "external_id,name,interests,budget,prefers_quiet,availability\n"
      "a1,Ada,books:3; bikes,2,yes,s1;s2\n");
  ASSERT_EQ(csv.rows.size(), 1u);
  EXPECT_TRUE(csv.rows[0].error.empty()) << csv.rows[0].error;
  EXPECT_EQ(csv.rows[0].attendee.budget(), 2u);
  EXPECT_TRUE(csv.rows[0].attendee.prefers_quiet());
  EXPECT_THAT(csv.rows[0].attendee.availability(), ElementsAre("s1", "s2"));
  EXPECT_THAT(csv.summary.warnings(), IsEmpty());
}

TEST(ReadAttendeeCsvTest, BadRowsNameRowLineAndColumnAndNeverStopTheOthers) {
  CsvImport csv = ReadOk(
      "external_id,name,budget,interests\n"
      "a1,Ada,lots,x\n"
      ",Nobody,1,x\n"
      "a3,Bad \"quote\"x,1,x\n"
      "a4,\"Oops\"x,1,x\n"
      "a5,Extra,1,x,surprise\n"
      "a6,Weights,1,:2\n"
      "a7,Fine,1,x\n"
      "a8,\"Never closed,1,x\n");
  ASSERT_EQ(csv.rows.size(), 8u);
  EXPECT_EQ(csv.rows[0].error,
            "row 1 (line 2), column 3 \"budget\": budget: \"lots\" is not a number of meetings "
            "(0 or more)");
  EXPECT_EQ(csv.rows[1].error, "row 2 (line 3), column 1 \"external_id\": external_id: empty");
  EXPECT_TRUE(csv.rows[2].error.empty()) << "a quote inside an unquoted field is data";
  EXPECT_EQ(csv.rows[3].error,
            "row 4 (line 5), column 2 \"name\": text after the closing quote of field 2");
  EXPECT_THAT(csv.rows[4].error, HasSubstr("row 5 (line 6), column 5: the row has 5 fields but "
                                           "the header only 4"));
  EXPECT_EQ(csv.rows[5].error,
            "row 6 (line 7), column 4 \"interests\": interests: empty tag in \":2\"");
  EXPECT_TRUE(csv.rows[6].error.empty());
  EXPECT_THAT(csv.rows[7].error, HasSubstr("row 8 (line 9), column 2 \"name\": quoted field 2 "
                                           "opened on line 9 is never closed"));
}

TEST(ReadAttendeeCsvTest, HeaderProblemsFailTheFileWithOneReadableLine) {
  EXPECT_EQ(ReadAttendeeCsv("", Options()).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ReadAttendeeCsv("\r\n\r\n", Options()).status().message(), HasSubstr("empty"));
  absl::StatusOr<CsvImport> none = ReadAttendeeCsv("Foo,Bar\n1,2\n", Options());
  EXPECT_THAT(none.status().message(),
              HasSubstr("header (line 1): no column for external_id (map a per-person id"));
  EXPECT_THAT(none.status().message(), HasSubstr("no column for name"));
  absl::StatusOr<CsvImport> missing =
      ReadAttendeeCsv("id,First\n1,2\n", Options({{"name", "First+Last"}}));
  EXPECT_THAT(missing.status().message(),
              HasSubstr("mapping: name=\"First+Last\": no column \"Last\" in the header"));
  EXPECT_THAT(ReadAttendeeCsv("id,name\n", Options({{"colour", "id"}})).status().message(),
              HasSubstr("mapping: unknown field \"colour\""));
  v1::CsvImportOptions bad_separator;
  (*bad_separator.mutable_separators())["interests"] = "/";
  EXPECT_THAT(ReadAttendeeCsv("id,name\n", bad_separator).status().message(),
              HasSubstr("one of \";\", \",\" and \"|\""));
  (*bad_separator.mutable_separators())["interests"] = ",";
  (*bad_separator.mutable_separators())["name"] = ",";
  EXPECT_THAT(ReadAttendeeCsv("id,name\n", bad_separator).status().message(),
              HasSubstr("\"name\" is not a list field"));
}

TEST(ReadAttendeeCsvTest, ConfiguredCancelledValues) {
  v1::CsvImportOptions options;
  options.add_cancelled_values(" Void ");
  CsvImport csv = ReadOk("id,name,status\n1,A,void\n2,B,Refunded\n", options);
  EXPECT_TRUE(csv.rows[0].cancelled);
  EXPECT_FALSE(csv.rows[1].cancelled) << "the defaults are replaced";
}

TEST(ReadAttendeeCsvTest, TheSinkSeesEveryRowOnceInOrderWhereTheResultKeepsIt) {
  // Rows as the import validates them while later ones are read: complete (duplicate checks
  // included), in file order, at the address the returned CsvImport holds them.
  const std::string data =
      "external_id,name,budget\n"
      "a,Ada,1\n"
      "b,Bob,lots\n"
      "\n"
      "a,Again,2\n"
      "c,Cy,\n";
  std::vector<const CsvImportRow*> seen;
  std::vector<std::string> errors;
  std::string described;
  absl::StatusOr<CsvImport> csv =
      ReadAttendeeCsv(data, Options(), [&](const CsvImport& file, CsvImportRow& row) {
        seen.push_back(&row);
        errors.push_back(row.error);
        if (row.row_number == 3) described = file.DescribeError(row, "budget: too many");
      });
  ASSERT_TRUE(csv.ok()) << csv.status();
  ASSERT_EQ(seen.size(), 4u);
  ASSERT_EQ(csv->rows.size(), 4u);
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i], &csv->rows[i]);
    EXPECT_EQ(seen[i]->row_number, i + 1);
  }
  EXPECT_EQ(errors[0], "");
  EXPECT_THAT(errors[1], HasSubstr("row 2 (line 3)"));
  EXPECT_THAT(errors[2], HasSubstr("is also on row 1"));  // the duplicate, flagged before
  EXPECT_EQ(errors[3], "");
  EXPECT_THAT(described, HasSubstr("row 3 (line 5), column 3"));

  // A header that fails the file calls nothing.
  bool called = false;
  EXPECT_FALSE(ReadAttendeeCsv("Foo,Bar\n1,2\n", Options(), [&](const CsvImport&, CsvImportRow&) {
                 called = true;
               }).ok());
  EXPECT_FALSE(called);
}

TEST(AcceptedTallyTest, DuplicateEmailsTopTagsAndWrongSeparatorWarnings) {
  std::vector<v1::Attendee> attendees(3);
  for (v1::Attendee& a : attendees) a.add_interests()->set_tag("rust, embedded, bicycles");
  attendees[0].set_email("Same@Example.org");
  attendees[1].set_email("same@example.org");
  attendees[2].set_email("other@example.org");
  attendees[1].mutable_interests(0)->set_tag("Rust, Embedded, Bicycles");  // one tag, folded
  v1::Attendee bare;
  AcceptedTally tally;
  for (const v1::Attendee* a : {&attendees[0], &attendees[1], &attendees[2], &bare}) {
    tally.Add(*a);
  }
  v1::CsvImportSummary summary;
  tally.Finish(&summary);
  EXPECT_THAT(summary.duplicate_emails(), ElementsAre("same@example.org"));
  ASSERT_EQ(summary.top_tags_size(), 1);
  EXPECT_EQ(summary.top_tags(0).tag(), "rust, embedded, bicycles");  // the first row's spelling
  EXPECT_EQ(summary.top_tags(0).rows(), 3u);
  EXPECT_EQ(summary.rows_without_interests(), 1u);
  EXPECT_THAT(summary.warnings(),
              testing::Contains("every row has exactly one interest containing commas: wrong "
                                "separator? (set the interests separator to ',')"));
  EXPECT_THAT(summary.warnings(),
              testing::Contains("1 row has no interests: they will get weaker matches"));
  EXPECT_THAT(summary.warnings(), testing::Contains(HasSubstr("1 email is on more than one row")));
}

TEST(LanguageCodeTest, NamesAndCodesBecomeIso6391) {
  EXPECT_EQ(LanguageCode("English"), "en");
  EXPECT_EQ(LanguageCode(" en "), "en");
  EXPECT_EQ(LanguageCode("eng"), "en");
  EXPECT_EQ(LanguageCode("EN-gb"), "en");
  EXPECT_EQ(LanguageCode("Deutsch"), "de");
  EXPECT_EQ(LanguageCode("german"), "de");
  EXPECT_EQ(LanguageCode("FRANÇAIS"), "fr");
  EXPECT_EQ(LanguageCode("日本語"), "ja");
  EXPECT_EQ(LanguageCode("Klingon"), std::nullopt);
  EXPECT_EQ(LanguageCode(""), std::nullopt);
}

}  // namespace
}  // namespace parley::domain
