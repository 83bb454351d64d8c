#include "tools/loadgen/live_scenario.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "parley/v1/agenda_service.grpc.pb.h"
#include "parley/v1/attendee_service.grpc.pb.h"
#include "tools/loadgen/load_driver.h"

namespace parley::loadgen {
namespace {

using Clock = std::chrono::steady_clock;

enum class Change { kAccept, kDecline, kEdit };
const char* ChangeName(Change c) {
  switch (c) {
    case Change::kAccept:
      return "accept";
    case Change::kDecline:
      return "decline";
    case Change::kEdit:
      return "edit";
  }
  return "?";
}

bool Open(const v1::Proposal& p) {
  return p.status() == v1::Proposal::AWAITING_ME || p.status() == v1::Proposal::AWAITING_THEM;
}

// What the stream must show for a change to count as visible.
struct Expectation {
  enum Kind { kAccepted, kNewItem, kGone } kind = kNewItem;
  uint64_t meeting_id = 0;               // kAccepted: the accepted one; kGone: the one to disappear
  absl::flat_hash_set<uint64_t> before;  // kNewItem: the ids the agenda held before
  bool shown = false;
  Clock::time_point shown_at;

  bool SatisfiedBy(const v1::Agenda& agenda) const {
    switch (kind) {
      case kAccepted:
        for (const v1::Proposal& p : agenda.items()) {
          if (p.meeting_id() == meeting_id) {
            return p.status() == v1::Proposal::AWAITING_THEM ||
                   p.status() == v1::Proposal::CONFIRMED;
          }
        }
        return false;
      case kNewItem:
        for (const v1::Proposal& p : agenda.items()) {
          if (!before.contains(p.meeting_id()) &&
              (Open(p) || p.status() == v1::Proposal::CONFIRMED)) {
            return true;
          }
        }
        return false;
      case kGone:
        for (const v1::Proposal& p : agenda.items()) {
          if (p.meeting_id() == meeting_id) {
            return p.status() == v1::Proposal::CANCELLED || p.status() == v1::Proposal::WITHDRAWN;
          }
        }
        return true;
    }
    return false;
  }
};

// One WatchMyAgenda stream. The reactor's callbacks run on gRPC's threads; actors claim a
// watcher (one change at a time per attendee) and wait on it for their change to show.
class Watcher final : public grpc::ClientReadReactor<v1::Agenda> {
 public:
  Watcher(v1::AgendaService::Stub* stub, std::string auth) : stub_(stub), auth_(std::move(auth)) {}

  void Start(Clock::time_point deadline) {
    context_.AddMetadata("authorization", auth_);
    context_.set_deadline(std::chrono::system_clock::now() + (deadline - Clock::now()));
    started_ = Clock::now();
    stub_->async()->WatchMyAgenda(&context_, &request_, this);
    StartRead(&incoming_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    const Clock::time_point now = Clock::now();
    {
      std::lock_guard<std::mutex> lock(mu_);
      latest_.Swap(&incoming_);
      ++messages_;
      if (!opened_) {
        opened_ = true;
        open_latency_ = now - started_;
      }
      if (expect_ && !expect_->shown && expect_->SatisfiedBy(latest_)) {
        expect_->shown = true;
        expect_->shown_at = now;
      }
    }
    changed_.notify_all();
    StartRead(&incoming_);
  }

  void OnDone(const grpc::Status& status) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
      status_ = status;
    }
    changed_.notify_all();
  }

