#include "clients/import_results.h"

#include <string>

#include "gtest/gtest.h"
#include "services/domain/csv_reader.h"

namespace parley::client {
namespace {

v1::ImportRowResult Result(uint32_t row, v1::ImportRowResult::Outcome outcome,
                           const std::string& external_id, const std::string& error) {
  v1::ImportRowResult result;
  result.set_row_number(row);
  result.set_outcome(outcome);
  result.set_external_id(external_id);
  result.set_error(error);
  return result;
}

TEST(ImportResultsTest, RejectsFileHoldsOnlyRejectedRowsInTheServersOrder) {
  v1::ImportAttendeesCsvResponse response;
  *response.add_results() = Result(1, v1::ImportRowResult::CREATED, "a", "");
  // The server's message names row, line and column; a comma and quotes must survive.
  *response.add_results() = Result(2, v1::ImportRowResult::REJECTED, "b",
                                   "row 2 (line 3), column 4 \"Budget\": \"lots\", not a number");
  *response.add_results() = Result(3, v1::ImportRowResult::CANCELLED, "c", "");
  *response.add_results() =
      Result(4, v1::ImportRowResult::REJECTED, "", "row 4 (line 6): external_id: required");

  EXPECT_EQ(FormatRejectsCsv(response.results()),
            "row,external_id,error\n2,b," + domain::CsvEscape(response.results(1).error()) +
                "\n4,,row 4 (line 6): external_id: required\n");
}

TEST(ImportResultsTest, NoRejectedRowNoFile) {
  v1::ImportAttendeesCsvResponse response;
  EXPECT_EQ(FormatRejectsCsv(response.results()), "");
  *response.add_results() = Result(1, v1::ImportRowResult::UPDATED, "a", "");
  EXPECT_EQ(FormatRejectsCsv(response.results()), "");
}

TEST(ImportResultsTest, DefaultRejectsPathReplacesTheCsvSuffix) {
  EXPECT_EQ(DefaultRejectsPath("dir/people.csv"), "dir/people.rejects.csv");
  EXPECT_EQ(DefaultRejectsPath("people.CSV"), "people.rejects.csv");
  EXPECT_EQ(DefaultRejectsPath("people.txt"), "people.txt.rejects.csv");
}

}  // namespace
}  // namespace parley::client
