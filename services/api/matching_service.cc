#include "services/api/matching_service.h"

#include <glog/logging.h>

#include <algorithm>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "services/api/event_access.h"
#include "services/api/grpc_status.h"
#include "services/api/paging.h"
#include "services/api/queued_writer.h"
#include "services/domain/agenda_views.h"
#include "services/domain/events.h"
#include "services/domain/meetings.h"
#include "services/domain/policy.h"
#include "services/match/bound.h"
#include "services/match/explain.h"
#include "services/runs/engine_event.h"

namespace parley::services {
namespace {

constexpr size_t kCsvChunkBytes = 64 << 10;
constexpr int kScanBatch = 1000;

std::string Method(absl::string_view name) {
  return absl::StrCat("/", v1::MatchingService::service_full_name(), "/", name);
}

bool Final(v1::MatchingRun::Phase phase) {
  return phase == v1::MatchingRun::DONE || phase == v1::MatchingRun::FAILED;
}

std::string IsoUtc(int64_t unix_seconds) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(unix_seconds),
                          absl::UTCTimeZone());
}

// RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled.
void AppendCsvField(absl::string_view field, std::string* out) {
  if (field.find_first_of(",\"\r\n") == absl::string_view::npos) {
    out->append(field.data(), field.size());
    return;
  }
  out->push_back('"');
  for (char c : field) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

void AppendCsvRow(const std::vector<std::string>& fields, std::string* out) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendCsvField(fields[i], out);
  }
  out->append("\r\n");
}

// Streams the run's progress; the run holds a reference until it is over.
using RunWriter = QueuedWriter<v1::MatchingRun>;
using CsvWriter = QueuedWriter<v1::CsvChunk>;

template <typename T>
QueuedWriter<T>* Refuse(const absl::Status& status) {
  auto* writer = new QueuedWriter<T>();
  writer->Close(ToGrpcStatus(status));
  return writer;
}

// The stored schedule as the "why nothing?" diagnosis needs it: meetings per attendee and
// meetings per slot (PROPOSED and kept ones: what holds time and tables).
struct Occupancy {
  absl::flat_hash_map<uint64_t, uint32_t> meetings;  // by attendee id
  absl::flat_hash_map<std::string, uint32_t> slot_meetings;
};

// Why an attendee with feasible partners got nothing, named from what the schedule shows: tables
// full in every slot a partner with room shared with them, or every feasible partner's budget
// already taken, or neither (the run did not get to them).
std::string LeftOutHint(const matching::EngineEvent& e, const match::MatchProblem& problem,
                        match::Index x, int64_t feasible, const Occupancy& occupancy) {
  uint32_t tables = 0;
  for (const v1::Location& l : e.event.locations()) tables += l.tables();
  match::SlotMask full_slots = 0;
  for (const auto& [slot, index] : e.slot_index) {
    auto it = occupancy.slot_meetings.find(slot);
    if (it != occupancy.slot_meetings.end() && it->second >= tables) {
      full_slots |= match::SlotMask{1} << index;
    }
  }
  int64_t with_room = 0, blocked_by_tables = 0;
  const match::SlotMask mine = problem.profile(x).availability;
  for (match::Index b = 0; b < problem.num_attendees(); ++b) {
    if (b == x) continue;
    const match::PairScore score = problem.Score(x, b);
    if (!score.feasible || score.weight <= 0) continue;
    auto it = occupancy.meetings.find(e.attendees[b].id());
    const uint32_t has = it == occupancy.meetings.end() ? 0 : it->second;
    if (has >= domain::BudgetOf(e.event.policy(), e.attendees[b])) continue;
    ++with_room;
    const match::SlotMask common = mine & problem.profile(b).availability;
    if ((common & ~full_slots) == 0) ++blocked_by_tables;
  }
  if (with_room > 0 && blocked_by_tables == with_room) {
    return absl::StrCat(feasible, " feasible partners; the ", with_room,
                        " with budget left share only slots whose tables are all taken: add "
                        "tables or slots");
  }
  if (with_room == 0) {
    return absl::StrCat(feasible,
                        " feasible partners, all fully booked by pairs that match better: let "
                        "them request more suggestions (searched beyond their lists), or raise "
                        "meeting budgets");
  }
  return absl::StrCat(feasible, " feasible partners, ", with_room,
                      " of them with budget left and a free table: let them request more "
                      "suggestions, or run matching again");
}

