// kill -9 against the real parleyd: an importer thread streams generated rows through the client
// library while the test kills the server (SIGKILL) at a seeded moment, in the middle of a
// stream or between two; then it restarts the server on the same store and checks that
//   - every row of an import call that returned OK (acknowledged) is stored, equal to what was
//     sent (or to a later version sent by a call that was cut off),
//   - nothing is half-written: every listed attendee equals some version that was sent, its id
//     answers GetAttendee with the same record, no external_id is listed twice, and importing
//     the stored rows again reports each UNCHANGED under the same attendee id (so the
//     external_id index and the record agree), while rows that were sent but not stored import
//     as CREATED (no index entry without a record).
// Each round adds new attendees and updates some earlier ones, so UPDATED rows are cut off too.
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/client.h"
#include "gtest/gtest.h"
#include "parley/v1/organizer_service.pb.h"
#include "tests/e2e/process.h"
#include "tests/testing/temp_dir.h"

namespace parley::e2e {
namespace {

constexpr uint32_t kSeed = 20240918;
constexpr int kRounds = 10;
constexpr int kNewPerRound = 400;
constexpr int kUpdatesPerRound = 100;
// Rows handed to the client at a time; also the rows per stream message (one server batch).
constexpr int kChunkRows = 20;
// Chunks per ImportAttendees call: 60 rows.
constexpr int kChunksPerCall = 3;

const char* const kTags[] = {"Graph Theory",
                             "RUST",
                             "machine learning",
                             "Databases",
                             "compilers",
                             "Type Systems",
                             "Distributed Systems",
                             "SRE",
                             "Climate",
                             "Open Source",
                             "music",
                             "Chess",
                             "Robotics",
                             "Kubernetes",
                             "Security",
                             "HCI",
                             "Bioinformatics",
                             "Startups",
                             "Design",
                             "Cooking"};
const char* const kOrganisations[] = {"Acme", "Globex", "Initech", "Umbrella", ""};
const char* const kWords[] = {"likes", "long",   "walks", "and",  "short",     "talks",
                              "about", "graphs", "tea",   "code", "mountains", "ideas"};

// The fields the test sets, in the form the server stores them: tags are ASCII here, so the
// documented normalisation (NFC, case fold, trim, collapse spaces) is lower-casing; a weight of
// 0 means 1. Applied to a sent row and to a stored record, equal strings mean equal content.
std::string Canonical(const v1::Attendee& a) {
  std::string out = absl::StrCat(
      a.external_id(), "|", a.display_name(), "|", a.email(), "|", a.organisation(), "|", a.bio(),
      "|budget=", a.has_budget() ? absl::StrCat(a.budget()) : "unset", "|");
  for (const v1::Interest& in : a.interests()) {
    absl::StrAppend(&out, absl::AsciiStrToLower(in.tag()), ":", in.weight() == 0 ? 1 : in.weight(),
                    ";");
  }
  out += "|";
  for (const std::string& tag : a.offers()) absl::StrAppend(&out, absl::AsciiStrToLower(tag), ";");
  out += "|";
  for (const std::string& slot : a.availability()) absl::StrAppend(&out, slot, ";");
  return out;
}

// A valid attendee with seeded content; `version` makes updates differ.
v1::Attendee MakeAttendee(std::mt19937* rng, const std::string& external_id, int version) {
  auto pick = [rng](int n) { return std::uniform_int_distribution<int>(0, n - 1)(*rng); };
  v1::Attendee a;
  a.set_external_id(external_id);
  a.set_display_name(absl::StrCat("Person ", external_id, " v", version));
  if (pick(2) == 0) a.set_email(absl::StrCat(external_id, "@example.org"));
  a.set_organisation(kOrganisations[pick(5)]);
  std::vector<std::string> words;
  const int n_words = pick(80);  // bio: at most 1000 bytes
  for (int i = 0; i < n_words; ++i) words.push_back(kWords[pick(12)]);
  a.set_bio(absl::StrJoin(words, " "));
  std::vector<int> tags(20);
  for (int i = 0; i < 20; ++i) tags[i] = i;
  std::shuffle(tags.begin(), tags.end(), *rng);
  const int n_interests = 1 + pick(5);
  for (int i = 0; i < n_interests; ++i) {
    v1::Interest* in = a.add_interests();
    in->set_tag(kTags[tags[i]]);
    in->set_weight(static_cast<uint32_t>(pick(4)));
  }
  const int n_offers = pick(3);
  for (int i = 0; i < n_offers; ++i) a.add_offers(kTags[tags[n_interests + i]]);
  if (pick(3) != 0) a.set_budget(static_cast<uint32_t>(pick(7)));  // default max_meetings: 6
  if (pick(2) == 0) {
    for (int s = 1; s <= 6; ++s) {
      if (pick(2) == 0) a.add_availability(absl::StrCat("s", s));
    }
  }
  return a;
}

bool Accepted(v1::ImportRowResult::Outcome outcome) {
  return outcome == v1::ImportRowResult::CREATED || outcome == v1::ImportRowResult::UPDATED ||
         outcome == v1::ImportRowResult::UNCHANGED;
}

class Kill9E2eTest : public ::testing::Test {
 protected:
  void StartServer() {
    absl::StatusOr<std::unique_ptr<Parleyd>> server = StartParleyd(dir_.path());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  std::unique_ptr<client::Client> Connect(const std::string& token) {
    absl::StatusOr<std::unique_ptr<client::Client>> client = server_->Connect(token);
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  // Every attendee of the event, by external_id; fails the test on a repeated external_id.
  std::map<std::string, v1::Attendee> ListAll(const client::Client& organiser, uint64_t event_id) {
    std::map<std::string, v1::Attendee> out;
    v1::ListAttendeesRequest request;
    request.set_event_id(event_id);
    request.set_page_size(1000);
    for (int pages = 0; pages < 1000; ++pages) {
      absl::StatusOr<v1::ListAttendeesResponse> page = organiser.ListAttendees(request);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (const v1::Attendee& a : page->attendees()) {
        EXPECT_TRUE(out.emplace(a.external_id(), a).second)
            << "external_id " << a.external_id() << " listed twice";
      }
      if (page->next_page_token().empty()) break;
      request.set_page_token(page->next_page_token());
    }
    return out;
  }

  testutil::ScopedTempDir dir_;
  std::unique_ptr<Parleyd> server_;
};

TEST_F(Kill9E2eTest, AcknowledgedRowsSurviveKill9AndNoneIsHalfWritten) {
  std::mt19937 rng(kSeed);
  ASSERT_NO_FATAL_FAILURE(StartServer());
  std::string organiser_token;
  uint64_t event_id = 0;
  {
    v1::Event event;
    event.set_name("Crash Night");
    const int64_t start = 1796119200;  // 2026-12-01T10:00Z
    for (int s = 0; s < 6; ++s) {
      v1::Slot* slot = event.add_slots();
      slot->set_id(absl::StrCat("s", s + 1));
      slot->set_start_time(start + s * 1800);
      slot->set_end_time(start + (s + 1) * 1800);
    }
    v1::Location* hall = event.add_locations();
    hall->set_id("hall");
    hall->set_tables(20);
    absl::StatusOr<TestEvent> created = CreateTestEvent(*server_, "Kill Nine", event);
    ASSERT_TRUE(created.ok()) << created.status();
    organiser_token = created->organiser_token;
    event_id = created->event_id;
  }

  // What the store must or may hold, by external_id. `durable`: the version known to be stored
  // (acknowledged, or verified after a restart) and its attendee id. `maybe`: versions sent by
  // calls that did not return OK since then, any of which may have replaced it.
  std::map<std::string, v1::Attendee> durable;
  std::map<std::string, uint64_t> durable_id;
  std::map<std::string, std::vector<v1::Attendee>> maybe;
  int next_external = 0;
  int total_acked_calls = 0, total_cut_calls = 0;
  // Rows of cut-off calls found stored after the restart (the server committed them but the
  // call never returned OK).
  int unacknowledged_stored = 0;

  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    // This round's rows: new attendees and new versions of durable ones, shuffled.
    std::vector<v1::ImportRow> rows;
    for (int i = 0; i < kNewPerRound; ++i) {
      v1::ImportRow row;
      *row.mutable_attendee() = MakeAttendee(&rng, absl::StrCat("k9-", next_external++), round);
      rows.push_back(std::move(row));
    }
    std::vector<std::string> known;
    for (const auto& [external_id, attendee] : durable) known.push_back(external_id);
    std::shuffle(known.begin(), known.end(), rng);
    for (size_t i = 0; i < known.size() && i < static_cast<size_t>(kUpdatesPerRound); ++i) {
      v1::ImportRow row;
      *row.mutable_attendee() = MakeAttendee(&rng, known[i], round);
      rows.push_back(std::move(row));
    }
    std::shuffle(rows.begin(), rows.end(), rng);
    const int total_chunks = static_cast<int>((rows.size() + kChunkRows - 1) / kChunkRows);
    // Killed once the client has been handed this many chunks: mid-stream or between calls.
    const int kill_at_chunk = std::uniform_int_distribution<int>(2, total_chunks)(rng);

    std::unique_ptr<client::Client> organiser = Connect(organiser_token);
    ASSERT_NE(organiser, nullptr);
    std::mutex mu;
    std::condition_variable cv;
    int chunks_handed = 0;
    bool importer_done = false;
    std::atomic<bool> stop{false};
    // Written by the importer thread only; read after it is joined.
    std::vector<std::vector<v1::ImportRow>> acked_calls, cut_calls;
    std::vector<v1::ImportAttendeesResponse> acked_responses;
    std::string importer_error;

    std::thread importer([&] {
      client::ImportOptions options;
      options.batch_size = kChunkRows;
      options.deadline = absl::Seconds(60);
      size_t next = 0;
      while (next < rows.size() && !stop.load()) {
        const size_t end = std::min(rows.size(), next + kChunkRows * kChunksPerCall);
        std::vector<v1::ImportRow> call(rows.begin() + next, rows.begin() + end);
        size_t fed = 0;
        absl::StatusOr<v1::ImportAttendeesResponse> response = organiser->ImportAttendees(
            event_id,
            [&](std::vector<v1::ImportRow>* batch) -> absl::StatusOr<bool> {
              const size_t stop_at = std::min(call.size(), fed + kChunkRows);
              batch->assign(call.begin() + fed, call.begin() + stop_at);
              fed = stop_at;
              {
                std::lock_guard<std::mutex> lock(mu);
                ++chunks_handed;
              }
              cv.notify_all();
              return fed < call.size();
            },
            options);
        if (response.ok()) {
          acked_calls.push_back(call);
          acked_responses.push_back(*std::move(response));
        } else {
          cut_calls.push_back(call);
          if (!stop.load()) importer_error = response.status().ToString();
          break;
        }
        next = end;
      }
      std::lock_guard<std::mutex> lock(mu);
      importer_done = true;
      cv.notify_all();
    });

    {
      std::unique_lock<std::mutex> lock(mu);
      const bool reached = cv.wait_for(lock, std::chrono::seconds(90), [&] {
        return chunks_handed >= kill_at_chunk || importer_done;
      });
      EXPECT_TRUE(reached) << "importer stalled at chunk " << chunks_handed;
      stop.store(true);
    }
    const absl::Status killed = server_->Kill();
    importer.join();
    ASSERT_TRUE(killed.ok()) << killed;
    ASSERT_TRUE(importer_error.empty()) << "an import failed before the kill: " << importer_error;
    total_acked_calls += static_cast<int>(acked_calls.size());
    total_cut_calls += static_cast<int>(cut_calls.size());

    // Fold the round into the expectations, in call order: acknowledged calls are durable.
    for (size_t c = 0; c < acked_calls.size(); ++c) {
      const v1::ImportAttendeesResponse& response = acked_responses[c];
      ASSERT_EQ(response.results_size(), static_cast<int>(acked_calls[c].size()));
      for (int r = 0; r < response.results_size(); ++r) {
        const v1::ImportRowResult& result = response.results(r);
        const v1::Attendee& sent = acked_calls[c][r].attendee();
        ASSERT_EQ(result.external_id(), sent.external_id());
        ASSERT_TRUE(Accepted(result.outcome())) << result.ShortDebugString();
        ASSERT_NE(result.attendee_id(), 0u);
        auto [it, inserted] = durable_id.emplace(sent.external_id(), result.attendee_id());
        EXPECT_EQ(it->second, result.attendee_id())
            << sent.external_id() << ": an update moved it to another attendee id";
        durable[sent.external_id()] = sent;
        maybe.erase(sent.external_id());
      }
    }
    for (const std::vector<v1::ImportRow>& call : cut_calls) {
      for (const v1::ImportRow& row : call)
        maybe[row.attendee().external_id()].push_back(row.attendee());
    }

    ASSERT_NO_FATAL_FAILURE(StartServer());
    organiser = Connect(organiser_token);
    ASSERT_NE(organiser, nullptr);
    const std::map<std::string, v1::Attendee> stored = ListAll(*organiser, event_id);

    // Every acknowledged row is there, as sent or as a version sent after it.
    for (const auto& [external_id, sent] : durable) {
      auto found = stored.find(external_id);
      ASSERT_NE(found, stored.end()) << "acknowledged " << external_id << " lost";
      EXPECT_EQ(found->second.id(), durable_id[external_id]) << external_id;
    }
    // Every stored row is a whole version that was sent; it becomes the durable one.
    std::map<std::string, v1::Attendee> now_durable;
    for (const auto& [external_id, attendee] : stored) {
      const std::string have = Canonical(attendee);
      std::vector<const v1::Attendee*> versions;
      if (auto d = durable.find(external_id); d != durable.end()) versions.push_back(&d->second);
      if (auto m = maybe.find(external_id); m != maybe.end()) {
        for (const v1::Attendee& v : m->second) versions.push_back(&v);
      }
      ASSERT_FALSE(versions.empty()) << "stored " << external_id << " was never sent";
      const v1::Attendee* match = nullptr;
      for (const v1::Attendee* v : versions) {
        if (Canonical(*v) == have) match = v;
      }
      ASSERT_NE(match, nullptr) << external_id << " is stored as no version sent:\n  stored "
                                << have << "\n  acked  "
                                << (durable.count(external_id) ? Canonical(durable[external_id])
                                                               : std::string("(none)"));
      if (durable.count(external_id) == 0 || Canonical(durable[external_id]) != have) {
        ++unacknowledged_stored;
      }
      now_durable[external_id] = *match;
      durable_id[external_id] = attendee.id();
    }
    // The record behind each id is the listed one, for everything this round touched.
    for (const v1::ImportRow& row : rows) {
      auto found = stored.find(row.attendee().external_id());
      if (found == stored.end()) continue;
      v1::GetAttendeeRequest get;
      get.set_event_id(event_id);
      get.set_attendee_id(found->second.id());
      absl::StatusOr<v1::Attendee> got = organiser->GetAttendee(get);
      ASSERT_TRUE(got.ok()) << found->first << ": " << got.status();
      EXPECT_EQ(got->SerializeAsString(), found->second.SerializeAsString()) << found->first;
    }

    // Index and records agree: the stored rows import as UNCHANGED under their ids ...
    std::vector<v1::ImportRow> again;
    for (const auto& [external_id, attendee] : now_durable) {
      v1::ImportRow row;
      *row.mutable_attendee() = attendee;
      again.push_back(std::move(row));
    }
    client::ImportOptions options;
    options.deadline = absl::Seconds(60);
    absl::StatusOr<v1::ImportAttendeesResponse> unchanged =
        organiser->ImportAttendees(event_id, again, options);
    ASSERT_TRUE(unchanged.ok()) << unchanged.status();
    EXPECT_EQ(unchanged->unchanged(), again.size());
    ASSERT_EQ(unchanged->results_size(), static_cast<int>(again.size()));
    for (const v1::ImportRowResult& result : unchanged->results()) {
      EXPECT_EQ(result.outcome(), v1::ImportRowResult::UNCHANGED) << result.ShortDebugString();
      EXPECT_EQ(result.attendee_id(), durable_id[result.external_id()]) << result.external_id();
    }
    // ... and rows that were sent but not stored have no index entry left behind: CREATED.
    std::vector<v1::ImportRow> missing;
    for (const auto& [external_id, versions] : maybe) {
      if (stored.count(external_id) != 0) continue;
      v1::ImportRow row;
      *row.mutable_attendee() = versions.back();
      missing.push_back(std::move(row));
    }
    if (!missing.empty()) {
      absl::StatusOr<v1::ImportAttendeesResponse> created =
          organiser->ImportAttendees(event_id, missing, options);
      ASSERT_TRUE(created.ok()) << created.status();
      ASSERT_EQ(created->results_size(), static_cast<int>(missing.size()));
      for (int r = 0; r < created->results_size(); ++r) {
        const v1::ImportRowResult& result = created->results(r);
        EXPECT_EQ(result.outcome(), v1::ImportRowResult::CREATED) << result.ShortDebugString();
        now_durable[result.external_id()] = missing[r].attendee();
        durable_id[result.external_id()] = result.attendee_id();
      }
    }
    durable = std::move(now_durable);
    maybe.clear();
  }

  // The last restart serves exactly the durable set.
  std::unique_ptr<client::Client> organiser = Connect(organiser_token);
  ASSERT_NE(organiser, nullptr);
  const std::map<std::string, v1::Attendee> stored = ListAll(*organiser, event_id);
  ASSERT_EQ(stored.size(), durable.size());
  for (const auto& [external_id, attendee] : stored) {
    EXPECT_EQ(Canonical(attendee), Canonical(durable[external_id]));
  }
  // The seed must make the test exercise both outcomes of a kill.
  EXPECT_GT(total_acked_calls, 0);
  EXPECT_GT(total_cut_calls, 0);
  RecordProperty("acked_calls", total_acked_calls);
  RecordProperty("cut_calls", total_cut_calls);
  RecordProperty("unacknowledged_rows_stored", unacknowledged_stored);
  RecordProperty("attendees", static_cast<int>(stored.size()));

  absl::StatusOr<int> status = server_->Terminate();
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << DescribeWaitStatus(*status);
}

}  // namespace
}  // namespace parley::e2e
