// The one CSV reader and writer (services/domain/csv_reader.h): RFC 4180 as spreadsheets and
// registration systems write it, its recovery from malformed records, and writer -> reader round
// trips.
#include "services/domain/csv_reader.h"

#include <random>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace parley::domain {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::vector<std::string>> Fields(absl::string_view data) {
  std::vector<std::vector<std::string>> all;
  for (const CsvRecord& record : ReadCsv(data)) {
    EXPECT_EQ(record.error, "") << "line " << record.line;
    all.push_back(record.fields);
  }
  return all;
}

TEST(CsvReaderTest, SplitsFieldsAndRecords) {
  EXPECT_THAT(Fields("a,b,c\n1,2,3\n"),
              ElementsAre(ElementsAre("a", "b", "c"), ElementsAre("1", "2", "3")));
}

TEST(CsvReaderTest, CrlfAndLfBothEndRecords) {
  EXPECT_THAT(Fields("a,b\r\n1,2\n3,4\r\n"),
              ElementsAre(ElementsAre("a", "b"), ElementsAre("1", "2"), ElementsAre("3", "4")));
}

TEST(CsvReaderTest, FinalLineBreakIsOptional) {
  EXPECT_THAT(Fields("a,b\n1,2"), ElementsAre(ElementsAre("a", "b"), ElementsAre("1", "2")));
}

TEST(CsvReaderTest, EmptyInputHasNoRecords) {
  EXPECT_THAT(ReadCsv(""), IsEmpty());
  EXPECT_THAT(ReadCsv("\xEF\xBB\xBF"), IsEmpty());
}

TEST(CsvReaderTest, QuotedFieldsHoldCommasNewlinesAndDoubledQuotes) {
  EXPECT_THAT(Fields("\"a,b\",\"line1\nline2\",\"say \"\"hi\"\"\"\n"),
              ElementsAre(ElementsAre("a,b", "line1\nline2", "say \"hi\"")));
  EXPECT_THAT(Fields("\"crlf\r\ninside\",x\r\n"), ElementsAre(ElementsAre("crlf\r\ninside", "x")));
}

TEST(CsvReaderTest, EmptyQuotedAndUnquotedFields) {
  EXPECT_THAT(Fields(",\"\",\n"), ElementsAre(ElementsAre("", "", "")));
  EXPECT_THAT(Fields("a,\n"), ElementsAre(ElementsAre("a", "")));
}

TEST(CsvReaderTest, StripsUtf8BomOnlyAtTheStart) {
  EXPECT_THAT(Fields("\xEF\xBB\xBFname,x\n\xEF\xBB\xBFy,z\n"),
              ElementsAre(ElementsAre("name", "x"), ElementsAre("\xEF\xBB\xBFy", "z")));
}

TEST(CsvReaderTest, BlankLineIsOneEmptyField) {
  EXPECT_THAT(Fields("a\n\nb\n"), ElementsAre(ElementsAre("a"), ElementsAre(""), ElementsAre("b")));
}

TEST(CsvReaderTest, LoneCarriageReturnIsData) {
  EXPECT_THAT(Fields("a\rb,c\n"), ElementsAre(ElementsAre("a\rb", "c")));
}

TEST(CsvReaderTest, QuoteInsideUnquotedFieldIsData) {
  EXPECT_THAT(Fields("5\" screen,x\n"), ElementsAre(ElementsAre("5\" screen", "x")));
}

TEST(CsvReaderTest, KeepsSurroundingSpaces) {
  EXPECT_THAT(Fields(" a , b \n"), ElementsAre(ElementsAre(" a ", " b ")));
}