// The cause and hint from the engine input, before the note about interests.
v1::AttendeeDiagnostic DiagnoseCause(const matching::EngineEvent* e,
                                     const match::MatchProblem* problem, const v1::Attendee& a,
                                     const Occupancy& occupancy) {
  v1::AttendeeDiagnostic d;
  d.set_attendee_id(a.id());
  d.set_external_id(a.external_id());
  d.set_display_name(a.display_name());
  if (a.has_budget() && a.budget() == 0) {
    d.set_cause(v1::AttendeeDiagnostic::OPTED_OUT);
    d.set_hint("their budget is 0: they opted out of matching");
    return d;
  }
  if (e == nullptr || problem == nullptr || !e->index_of.contains(a.id())) {
    d.set_cause(v1::AttendeeDiagnostic::LEFT_OUT);
    d.set_hint("joined after the latest run: run matching again");
    return d;
  }
  const match::CandidateDiagnosis c = match::DiagnoseCandidates(*problem, e->index_of.at(a.id()));
  const int slots = e->event.slots_size();
  if (c.no_availability) {
    d.set_cause(v1::AttendeeDiagnostic::NO_AVAILABILITY);
    d.set_hint(absl::StrCat("available in none of the event's ", slots,
                            " slots: ask them to add slots to their availability"));
    return d;
  }
  if (c.opted_out) {
    d.set_cause(v1::AttendeeDiagnostic::OPTED_OUT);
    d.set_hint("no budget left: they opted out or their meetings are all confirmed");
    return d;
  }
  if (c.in_common == 0) {
    d.set_cause(v1::AttendeeDiagnostic::NO_FEASIBLE_PARTNER);
    d.set_hint(
        "nobody shares an interest, offer or seek with them: ask them to add interests, "
        "offers or seeks");
    return d;
  }
  if (c.feasible == 0) {
    d.set_cause(v1::AttendeeDiagnostic::NO_FEASIBLE_PARTNER);
    const std::vector<std::pair<int64_t, std::string>> causes = {
        {c.no_common_slot, "share no free slot with them: ask them to add slots"},
        {c.same_organisation,
         "are in their organisation: relax avoid_same_organisation or invite others"},
        {c.no_common_language, "share no language with them: ask them to add languages"},
        {c.avoided_or_excluded, "are avoided, declined or met before: review avoid lists"},
        {c.partner_opted_out, "have no budget left: raise budgets or default_meetings"},
    };
    const auto worst =
        std::max_element(causes.begin(), causes.end(),
                         [](const auto& x, const auto& y) { return x.first < y.first; });
    d.set_hint(absl::StrCat(worst->first, " of the ", c.in_common,
                            " attendees with something in common ", worst->second));
    return d;
  }
  d.set_cause(v1::AttendeeDiagnostic::LEFT_OUT);
  d.set_hint(LeftOutHint(*e, *problem, e->index_of.at(a.id()), c.feasible, occupancy));
  return d;
}

// What the organiser can do about an attendee without any meeting.
v1::AttendeeDiagnostic Diagnose(const matching::EngineEvent* e, const match::MatchProblem* problem,
                                const v1::Attendee& a, const Occupancy& occupancy) {
  v1::AttendeeDiagnostic d = DiagnoseCause(e, problem, a, occupancy);
  if (a.interests().empty() && d.cause() != v1::AttendeeDiagnostic::OPTED_OUT) {
    // Thin profiles meet only through offers, seeks and open pairings.
    d.set_hint(
        absl::StrCat(d.hint(), "; they list no interests: adding some gives them better matches"));
  }
  return d;
}

}  // namespace

struct MatchingService::Bounds {
  absl::Mutex mu;
  storage::Store* store ABSL_GUARDED_BY(mu);  // null once the service is gone
  bool thread_running ABSL_GUARDED_BY(mu) = false;
  // By event: a newer run's bound replaces an older one's still waiting.
  std::map<uint64_t, matching::DeferredBound> pending ABSL_GUARDED_BY(mu);
  std::function<void(uint64_t, uint64_t)> before, after;
};

namespace {

matching::RunOptions WithDeferral(matching::RunOptions run,
                                  std::function<void(matching::DeferredBound)> defer) {
  if (!run.defer_bound) run.defer_bound = std::move(defer);
  return run;
}

}  // namespace

