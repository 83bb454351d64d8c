// parley-kill9-soak: kill -9 against the real parleyd, for longer than CI can afford. Each round
// an importer streams rows (and now and then removes an acknowledged attendee) while the server
// is killed with SIGKILL at a seeded moment; the server is restarted on the same store and every
// acknowledged row must be there and every acknowledged removal must have held. Bounded by
// --rounds and --max_seconds, whichever comes first. Exit status 1 on any loss.
//
//   parley-kill9-soak --rounds 300 --max_seconds 1800 --seed 7
//
// Not run by CI (tests/e2e/kill9_test.cc is the short version that is).
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/client.h"
#include "tests/e2e/process.h"

ABSL_FLAG(std::string, parleyd, PARLEYD_PATH, "The parleyd binary.");
ABSL_FLAG(std::string, work_dir, "",
          "Directory for the store, token and log; must exist. Default: a new one under /tmp, "
          "kept so that a failure can be examined.");
ABSL_FLAG(int, rounds, 100, "Kill cycles at most.");
ABSL_FLAG(int, max_seconds, 600, "Stop starting new rounds after this many seconds.");
ABSL_FLAG(int, seed, 1, "Seeds the kill moments and the removals.");
ABSL_FLAG(int, rows_per_call, 50, "Rows per ImportAttendees call.");
ABSL_FLAG(int, max_kill_ms, 400, "A round's kill comes 10 ms to this many ms after it starts.");