  // Waits until the first agenda arrived or the stream ended; true if it is open.
  bool WaitOpen(Clock::time_point until) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait_until(lock, until, [&] { return opened_ || done_; });
    return opened_ && !done_;
  }
  // Claims the watcher for one change; false if it is busy, closed or not open yet.
  bool TryClaim(v1::Agenda* agenda) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!opened_ || done_ || busy_) return false;
    busy_ = true;
    *agenda = latest_;
    return true;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    busy_ = false;
    expect_.reset();
  }
  void Expect(Expectation e) {
    std::lock_guard<std::mutex> lock(mu_);
    expect_ = std::move(e);
  }
  // Waits until the expectation is met (true, with the time) or `until`.
  bool WaitShown(Clock::time_point until, Clock::time_point* at) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait_until(lock, until, [&] { return expect_ && expect_->shown; });
    if (!expect_ || !expect_->shown) return false;
    *at = expect_->shown_at;
    return true;
  }
  // What the stream was to show, for a report of a change that never showed.
  std::string Expected() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!expect_) return "nothing";
    switch (expect_->kind) {
      case Expectation::kAccepted:
        return absl::StrCat("meeting ", expect_->meeting_id, " accepted");
      case Expectation::kNewItem:
        return "a new item";
      case Expectation::kGone:
        return absl::StrCat("meeting ", expect_->meeting_id, " gone");
    }
    return "";
  }
  void Cancel() { context_.TryCancel(); }
  void WaitDone() {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [&] { return done_; });
  }
  bool opened() {
    std::lock_guard<std::mutex> lock(mu_);
    return opened_;
  }
  Clock::duration open_latency() {
    std::lock_guard<std::mutex> lock(mu_);
    return open_latency_;
  }
  uint64_t messages() {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
  }
  grpc::Status status() {
    std::lock_guard<std::mutex> lock(mu_);
    return status_;
  }
  const std::string& auth() const { return auth_; }

  // The actor's memory of this attendee's profile edits (only the claiming actor touches it).
  std::optional<v1::MyProfile> profile;
  bool slot_removed = false;

 private:
  v1::AgendaService::Stub* stub_;
  const std::string auth_;
  grpc::ClientContext context_;
  v1::GetMyAgendaRequest request_;
  v1::Agenda incoming_;
  Clock::time_point started_;

  std::mutex mu_;
  std::condition_variable changed_;
  v1::Agenda latest_;
  bool opened_ = false;
  bool done_ = false;
  bool busy_ = false;
  uint64_t messages_ = 0;
  Clock::duration open_latency_{};
  grpc::Status status_;
  std::optional<Expectation> expect_;
};

struct ChangeStats {
  uint64_t made = 0, shown = 0, timeouts = 0, errors = 0;
  // Changes after which the agenda cannot change (slots back for an attendee whose budget is
  // full): made, but nothing to wait for.
  uint64_t nothing_to_show = 0;
  std::vector<int64_t> rpc_us, shown_us;
  std::string first_error;
  // What the first change that never showed expected: which attendee, what kind.
  std::string first_timeout;
};

int64_t Percentile(std::vector<int64_t> v, double p) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * v.size()));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

std::string Ms(int64_t us) { return absl::StrFormat("%.2f", us / 1000.0); }

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  }
  return out + "\"";
}