MatchingService::MatchingService(storage::Store* store, const Authenticator* auth,
                                 WorkerPool* workers, LiveAgendas* live,
                                 MatchingServiceOptions options)
    : store_(store),
      auth_(auth),
      workers_(workers),
      live_(live),
      options_([&] {
        options.run = WithDeferral(std::move(options.run), [this](matching::DeferredBound job) {
          DeferBound(std::move(job));
        });
        return std::move(options);
      }()),
      runs_(std::make_unique<WorkerPool>(std::max(1, options_.run_threads))),
      bounds_(std::make_shared<Bounds>()) {
  absl::MutexLock lock(&bounds_->mu);
  bounds_->store = store_;
  bounds_->before = options_.before_bound;
  bounds_->after = options_.after_bound;
}

MatchingService::~MatchingService() {
  runs_.reset();
  absl::MutexLock lock(&bounds_->mu);
  bounds_->store = nullptr;
  bounds_->pending.clear();
}

void MatchingService::DeferBound(matching::DeferredBound job) {
  absl::MutexLock lock(&bounds_->mu);
  if (bounds_->store == nullptr) return;
  auto it = bounds_->pending.find(job.event_id);
  if (it != bounds_->pending.end()) {
    matching::RecordBound(bounds_->store, it->second.event_id, it->second.run_id,
                          absl::CancelledError("a newer run of the event replaced this one"))
        .IgnoreError();  // the older run's record only says why it has no bound
    it->second = std::move(job);
  } else {
    const uint64_t event_id = job.event_id;
    bounds_->pending.emplace(event_id, std::move(job));
  }
  if (!bounds_->thread_running) {
    bounds_->thread_running = true;
    std::thread(&MatchingService::ComputeBounds, bounds_).detach();
  }
}

void MatchingService::ComputeBounds(std::shared_ptr<Bounds> bounds) {
  while (true) {
    matching::DeferredBound job;
    {
      absl::MutexLock lock(&bounds->mu);
      if (bounds->store == nullptr || bounds->pending.empty()) {
        bounds->thread_running = false;
        return;
      }
      job = std::move(bounds->pending.begin()->second);
      bounds->pending.erase(bounds->pending.begin());
    }
    if (bounds->before) bounds->before(job.event_id, job.run_id);
    const absl::StatusOr<int64_t> bound = match::ComputeUpperBound(job.graph, job.input);
    absl::MutexLock lock(&bounds->mu);
    if (bounds->store == nullptr) {
      bounds->thread_running = false;
      return;
    }
    absl::Status s = matching::RecordBound(bounds->store, job.event_id, job.run_id, bound);
    if (!s.ok()) {
      LOG(WARNING) << "event " << job.event_id << " run " << job.run_id
                   << ": could not record the upper bound: " << s;
    }
    if (bounds->after) bounds->after(job.event_id, job.run_id);
  }
}

absl::StatusOr<int> MatchingService::RecoverInterruptedRuns(storage::Store* store, int64_t now) {
  int marked = 0;
  absl::Status s = domain::ForEachEvent(*store, [&](const v1::Event& event) -> absl::Status {
    absl::StatusOr<v1::MatchingRun> run = store->LatestRun(event.id());
    if (absl::IsNotFound(run.status())) return absl::OkStatus();
    if (!run.ok()) return run.status();
    if (run->report().bound_status() == v1::QualityReport::BOUND_PENDING) {
      // Its graph was in memory only; a new run certifies the event again.
      run->mutable_report()->set_bound_status(v1::QualityReport::BOUND_FAILED);
      run->mutable_report()->set_bound_error(
          "the server restarted while computing it: run matching again for a certified quality");
      if (Final(run->phase())) return store->PutRun(*run);
    }
    if (Final(run->phase())) return absl::OkStatus();
    run->set_phase(v1::MatchingRun::FAILED);
    run->set_error("interrupted by a restart");
    run->set_end_time(now);
    ++marked;
    return store->PutRun(*run);
  });
  if (!s.ok()) return s;
  return marked;
}

absl::StatusOr<v1::Event> MatchingService::Event(const grpc::CallbackServerContext& context,
                                                 absl::string_view method,
                                                 uint64_t event_id) const {
  return AuthorizedEvent(*auth_, *store_, context, Method(method), event_id);
}

