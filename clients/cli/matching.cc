// parley run, report, meetings, publish: matching an event and its outcome (organiser token).
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "clients/cli/commands.h"
#include "clients/cli/context.h"
#include "clients/cli/values.h"

namespace parley::client::cli {
namespace {

// Redraws a one-line progress bar: on every message, and twice a second with the time spent in
// the current phase, so that a long phase visibly moves.
class ProgressBar {
 public:
  explicit ProgressBar(std::ostream& out) : out_(out), ticker_([this] { Tick(); }) {}
  ~ProgressBar() { Stop(); }

  void Update(const v1::MatchingRun& run) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!have_run_ || run.phase() != run_.phase()) phase_start_ = absl::Now();
    run_ = run;
    have_run_ = true;
    DrawLocked();
  }

  // Ends the line; idempotent.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) return;
      stopped_ = true;
      if (have_run_) out_ << "\n" << std::flush;
    }
    wake_.notify_all();
    ticker_.join();
  }

 private:
  void Tick() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopped_) {
      wake_.wait_for(lock, std::chrono::milliseconds(500));
      if (!stopped_ && have_run_) DrawLocked();
    }
  }

  void DrawLocked() {
    const double seconds = absl::ToDoubleSeconds(absl::Now() - phase_start_);
    out_ << "\r" << RunProgressBar(run_, 24) << "  " << absl::StrFormat("%.1fs", seconds)
         << "\x1b[K" << std::flush;
  }

  std::ostream& out_;
  std::mutex mu_;
  std::condition_variable wake_;
  v1::MatchingRun run_;
  bool have_run_ = false;
  bool stopped_ = false;
  absl::Time phase_start_ = absl::Now();
  std::thread ticker_;
};

