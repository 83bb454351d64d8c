// OrganizerService.ImportAttendeesCsv over a real in-process server and RocksDB: uploads cut
// anywhere, mapping, per-row results with lines, cancelled rows, dry runs and sync.
#include "services/api/csv_import.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/services/service_fixture.h"

namespace parley {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class CsvImportTest : public testutil::ServiceTest {
 protected:
  void SetUp() override {
    ServiceTest::SetUp();
    community_ = CreateCommunity("conf");
    token_ = OrganizerToken(community_);
    event_ = CreateEvent(token_, "Conf 2026");
  }

  // Uploads `data` in chunks of `chunk` bytes (cutting fields and UTF-8 characters anywhere).
  grpc::Status Upload(const std::string& data, const v1::CsvImportOptions& options,
                      v1::ImportAttendeesCsvResponse* out, size_t chunk = 7,
                      uint64_t event_id = 0) {
    auto context = Ctx(token_);
    auto writer = organizer_->ImportAttendeesCsv(context.get(), out);
    v1::ImportAttendeesCsvRequest message;
    message.set_event_id(event_id != 0 ? event_id : event_.id());
    *message.mutable_options() = options;
    size_t pos = 0;
    do {
      message.set_data(data.substr(pos, chunk));
      pos += chunk;
      if (!writer->Write(message)) break;
      message.Clear();
    } while (pos < data.size());
    writer->WritesDone();
    return writer->Finish();
  }

  std::vector<v1::Attendee> All() {
    v1::ListAttendeesRequest request;
    request.set_event_id(event_.id());
    request.set_page_size(1000);
    v1::ListAttendeesResponse response;
    grpc::Status s = organizer_->ListAttendees(Ctx(token_).get(), request, &response);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {response.attendees().begin(), response.attendees().end()};
  }

