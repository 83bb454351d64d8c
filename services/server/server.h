#ifndef PARLEY_SERVICES_SERVER_H_
#define PARLEY_SERVICES_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/api/admin_service.h"
#include "services/api/agenda_service.h"
#include "services/api/attendee_service.h"
#include "services/api/health_service.h"
#include "services/api/matching_service.h"
#include "services/api/organizer_service.h"
#include "services/api/relationship_service.h"
#include "services/auth/auth.h"
#include "services/auth/person_key.h"
#include "services/auth/rate_limiter.h"
#include "services/auth/stream_limiter.h"
#include "services/domain/clock.h"
#include "services/live/live_agendas.h"
#include "services/live/worker_pool.h"
#include "storage/store.h"
#include "storage/store_versions.h"

namespace parley::services {

struct ServerOptions {
  // host:port to listen on; port 0 picks a free port (see Server::port()). Empty: no socket,
  // in-process channels only (tests). Default: 127.0.0.1:50051.
  std::string listen_address = "127.0.0.1:50051";
  // PEM files. Both or neither. With them the server speaks TLS only.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Allow plaintext on a non-loopback address. Default: false (refused).
  bool insecure = false;
  // Largest message in either direction. Default: 16 MiB.
  int max_message_bytes = 16 << 20;
  // Directory of the store. Required.
  std::string data_dir;
  // See StoreOptions::sync_writes. Default: true.
  bool sync_writes = true;
  // See StoreOptions::salvage_wal: open a store whose write-ahead log is damaged by dropping
  // what follows the damage (logged). Default: false (refuse to start, naming the damage).
  bool salvage_wal = false;
  // See StoreOptions::min_free_bytes: writes fail with RESOURCE_EXHAUSTED below this much free
  // disk. Default: 64 MiB.
  uint64_t min_free_disk_bytes = 64u << 20;
  // See StoreOptions::erasure_delay: a removed attendee's records leave every file within this
  // (and at shutdown). Default: 10 s.
  absl::Duration erasure_delay = absl::Seconds(10);
  // The operator token file; created (mode 0600) with a new token if missing. Required.
  std::string admin_token_file;
  // The key of the person_ref hashes (services/auth/person_key.h); created (mode 0600) if missing.
  // Keep it with the store's backups: without it, re-imported person_refs no longer match the
  // remembered ones. Empty: "person.key" beside admin_token_file.
  std::string person_key_file;
  // Per-token rate limit (see RateLimitOptions; per_second <= 0: none). Default: 1000 calls
  // per second per token, bursts of 2000.
  RateLimitOptions rate_limit;
  // Calls that fail authentication (no, malformed, unknown or revoked token), per client
  // address. Default: 20 per second, bursts of 100 (a client with a wrong token learns it
  // long before; a flood of garbage tokens gets RESOURCE_EXHAUSTED).
  RateLimitOptions unauthenticated_rate_limit = {20, 100, {}};
  // Caps on open streams (WatchMyAgenda, health Watch, matching-run progress, exports) per
  // token, per connection and in total; see StreamLimitOptions for the defaults.
  StreamLimitOptions stream_limits;
  // Threads for blocking work of every caller (fsync'd writes, imports, introductions,
  // who-else); gRPC's threads only parse, authorise, enqueue and answer point reads.
  // Default: 2.
  int worker_threads = 2;
  // Threads and queue of the organisers' expensive calls (quality reports, analytics,
  // exports), kept apart so that a flood of them cannot take the CPU that serves
  // attendees. Beyond `expensive_queue` waiting calls: RESOURCE_EXHAUSTED. Defaults: 1 thread
  // (half of a 2-core machine at most) and 8 waiting calls.
  int expensive_threads = 1;
  size_t expensive_queue = 8;
  // Threads that execute matching runs; runs of different events beyond this queue, at most
  // `run_queue` of them (then RESOURCE_EXHAUSTED). Defaults: 1 and 8.
  int run_threads = 1;
  size_t run_queue = 8;
  // Threads of candidate generation within one run. Default: 2.
  int run_candidate_threads = 2;
  // Events up to this many attendees get their quality's upper bound within the run (~3 s at
  // 20,000); larger ones get it from a background thread after the run (minutes at 150,000;
  // the report says BOUND_PENDING until then). Default: 20,000.
  int bound_inline_max_attendees = 20000;
  // How often unanswered proposals are expired; zero or less: never by itself (tests call
  // LiveAgendas::SweepExpired). Default: 30 s.
  absl::Duration expiry_sweep_interval = absl::Seconds(30);
};

// What Start builds the server's objects with besides its options: the collaborators tests
// replace. parleyd passes none (the real clock, no observer).
struct ServerSeams {
  // The time of proposal expiry, feedback and run records. Null: domain::Clock::Real().
  std::shared_ptr<const domain::Clock> clock;
  // Told where runs and deferred bounds start and end (see RunObserver). Null: none.
  std::shared_ptr<RunObserver> run_observer;
};

// Threads of gRPC's synchronous server, which only server reflection uses (one per open
// reflection stream): reflection streams beyond about this many are RESOURCE_EXHAUSTED.
inline constexpr int kMaxSyncThreads = 64;

// Completion queues (one thread each) for WatchMyAgenda's streams: at 20,000 watchers each holds
// 5,000, whose list gRPC scans at every completion on that queue (async_stream.h).
inline constexpr int kWatchQueues = 4;

// parleyd without main(): the store, the services, health and reflection, one gRPC server.
// Thread-safe. Shutdown() (or the destructor) stops it.
class Server {
 public:
  // Opens the store, loads (or creates) the operator token, starts serving.
  // INVALID_ARGUMENT for bad options (plaintext on a non-loopback address without `insecure`,
  // only one of the TLS files); FAILED_PRECONDITION if the store cannot be opened or the token
  // file is unsafe; UNAVAILABLE if the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options,
                                                       ServerSeams seams = {});
  ~Server();