std::shared_ptr<grpc::Channel> NewChannel(const std::string& target, const char* kind, int i) {
  grpc::ChannelArguments args;
  // A connection per channel rather than one shared subchannel (the server caps streams per
  // connection).
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt(absl::StrCat("parley.loadgen.", kind), i);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

// Makes changes at the given rate until `stop`, each with a claimed watcher's token, and waits
// for each to show on that watcher's stream.
class Actors {
 public:
  Actors(const LiveOptions& options, std::vector<std::unique_ptr<Watcher>>* watchers,
         const std::vector<std::shared_ptr<grpc::Channel>>& channels)
      : options_(options), watchers_(watchers) {
    for (const auto& channel : channels) {
      agenda_.push_back(v1::AgendaService::NewStub(channel));
      attendee_.push_back(v1::AttendeeService::NewStub(channel));
    }
  }

  void Run(Clock::time_point until) {
    std::vector<std::thread> threads;
    for (int i = 0; i < options_.actors; ++i) {
      threads.emplace_back([this, i, until] { Loop(i, until); });
    }
    for (std::thread& t : threads) t.join();
  }

  std::vector<std::string> Report(double seconds) {
    std::vector<std::string> lines;
    uint64_t total = 0;
    for (Change c : {Change::kAccept, Change::kDecline, Change::kEdit}) {
      const ChangeStats& s = stats_[static_cast<int>(c)];
      total += s.made;
      lines.push_back(absl::StrCat(
          "{\"change\":\"", ChangeName(c), "\",\"made\":", s.made, ",\"shown\":", s.shown,
          ",\"timeouts\":", s.timeouts, ",\"nothing_to_show\":", s.nothing_to_show,
          ",\"errors\":", s.errors, ",\"rpc_p50_ms\":", Ms(Percentile(s.rpc_us, 0.5)),
          ",\"rpc_p99_ms\":", Ms(Percentile(s.rpc_us, 0.99)), ",\"shown_p50_ms\":",
          Ms(Percentile(s.shown_us, 0.5)), ",\"shown_p99_ms\":", Ms(Percentile(s.shown_us, 0.99)),
          ",\"shown_max_ms\":", Ms(Percentile(s.shown_us, 1.0)), ",\"first_error\":",
          JsonString(s.first_error), ",\"first_timeout\":", JsonString(s.first_timeout), "}"));
    }
    lines.push_back(absl::StrFormat("{\"changes\":%d,\"changes_per_second\":%.1f,\"skipped\":%d}",
                                    total, seconds > 0 ? total / seconds : 0.0, skipped_.load()));
    return lines;
  }

 private:
  void Loop(int actor, Clock::time_point until) {
    std::mt19937_64 rng(options_.seed * 7919 + static_cast<uint64_t>(actor));
    std::uniform_real_distribution<double> unit(0, 1);
    const auto interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
        options_.actors / std::max(0.01, options_.changes_per_second)));
    Clock::time_point next = Clock::now() + interval * actor / std::max(1, options_.actors);
    while (true) {
      std::this_thread::sleep_until(next);
      next += interval;
      if (Clock::now() >= until) return;
      const double r = unit(rng);
      const Change change = r < options_.decline_share                         ? Change::kDecline
                            : r < options_.decline_share + options_.edit_share ? Change::kEdit
                                                                               : Change::kAccept;
      MakeOne(change, &rng, static_cast<size_t>(actor));
    }
  }

  // Finds a claimable watcher with an open proposal of the kind the change needs.
  Watcher* Claim(Change change, std::mt19937_64* rng, v1::Agenda* agenda, const v1::Proposal** p) {
    std::uniform_int_distribution<size_t> pick(0, watchers_->size() - 1);
    for (int attempt = 0; attempt < 64; ++attempt) {
      Watcher* w = (*watchers_)[pick(*rng)].get();
      if (!w->TryClaim(agenda)) continue;
      *p = nullptr;
      for (const v1::Proposal& item : agenda->items()) {
        const bool fits =
            change == Change::kAccept ? item.status() == v1::Proposal::AWAITING_ME : Open(item);
        if (fits) {
          *p = &item;
          break;
        }
      }
      // An edit that restores slots needs no proposal.
      if (*p != nullptr || (change == Change::kEdit && w->slot_removed)) return w;
      w->Release();
    }
    return nullptr;
  }

  void Record(Change change, const grpc::Status& status, int64_t rpc_us,
              std::optional<int64_t> shown_us, const std::string& expected,
              bool nothing_to_show = false) {
    std::lock_guard<std::mutex> lock(mu_);
    ChangeStats& s = stats_[static_cast<int>(change)];
    ++s.made;
    if (!status.ok()) {
      ++s.errors;
      if (s.first_error.empty()) {
        s.first_error = absl::StrCat(status.error_code(), ": ", status.error_message());
      }
      return;
    }
    s.rpc_us.push_back(rpc_us);
    if (nothing_to_show) {
      ++s.nothing_to_show;
    } else if (shown_us) {
      ++s.shown;
      s.shown_us.push_back(*shown_us);
    } else {
      ++s.timeouts;
      if (s.first_timeout.empty()) s.first_timeout = expected;
    }
  }

  void Prepare(grpc::ClientContext* context, const Watcher& w) const {
    context->AddMetadata("authorization", w.auth());
    context->set_deadline(std::chrono::system_clock::now() +
                          absl::ToChronoNanoseconds(options_.call_deadline));
  }

  void MakeOne(Change change, std::mt19937_64* rng, size_t actor) {
    v1::Agenda agenda;
    const v1::Proposal* p = nullptr;
    Watcher* w = Claim(change, rng, &agenda, &p);
    if (w == nullptr) {
      ++skipped_;
      return;
    }
    v1::AgendaService::Stub* agenda_stub = agenda_[actor % agenda_.size()].get();
    v1::AttendeeService::Stub* attendee_stub = attendee_[actor % attendee_.size()].get();
    Expectation e;
    bool observable = true;
    grpc::Status status;
    Clock::time_point sent, acked;
    if (change == Change::kEdit && !w->profile) {
      grpc::ClientContext context;
      Prepare(&context, *w);
      v1::MyProfile profile;
      status = attendee_stub->GetMyProfile(&context, v1::GetMyProfileRequest(), &profile);
      if (!status.ok()) {
        Record(change, status, 0, std::nullopt, "");
        w->Release();
        return;
      }
      w->profile = std::move(profile);
    }
    switch (change) {
      case Change::kAccept:
      case Change::kDecline: {
        v1::RespondToProposalRequest request;
        request.set_meeting_id(p->meeting_id());
        request.set_accept(change == Change::kAccept);
        if (change == Change::kAccept) {
          e.kind = Expectation::kAccepted;
          e.meeting_id = p->meeting_id();
        } else {
          e.kind = Expectation::kNewItem;
          for (const v1::Proposal& item : agenda.items()) e.before.insert(item.meeting_id());
        }
        w->Expect(std::move(e));
        grpc::ClientContext context;
        Prepare(&context, *w);
        v1::Proposal response;
        sent = Clock::now();
        status = agenda_stub->RespondToProposal(&context, request, &response);
        acked = Clock::now();
        break;
      }
      case Change::kEdit: {
        v1::UpdateMyProfileRequest request;
        v1::Attendee* a = request.mutable_attendee();
        const v1::Attendee& mine = w->profile->attendee();
        *a->mutable_interests() = mine.interests();
        if (a->interests_size() > 0) {
          v1::Interest* first = a->mutable_interests(0);
          first->set_weight(first->weight() % 3 + 1);
        }
        request.mutable_update_mask()->add_paths("interests");
        request.mutable_update_mask()->add_paths("availability");
        if (w->slot_removed) {
          // Every slot back: the repair refills, if the attendee has room (the repair after the
          // slot left may have filled the budget in another slot).
          for (const v1::Slot& slot : w->profile->event().slots()) a->add_availability(slot.id());
          observable = agenda.confirmed() + agenda.open() < agenda.budget();
          e.kind = Expectation::kNewItem;
          for (const v1::Proposal& item : agenda.items()) e.before.insert(item.meeting_id());
        } else {
          // The slot of one proposal leaves: the repair cancels it.
          for (const v1::Slot& slot : w->profile->event().slots()) {
            if (slot.id() != p->slot_id()) a->add_availability(slot.id());
          }
          e.kind = Expectation::kGone;
          e.meeting_id = p->meeting_id();
        }
        w->Expect(std::move(e));
        grpc::ClientContext context;
        Prepare(&context, *w);
        v1::MyProfile response;
        sent = Clock::now();
        status = attendee_stub->UpdateMyProfile(&context, request, &response);
        acked = Clock::now();
        if (status.ok()) {
          *w->profile->mutable_attendee() = response.attendee();
          w->slot_removed = !w->slot_removed;
        }
        break;
      }
    }
    const int64_t rpc_us =
        std::chrono::duration_cast<std::chrono::microseconds>(acked - sent).count();
    std::optional<int64_t> shown_us;
    Clock::time_point at;
    if (status.ok() && observable &&
        w->WaitShown(acked + absl::ToChronoNanoseconds(options_.change_timeout), &at)) {
      // Shown before the acknowledgement arrived: the client saw it at once.
      shown_us = std::max<int64_t>(
          0, std::chrono::duration_cast<std::chrono::microseconds>(at - acked).count());
    }
    std::string expected;
    if (!shown_us && observable) {
      expected = w->Expected();
      if (w->profile) absl::StrAppend(&expected, " for attendee ", w->profile->attendee().id());
    }
    Record(change, status, rpc_us, shown_us, expected, !observable);
    w->Release();
  }

  const LiveOptions& options_;
  std::vector<std::unique_ptr<Watcher>>* watchers_;
  std::vector<std::unique_ptr<v1::AgendaService::Stub>> agenda_;
  std::vector<std::unique_ptr<v1::AttendeeService::Stub>> attendee_;
  std::mutex mu_;
  ChangeStats stats_[3];
  std::atomic<uint64_t> skipped_{0};
};

}  // namespace