namespace parley {
namespace {

using e2e::Parleyd;

std::unique_ptr<client::Client> Connect(const Parleyd& server, const std::string& token) {
  absl::StatusOr<std::unique_ptr<client::Client>> client = server.Connect(token);
  if (!client.ok()) {
    std::fprintf(stderr, "connect: %s\n", client.status().ToString().c_str());
    return nullptr;
  }
  return *std::move(client);
}

absl::StatusOr<std::unique_ptr<Parleyd>> StartServer(const std::string& work_dir) {
  Parleyd::Options options;
  options.binary = absl::GetFlag(FLAGS_parleyd);
  options.work_dir = work_dir;
  return Parleyd::Start(options);
}

absl::StatusOr<std::map<std::string, uint64_t>> ListAll(const client::Client& organiser,
                                                        uint64_t event_id) {
  std::map<std::string, uint64_t> out;
  v1::ListAttendeesRequest request;
  request.set_event_id(event_id);
  request.set_page_size(1000);
  for (;;) {
    absl::StatusOr<v1::ListAttendeesResponse> page = organiser.ListAttendees(request);
    if (!page.ok()) return page.status();
    for (const v1::Attendee& a : page->attendees()) out[a.external_id()] = a.id();
    if (page->next_page_token().empty()) return out;
    request.set_page_token(page->next_page_token());
  }
}

int Main() {
  std::string work_dir = absl::GetFlag(FLAGS_work_dir);
  if (work_dir.empty()) {
    char pattern[] = "/tmp/parley-soak-XXXXXX";
    if (mkdtemp(pattern) == nullptr) return 2;
    work_dir = pattern;
  }
  std::printf("work dir %s\n", work_dir.c_str());
  absl::StatusOr<std::unique_ptr<Parleyd>> server = StartServer(work_dir);
  if (!server.ok()) {
    std::fprintf(stderr, "start: %s\n", server.status().ToString().c_str());
    return 2;
  }
  v1::Event event;
  event.set_name("Soak Night");
  absl::StatusOr<e2e::TestEvent> created = e2e::CreateTestEvent(**server, "Soak", event);
  if (!created.ok()) {
    std::fprintf(stderr, "setup: %s\n", created.status().ToString().c_str());
    return 2;
  }
  const std::string organiser_token = created->organiser_token;
  const uint64_t event_id = created->event_id;

  std::mt19937 rng(static_cast<uint32_t>(absl::GetFlag(FLAGS_seed)));
  const int rows_per_call = absl::GetFlag(FLAGS_rows_per_call);
  const absl::Time end = absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_max_seconds));
  std::map<std::string, uint64_t> acked;  // external_id -> attendee id
  std::set<std::string> removed;          // acknowledged removals
  int64_t lost = 0, resurrected = 0, calls = 0, cut = 0;
  int64_t cut_removals = 0, cut_removals_committed = 0;
  int round = 0;
  for (; round < absl::GetFlag(FLAGS_rounds) && absl::Now() < end; ++round) {
    const int kill_ms =
        std::uniform_int_distribution<int>(10, std::max(10, absl::GetFlag(FLAGS_max_kill_ms)))(rng);
    const uint32_t round_seed = rng();
    std::unique_ptr<client::Client> organiser = Connect(**server, organiser_token);
    if (organiser == nullptr) return 2;
    std::atomic<bool> stop{false};
    // Written by the importer only; read after it is joined.
    std::map<std::string, uint64_t> round_acked;
    std::set<std::string> round_removed;
    // A removal cut by the kill may or may not have committed: either outcome is correct.
    std::string round_removal_in_doubt;
    int64_t round_calls = 0, round_cut = 0;
    std::vector<std::pair<std::string, uint64_t>> removable(acked.begin(), acked.end());
    std::thread importer([&] {
      std::mt19937 local(round_seed);
      for (int call = 0; !stop.load(); ++call) {
        if (!removable.empty() && local() % 5 == 0) {
          const auto& [external_id, id] = removable[local() % removable.size()];
          v1::RemoveAttendeeRequest request;
          request.set_event_id(event_id);
          request.set_attendee_id(id);
          if (organiser->RemoveAttendee(request).ok()) {
            round_removed.insert(external_id);
          } else {
            round_removal_in_doubt = external_id;
            ++round_cut;
            return;
          }
        }
        std::vector<v1::ImportRow> rows(rows_per_call);
        for (int i = 0; i < rows_per_call; ++i) {
          v1::Attendee* a = rows[i].mutable_attendee();
          a->set_external_id(absl::StrCat("r", round, "c", call, "-", i));
          a->set_display_name(absl::StrCat("Soak ", round, "/", call, "/", i));
          a->set_bio(std::string(local() % 800, 's'));
        }
        ++round_calls;
        absl::StatusOr<v1::ImportAttendeesResponse> response =
            organiser->ImportAttendees(event_id, rows);
        if (!response.ok()) {
          ++round_cut;
          return;
        }
        for (const v1::ImportRowResult& r : response->results()) {
          if (r.outcome() == v1::ImportRowResult::CREATED) {
            round_acked[r.external_id()] = r.attendee_id();
          }
        }
      }
    });
    absl::SleepFor(absl::Milliseconds(kill_ms));  // a tool, not a test: the kill moment is time
    absl::Status killed = (*server)->Kill();
    stop.store(true);
    importer.join();
    if (!killed.ok()) {
      std::fprintf(stderr, "kill: %s\n", killed.ToString().c_str());
      return 2;
    }
    calls += round_calls;
    cut += round_cut;
    for (const auto& entry : round_acked) acked.insert(entry);
    for (const std::string& external_id : round_removed) {
      acked.erase(external_id);
      removed.insert(external_id);
    }

    server = StartServer(work_dir);
    if (!server.ok()) {
      std::fprintf(stderr, "round %d: restart failed: %s\n", round,
                   server.status().ToString().c_str());
      return 1;
    }
    absl::StatusOr<std::map<std::string, uint64_t>> stored =
        ListAll(*Connect(**server, organiser_token), event_id);
    if (!stored.ok()) {
      std::fprintf(stderr, "round %d: list: %s\n", round, stored.status().ToString().c_str());
      return 1;
    }
    if (!round_removal_in_doubt.empty()) ++cut_removals;
    if (!round_removal_in_doubt.empty() && stored->count(round_removal_in_doubt) == 0) {
      // The cut removal committed before the kill: now it must hold like an acknowledged one.
      ++cut_removals_committed;
      acked.erase(round_removal_in_doubt);
      removed.insert(round_removal_in_doubt);
    }
    for (auto it = acked.begin(); it != acked.end();) {
      if (stored->count(it->first) != 0) {
        ++it;
        continue;
      }
      // Reported once: the row is forgotten, so later rounds report only new losses.
      ++lost;
      std::fprintf(stderr, "round %d: acknowledged %s lost\n", round, it->first.c_str());
      it = acked.erase(it);
    }
    for (const std::string& external_id : removed) {
      if (stored->count(external_id) != 0) {
        ++resurrected;
        std::fprintf(stderr, "round %d: removed %s is back\n", round, external_id.c_str());
      }
    }
    for (const auto& [external_id, id] : *stored) removed.erase(external_id);  // reported once
    // Rows stored by calls that were cut off count as acknowledged from now on.
    for (const auto& [external_id, id] : *stored) acked[external_id] = id;
    if ((round + 1) % 10 == 0) {
      std::printf("round %d: %zu rows stored, %zu removed, %lld calls (%lld cut)\n", round + 1,
                  acked.size(), removed.size(), static_cast<long long>(calls),
                  static_cast<long long>(cut));
      std::fflush(stdout);
    }
  }
  std::printf(
      "%d kill -9 rounds: %zu acknowledged rows, %zu acknowledged removals, %lld import calls "
      "(%lld cut by the kill, %lld of them removals, %lld of those committed): %lld lost, %lld "
      "removed rows back\n",
      round, acked.size(), removed.size(), static_cast<long long>(calls),
      static_cast<long long>(cut), static_cast<long long>(cut_removals),
      static_cast<long long>(cut_removals_committed), static_cast<long long>(lost),
      static_cast<long long>(resurrected));
  (*server)->Terminate().IgnoreError();
  return lost == 0 && resurrected == 0 ? 0 : 1;
}

}  // namespace
}  // namespace parley

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "parley-kill9-soak: kill -9 cycles against parleyd; every acknowledged write must survive.");
  absl::ParseCommandLine(argc, argv);
  return parley::Main();
}
