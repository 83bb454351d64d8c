// "We already know each other" at the size of a real event: the shared development population
// (../shared/data: 19,284 researchers, 56,265 co-author pairs, many beyond the 50 an avoid list
// holds) imported through the C++ client into the real parleyd, then a matching run. No pair of
// co-authors may be proposed. Skips with a message when the shared data is absent.
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "clients/client.h"
#include "clients/known_pairs_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/domain/import_csv.h"
#include "tests/e2e/process.h"
#include "tests/testing/temp_dir.h"

namespace parley::e2e {
namespace {

constexpr char kPeople[] = "../shared/data/real-event-dev.csv";
constexpr char kCoauthors[] = "../shared/data/real-event-dev.coauthors.tsv";

// The shared data relative to the repository root, found from the test's working directory
// (ctest runs tests inside build/...): the first ancestor where the file exists.
std::string FindShared(const std::string& relative) {
  std::string prefix;
  for (int up = 0; up < 6; ++up) {
    if (std::ifstream(prefix + relative).good()) return prefix + relative;
    prefix += "../";
  }
  return "";
}

std::unique_ptr<client::Client> Connect(const Parleyd& server, const std::string& token) {
  client::ClientOptions options;
  options.target = server.target();
  options.token = token;
  options.deadline = absl::Seconds(300);
  absl::StatusOr<std::unique_ptr<client::Client>> c = client::Client::Connect(options);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *std::move(c) : nullptr;
}

TEST(KnownPairsE2eTest, NoCoauthorsAreProposedOnTheRealDevelopmentEvent) {
  const std::string people_path = FindShared(kPeople);
  const std::string pairs_path = FindShared(kCoauthors);
  if (people_path.empty() || pairs_path.empty()) {
    GTEST_SKIP() << "shared data absent (" << kPeople << ", " << kCoauthors
                 << " from the repository root): skipping the real-event known-pairs test";
  }
  testutil::ScopedTempDir dir;
  absl::StatusOr<std::unique_ptr<Parleyd>> server = StartParleyd(dir.path());
  ASSERT_TRUE(server.ok()) << server.status();
  std::unique_ptr<client::Client> admin = Connect(**server, (*server)->admin_token());
  ASSERT_NE(admin, nullptr);
  v1::CreateCommunityRequest community;
  community.set_name("Real dev");
  absl::StatusOr<v1::Community> created = admin->CreateCommunity(community);
  ASSERT_TRUE(created.ok()) << created.status();
  v1::IssueOrganizerTokenRequest token_request;
  token_request.set_community_id(created->id());
  absl::StatusOr<v1::IssuedToken> token = admin->IssueOrganizerToken(token_request);
  ASSERT_TRUE(token.ok()) << token.status();
  std::unique_ptr<client::Client> organizer = Connect(**server, token->token());

  // Six slots s1..s6 (the file's availability names them), tables not binding.
  v1::CreateEventRequest event_request;
  v1::Event* spec = event_request.mutable_event();
  spec->set_name("Real dev event");
  for (int i = 1; i <= 6; ++i) {
    v1::Slot* slot = spec->add_slots();
    slot->set_id(absl::StrCat("s", i));
    slot->set_start_time(1900000000 + i * 3600);
    slot->set_end_time(1900000000 + i * 3600 + 1800);
  }
  v1::Location* hall = spec->add_locations();
  hall->set_id("hall");
  hall->set_tables(10000);
  absl::StatusOr<v1::Event> event = organizer->CreateEvent(event_request);
  ASSERT_TRUE(event.ok()) << event.status();

  absl::StatusOr<std::string> csv = client::ReadFileToString(people_path);
  ASSERT_TRUE(csv.ok()) << csv.status();
  // Read by the server's own reader, so that the avoid lists can be dropped before the rows are
  // streamed: the file lists up to 50 co-authors per person as avoid lists, which alone keep most
  // co-authors apart; without them the known pairs are the only thing that does, so a path that
  // ignored them would propose thousands of co-author pairs (they share keywords).
  absl::StatusOr<domain::CsvImport> parsed = domain::ReadAttendeeCsv(*csv, v1::CsvImportOptions());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  std::vector<v1::ImportRow> attendee_rows;
  for (domain::CsvImportRow& row : parsed->rows) {
    // Every row reads: keywords with colons are tags, not bad weights.
    EXPECT_EQ(row.error, "");
    v1::ImportRow& imported = attendee_rows.emplace_back();
    imported.set_row_number(row.row_number);
    row.attendee.clear_avoid();
    *imported.mutable_attendee() = std::move(row.attendee);
  }
  client::ImportOptions import_options;
  import_options.deadline = absl::Seconds(600);
  absl::StatusOr<v1::ImportAttendeesResponse> imported =
      organizer->ImportAttendees(event->id(), std::move(attendee_rows), import_options);
  ASSERT_TRUE(imported.ok()) << imported.status();
  // The file's own defects (a control character in a name, organisations over 200 bytes) may
  // be rejected; a keyword never is.
  for (const v1::ImportRowResult& row : imported->results()) {
    EXPECT_THAT(row.error(), ::testing::Not(::testing::HasSubstr("interests"))) << row.error();
  }
  EXPECT_LT(imported->rejected(), 10u);

  std::ifstream pairs_file(pairs_path);
  client::KnownPairReader reader(&pairs_file);
  absl::StatusOr<v1::ImportKnownPairsResponse> pairs = organizer->ImportKnownPairs(
      event->id(),
      [&](std::vector<v1::KnownPairRow>* batch, size_t max_rows) {
        return reader.Next(batch, max_rows);
      },
      absl::Seconds(600));
  ASSERT_TRUE(pairs.ok()) << pairs.status();
  EXPECT_TRUE(reader.rejected().empty());
  EXPECT_GT(pairs->added(), 50000u);
  EXPECT_EQ(pairs->added() + pairs->unchanged() + pairs->rejected(), reader.rows());

  v1::SetEventStatusRequest open;
  open.set_event_id(event->id());
  open.set_status(v1::OPEN);
  ASSERT_TRUE(organizer->SetEventStatus(open).ok());
  v1::StartMatchingRunRequest run_request;
  run_request.set_event_id(event->id());
  run_request.set_seed(1);
  absl::StatusOr<v1::MatchingRun> run =
      organizer->StartMatchingRun(run_request, client::RunProgressCallback(), absl::Seconds(900));
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_EQ(run->phase(), v1::MatchingRun::DONE) << run->error();

  // Every co-author pair, by attendee id, from the same file.
  absl::flat_hash_map<std::string, uint64_t> ids;
  v1::ListAttendeesRequest list;
  list.set_event_id(event->id());
  list.set_page_size(1000);
  do {
    absl::StatusOr<v1::ListAttendeesResponse> page = organizer->ListAttendees(list);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const v1::Attendee& a : page->attendees()) ids[a.external_id()] = a.id();
    list.set_page_token(page->next_page_token());
  } while (!list.page_token().empty());
  absl::flat_hash_set<std::pair<uint64_t, uint64_t>> known;
  std::ifstream again(pairs_path);
  client::KnownPairReader all(&again);
  std::vector<v1::KnownPairRow> rows;
  while (true) {
    absl::StatusOr<bool> more = all.Next(&rows, 100000);
    ASSERT_TRUE(more.ok());
    if (!*more) break;
  }
  for (const v1::KnownPairRow& row : rows) {
    const uint64_t a = ids[row.pair().external_id_a()], b = ids[row.pair().external_id_b()];
    known.insert({std::min(a, b), std::max(a, b)});
  }

  v1::ListMeetingsRequest meetings;
  meetings.set_event_id(event->id());
  meetings.set_page_size(1000);
  size_t proposed = 0, known_proposed = 0;
  do {
    absl::StatusOr<v1::ListMeetingsResponse> page = organizer->ListMeetings(meetings);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const v1::Meeting& m : page->meetings()) {
      ++proposed;
      if (known.contains({std::min(m.attendee_a(), m.attendee_b()),
                          std::max(m.attendee_a(), m.attendee_b())})) {
        ++known_proposed;
      }
    }
    meetings.set_page_token(page->next_page_token());
  } while (!meetings.page_token().empty());
  EXPECT_GT(proposed, 10000u);
  EXPECT_EQ(known_proposed, 0u) << "of " << proposed << " proposed meetings";
}

}  // namespace
}  // namespace parley::e2e