absl::StatusOr<std::vector<std::string>> RunLiveScenario(const std::string& target,
                                                         const LiveOptions& options) {
  if (options.watchers < 1 || options.tokens.size() <= static_cast<size_t>(options.watchers)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--watchers ", options.watchers, ": needs between 1 and the number of tokens minus one (",
        options.tokens.size(), " tokens)"));
  }
  if (options.streams_per_channel < 1 || options.actors < 1 || options.read_concurrency < 1 ||
      options.read_rounds < 1) {
    return absl::InvalidArgumentError(
        "streams per channel, actors, readers and read rounds must be >= 1");
  }
  std::vector<std::string> lines;
  constexpr Rpc kReads[] = {Rpc::kHealth, Rpc::kAgenda, Rpc::kSuggestions};
  const int phases = 3 * options.read_rounds;
  const absl::Duration phase = options.duration / phases;
  const absl::Duration warmup = std::min(absl::Seconds(1), phase / 4);
  // Streams outlive opening them all and the measurement: a generous deadline.
  const Clock::time_point stream_deadline =
      Clock::now() +
      absl::ToChronoNanoseconds(options.duration + options.change_timeout + absl::Hours(1));

  // Watchers, opened in batches so that the server builds their first agendas at a steady pace.
  const int num_channels =
      (options.watchers + options.streams_per_channel - 1) / options.streams_per_channel;
  std::vector<std::shared_ptr<grpc::Channel>> watch_channels;
  std::vector<std::unique_ptr<v1::AgendaService::Stub>> watch_stubs;
  for (int i = 0; i < num_channels; ++i) {
    watch_channels.push_back(NewChannel(target, "watch", i));
    watch_stubs.push_back(v1::AgendaService::NewStub(watch_channels.back()));
  }
  std::vector<std::unique_ptr<Watcher>> watchers;
  const Clock::time_point open_start = Clock::now();
  constexpr int kBatch = 500;
  for (int first = 0; first < options.watchers; first += kBatch) {
    const int last = std::min(options.watchers, first + kBatch);
    for (int i = first; i < last; ++i) {
      watchers.push_back(std::make_unique<Watcher>(
          watch_stubs[static_cast<size_t>(i / options.streams_per_channel)].get(),
          absl::StrCat("Bearer ", options.tokens[static_cast<size_t>(i)])));
      watchers.back()->Start(stream_deadline);
    }
    const Clock::time_point until = Clock::now() + std::chrono::seconds(30);
    for (int i = first; i < last; ++i) watchers[static_cast<size_t>(i)]->WaitOpen(until);
  }
  const double open_seconds = std::chrono::duration<double>(Clock::now() - open_start).count();
  std::vector<int64_t> open_us;
  std::string first_stream_error;
  int open_failed = 0;
  for (const auto& w : watchers) {
    if (w->opened()) {
      open_us.push_back(
          std::chrono::duration_cast<std::chrono::microseconds>(w->open_latency()).count());
    } else {
      ++open_failed;
      const grpc::Status s = w->status();
      if (first_stream_error.empty() && !s.ok()) {
        first_stream_error = absl::StrCat(s.error_code(), ": ", s.error_message());
      }
    }
  }
  if (open_us.empty()) {
    for (auto& w : watchers) w->Cancel();
    for (auto& w : watchers) w->WaitDone();
    return absl::UnavailableError(
        absl::StrCat("no WatchMyAgenda stream opened; first error: ", first_stream_error));
  }
  lines.push_back(absl::StrFormat(
      "{\"scenario\":\"live\",\"watchers\":%d,\"open\":%d,\"open_failed\":%d,\"open_seconds\":%.1f,"
      "\"open_p50_ms\":%s,\"open_p99_ms\":%s,\"first_open_error\":%s}",
      options.watchers, open_us.size(), open_failed, open_seconds, Ms(Percentile(open_us, 0.5)),
      Ms(Percentile(open_us, 0.99)), JsonString(first_stream_error)));

  // Changes run on their own connections, through the whole read measurement.
  std::vector<std::shared_ptr<grpc::Channel>> change_channels;
  for (int i = 0; i < 2; ++i) change_channels.push_back(NewChannel(target, "change", i));
  Actors actors(options, &watchers, change_channels);
  const Clock::time_point changes_until =
      Clock::now() + absl::ToChronoNanoseconds((phase + warmup) * phases);
  const Clock::time_point changes_from = Clock::now();
  std::thread acting([&] { actors.Run(changes_until); });

  std::vector<std::shared_ptr<grpc::Channel>> read_channels;
  for (int i = 0; i < std::max(1, options.read_channels); ++i) {
    read_channels.push_back(NewChannel(target, "read", i));
  }
  LoadOptions reads;
  reads.concurrency = options.read_concurrency;
  reads.warmup = warmup;
  reads.duration = phase;
  reads.call_deadline = options.call_deadline;
  reads.tokens.assign(options.tokens.begin() + options.watchers, options.tokens.end());
  std::vector<LoadResult> parts[3];
  for (int round = 0; round < options.read_rounds; ++round) {
    for (int turn = 0; turn < 3; ++turn) {
      const int k = (turn + round) % 3;
      reads.rpc = kReads[k];
      absl::StatusOr<LoadResult> result = RunLoad(read_channels, reads);
      if (!result.ok()) {
        acting.join();
        for (auto& w : watchers) w->Cancel();
        for (auto& w : watchers) w->WaitDone();
        return result.status();
      }
      parts[k].push_back(*std::move(result));
    }
  }
  double health_qps = 0;
  std::string summary;
  for (int k = 0; k < 3; ++k) {
    const LoadResult result = CombineResults(std::move(parts[k]));
    lines.push_back(ResultJson(result));
    if (kReads[k] == Rpc::kHealth) {
      health_qps = result.qps;
    } else {
      absl::StrAppendFormat(&summary, ",\"%s_qps\":%.1f,\"%s_vs_health\":%.3f", RpcName(kReads[k]),
                            result.qps, RpcName(kReads[k]),
                            health_qps > 0 ? result.qps / health_qps : 0.0);
    }
  }
  lines.push_back(absl::StrFormat("{\"summary\":true,\"read_rounds\":%d,\"health_qps\":%.1f%s}",
                                  options.read_rounds, health_qps, summary));
  acting.join();
  for (const std::string& line : actors.Report(
           std::chrono::duration<double>(std::min(Clock::now(), changes_until) - changes_from)
               .count())) {
    lines.push_back(line);
  }

  uint64_t messages = 0;
  int broken = 0;
  for (auto& w : watchers) w->Cancel();
  for (auto& w : watchers) {
    w->WaitDone();
    messages += w->messages();
    const grpc::Status s = w->status();
    if (w->opened() && s.error_code() != grpc::StatusCode::CANCELLED) {
      ++broken;  // ended by the server or the deadline while we still watched
      if (first_stream_error.empty()) {
        first_stream_error = absl::StrCat(s.error_code(), ": ", s.error_message());
      }
    }
  }
  lines.push_back(
      absl::StrFormat("{\"streams\":%d,\"stream_messages\":%d,\"streams_ended_early\":%d,\"first_"
                      "stream_error\":%s}",
                      open_us.size(), messages, broken, JsonString(first_stream_error)));
  return lines;
}

}  // namespace parley::loadgen