TEST(CsvReaderTest, LineNumbersCountNewlinesInsideQuotes) {
  std::vector<CsvRecord> records = ReadCsv("h1,h2\n\"multi\nline\r\nvalue\",x\r\nlast,y\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].line, 1u);
  EXPECT_EQ(records[1].line, 2u);
  EXPECT_EQ(records[2].line, 5u);
}

TEST(CsvReaderTest, ReadsBomCrlfQuotedNewlinesDoubledQuotesAndEmoji) {
  const std::string data =
      "\xEF\xBB\xBF"
      "a,b,c\r\n"
      "\"multi\r\nline\",\"say \"\"hi\"\"\",🚲 bikes\r\n"
      "x,,\"5\"\" screen\"\r\n";
  CsvReader reader(data);
  CsvRecord r;
  ASSERT_TRUE(reader.Next(&r));
  EXPECT_THAT(r.fields, ElementsAre("a", "b", "c"));
  EXPECT_EQ(r.line, 1u);
  ASSERT_TRUE(reader.Next(&r));
  EXPECT_THAT(r.fields, ElementsAre("multi\r\nline", "say \"hi\"", "🚲 bikes"));
  EXPECT_EQ(r.line, 2u);
  ASSERT_TRUE(reader.Next(&r));
  EXPECT_THAT(r.fields, ElementsAre("x", "", "5\" screen"));
  EXPECT_EQ(r.line, 4u);  // the quoted field took two lines
  EXPECT_FALSE(reader.Next(&r));
}

TEST(CsvReaderTest, TextAfterClosingQuoteFailsOnlyThatRecord) {
  std::vector<CsvRecord> records = ReadCsv("a,b\n\"x\"y,z\nc,d\n");
  ASSERT_EQ(records.size(), 3u);
  // The line is the record's (`line`), not repeated in the text: callers prefix it.
  EXPECT_EQ(records[1].error, "text after the closing quote of field 1");
  EXPECT_EQ(records[1].error_field, 0u);
  EXPECT_EQ(records[1].line, 2u);
  EXPECT_EQ(records[2].error, "");
  EXPECT_THAT(records[2].fields, ElementsAre("c", "d"));
  EXPECT_EQ(records[2].line, 3u);
}

TEST(CsvReaderTest, UnclosedQuoteIsAnError) {
  std::vector<CsvRecord> records = ReadCsv("a,b\nc,\"never closed\nd,e\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].error, "quoted field 2 opened on line 2 is never closed");
  EXPECT_EQ(records[1].error_field, 1u);
  // What was read of the open field is kept, to show the person where their file went wrong.
  EXPECT_THAT(records[1].fields, ElementsAre("c", "never closed\nd,e\n"));
}

TEST(CsvReaderTest, MalformedRecordIsReportedAndTheNextOneReadNormally) {
  CsvReader reader("a,\"b\"x,c\nd,e\n\"never closed\n");
  CsvRecord r;
  ASSERT_TRUE(reader.Next(&r));
  EXPECT_THAT(r.error, HasSubstr("text after the closing quote of field 2"));
  EXPECT_EQ(r.error_field, 1u);
  ASSERT_TRUE(reader.Next(&r));
  EXPECT_TRUE(r.error.empty());
  EXPECT_EQ(r.error_field, 0u);
  EXPECT_THAT(r.fields, ElementsAre("d", "e"));
  ASSERT_TRUE(reader.Next(&r));
  EXPECT_THAT(r.error, HasSubstr("opened on line 3 is never closed"));
  EXPECT_FALSE(reader.Next(&r));
}

// The import passes one record to every Next: the reader must reuse its strings (an import reads
// ~20 fields a row over many rows) and leave nothing of a longer earlier record behind.
TEST(CsvReaderTest, ReusesTheRecordsStringsAndLeavesNoStaleFields) {
  const std::string long_field(1000, 'x');
  const std::string data = long_field + ",b,\"c\"\nshort\n\"q\",\n";  // outlives the reader
  CsvReader reader(data);
  CsvRecord r;
  ASSERT_TRUE(reader.Next(&r));
  ASSERT_THAT(r.fields, ElementsAre(long_field, "b", "c"));
  const char* first_buffer = r.fields[0].data();
  ASSERT_TRUE(reader.Next(&r));
  EXPECT_THAT(r.fields, ElementsAre("short"));
  EXPECT_EQ(r.fields[0].data(), first_buffer);
  EXPECT_GE(r.fields[0].capacity(), long_field.size());
  ASSERT_TRUE(reader.Next(&r));
  EXPECT_THAT(r.fields, ElementsAre("q", ""));
  EXPECT_EQ(r.fields[0].data(), first_buffer);
  EXPECT_EQ(r.line, 3u);
}

TEST(CsvWriterTest, EscapesOnlyWhatNeedsIt) {
  EXPECT_EQ(CsvEscape("plain text"), "plain text");
  EXPECT_EQ(CsvEscape("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvEscape("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvEscape("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvEscape("cr\r"), "\"cr\r\"");
  EXPECT_EQ(FormatCsvRecord({"a", "b,c"}), "a,\"b,c\"\n");
  EXPECT_EQ(FormatCsvRecord({""}), "\"\"\n");
}

TEST(CsvWriterTest, AppendsRecordsWithTheLineBreakAsked) {
  std::string out = "kept,";
  AppendCsvField("x\"y", &out);
  AppendCsvRecord({"", "b"}, "\r\n", &out);
  AppendCsvRecord({""}, "\r\n", &out);
  EXPECT_EQ(out, "kept,\"x\"\"y\",b\r\n\"\"\r\n");
}

// Random records over an alphabet rich in the characters CSV treats specially.
std::vector<std::vector<std::string>> RandomRecords(std::mt19937* rng) {
  static const std::vector<std::string> kPieces = {"a",  "Z",    " ",        ",", "\"", "\n",
                                                   "\r", "\r\n", "\xC3\xA9", ";", ":",  "x y"};
  std::uniform_int_distribution<int> record_count(1, 8), field_count(1, 6), piece_count(0, 5);
  std::uniform_int_distribution<size_t> piece(0, kPieces.size() - 1);
  std::vector<std::vector<std::string>> records(record_count(*rng));
  for (auto& record : records) {
    record.resize(field_count(*rng));
    for (std::string& field : record) {
      for (int n = piece_count(*rng); n > 0; --n) field += kPieces[piece(*rng)];
    }
  }
  return records;
}

TEST(CsvRoundTripTest, WriterOutputReadsBackExactly) {
  std::mt19937 rng(20260101);
  for (int iteration = 0; iteration < 2000; ++iteration) {
    const std::vector<std::vector<std::string>> records = RandomRecords(&rng);
    std::string lf, crlf;
    for (const auto& record : records) {
      lf += FormatCsvRecord(record);
      AppendCsvRecord(record, "\r\n", &crlf);
    }
    ASSERT_EQ(Fields(lf), records) << "LF input: " << lf;
    ASSERT_EQ(Fields(crlf), records) << "CRLF input: " << crlf;
    // Without the final line break, and with a BOM.
    lf.pop_back();
    ASSERT_EQ(Fields("\xEF\xBB\xBF" + lf), records);
  }
}

}  // namespace
}  // namespace parley::domain