grpc::ServerWriteReactor<v1::MatchingRun>* MatchingService::StartMatchingRun(
    grpc::CallbackServerContext* context, const v1::StartMatchingRunRequest* request) {
  Principal who;
  absl::StatusOr<v1::Event> event = AuthorizedEvent(
      *auth_, *store_, *context, Method("StartMatchingRun"), request->event_id(), &who);
  if (!event.ok()) return Refuse<v1::MatchingRun>(event.status());
  if (event->status() != v1::OPEN && event->status() != v1::SCHEDULED) {
    return Refuse<v1::MatchingRun>(absl::FailedPreconditionError(
        absl::StrCat("event ", event->id(), " is ", v1::EventStatus_Name(event->status()),
                     ": matching runs need an OPEN or SCHEDULED event")));
  }
  absl::Status ready = domain::CheckEventReady(*event);
  if (!ready.ok()) return Refuse<v1::MatchingRun>(ready);
  const uint64_t event_id = event->id();
  {
    absl::MutexLock lock(&mu_);
    if (!running_.insert(event_id).second) {
      return Refuse<v1::MatchingRun>(absl::FailedPreconditionError(absl::StrCat(
          "a matching run of event ", event_id, " is in progress: follow it with GetMatchingRun")));
    }
  }
  auto* writer = new RunWriter();
  // The run goes on without its stream: only the progress messages need a place.
  if (absl::Status slot = writer->HoldSlot(*auth_, *context, who); !slot.ok()) {
    {
      absl::MutexLock lock(&mu_);
      running_.erase(event_id);
    }
    writer->Close(ToGrpcStatus(slot));
    return writer;
  }
  writer->Ref();  // the run's
  matching::RunOptions run_options = options_.run;
  run_options.seed = request->seed() == 0 ? 1 : request->seed();
  if (run_options.now_unix_seconds == 0 && live_ != nullptr) {
    run_options.now_unix_seconds = live_->Now();
  }
  runs_->Submit([this, writer, event_id, run_options] {
    if (options_.before_run) options_.before_run(event_id);
    bool recorded = false;  // a run record exists: its last message says how the run ended
    absl::StatusOr<v1::MatchingRun> run = matching::RunMatching(
        store_, event_id, run_options, [writer, &recorded](const v1::MatchingRun& progress) {
          recorded = true;
          writer->Push(progress);  // false once the client left: the run goes on
        });
    {
      absl::MutexLock lock(&mu_);
      running_.erase(event_id);
    }
    if (live_ != nullptr) live_->RunFinished(event_id);
    writer->Close(recorded ? grpc::Status::OK : ToGrpcStatus(run.status()));
    writer->Unref();
    // The first repair after the run should not pay for candidate generation.
    if (live_ != nullptr && run.ok()) live_->Warm(event_id);
  });
  return writer;
}

