#include "clients/attendee_csv.h"

#include <string>

#include "clients/csv.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parley::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

AttendeeCsv MustParse(absl::string_view data) {
  absl::StatusOr<AttendeeCsv> csv = ParseAttendeeCsv(data);
  EXPECT_TRUE(csv.ok()) << csv.status();
  return csv.ok() ? *std::move(csv) : AttendeeCsv();
}

std::string HeaderError(absl::string_view data) {
  absl::StatusOr<AttendeeCsv> csv = ParseAttendeeCsv(data);
  EXPECT_EQ(csv.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(csv.status().message());
}

TEST(AttendeeCsvTest, MapsEveryColumn) {
  AttendeeCsv csv = MustParse(
      "external_id,name,email,phone,organisation,role,bio,interests,offers,seeks,languages,"
      "budget,availability,person_ref,wants,avoid,avoid_organisations,prefers_quiet\n"
      "r-1,Ada Lovelace,ada@example.org,+44 1,Analytical,Founder,\"Likes engines, poems\","
      "books:3;bicycles,maths;code,funding,en;fr,2,s1;s3,P-7,r-2;r-3,r-9,Rival Ltd,yes\n");
  ASSERT_THAT(csv.rejected, IsEmpty());
  ASSERT_EQ(csv.rows.size(), 1u);
  EXPECT_EQ(csv.rows[0].row_number(), 1u);
  const v1::Attendee& a = csv.rows[0].attendee();
  EXPECT_EQ(a.external_id(), "r-1");
  EXPECT_EQ(a.display_name(), "Ada Lovelace");
  EXPECT_EQ(a.email(), "ada@example.org");
  EXPECT_EQ(a.phone(), "+44 1");
  EXPECT_EQ(a.organisation(), "Analytical");
  EXPECT_EQ(a.role(), "Founder");
  EXPECT_EQ(a.bio(), "Likes engines, poems");
  ASSERT_EQ(a.interests_size(), 2);
  EXPECT_EQ(a.interests(0).tag(), "books");
  EXPECT_EQ(a.interests(0).weight(), 3u);
  EXPECT_EQ(a.interests(1).tag(), "bicycles");
  EXPECT_THAT(a.offers(), ElementsAre("maths", "code"));
  EXPECT_THAT(a.seeks(), ElementsAre("funding"));
  EXPECT_THAT(a.languages(), ElementsAre("en", "fr"));
  ASSERT_TRUE(a.has_budget());
  EXPECT_EQ(a.budget(), 2u);
  EXPECT_THAT(a.availability(), ElementsAre("s1", "s3"));
  EXPECT_EQ(a.person_ref(), "P-7");
  EXPECT_THAT(a.wants(), ElementsAre("r-2", "r-3"));
  EXPECT_THAT(a.avoid(), ElementsAre("r-9"));
  EXPECT_THAT(a.avoid_organisations(), ElementsAre("Rival Ltd"));
  EXPECT_TRUE(a.prefers_quiet());
}

TEST(AttendeeCsvTest, HeaderIsCaseInsensitiveTrimmedAndInAnyOrder) {
  AttendeeCsv csv = MustParse(" Name ,BUDGET,\tExternal_ID\nBob,,b1\n");
  ASSERT_EQ(csv.rows.size(), 1u);
  EXPECT_EQ(csv.rows[0].attendee().external_id(), "b1");
  EXPECT_EQ(csv.rows[0].attendee().display_name(), "Bob");
  EXPECT_FALSE(csv.rows[0].attendee().has_budget());  // empty budget = the event's default
}

TEST(AttendeeCsvTest, UnknownColumnsAreAllListed) {
  const std::string error = HeaderError("external_id,name,Twitter,e-mail,\nx,y,z,w,\n");
  EXPECT_THAT(error, HasSubstr("unknown columns: \"Twitter\" (column 3), \"e-mail\" (column 4), "
                               "\"\" (column 5)"));
  EXPECT_THAT(error, HasSubstr("known columns: external_id, name, email"));
}

TEST(AttendeeCsvTest, MissingRequiredColumnsAreListed) {
  EXPECT_THAT(HeaderError("email,bio\n"),
              HasSubstr("missing required columns: \"external_id\", \"name\""));
  EXPECT_THAT(HeaderError("name\n"), HasSubstr("missing required columns: \"external_id\""));
}

TEST(AttendeeCsvTest, RepeatedColumnIsAnError) {
  EXPECT_THAT(HeaderError("external_id,name,Name\n"), HasSubstr("repeated columns: \"name\""));
}

TEST(AttendeeCsvTest, AllHeaderProblemsInOneMessage) {
  const std::string error = HeaderError("name,foo\n");
  EXPECT_THAT(error, HasSubstr("unknown columns: \"foo\""));
  EXPECT_THAT(error, HasSubstr("missing required columns: \"external_id\""));
}

TEST(AttendeeCsvTest, EmptyFileIsAnError) { EXPECT_THAT(HeaderError(""), HasSubstr("header")); }

TEST(AttendeeCsvTest, HeaderOnlyHasNoRows) {
  AttendeeCsv csv = MustParse("external_id,name\r\n");
  EXPECT_THAT(csv.rows, IsEmpty());
  EXPECT_THAT(csv.rejected, IsEmpty());
}

TEST(AttendeeCsvTest, RowsAreNumberedFromOneSkippingBlankLines) {
  AttendeeCsv csv = MustParse(
      "external_id,name,bio\n"  // line 1
      "a,A,\"two\nlines\"\n"    // row 1, lines 2-3
      "\n"                      // line 4: blank, skipped
      "b,B\n"                   // row 2, line 5: too few fields
      "c,C,ok\n");              // row 3, line 6
  ASSERT_EQ(csv.rows.size(), 2u);
  EXPECT_EQ(csv.rows[0].row_number(), 1u);
  EXPECT_EQ(csv.rows[0].attendee().bio(), "two\nlines");
  EXPECT_EQ(csv.rows[1].row_number(), 3u);
  EXPECT_EQ(csv.rows[1].attendee().external_id(), "c");
  ASSERT_EQ(csv.rejected.size(), 1u);
  EXPECT_EQ(csv.rejected[0].row_number, 2u);
  EXPECT_EQ(csv.rejected[0].line, 5);
  EXPECT_EQ(csv.rejected[0].external_id, "b");
  EXPECT_EQ(csv.rejected[0].error, "row 2 (line 5): expected 3 fields as in the header, found 2");
  EXPECT_THAT(csv.row_lines, ElementsAre(0, 2, 5, 6));
}

TEST(AttendeeCsvTest, TooManyFieldsIsARowError) {
  AttendeeCsv csv = MustParse("external_id,name\na,A,extra\n");
  ASSERT_EQ(csv.rejected.size(), 1u);
  EXPECT_EQ(csv.rejected[0].error, "row 1 (line 2): expected 2 fields as in the header, found 3");
}

TEST(AttendeeCsvTest, EmptyTagIsARowErrorNamingTheColumn) {
  AttendeeCsv csv = MustParse("external_id,name,interests\na,A,books; :2\nb,B,books:2\n");
  ASSERT_EQ(csv.rejected.size(), 1u);
  EXPECT_EQ(csv.rejected[0].error, "row 1 (line 2): interests: empty tag in \":2\"");
  ASSERT_EQ(csv.rows.size(), 1u);
  EXPECT_EQ(csv.rows[0].attendee().external_id(), "b");
}

TEST(AttendeeCsvTest, EveryProblemOfARowIsReported) {
  AttendeeCsv csv = MustParse("external_id,name,budget,prefers_quiet\nx1,,many,perhaps\n");
  ASSERT_EQ(csv.rejected.size(), 1u);
  EXPECT_EQ(csv.rejected[0].error,
            "row 1 (line 2): name: required; budget: \"many\" is not a non-negative integer; "
            "prefers_quiet: \"perhaps\" is not true or false");
  EXPECT_EQ(csv.rejected[0].external_id, "x1");
}

TEST(AttendeeCsvTest, BudgetZeroIsSetNotDefault) {
  AttendeeCsv csv = MustParse("external_id,name,budget\na,A,0\n");
  ASSERT_EQ(csv.rows.size(), 1u);
  ASSERT_TRUE(csv.rows[0].attendee().has_budget());
  EXPECT_EQ(csv.rows[0].attendee().budget(), 0u);
}

TEST(AttendeeCsvTest, CellsAndListItemsAreTrimmed) {
  AttendeeCsv csv = MustParse("external_id,name,offers,availability\n  a1 ,  Ann  , x ; ;y ;, \n");
  ASSERT_EQ(csv.rows.size(), 1u);
  const v1::Attendee& a = csv.rows[0].attendee();
  EXPECT_EQ(a.external_id(), "a1");
  EXPECT_EQ(a.display_name(), "Ann");
  EXPECT_THAT(a.offers(), ElementsAre("x", "y"));
  EXPECT_THAT(a.availability(), IsEmpty());  // all slots
}

TEST(AttendeeCsvTest, MalformedQuotingRejectsTheRowOnly) {
  AttendeeCsv csv = MustParse("external_id,name\n\"a\"x,A\nb,B\n");
  ASSERT_EQ(csv.rejected.size(), 1u);
  EXPECT_EQ(csv.rejected[0].error,
            "row 1 (line 2): line 2: text after the closing quote of field 1");
  ASSERT_EQ(csv.rows.size(), 1u);
  EXPECT_EQ(csv.rows[0].row_number(), 2u);
}

TEST(AttendeeCsvTest, BomAndCrlfAreHandled) {
  AttendeeCsv csv = MustParse(
      "\xEF\xBB\xBF"
      "external_id,name\r\n1,One\r\n2,Two\r\n");
  ASSERT_EQ(csv.rows.size(), 2u);
  EXPECT_EQ(csv.rows[0].attendee().external_id(), "1");
  EXPECT_EQ(csv.rows[1].attendee().display_name(), "Two");
}

TEST(AttendeeCsvTest, ManyRowsKeepTheirNumbers) {
  std::string data = "external_id,name,budget\n";
  for (int i = 1; i <= 1000; ++i) {
    data += "id" + std::to_string(i) + ",Person " + std::to_string(i) + "," +
            (i % 7 == 0 ? "x" : "1") + "\n";
  }
  AttendeeCsv csv = MustParse(data);
  EXPECT_EQ(csv.rows.size() + csv.rejected.size(), 1000u);
  EXPECT_EQ(csv.rejected.size(), 142u);
  for (const v1::ImportRow& row : csv.rows) {
    EXPECT_EQ(row.attendee().external_id(), "id" + std::to_string(row.row_number()));
  }
  for (const RejectedRow& rejected : csv.rejected) {
    EXPECT_EQ(rejected.row_number % 7, 0u);
    EXPECT_EQ(rejected.line, static_cast<int>(rejected.row_number) + 1);
  }
}

TEST(ImportResultsTest, ServerAndFileRejectionsMergeInRowOrderWithLines) {
  // Row 2 is rejected by the file; rows 1 and 3 go to the server, which rejects row 3.
  AttendeeCsv csv = MustParse("external_id,name,budget\na,A,1\nb,B,lots\n\nc,C,\n");
  ASSERT_EQ(csv.rows.size(), 2u);
  v1::ImportAttendeesResponse response;
  response.set_created(1);
  response.set_rejected(1);
  v1::ImportRowResult* created = response.add_results();
  created->set_row_number(1);
  created->set_outcome(v1::ImportRowResult::CREATED);
  v1::ImportRowResult* refused = response.add_results();
  refused->set_row_number(3);
  refused->set_external_id("c");
  refused->set_outcome(v1::ImportRowResult::REJECTED);
  refused->set_error("row 3: email: not an address");

  MergeImportResults(csv, &response);
  EXPECT_EQ(response.rejected(), 2u);
  ASSERT_EQ(response.results_size(), 3);
  EXPECT_EQ(response.results(0).row_number(), 1u);
  EXPECT_EQ(response.results(1).row_number(), 2u);
  EXPECT_THAT(response.results(1).error(), HasSubstr("row 2 (line 3): budget"));
  EXPECT_EQ(response.results(2).error(), "row 3 (line 5): email: not an address");

  EXPECT_EQ(FormatRejectsCsv(response), "row,external_id,error\n2,b," +
                                            CsvEscape(response.results(1).error()) +
                                            "\n3,c,row 3 (line 5): email: not an address\n");
  EXPECT_EQ(FormatRejectsCsv(v1::ImportAttendeesResponse()), "");
}

TEST(ImportResultsTest, DefaultRejectsPathReplacesTheCsvSuffix) {
  EXPECT_EQ(DefaultRejectsPath("dir/people.csv"), "dir/people.rejects.csv");
  EXPECT_EQ(DefaultRejectsPath("people.CSV"), "people.rejects.csv");
  EXPECT_EQ(DefaultRejectsPath("people.txt"), "people.txt.rejects.csv");
}

}  // namespace
}  // namespace parley::client
