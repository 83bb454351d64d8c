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
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/api/event_access.h"
#include "services/api/grpc_status.h"
#include "services/api/paging.h"
#include "services/api/queued_writer.h"
#include "services/domain/agenda_views.h"
#include "services/domain/csv_reader.h"
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

// RFC 4180's line break, which the export has always written.
constexpr absl::string_view kCsvLineBreak = "\r\n";

// Streams the run's progress; the run holds a reference until it is over.
using RunWriter = QueuedWriter<v1::MatchingRun>;
using CsvWriter = QueuedWriter<v1::CsvChunk>;

template <typename T>
QueuedWriter<T>* Refuse(const absl::Status& status) {
  auto* writer = new QueuedWriter<T>();
  writer->Close(ToGrpcStatus(status));
  return writer;
}

}  // namespace

struct MatchingService::Bounds {
  // Raised by CancelRuns(): stops the runs and the bound not yet started. Here rather than in the
  // service because the bound thread may outlive the service.
  match::CancelFlag cancel{false};
  absl::Mutex mu;
  storage::Store* store ABSL_GUARDED_BY(mu);  // null once the service is gone
  bool thread_running ABSL_GUARDED_BY(mu) = false;
  // By event: a newer run's bound replaces an older one's still waiting.
  std::map<uint64_t, matching::DeferredBound> pending ABSL_GUARDED_BY(mu);
  std::shared_ptr<RunObserver> observer;  // set before the thread starts; never null
};

namespace {

matching::RunOptions WithDeferral(matching::RunOptions run,
                                  std::function<void(matching::DeferredBound)> defer) {
  if (!run.defer_bound) run.defer_bound = std::move(defer);
  return run;
}

}  // namespace

MatchingService::MatchingService(storage::Store* store, const Authenticator* auth,
                                 WorkerPool* workers, WorkerPool* expensive, LiveAgendas* live,
                                 AgendaService* views, matching::OrganiserReads* reads,
                                 MatchingServiceOptions options,
                                 std::shared_ptr<RunObserver> observer)
    : store_(store),
      auth_(auth),
      workers_(workers),
      expensive_(expensive),
      live_(live),
      views_(views),
      reads_(reads),
      bounds_(std::make_shared<Bounds>()),
      options_([&] {
        options.run = WithDeferral(std::move(options.run), [this](matching::DeferredBound job) {
          DeferBound(std::move(job));
        });
        options.run.cancel = &bounds_->cancel;
        options.run.cancel_reason = "the server is shutting down";
        return std::move(options);
      }()),
      observer_(observer != nullptr ? std::move(observer) : std::make_shared<RunObserver>()),
      runs_(std::make_unique<WorkerPool>(std::max(1, options_.run_threads), options_.run_queue,
                                         "parley-run")) {
  absl::MutexLock lock(&bounds_->mu);
  bounds_->store = store_;
  bounds_->observer = observer_;
}