grpc::ServerUnaryReactor* MatchingService::GetMatchingRun(grpc::CallbackServerContext* context,
                                                          const v1::GetMatchingRunRequest* request,
                                                          v1::MatchingRun* response) {
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<v1::Event> event = Event(*context, "GetMatchingRun", request->event_id());
    if (!event.ok()) return event.status();
    absl::StatusOr<v1::MatchingRun> run = request->run_id() == 0
                                              ? store_->LatestRun(event->id())
                                              : store_->GetRun(event->id(), request->run_id());
    if (!run.ok()) return run.status();
    *response = *std::move(run);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* MatchingService::GetQualityReport(
    grpc::CallbackServerContext* context, const v1::GetQualityReportRequest* request,
    v1::GetQualityReportResponse* response) {
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<v1::Event> event = Event(*context, "GetQualityReport", request->event_id());
    if (!event.ok()) return event.status();
    absl::StatusOr<int> size = PageSize(request->page_size());
    if (!size.ok()) return size.status();
    absl::StatusOr<uint64_t> after = DecodeIdPageToken(request->page_token());
    if (!after.ok()) return after.status();
    absl::StatusOr<v1::MatchingRun> run = store_->LatestRun(event->id());
    if (!run.ok()) return run.status();
    *response->mutable_run() = *std::move(run);

    Occupancy occupancy;
    absl::Status s = store_->ScanMeetings(event->id(), [&](const v1::Meeting& m) {
      if (domain::OccupyingState(m.state())) {
        ++occupancy.meetings[m.attendee_a()];
        ++occupancy.meetings[m.attendee_b()];
        ++occupancy.slot_meetings[m.slot_id()];
      }
      return true;
    });
    if (!s.ok()) return s;
    std::vector<v1::Attendee> page;
    s = store_->ScanAttendees(event->id(), [&](const v1::Attendee& a) {
      if (a.id() > *after && !occupancy.meetings.contains(a.id())) page.push_back(a);
      return static_cast<int>(page.size()) <= *size;
    });
    if (!s.ok()) return s;
    const bool more = static_cast<int>(page.size()) > *size;
    if (more) page.resize(*size);
    std::optional<matching::EngineEvent> engine;
    std::optional<match::MatchProblem> problem;
    if (!page.empty()) {
      absl::StatusOr<matching::EngineEvent> loaded =
          matching::LoadEngineEvent(*store_, event->id());
      if (loaded.ok()) {
        absl::StatusOr<match::MatchProblem> created = match::MatchProblem::Create(loaded->input);
        if (!created.ok()) return created.status();
        engine = *std::move(loaded);
        problem = *std::move(created);
      } else if (!absl::IsFailedPrecondition(loaded.status())) {
        return loaded.status();
      }
    }
    for (const v1::Attendee& a : page) {
      *response->add_without_meeting() =
          Diagnose(engine ? &*engine : nullptr, problem ? &*problem : nullptr, a, occupancy);
    }
    if (more) response->set_next_page_token(EncodePageToken(absl::StrCat(page.back().id())));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* MatchingService::ListMeetings(grpc::CallbackServerContext* context,
                                                        const v1::ListMeetingsRequest* request,
                                                        v1::ListMeetingsResponse* response) {
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<v1::Event> event = Event(*context, "ListMeetings", request->event_id());
    if (!event.ok()) return event.status();
    absl::StatusOr<int> size = PageSize(request->page_size());
    if (!size.ok()) return size.status();
    absl::StatusOr<uint64_t> after = DecodeIdPageToken(request->page_token());
    if (!after.ok()) return after.status();
    if (!v1::Meeting::State_IsValid(request->state())) {
      return absl::InvalidArgumentError("state: not a Meeting.State");
    }
    auto wanted = [&](const v1::Meeting& m) {
      return m.id() > *after &&
             (request->state() == v1::Meeting::STATE_UNSPECIFIED ||
              m.state() == request->state()) &&
             (request->slot_id().empty() || m.slot_id() == request->slot_id());
    };
    std::vector<v1::Meeting> rows;
    if (request->attendee_id() != 0) {
      auto of = store_->ListMeetingsOfAttendee(event->id(), request->attendee_id());
      if (!of.ok()) return of.status();
      for (v1::Meeting& m : *of) {
        if (wanted(m) && static_cast<int>(rows.size()) <= *size) rows.push_back(std::move(m));
      }
    } else {
      for (uint64_t from = *after; static_cast<int>(rows.size()) <= *size;) {
        auto batch = store_->ListMeetings(event->id(), from, kScanBatch);
        if (!batch.ok()) return batch.status();
        for (v1::Meeting& m : *batch) {
          if (wanted(m) && static_cast<int>(rows.size()) <= *size) rows.push_back(std::move(m));
        }
        if (static_cast<int>(batch->size()) < kScanBatch) break;
        from = batch->back().id();
      }
    }
    response->set_next_page_token(
        TakePage(std::move(rows), *size, response->mutable_meetings(),
                 [](const v1::Meeting& m) { return absl::StrCat(m.id()); }));
    auto& external_ids = *response->mutable_external_ids();
    for (const v1::Meeting& m : response->meetings()) {
      for (uint64_t id : {m.attendee_a(), m.attendee_b()}) {
        if (external_ids.count(id) > 0) continue;
        absl::StatusOr<v1::Attendee> attendee = store_->GetAttendee(event->id(), id);
        if (absl::IsNotFound(attendee.status())) continue;  // erased since
        if (!attendee.ok()) return attendee.status();
        external_ids[id] = attendee->external_id();
      }
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* MatchingService::PublishSchedule(
    grpc::CallbackServerContext* context, const v1::PublishScheduleRequest* request,
    v1::Event* response) {
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<v1::Event> event = Event(*context, "PublishSchedule", request->event_id());
    if (!event.ok()) return event.status();
    absl::StatusOr<v1::MatchingRun> run = store_->LatestRun(event->id());
    if (absl::IsNotFound(run.status()) || (run.ok() && run->phase() != v1::MatchingRun::DONE)) {
      return absl::FailedPreconditionError(
          absl::StrCat("event ", event->id(), " has no finished matching run to publish",
                       run.ok() ? absl::StrCat(" (run ", run->id(), " is ",
                                               v1::MatchingRun::Phase_Name(run->phase()), ")")
                                : std::string()));
    }
    if (!run.ok()) return run.status();
    absl::StatusOr<storage::Mutated<v1::Event>> updated =
        store_->MutateEvent(event->id(), [&](v1::Event* e) -> absl::Status {
          if (e->status() == v1::SCHEDULED) return absl::OkStatus();
          if (e->status() != v1::OPEN) {
            return absl::FailedPreconditionError(
                absl::StrCat("event ", e->id(), " is ", v1::EventStatus_Name(e->status()),
                             ": only an OPEN event can be published"));
          }
          e->set_status(v1::SCHEDULED);
          return absl::OkStatus();
        });
    if (!updated.ok()) return updated.status();
    *response = std::move(updated->record);
    return absl::OkStatus();
  });
}

grpc::ServerWriteReactor<v1::CsvChunk>* MatchingService::ExportMeetings(
    grpc::CallbackServerContext* context, const v1::ExportMeetingsRequest* request) {
  Principal who;
  absl::StatusOr<v1::Event> event = AuthorizedEvent(
      *auth_, *store_, *context, Method("ExportMeetings"), request->event_id(), &who);
  if (!event.ok()) return Refuse<v1::CsvChunk>(event.status());
  auto* writer = new CsvWriter();
  if (absl::Status slot = writer->HoldSlot(*auth_, *context, who); !slot.ok()) {
    writer->Close(ToGrpcStatus(slot));
    return writer;
  }
  writer->Ref();  // the exporter's
  workers_->Submit([this, writer, event = *std::move(event)] {
    auto export_all = [&]() -> absl::Status {
      struct Who {
        std::string external_id;
        std::string name;
      };
      absl::flat_hash_map<uint64_t, Who> who;
      absl::Status s = store_->ScanAttendees(event.id(), [&](const v1::Attendee& a) {
        who[a.id()] = {a.external_id(), a.display_name()};
        return true;
      });
      if (!s.ok()) return s;
      absl::flat_hash_map<std::string, const v1::Slot*> slots;
      for (const v1::Slot& slot : event.slots()) slots[slot.id()] = &slot;
      std::string chunk;
      AppendCsvRow({"meeting_id", "slot_id", "start", "end", "location_id", "table", "state",
                    "attendee_a_external_id", "attendee_a_name", "attendee_b_external_id",
                    "attendee_b_name", "score"},
                   &chunk);
      auto flush = [&](bool last) {
        if (chunk.empty() || (!last && chunk.size() < kCsvChunkBytes)) return true;
        v1::CsvChunk message;
        message.set_data(std::move(chunk));
        chunk.clear();
        return writer->Push(std::move(message)) && writer->WaitForRoom(4);
      };
      for (uint64_t after = 0;;) {
        auto batch = store_->ListMeetings(event.id(), after, kScanBatch);
        if (!batch.ok()) return batch.status();
        for (const v1::Meeting& m : *batch) {
          auto slot = slots.find(m.slot_id());
          const Who& a = who[m.attendee_a()];
          const Who& b = who[m.attendee_b()];
          AppendCsvRow(
              {absl::StrCat(m.id()), m.slot_id(),
               slot == slots.end() ? "" : IsoUtc(slot->second->start_time()),
               slot == slots.end() ? "" : IsoUtc(slot->second->end_time()), m.location_id(),
               absl::StrCat(m.table()), v1::Meeting::State_Name(m.state()), a.external_id, a.name,
               b.external_id, b.name, absl::StrCat(m.score())},
              &chunk);
          if (!flush(false)) return absl::CancelledError("client went away");
        }
        if (static_cast<int>(batch->size()) < kScanBatch) break;
        after = batch->back().id();
      }
      if (!flush(true)) return absl::CancelledError("client went away");
      return absl::OkStatus();
    };
    writer->Close(ToGrpcStatus(export_all()));
    writer->Unref();
  });
  return writer;
}

grpc::ServerUnaryReactor* MatchingService::GetAttendeeCalendar(
    grpc::CallbackServerContext* context, const v1::GetAttendeeCalendarRequest* request,
    v1::Calendar* response) {
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<v1::Event> event = Event(*context, "GetAttendeeCalendar", request->event_id());
    if (!event.ok()) return event.status();
    if (request->attendee_id() == 0) return absl::InvalidArgumentError("attendee_id: required");
    absl::StatusOr<v1::Attendee> attendee =
        store_->GetAttendee(event->id(), request->attendee_id());
    if (!attendee.ok()) return attendee.status();
    absl::StatusOr<v1::Calendar> calendar = CalendarOf(*store_, *event, attendee->id());
    if (!calendar.ok()) return calendar.status();
    *response = *std::move(calendar);
    return absl::OkStatus();
  });
}

}  // namespace parley::services
