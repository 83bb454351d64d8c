#ifndef PARLEY_SERVICES_MATCHING_SERVICE_H_
#define PARLEY_SERVICES_MATCHING_SERVICE_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "parley/v1/matching_service.grpc.pb.h"
#include "services/auth/auth.h"
#include "services/live/live_agendas.h"
#include "services/live/worker_pool.h"
#include "services/runs/run.h"
#include "storage/store.h"

namespace parley::services {

struct MatchingServiceOptions {
  // Threads that execute matching runs (each run also uses run.threads for candidates).
  // Default: 1 (runs of different events queue).
  int run_threads = 1;
  // Engine options of every run; seed is taken from the request. now_unix_seconds 0 = clock.
  matching::RunOptions run;
  // For tests: called on the run thread before each run starts (e.g. to hold it). Default: none.
  std::function<void(uint64_t event_id)> before_run;
  // For tests: called on the bound thread before a deferred bound is computed (e.g. to hold
  // it), and after its outcome is recorded. Default: none.
  std::function<void(uint64_t event_id, uint64_t run_id)> before_bound;
  std::function<void(uint64_t event_id, uint64_t run_id)> after_bound;
};

// The organiser's matching calls (see matching_service.proto). Every call resolves the
// community from the token; events of other communities are NOT_FOUND. Runs execute on this
// service's run threads and exports on `workers`, never on gRPC's threads; a run goes on (and
// is recorded) when its client goes away. One run per event at a time.
// Upper bounds of events too large to certify within the run (RunOptions::bound_max_attendees)
// are computed afterwards on one background thread, newest run per event first; the run record
// says BOUND_PENDING until then. That thread is detached: the destructor does not wait for a
// bound (minutes at 150,000 attendees), it only makes sure nothing is written after it returns.
// Thread-safe. `store`, `auth`, `workers` and `live` are not owned and must outlive this
// service; the destructor waits for the runs in progress (call CancelRuns() first to make that
// quick).
class MatchingService final : public v1::MatchingService::CallbackService {
 public:
  MatchingService(storage::Store* store, const Authenticator* auth, WorkerPool* workers,
                  LiveAgendas* live, MatchingServiceOptions options);
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
  LiveAgendas* const live_;
  struct Bounds;
  static void ComputeBounds(std::shared_ptr<Bounds> bounds);
  void DeferBound(matching::DeferredBound job);
  // Shared with the bound thread, which may outlive this service. Before options_, whose runs
  // poll its cancel flag.
  std::shared_ptr<Bounds> bounds_;
  const MatchingServiceOptions options_;
  absl::Mutex mu_;
  absl::flat_hash_set<uint64_t> running_ ABSL_GUARDED_BY(mu_);  // events with a run
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::unique_ptr<WorkerPool> runs_;
};

}  // namespace parley::services

#endif  // PARLEY_SERVICES_MATCHING_SERVICE_H_