int Run(Context& ctx) {
  int code = 0;
  uint64_t event_id = 0;
  if (!GetEventFlag(ctx, &event_id, &code)) return code;
  v1::StartMatchingRunRequest request;
  request.set_event_id(event_id);
  if (ctx.Has("seed")) {
    uint64_t seed = 0;
    if (!absl::SimpleAtoi(ctx.Get("seed"), &seed)) {
      return UsageError(
          ctx, absl::StrCat("--seed: \"", ctx.Get("seed"), "\" is not a non-negative integer"));
    }
    request.set_seed(seed);
  }
  const std::string mode = ctx.Get("progress", "auto");
  if (mode != "auto" && mode != "bar" && mode != "lines") {
    return UsageError(ctx, absl::StrCat("--progress: \"", mode, "\": expected auto, bar or lines"));
  }
  const bool bar = !ctx.json && (mode == "bar" || (mode == "auto" && ctx.tty));
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  // A run of a large event takes longer than one call: unless --timeout says otherwise, allow
  // 10 minutes.
  const absl::Duration deadline =
      ctx.Has("timeout") ? client->options().deadline : absl::Minutes(10);
  std::unique_ptr<ProgressBar> progress;
  if (bar) progress = std::make_unique<ProgressBar>(ctx.out);
  absl::StatusOr<v1::MatchingRun> run = client->StartMatchingRun(
      request,
      [&](const v1::MatchingRun& message) {
        if (progress != nullptr) {
          progress->Update(message);
        } else if (!ctx.json) {
          ctx.out << RunPhaseLine(message) << "\n" << std::flush;
        }
        return true;
      },
      deadline);
  if (progress != nullptr) progress->Stop();
  code = Output(ctx, run, [&](const v1::MatchingRun& done) { PrintMatchingRun(ctx.out, done); });
  if (code != kExitOk) return code;
  if (run->phase() != v1::MatchingRun::DONE) {
    ctx.err << "parley: run " << run->id() << " ended in phase " << PhaseName(run->phase())
            << (run->error().empty() ? "" : ": ") << run->error() << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

int Report(Context& ctx) {
  int code = 0;
  uint64_t event_id = 0;
  if (!GetEventFlag(ctx, &event_id, &code)) return code;
  v1::GetQualityReportRequest request;
  request.set_event_id(event_id);
  if (!ReadPaging(ctx, &request, &code)) return code;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  // Pages repeat the run; only the diagnostics are collected (FetchPages would merge the run's
  // repeated fields too).
  absl::StatusOr<v1::GetQualityReportResponse> report =
      FetchPages<v1::GetQualityReportRequest, v1::GetQualityReportResponse>(
          ctx, request, [&, first = true](const v1::GetQualityReportRequest& page) mutable {
            absl::StatusOr<v1::GetQualityReportResponse> response = client->GetQualityReport(page);
            if (response.ok() && !first) response->clear_run();
            first = false;
            return response;
          });
  return Output(ctx, report, [&](const v1::GetQualityReportResponse& response) {
    PrintQualityReport(ctx.out, response);
    if (!response.next_page_token().empty()) {
      ctx.out << "more: --page-token " << response.next_page_token() << " (or --all)\n";
    }
  });
}

int MeetingsList(Context& ctx) {
  int code = 0;
  uint64_t event_id = 0;
  if (!GetEventFlag(ctx, &event_id, &code)) return code;
  v1::ListMeetingsRequest request;
  request.set_event_id(event_id);
  if (ctx.Has("state")) {
    absl::StatusOr<v1::Meeting::State> state = ParseMeetingState(ctx.Get("state"));
    if (!state.ok()) return UsageError(ctx, absl::StrCat("--state: ", state.status().message()));
    request.set_state(*state);
  }
  if (ctx.Has("attendee")) {
    uint64_t attendee = 0;
    if (!GetId(ctx, "--attendee", ctx.Get("attendee"), &attendee, &code)) return code;
    request.set_attendee_id(attendee);
  }
  request.set_slot_id(ctx.Get("slot"));
  return RunList(ctx, request, &Client::ListMeetings,
                 [&](const v1::ListMeetingsResponse& response) {
                   for (const v1::Meeting& m : response.meetings()) {
                     PrintMeetingLine(ctx.out, m, &response.external_ids());
                   }
                 });
}

int Publish(Context& ctx) {
  int code = 0;
  uint64_t event_id = 0;
  if (!GetEventFlag(ctx, &event_id, &code)) return code;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  v1::PublishScheduleRequest request;
  request.set_event_id(event_id);
  return Output(ctx, client->PublishSchedule(request), [&](const v1::Event& event) {
    ctx.out << "event " << event.id() << " is now " << v1::EventStatus_Name(event.status())
            << ": attendees see their confirmed meetings in their calendars\n";
  });
}

int MeetingsExport(Context& ctx) {
  int code = 0;
  uint64_t event_id = 0;
  if (!GetEventFlag(ctx, &event_id, &code)) return code;
  const Client* client = Connect(ctx, &code);
  if (client == nullptr) return code;
  v1::ExportMeetingsRequest request;
  request.set_event_id(event_id);
  const absl::Duration deadline =
      ctx.Has("timeout") ? client->options().deadline : absl::Minutes(10);
  if (!ctx.Has("out")) {
    absl::Status exported = client->ExportMeetings(request, &ctx.out, deadline);
    ctx.out << std::flush;
    return exported.ok() ? kExitOk : Fail(ctx, exported);
  }
  // Into a temporary file renamed at the end, so that a failed export leaves no partial file.
  const std::string path = ctx.Get("out");
  const std::string partial = absl::StrCat(path, ".partial");
  std::ofstream file(partial, std::ios::binary | std::ios::trunc);
  if (!file) return Fail(ctx, absl::PermissionDeniedError(absl::StrCat("cannot write ", partial)));
  absl::Status exported = client->ExportMeetings(request, &file, deadline);
  file.close();
  if (exported.ok() && !file) {
    exported = absl::DataLossError(absl::StrCat("writing ", partial, " failed"));
  }
  if (exported.ok() && std::rename(partial.c_str(), path.c_str()) != 0) {
    exported = absl::PermissionDeniedError(absl::StrCat("cannot rename ", partial, " to ", path));
  }
  if (!exported.ok()) {
    std::remove(partial.c_str());
    return Fail(ctx, exported);
  }
  return kExitOk;
}

}  // namespace

void AddMatchingCommands(CommandTree& tree) {
  tree.Add({"run"}, "Runs matching for an event and shows its progress.",
           "Needs an organiser token. The event must be OPEN or SCHEDULED, with slots and "
           "locations.\n"
           "Confirmed meetings and declined pairs are kept; open proposals are re-planned. On a\n"
           "terminal a progress bar shows the phases (loading, candidates, scheduling, writing),\n"
           "otherwise one line per phase; then the quality report. Exit 1 if the run FAILED. The\n"
           "deadline is --timeout if given, else 10 minutes (the run finishes on the server "
           "anyway).",
           Run)
      .Required(kEventFlag)
      .Flag({"seed", "S", "seed of the engine's tie-breaking (default 1)"})
      .Flag({"progress", "MODE", "auto (a bar on a terminal), bar or lines (default auto)"});
  tree.Add({"report"}, "Shows the latest run's quality and why attendees got nothing.",
           "Needs an organiser token. Quality is weight / upper bound (LP relaxation). The \"why\n"
           "nothing?\" list pages like a list command (--all for every attendee).",
           Report)
      .Required(kEventFlag)
      .Flags(kPagingFlags);
  tree.Add({"meetings", "list"}, "Lists an event's meetings.",
           "Needs an organiser token. Filters combine: --state confirmed --slot s2.", MeetingsList)
      .Required(kEventFlag)
      .Flag({"state", "STATE", "proposed|confirmed|declined|expired|cancelled|held|no_show"})
      .Flag(kAttendeeFlag)
      .Flag({"slot", "ID", "slot id, e.g. s2"})
      .Flags(kPagingFlags);
  tree.Add({"meetings", "export"}, "Exports every meeting as CSV.",
           "Needs an organiser token. The CSV (header row first) goes to standard output or "
           "--out\n"
           "FILE (written whole or not at all).",
           MeetingsExport)
      .Required(kEventFlag)
      .Flag(kOutFlag);
  tree.Add({"publish"}, "Publishes the schedule (status SCHEDULED).",
           "Needs an organiser token and a finished run.", Publish)
      .Required(kEventFlag);
}

}  // namespace parley::client::cli