void MatchingService::CancelRuns() {
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
  }
  bounds_->cancel.store(true);
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
    bounds->observer->BeforeBound(job.event_id, job.run_id);
    match::BoundOptions bound_options;
    bound_options.cancel = &bounds->cancel;
    const absl::StatusOr<int64_t> bound =
        match::ComputeUpperBound(job.graph, job.input, bound_options);
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
    bounds->observer->AfterBound(job.event_id, job.run_id);
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
  matching::RunOptions run_options = options_.run;
  run_options.seed = request->seed() == 0 ? 1 : request->seed();
  if (run_options.now_unix_seconds == 0 && live_ != nullptr) {
    run_options.now_unix_seconds = live_->Now();
  }
  ready = domain::CheckSlotsAhead(*event, run_options.now_unix_seconds != 0
                                              ? run_options.now_unix_seconds
                                              : absl::ToUnixSeconds(absl::Now()));
  if (!ready.ok()) return Refuse<v1::MatchingRun>(ready);
  const uint64_t event_id = event->id();
  {
    absl::MutexLock lock(&mu_);
    if (cancelled_) {
      return Refuse<v1::MatchingRun>(
          absl::UnavailableError("the server is shutting down: start the run after it restarts"));
    }
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
  absl::Status queued = runs_->TrySubmit([this, writer, event_id, run_options] {
    observer_->BeforeRun(event_id);
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
    // The first repair and the first reads after the run should not pay for candidate
    // generation or cold views (nor shutdown wait for them).
    const bool warm = run.ok() && !match::Cancelled(&bounds_->cancel);
    if (live_ != nullptr && warm) live_->Warm(event_id);
    if (views_ != nullptr && warm) {
      absl::Status warmed = views_->WarmViews(event_id);
      if (!warmed.ok()) LOG(WARNING) << "views of event " << event_id << ": " << warmed;
    }
    if (reads_ != nullptr && warm) {
      absl::Status warmed = reads_->Warm(event_id);
      if (!warmed.ok()) LOG(WARNING) << "organiser reads of event " << event_id << ": " << warmed;
    }
  });
  if (!queued.ok()) {
    {
      absl::MutexLock lock(&mu_);
      running_.erase(event_id);
    }
    writer->Close(ToGrpcStatus(queued));
    writer->Unref();
  }
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
  absl::StatusOr<v1::Event> event = Event(*context, "GetQualityReport", request->event_id());
  if (!event.ok()) return FinishNow(context, event.status());
  // From maintained state (runs/organiser_reads.h); the first read after a run that Warm did not
  // reach yet, or a page of new diagnoses, may take seconds.
  return FinishOn(expensive_, context, [this, request, response, event]() -> absl::Status {
    absl::StatusOr<int> size = PageSize(request->page_size());
    if (!size.ok()) return size.status();
    absl::StatusOr<uint64_t> after = DecodeIdPageToken(request->page_token());
    if (!after.ok()) return after.status();
    absl::StatusOr<v1::MatchingRun> run = store_->LatestRun(event->id());
    if (!run.ok()) return run.status();
    *response->mutable_run() = *std::move(run);

    absl::StatusOr<matching::WithoutMeetingPage> page =
        reads_->WithoutMeeting(event->id(), *after, *size);
    if (!page.ok()) return page.status();
    response->set_total_without_meeting(page->total);
    for (v1::AttendeeDiagnostic& d : page->diagnoses) {
      *response->add_without_meeting() = std::move(d);
    }
    if (page->more && !response->without_meeting().empty()) {
      response->set_next_page_token(EncodePageToken(absl::StrCat(
          response->without_meeting(response->without_meeting_size() - 1).attendee_id())));
    }

    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* MatchingService::ListMeetings(grpc::CallbackServerContext* context,
                                                        const v1::ListMeetingsRequest* request,
                                                        v1::ListMeetingsResponse* response) {
  // Still on gRPC's thread (see grpc_status.h): a page, but a filtered one may scan the event.
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
  return FinishOn(workers_, context, [this, context, request, response]() -> absl::Status {
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
  absl::Status queued = expensive_->TrySubmit([this, writer, event = *std::move(event)] {
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
      domain::AppendCsvRecord({"meeting_id", "slot_id", "start", "end", "location_id", "table",
                               "state", "attendee_a_external_id", "attendee_a_name",
                               "attendee_b_external_id", "attendee_b_name", "score"},
                              kCsvLineBreak, &chunk);
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
          domain::AppendCsvRecord(
              {absl::StrCat(m.id()), m.slot_id(),
               slot == slots.end() ? "" : IsoUtc(slot->second->start_time()),
               slot == slots.end() ? "" : IsoUtc(slot->second->end_time()), m.location_id(),
               absl::StrCat(m.table()), v1::Meeting::State_Name(m.state()), a.external_id, a.name,
               b.external_id, b.name, absl::StrCat(m.score())},
              kCsvLineBreak, &chunk);
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
  if (!queued.ok()) {
    writer->Close(ToGrpcStatus(queued));
    writer->Unref();
  }
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