  // The bound port (0 without a listen address).
  int port() const { return port_; }
  // True if Start created the operator token file.
  bool created_admin_token() const { return created_admin_token_; }
  // A channel to this server that needs no socket.
  std::shared_ptr<grpc::Channel> InProcessChannel();
  storage::Store* store() { return store_.get(); }
  // Notifications, live repair and expiry (tests call SweepExpired and WaitIdle).
  LiveAgendas* live() { return live_.get(); }
  AgendaService* agenda() { return agenda_.get(); }
  Authenticator* auth() { return auth_.get(); }
  // Waits until the token cache, and the views and organiser aggregates of the events that had
  // a schedule at start, are built (on a thread Start begins; tests).
  void WaitWarmedUp() { warmed_up_.WaitForNotification(); }
  // The pool of organisers' expensive calls (tests saturate it).
  WorkerPool* expensive() { return expensive_.get(); }
  // Stream caps and revocation (tests wait for its checks).
  StreamLimiter* streams() { return streams_.get(); }

  // The first step of shutting down: health answers NOT_SERVING (to Check and Watch) while every
  // call is still served, so that health checks and load balancers see the server leave before
  // it refuses connections; matching runs in progress and queued stop within a fraction of a
  // second, recorded FAILED with their previous schedule intact (MatchingService::CancelRuns),
  // and new runs get UNAVAILABLE. parleyd drains for --drain_seconds, then calls Shutdown().
  // Idempotent.
  void Drain();
  // Drain() if not done yet; then new calls are refused, in-flight calls get `grace` to finish
  // (then they are cancelled), queued work finishes and the store is closed. Idempotent.
  void Shutdown(absl::Duration grace);

 private:
  Server() = default;

  std::shared_ptr<const domain::Clock> clock_;
  // Declared before store_ so that it outlives it: it listens to store_'s commits.
  std::unique_ptr<storage::StoreVersions> versions_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<RateLimiter> unauthenticated_limiter_;
  // A commit listener of store_ (ends revoked tokens' streams); removed in Shutdown.
  std::unique_ptr<StreamLimiter> streams_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<WorkerPool> expensive_;
  std::unique_ptr<PersonKey> person_key_;
  std::unique_ptr<AdminService> admin_;
  std::unique_ptr<OrganizerService> organizer_;
  std::unique_ptr<AttendeeService> attendee_;
  std::unique_ptr<LiveAgendas> live_;
  std::unique_ptr<matching::OrganiserReads> reads_;
  std::unique_ptr<MatchingService> matching_;
  std::unique_ptr<AgendaService> agenda_;
  std::unique_ptr<RelationshipService> relationships_;
  std::unique_ptr<HealthService> health_;
  // WatchMyAgenda's streams (async_stream.h); shut down after server_.
  std::unique_ptr<CompletionQueues> watch_queues_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool created_admin_token_ = false;
  bool drained_ = false;
  bool shut_down_ = false;
  absl::Notification warmed_up_;
  // Builds the views and aggregates of scheduled events after Start; joined by Shutdown.
  std::thread warmer_;
};

// Sends protobuf's log lines (a failed parse of a client's string field logs one each) to
// glog, at most one a minute with a count of the rest. Process-wide; call once from main().
void RouteProtobufLogs();

// True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost, unix sockets.
bool IsLoopbackAddress(absl::string_view address);

}  // namespace parley::services

#endif  // PARLEY_SERVICES_SERVER_H_
