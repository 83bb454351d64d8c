#ifndef PARLEY_SERVICES_MATCHING_SERVICE_H_
#define PARLEY_SERVICES_MATCHING_SERVICE_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "parley/v1/matching_service.grpc.pb.h"
#include "services/api/agenda_service.h"
#include "services/auth/auth.h"
#include "services/live/live_agendas.h"
#include "services/live/worker_pool.h"
#include "services/runs/organiser_reads.h"
#include "services/runs/run.h"
#include "storage/store.h"

namespace parley::services {

struct MatchingServiceOptions {
  // Threads that execute matching runs (each run also uses run.threads for candidates).
  // Default: 1 (runs of different events queue).
  int run_threads = 1;
  // Runs of other events that may wait for a run thread; beyond it StartMatchingRun is
  // RESOURCE_EXHAUSTED. Default: 8.
  size_t run_queue = 8;
  // Engine options of every run; seed is taken from the request. now_unix_seconds 0 = clock.
  matching::RunOptions run;
};

// Told where a run and a deferred bound start and end, on the thread that runs them. Tests hold
// a run or a bound here; the default does nothing. Implementations must be thread-safe.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  // On the run thread, before the run of `event_id` starts.
  virtual void BeforeRun(uint64_t /*event_id*/) {}
  // On the bound thread, before a deferred bound is computed, and after its outcome is
  // recorded.
  virtual void BeforeBound(uint64_t /*event_id*/, uint64_t /*run_id*/) {}
  virtual void AfterBound(uint64_t /*event_id*/, uint64_t /*run_id*/) {}
};

// The organiser's matching calls (see matching_service.proto). Every call resolves the
// community from the token; events of other communities are NOT_FOUND. Runs execute on this
// service's run threads; quality reports and exports on `expensive` (bounded:
// RESOURCE_EXHAUSTED when its queue is full), publishing on `workers`: never on gRPC's threads.
// A run goes on (and is recorded) when its client goes away. One run per event at a time; after
// a run, the attendees' views are built (`views`, may be null) so that no read pays for a cold
// one.
// Upper bounds of events too large to certify within the run (RunOptions::bound_max_attendees)
// are computed afterwards on one background thread, newest run per event first; the run record
// says BOUND_PENDING until then. That thread is detached: the destructor does not wait for a
// bound (minutes at 150,000 attendees), it only makes sure nothing is written after it returns.
// Thread-safe. `store`, `auth`, `workers`, `expensive`, `live` and `views` are not owned and
// must outlive this service; the destructor waits for the runs in progress (call CancelRuns()
// first to make that quick). `observer` is shared with the bound thread (null: none).
class MatchingService final : public v1::MatchingService::CallbackService {
 public:
  // `reads` (not owned; must outlive the service, and hear the store's commits) answers the
  // quality report's "why nothing?" and is warmed after each run.
  MatchingService(storage::Store* store, const Authenticator* auth, WorkerPool* workers,
                  WorkerPool* expensive, LiveAgendas* live, AgendaService* views,
                  matching::OrganiserReads* reads, MatchingServiceOptions options,
                  std::shared_ptr<RunObserver> observer = nullptr);
  ~MatchingService() override;

  // Records every run left in a non-final phase (by a crash or restart) as FAILED, "interrupted
  // by a restart", and a bound left BOUND_PENDING as BOUND_FAILED. Call before serving. Returns
  // how many runs it marked FAILED.
  static absl::StatusOr<int> RecoverInterruptedRuns(storage::Store* store, int64_t now);

  // For shutdown: the runs in progress and queued stop at the engine's next check (within a
  // fraction of a second at any size) and are recorded FAILED, "the server is shutting down:
  // cancelled during <phase>; the previous schedule is unchanged", their streams ending OK with
  // that record; a deferred bound not yet started is dropped. Later StartMatchingRun calls get
  // UNAVAILABLE. Idempotent; thread-safe.
  void CancelRuns();

  grpc::ServerWriteReactor<v1::MatchingRun>* StartMatchingRun(
      grpc::CallbackServerContext* context, const v1::StartMatchingRunRequest* request) override;
  grpc::ServerUnaryReactor* GetMatchingRun(grpc::CallbackServerContext* context,
                                           const v1::GetMatchingRunRequest* request,
                                           v1::MatchingRun* response) override;
  grpc::ServerUnaryReactor* GetQualityReport(grpc::CallbackServerContext* context,
                                             const v1::GetQualityReportRequest* request,
                                             v1::GetQualityReportResponse* response) override;
  grpc::ServerUnaryReactor* ListMeetings(grpc::CallbackServerContext* context,
                                         const v1::ListMeetingsRequest* request,
                                         v1::ListMeetingsResponse* response) override;
  grpc::ServerUnaryReactor* PublishSchedule(grpc::CallbackServerContext* context,
                                            const v1::PublishScheduleRequest* request,
                                            v1::Event* response) override;
  grpc::ServerWriteReactor<v1::CsvChunk>* ExportMeetings(
      grpc::CallbackServerContext* context, const v1::ExportMeetingsRequest* request) override;
  grpc::ServerUnaryReactor* GetAttendeeCalendar(grpc::CallbackServerContext* context,
                                                const v1::GetAttendeeCalendarRequest* request,
                                                v1::Calendar* response) override;

 private:
  absl::StatusOr<v1::Event> Event(const grpc::CallbackServerContext& context,
                                  absl::string_view method, uint64_t event_id) const;

  storage::Store* const store_;
  const Authenticator* const auth_;
  WorkerPool* const workers_;
  WorkerPool* const expensive_;
  LiveAgendas* const live_;
  AgendaService* const views_;
  matching::OrganiserReads* const reads_;
  struct Bounds;
  static void ComputeBounds(std::shared_ptr<Bounds> bounds);
  void DeferBound(matching::DeferredBound job);
  // Shared with the bound thread, which may outlive this service. Before options_, whose runs
  // poll its cancel flag.
  std::shared_ptr<Bounds> bounds_;
  const MatchingServiceOptions options_;
  const std::shared_ptr<RunObserver> observer_;
  absl::Mutex mu_;
  absl::flat_hash_set<uint64_t> running_ ABSL_GUARDED_BY(mu_);  // events with a run
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::unique_ptr<WorkerPool> runs_;
};

}  // namespace parley::services

#endif  // PARLEY_SERVICES_MATCHING_SERVICE_H_