  uint64_t community_;
  std::string token_;
  v1::Event event_;
};

const std::string kEventbrite =
    std::string(
        "\xEF\xBB\xBF"
        "Order #,Attendee #,First Name,Last Name,Email,Company,Job Title,Attendee Status,"
        "What would you love to talk about?,Wants 1:1 meetings?,Languages,Bio\r\n"
        "1001,5001,Ada,Lovelace,ada@example.org,Engines,Engineer,Attending,"
        "\"rust, embedded systems, bicycles 🚲\",Yes,\"English, Deutsch\","
        "\"Likes engines.\r\nAnd poetry.\"\r\n"
        "1002,5002,Grace,Hopper,grace@example.org,Navy,Admiral,Attending,\"compilers, rust\",No,"
        "eng,\r\n"
        "1002,5003,Alan,Turing,alan@example.org,Bletchley,Mathematician,Refunded,crypto,Yes,en,\r\n"
        "1003,5004,Émile,Zola,grace@example.org,Press,Writer,Attending,\"novels, rust\",Yes,"
        "fr,\r\n"
        "1004,5005,Bad,Tag,bad@example.org,X,Y,Attending,\"ok, ") +
    std::string(70, 'x') + "\",Yes,en,\r\n";

v1::CsvImportOptions EventbriteMapping() {
  v1::CsvImportOptions options;
  (*options.mutable_mapping())["external_id"] = "Attendee #";
  (*options.mutable_mapping())["interests"] = "What would you love to talk about?";
  return options;
}

TEST_F(CsvImportTest, EventbriteExportImportsWithRowsLinesAndColumns) {
  v1::ImportAttendeesCsvResponse response;
  grpc::Status s = Upload(kEventbrite, EventbriteMapping(), &response);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(response.created(), 3u);
  EXPECT_EQ(response.rejected(), 1u);
  EXPECT_EQ(response.cancelled(), 1u);
  EXPECT_FALSE(response.dry_run());
  ASSERT_EQ(response.results_size(), 5);
  EXPECT_EQ(response.results(0).line(), 2u);
  EXPECT_EQ(response.results(1).line(), 4u);
  EXPECT_EQ(response.results(2).outcome(), v1::ImportRowResult::CANCELLED);
  EXPECT_EQ(response.results(4).outcome(), v1::ImportRowResult::REJECTED);
  EXPECT_EQ(response.results(4).error(),
            "row 5 (line 7), column 9 \"What would you love to talk about?\": interests[1]: tag "
            "longer than 64 bytes");
  EXPECT_THAT(response.summary().duplicate_emails(), ElementsAre("grace@example.org"));
  ASSERT_GT(response.summary().top_tags_size(), 0);
  EXPECT_EQ(response.summary().top_tags(0).tag(), "rust");
  EXPECT_EQ(response.summary().top_tags(0).rows(), 3u);

  std::vector<v1::Attendee> stored = All();
  ASSERT_EQ(stored.size(), 3u);
  const v1::Attendee& ada = stored[0];
  EXPECT_EQ(ada.external_id(), "5001");
  EXPECT_EQ(ada.display_name(), "Ada Lovelace");
  EXPECT_EQ(ada.interests_size(), 3);
  EXPECT_EQ(ada.interests(2).tag(), "bicycles 🚲");
  EXPECT_THAT(ada.languages(), ElementsAre("en", "de"));
  EXPECT_EQ(ada.bio(), "Likes engines.\r\nAnd poetry.");
  EXPECT_EQ(stored[1].budget(), 0u);
  EXPECT_TRUE(stored[1].has_budget());
  EXPECT_THAT(stored[1].languages(), ElementsAre("en"));

  // The same file again: nothing changes.
  v1::ImportAttendeesCsvResponse again;
  s = Upload(kEventbrite, EventbriteMapping(), &again, 1 << 20);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(again.unchanged(), 3u);
  EXPECT_EQ(again.created(), 0u);
  EXPECT_EQ(again.removed_size(), 0);
}

TEST_F(CsvImportTest, AFileOfSeveralBatchesIsStoredInOrderWithRejectsAndARemovalInBetween) {
  // More rows than kCsvCommitRows twice over: batches are stored while later rows are read, the
  // last ones smaller. Before: the attendee of the last row; the file cancels them (their
  // removal rides with the last batch) and rejects every 997th row as it is read (budget) and
  // every 1009th as it is normalised (email), which the reading or the in-order thread does.
  const std::string header = "Attendee #,Name,Budget,Email,Attendee Status\n";
  v1::ImportAttendeesCsvResponse before;
  ASSERT_TRUE(Upload(header + "x-last,Last,1,,Attending\n", {}, &before).ok());
  ASSERT_EQ(before.created(), 1u);
  const size_t rows = 2 * services::kCsvCommitRows + 123;
  std::string file = header;
  for (size_t r = 1; r <= rows; ++r) {
    absl::StrAppend(&file, "x", r, ",Person ", r, ",", r % 997 == 0 ? "lots" : "2", ",",
                    r % 1009 == 0 ? "nobody" : absl::StrCat("p", r, "@example.org"),
                    ",Attending\n");
  }
  absl::StrAppend(&file, "x-last,Last,1,,Refunded\n");
  v1::ImportAttendeesCsvResponse out;
  grpc::Status s = Upload(file, {}, &out, /*chunk=*/1 << 20);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const size_t rejected = rows / 997 + rows / 1009;
  EXPECT_EQ(out.created(), rows - rejected);
  EXPECT_EQ(out.rejected(), rejected);
  EXPECT_EQ(out.cancelled(), 1u);
  ASSERT_EQ(out.removed_size(), 1);
  EXPECT_EQ(out.removed(0).attendee_id(), before.results(0).attendee_id());
  ASSERT_EQ(out.results_size(), static_cast<int>(rows + 1));
  uint64_t last_id = 0;
  for (size_t r = 1; r <= rows; ++r) {
    const v1::ImportRowResult& result = out.results(static_cast<int>(r - 1));
    ASSERT_EQ(result.row_number(), r);
    EXPECT_EQ(result.line(), r + 1);
    EXPECT_EQ(result.external_id(), absl::StrCat("x", r));
    if (r % 997 == 0) {
      EXPECT_EQ(result.outcome(), v1::ImportRowResult::REJECTED) << r;
      EXPECT_THAT(result.error(), HasSubstr("budget")) << r;
    } else if (r % 1009 == 0) {
      EXPECT_EQ(result.outcome(), v1::ImportRowResult::REJECTED) << r;
      EXPECT_EQ(result.error(), absl::StrCat("row ", r, " (line ", r + 1,
                                             "), column 4 \"Email\": email: \"nobody\" is not "
                                             "an email address"))
          << r;
    } else {
      ASSERT_EQ(result.outcome(), v1::ImportRowResult::CREATED) << r;
      // Ids follow the file's order across batches.
      EXPECT_GT(result.attendee_id(), last_id) << r;
      last_id = result.attendee_id();
    }
  }
  // Everything stored, the cancelled attendee gone; importing again changes nothing.
  size_t stored = 0;
  v1::ListAttendeesRequest request;
  request.set_event_id(event_.id());
  request.set_page_size(1000);
  do {
    v1::ListAttendeesResponse page;
    grpc::Status listed = organizer_->ListAttendees(Ctx(token_).get(), request, &page);
    ASSERT_TRUE(listed.ok()) << listed.error_message();
    stored += page.attendees_size();
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(stored, rows - rejected);
  v1::ImportAttendeesCsvResponse again;
  ASSERT_TRUE(Upload(file, {}, &again, /*chunk=*/1 << 20).ok());
  EXPECT_EQ(again.unchanged(), rows - rejected);
  EXPECT_EQ(again.created(), 0u);
  EXPECT_EQ(again.removed_size(), 0);
}

TEST_F(CsvImportTest, CancelledStatusRemovesTheAttendeeWithErasure) {
  const std::string before =
      "Attendee #,Name,Attendee Status\n5001,Ada,Attending\n5003,Alan,Attending\n";
  v1::ImportAttendeesCsvResponse first;
  ASSERT_TRUE(Upload(before, {}, &first).ok());
  ASSERT_EQ(first.created(), 2u);
  const uint64_t alan = first.results(1).attendee_id();
  const std::string alan_token = AttendeeToken(token_, event_.id(), alan);

  const std::string after =
      "Attendee #,Name,Attendee Status\n5001,Ada,Attending\n5003,Alan,Refunded\n";
  v1::ImportAttendeesCsvResponse second;
  ASSERT_TRUE(Upload(after, {}, &second).ok());
  EXPECT_EQ(second.cancelled(), 1u);
  ASSERT_EQ(second.removed_size(), 1);
  EXPECT_EQ(second.removed(0).attendee_id(), alan);
  EXPECT_EQ(second.removed(0).reason(), "status \"Refunded\" (row 2, line 3)");
  ASSERT_EQ(All().size(), 1u);
  // Erasure: Alan's token is gone with him.
  v1::GetMyProfileRequest request;
  v1::MyProfile me;
  EXPECT_EQ(attendee_->GetMyProfile(Ctx(alan_token).get(), request, &me).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(CsvImportTest, DryRunStoresNothingAndSaysWhatWouldHappen) {
  v1::ImportAttendeesCsvResponse first;
  ASSERT_TRUE(Upload("id,name\na,Ada\nb,Bo\n", {}, &first).ok());
  v1::CsvImportOptions options;
  options.set_dry_run(true);
  options.set_sync(true);
  v1::ImportAttendeesCsvResponse response;
  ASSERT_TRUE(
      Upload("id,name,interests\na,Ada,\nb,Bo Renamed,x\nc,Cy,x\n", options, &response).ok());
  EXPECT_TRUE(response.dry_run());
  EXPECT_EQ(response.unchanged(), 1u);
  EXPECT_EQ(response.updated(), 1u);
  EXPECT_EQ(response.created(), 1u);
  EXPECT_EQ(response.results(2).attendee_id(), 0u) << "no id for a row that was not created";
  EXPECT_EQ(response.removed_size(), 0);
  EXPECT_THAT(response.summary().warnings(),
              Contains("1 row has no interests: they will get weaker matches"));
  std::vector<v1::Attendee> stored = All();
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[1].display_name(), "Bo");
}

TEST_F(CsvImportTest, SyncRemovesAbsentAttendeesInOneDurableStep) {
  v1::ImportAttendeesCsvResponse first;
  ASSERT_TRUE(Upload("id,name\na,Ada\nb,Bo\nc,Cy\nd,Di\n", {}, &first).ok());
  ASSERT_EQ(first.created(), 4u);
  v1::CsvImportOptions options;
  options.set_sync(true);
  // b is absent; c's row has a bad budget but still names c, so c stays.
  v1::ImportAttendeesCsvResponse dry;
  options.set_dry_run(true);
  ASSERT_TRUE(Upload("id,name,budget\na,Ada,\nc,Cy,lots\nd,Di,\ne,Ed,\n", options, &dry).ok());
  ASSERT_EQ(dry.removed_size(), 1);
  EXPECT_EQ(dry.removed(0).external_id(), "b");
  EXPECT_EQ(All().size(), 4u);

  options.set_dry_run(false);
  v1::ImportAttendeesCsvResponse synced;
  ASSERT_TRUE(Upload("id,name,budget\na,Ada,\nc,Cy,lots\nd,Di,\ne,Ed,\n", options, &synced).ok());
  EXPECT_EQ(synced.created(), 1u);
  EXPECT_EQ(synced.rejected(), 1u);
  ASSERT_EQ(synced.removed_size(), 1);
  EXPECT_EQ(synced.removed(0).external_id(), "b");
  EXPECT_EQ(synced.removed(0).display_name(), "Bo");
  EXPECT_EQ(synced.removed(0).reason(), "absent from the file (sync)");

  Restart();  // acknowledged means durable
  std::vector<std::string> ids;
  for (const v1::Attendee& a : All()) ids.push_back(a.external_id());
  EXPECT_THAT(ids, ElementsAre("a", "c", "d", "e"));
}

TEST_F(CsvImportTest, StreamAndHeaderErrorsFailTheCallAndStoreNothing) {
  v1::ImportAttendeesCsvResponse response;
  grpc::Status s = Upload("Foo,Bar\n1,2\n", {}, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("header (line 1): no column for external_id"));

  v1::CsvImportOptions strict;
  strict.set_strict(true);
  s = Upload("id,name,Shoe size\n1,A,42\n", strict, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("\"Shoe size\""));

  s = Upload("id,name\n1,A\n", {}, &response, 7, event_.id() + 1000);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);

  s = Upload(std::string((1 << 20) + 1, 'x'), {}, &response, (1 << 20) + 1);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("data: at most 1048576 bytes per message"));
  EXPECT_TRUE(All().empty());
}

}  // namespace
}  // namespace parley
