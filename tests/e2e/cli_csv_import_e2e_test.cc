// End to end through the real parleyd and parley CLI: an organiser uploads a registration export
// shaped like Eventbrite's (BOM, CRLF, Order # shared by a group order, First/Last Name, Attendee
// Status, Yes/No, comma lists, a quoted multi-line bio, emoji) with `parley attendees import`:
// a dry run first, then the import, then a --sync with someone gone, as a person would.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "parley/v1/organizer_service.pb.h"
#include "tests/e2e/cli_fixture.h"
#include "tests/e2e/process.h"

namespace parley::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kExport[] =
    "\xEF\xBB\xBF"
    "Order #,Order Date,Attendee #,First Name,Last Name,Email,Company,Job Title,Ticket Type,"
    "Attendee Status,What would you love to talk about?,Wants 1:1 meetings?,Languages,Bio\r\n"
    "1001,2026-11-01,5001,Ada,Lovelace,ada@example.org,Engines,Engineer,General,Attending,"
    "\"rust, embedded systems, bicycles 🚲\",Yes,\"English, Deutsch\","
    "\"Likes engines.\r\nAnd poetry.\"\r\n"
    "1002,2026-11-02,5002,Grace,Hopper,grace@example.org,Navy,Admiral,General,Attending,"
    "\"compilers, rust\",No,en,\r\n"
    "1002,2026-11-02,5003,Alan,Turing,alan@example.org,Bletchley,Mathematician,General,"
    "Attending,\"crypto, rust\",Yes,eng,\r\n"
    "1003,2026-11-03,5004,Émile,Zola,grace@example.org,Press,Writer,VIP,Attending,"
    "\"novels, bicycles 🚲\",maybe,français,\r\n"
    "1004,2026-11-03,5005,Ida,Noshow,ida@example.org,Lab,Chemist,General,Refunded,"
    "chemistry,Yes,en,\r\n";

class CliCsvImportE2eTest : public CliServerTest {
 protected:
  CommandResult Import(std::vector<std::string> extra) {
    std::vector<std::string> args = {"attendees",
                                     "import",
                                     "--event",
                                     event_id_,
                                     csv_path_,
                                     "--rejects",
                                     dir_.Sub("rejects.csv")};
    args.insert(args.end(), extra.begin(), extra.end());
    return Cli(organiser_, args);
  }
  std::vector<std::string> StoredIds() {
    v1::ListAttendeesResponse list;
    CliJson(organiser_, {"attendees", "list", "--event", event_id_, "--all"}, &list);
    std::vector<std::string> ids;
    for (const v1::Attendee& a : list.attendees()) ids.push_back(a.external_id());
    return ids;
  }
  std::string csv_path_;
};

TEST_F(CliCsvImportE2eTest, DryRunThenImportThenSyncOfARealShapedExport) {
  SetUpOpenEvent("Meetup",
                 {"--name", "Night", "--slot-count", "3", "--start", "2026-12-01T10:00",
                  "--slot-minutes", "30", "--locations", "hall:20"},
                 "external_id,name\nseed-1,Someone Earlier\n");
  ASSERT_FALSE(HasFailure());
  csv_path_ = dir_.Sub("eventbrite.csv");
  ASSERT_TRUE(WriteWholeFile(csv_path_, kExport));
  const std::string mapping = dir_.Sub("eventbrite.mapping");
  ASSERT_TRUE(WriteWholeFile(mapping,
                             "# Eventbrite, our form\n"
                             "external_id=Attendee #\n"
                             "interests=What would you love to talk about?\n"));

  // A dry run: what would happen, nothing stored.
  const CommandResult dry = Import({"--mapping-file", mapping, "--dry-run"});
  EXPECT_EQ(dry.exit_code, 2) << dry.out << dry.err;  // Émile's "maybe"
  EXPECT_THAT(dry.out, HasSubstr("(dry run: nothing stored): 5 rows, 3 created, 0 updated, 0 "
                                 "unchanged, 1 rejected, 1 cancelled"));
  EXPECT_THAT(dry.out, HasSubstr("reads display_name <- First Name + Last Name"));
  EXPECT_THAT(dry.out, HasSubstr("most common interests: rust (3)"));
  EXPECT_THAT(dry.out, HasSubstr("warning: ignored 3 columns that map to no field: \"Order #\", "
                                 "\"Order Date\", \"Ticket Type\""));
  EXPECT_THAT(dry.out, HasSubstr("warning: interests: read as comma-separated"));
  EXPECT_THAT(dry.out, HasSubstr("row 4 (line 6), column 12 \"Wants 1:1 meetings?\": "
                                 "wants_meetings: \"maybe\" is not yes or no"));
  EXPECT_EQ(StoredIds(), std::vector<std::string>{"seed-1"});

  // A group order's number as the id: a clear duplicate, never an overwrite.
  const CommandResult by_order =
      Import({"--map", "external_id=Order #", "--map",
              "interests=What would you love to talk about?", "--dry-run"});
  EXPECT_THAT(by_order.out, HasSubstr("external_id \"1002\" is also on row 2 (line 4)"));

  // --strict refuses the unknown columns and stores nothing.
  const CommandResult strict = Import({"--mapping-file", mapping, "--strict"});
  EXPECT_EQ(strict.exit_code, 1);
  EXPECT_THAT(strict.err, HasSubstr("3 columns map to no field (strict)"));

  // The import.
  const CommandResult real = Import({"--mapping-file", mapping});
  EXPECT_EQ(real.exit_code, 2) << real.out << real.err;
  EXPECT_THAT(real.out, HasSubstr(": 5 rows, 3 created, 0 updated, 0 unchanged, 1 rejected, 1 "
                                  "cancelled"));
  EXPECT_THAT(real.out, Not(HasSubstr("dry run")));
  EXPECT_EQ(StoredIds(), (std::vector<std::string>{"seed-1", "5001", "5002", "5003"}));
  v1::ListAttendeesResponse list;
  CliJson(organiser_, {"attendees", "list", "--event", event_id_, "--all"}, &list);
  ASSERT_EQ(list.attendees_size(), 4);
  EXPECT_EQ(list.attendees(1).display_name(), "Ada Lovelace");
  EXPECT_EQ(list.attendees(1).languages(0), "en");
  EXPECT_EQ(list.attendees(1).languages(1), "de");
  EXPECT_EQ(list.attendees(2).budget(), 0u);

  // Sync: Alan is gone from the export, and so is the earlier seed; both are removed.
  const std::string without_alan = std::string(kExport).erase(
      std::string(kExport).find("1002,2026-11-02,5003"),
      std::string(kExport).find("1003,2026") - std::string(kExport).find("1002,2026-11-02,5003"));
  ASSERT_TRUE(WriteWholeFile(csv_path_, without_alan));
  const CommandResult synced = Import({"--mapping-file", mapping, "--sync"});
  EXPECT_EQ(synced.exit_code, 2) << synced.out << synced.err;
  EXPECT_THAT(synced.out, HasSubstr("removed 2 attendees:"));
  EXPECT_THAT(synced.out, HasSubstr("5003 (Alan Turing): absent from the file (sync)"));
  EXPECT_THAT(synced.out, HasSubstr("seed-1 (Someone Earlier): absent from the file (sync)"));
  EXPECT_EQ(StoredIds(), (std::vector<std::string>{"5001", "5002"}));
}

}  // namespace
}  // namespace parley::e2e
