#include "services/server/server.h"

#include <glog/logging.h>
#include <google/protobuf/stubs/logging.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <pthread.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/api/request_guard.h"
#include "services/domain/events.h"

namespace parley::services {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, absl::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(what, ": cannot read ", path));
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// protobuf's own log lines (one per unparseable string field a client sends) go to our log,
// at most one a minute with the count of the others.
void ProtobufLog(google::protobuf::LogLevel level, const char* filename, int line,
                 const std::string& message) {
  static absl::Mutex mu(absl::kConstInit);
  static absl::Time last_logged = absl::InfinitePast();
  static int64_t suppressed = 0;
  if (level >= google::protobuf::LOGLEVEL_FATAL) {
    LOG(ERROR) << "libprotobuf " << filename << ":" << line << ": " << message;
    return;  // protobuf aborts after the handler returns
  }
  int64_t dropped;
  {
    absl::MutexLock lock(&mu);
    const absl::Time now = absl::Now();
    if (now - last_logged < absl::Minutes(1)) {
      ++suppressed;
      return;
    }
    last_logged = now;
    dropped = suppressed;
    suppressed = 0;
  }
  LOG(WARNING) << "libprotobuf " << filename << ":" << line << ": " << message
               << (dropped > 0 ? absl::StrCat(" (and ", dropped, " similar in the last minute)")
                               : "");
}

}  // namespace

void RouteProtobufLogs() { google::protobuf::SetLogHandler(&ProtobufLog); }

bool IsLoopbackAddress(absl::string_view address) {
  if (absl::StartsWith(address, "unix:")) return true;
  absl::string_view host = address;
  if (absl::StartsWith(host, "[")) {
    const size_t close = host.find(']');
    host = host.substr(1, close == absl::string_view::npos ? absl::string_view::npos : close - 1);
  } else {
    const size_t colon = host.rfind(':');
    if (colon != absl::string_view::npos) host = host.substr(0, colon);
  }
  return host == "localhost" || host == "::1" || absl::StartsWith(host, "127.");
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options,
                                                      ServerSeams seams) {
  if (options.data_dir.empty()) return absl::InvalidArgumentError("data_dir: required");
  if (options.admin_token_file.empty()) {
    return absl::InvalidArgumentError("admin_token_file: required");
  }
  const bool tls = !options.tls_cert_file.empty() || !options.tls_key_file.empty();
  if (tls && (options.tls_cert_file.empty() || options.tls_key_file.empty())) {
    return absl::InvalidArgumentError("tls_cert_file and tls_key_file go together");
  }
  if (!options.listen_address.empty() && !tls && !options.insecure &&
      !IsLoopbackAddress(options.listen_address)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "listen address ", options.listen_address,
        " is not loopback: give --tls_cert_file and --tls_key_file, or --insecure to accept "
        "plaintext (tokens would cross the network in clear)"));
  }

  std::unique_ptr<Server> server(new Server());
  server->clock_ = seams.clock != nullptr ? std::move(seams.clock)
                                          : std::shared_ptr<const domain::Clock>(
                                                std::shared_ptr<void>(), domain::Clock::Real());
  storage::StoreOptions store_options;
  store_options.path = options.data_dir;
  store_options.sync_writes = options.sync_writes;
  store_options.salvage_wal = options.salvage_wal;
  store_options.min_free_bytes = options.min_free_disk_bytes;
  store_options.erasure_delay = options.erasure_delay;
  auto store = storage::Store::Open(store_options);
  if (!store.ok()) return store.status();
  server->store_ = *std::move(store);
  // The read caches (tokens, agenda views) hear of every commit.
  server->versions_ = std::make_unique<storage::StoreVersions>();
  server->store_->AddCommitListener(server->versions_.get());

  absl::StatusOr<std::string> admin_token =
      LoadOrCreateOperatorToken(options.admin_token_file, &server->created_admin_token_);
  if (!admin_token.ok()) return admin_token.status();
  server->limiter_ = std::make_unique<RateLimiter>(options.rate_limit);
  server->unauthenticated_limiter_ =
      std::make_unique<RateLimiter>(options.unauthenticated_rate_limit);
  server->streams_ = std::make_unique<StreamLimiter>(server->store_.get(), options.stream_limits);
  server->store_->AddCommitListener(server->streams_.get());
  server->auth_ = std::make_unique<Authenticator>(
      server->store_.get(), TokenHash(*admin_token), server->versions_.get(),
      server->limiter_.get(), server->unauthenticated_limiter_.get(), server->streams_.get());
  std::string person_key_file = options.person_key_file;
  if (person_key_file.empty()) {
    const size_t slash = options.admin_token_file.rfind('/');
    person_key_file = slash == std::string::npos
                          ? "person.key"
                          : options.admin_token_file.substr(0, slash + 1) + "person.key";
  }
  bool created_person_key = false;
  absl::StatusOr<PersonKey> person_key =
      PersonKey::LoadOrCreate(person_key_file, &created_person_key);
  if (!person_key.ok()) return person_key.status();
  server->person_key_ = std::make_unique<PersonKey>(*std::move(person_key));
  server->workers_ = std::make_unique<WorkerPool>(options.worker_threads);
  server->expensive_ = std::make_unique<WorkerPool>(std::max(1, options.expensive_threads),
                                                    options.expensive_queue, "parley-expensive");
  server->admin_ = std::make_unique<AdminService>(server->store_.get(), server->auth_.get(),
                                                  server->workers_.get(), person_key_file);
  server->organizer_ = std::make_unique<OrganizerService>(
      server->store_.get(), server->auth_.get(), server->workers_.get(), server->person_key_.get());
  server->attendee_ = std::make_unique<AttendeeService>(server->store_.get(), server->auth_.get(),
                                                        server->workers_.get());
  LiveAgendasOptions live_options;
  live_options.sweep_interval = options.expiry_sweep_interval;
  server->live_ = std::make_unique<LiveAgendas>(server->store_.get(), std::move(live_options),
                                                server->clock_.get());
  // Profile edits, imports and removals repair the schedule (cancel what they rule out, refill).
  server->store_->AddCommitListener(server->live_.get());
  absl::StatusOr<int> interrupted =
      MatchingService::RecoverInterruptedRuns(server->store_.get(), server->live_->Now());
  if (absl::IsResourceExhausted(interrupted.status())) {
    // A full disk (the store may be read-only): serve reads; the runs are marked next start.
    LOG(ERROR) << "cannot mark interrupted matching runs failed: " << interrupted.status();
  } else if (!interrupted.ok()) {
    return interrupted.status();
  } else if (*interrupted > 0) {
    LOG(WARNING) << *interrupted << " matching runs were interrupted";
  }
  server->agenda_ = std::make_unique<AgendaService>(server->store_.get(), server->auth_.get(),
                                                    server->workers_.get(), server->live_.get(),
                                                    server->versions_.get());
  MatchingServiceOptions matching_options;
  matching_options.run_threads = options.run_threads;
  matching_options.run_queue = options.run_queue;
  matching_options.run.threads = options.run_candidate_threads;
  matching_options.run.bound_max_attendees = options.bound_inline_max_attendees;
  // The organiser's report and analytics read aggregates that follow every commit.
  server->reads_ = std::make_unique<matching::OrganiserReads>(server->store_.get());
  server->store_->AddCommitListener(server->reads_.get());
  server->matching_ = std::make_unique<MatchingService>(
      server->store_.get(), server->auth_.get(), server->workers_.get(), server->expensive_.get(),
      server->live_.get(), server->agenda_.get(), server->reads_.get(), std::move(matching_options),
      std::move(seams.run_observer));
  server->relationships_ = std::make_unique<RelationshipService>(
      server->store_.get(), server->auth_.get(), server->workers_.get(), server->expensive_.get(),
      server->live_.get(), server->reads_.get());

  server->health_ = std::make_unique<HealthService>(server->auth_.get());
  // Ours instead (health_service.h): its Watch streams count under the stream caps.
  grpc::EnableDefaultHealthCheckService(false);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  if (!options.listen_address.empty()) {
    std::shared_ptr<grpc::ServerCredentials> credentials;
    if (tls) {
      auto cert = ReadFile(options.tls_cert_file, "tls_cert_file");
      if (!cert.ok()) return cert.status();
      auto key = ReadFile(options.tls_key_file, "tls_key_file");
      if (!key.ok()) return key.status();
      grpc::SslServerCredentialsOptions ssl;
      ssl.pem_key_cert_pairs.push_back({*key, *cert});
      credentials = grpc::SslServerCredentials(ssl);
    } else {
      credentials = grpc::InsecureServerCredentials();
    }
    builder.AddListeningPort(options.listen_address, credentials, &server->port_);
  }
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> guards;
  guards.push_back(std::make_unique<RequestGuardFactory>(server->auth_.get()));
  builder.experimental().SetInterceptorCreators(std::move(guards));
  // Server reflection is the one synchronous service: each of its open streams holds a thread.
  // The quota bounds them (beyond: RESOURCE_EXHAUSTED); callback services do not use it.
  grpc::ResourceQuota sync_threads("parleyd-sync");
  sync_threads.SetMaxThreads(kMaxSyncThreads);
  builder.SetResourceQuota(sync_threads);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  builder.RegisterService(server->admin_.get());
  builder.RegisterService(server->organizer_.get());
  builder.RegisterService(server->attendee_.get());
  builder.RegisterService(server->matching_.get());
  builder.RegisterService(server->agenda_.get());
  builder.RegisterService(server->relationships_.get());
  builder.RegisterService(server->health_.get());
  server->watch_queues_ = std::make_unique<CompletionQueues>(kWatchQueues);
  server->watch_queues_->AddTo(&builder);
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || (!options.listen_address.empty() && server->port_ == 0)) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options.listen_address,
                     " (address in use, or not an address of this machine?)"));
  }
  server->watch_queues_->Start();
  server->agenda_->ServeWatches(server->watch_queues_.get());
  server->health_->SetServing(true);
  // Events that already have a schedule (a restart): their attendees' views and the organiser's
  // aggregates are built now, as after a run, so that the first reads do not each pay for a cold
  // view. On a thread of its own (42 s at 150,000 attendees), not the expensive pool, where an
  // organiser's report would wait behind it; the live state is built meanwhile on the repair
  // thread. The token cache comes first (a scan of the token table): otherwise each attendee's
  // first call after the restart reads its token from RocksDB.
  server->warmer_ = std::thread([store = server->store_.get(), agenda = server->agenda_.get(),
                                 reads = server->reads_.get(), auth = server->auth_.get(),
                                 done = &server->warmed_up_] {
    pthread_setname_np(pthread_self(), "parley-warm");
    absl::StatusOr<size_t> tokens = auth->WarmCache();
    if (!tokens.ok()) LOG(WARNING) << "token cache at start: " << tokens.status();
    absl::Status s = domain::ForEachScheduledEvent(*store, [&](const v1::Event& event) {
      absl::Status warmed = agenda->WarmViews(event.id());
      if (!warmed.ok()) LOG(WARNING) << "views of event " << event.id() << ": " << warmed;
      warmed = reads->Warm(event.id());
      if (!warmed.ok()) {
        LOG(WARNING) << "organiser reads of event " << event.id() << ": " << warmed;
      }
      return absl::OkStatus();
    });
    if (!s.ok()) LOG(WARNING) << "views at start: " << s;
    done->Notify();
  });
  return server;
}

Server::~Server() { Shutdown(absl::Seconds(5)); }

std::shared_ptr<grpc::Channel> Server::InProcessChannel() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  return server_->InProcessChannel(args);
}

void Server::Drain() {
  if (drained_) return;
  drained_ = true;
  // Ours (health_service.h), not gRPC's default: checks see NOT_SERVING during the drain.
  if (health_ != nullptr) health_->SetServing(false);
  // Before the grace period starts: a run of a large event would otherwise outlast it.
  if (matching_ != nullptr) matching_->CancelRuns();
  if (agenda_ != nullptr) agenda_->StopWarming();
}

void Server::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  Drain();
  // Each step's duration is logged: where a slow shutdown spends its time.
  absl::Time step = absl::Now();
  auto logged = [&step](absl::string_view what) {
    const absl::Time now = absl::Now();
    LOG(INFO) << "shutdown: " << what << " in " << (now - step);
    step = now;
  };
  if (server_ != nullptr) {
    server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
    server_->Wait();
    logged("calls finished");
  }
  // After the server: its Shutdown has ended every watch, whose last tags drain here.
  if (watch_queues_ != nullptr) watch_queues_->Shutdown();
  // Runs, repairs, imports and exports still queued finish (and commit) before the store
  // closes; runs first, as they queue repairs.
  matching_.reset();
  logged("runs stopped");
  if (warmer_.joinable()) warmer_.join();
  logged("start-up warm-up stopped");
  if (store_ != nullptr && streams_ != nullptr) store_->RemoveCommitListener(streams_.get());
  if (store_ != nullptr && live_ != nullptr) store_->RemoveCommitListener(live_.get());
  live_.reset();
  logged("repairs finished");
  expensive_.reset();
  logged("reports and analytics finished");
  if (store_ != nullptr && reads_ != nullptr) store_->RemoveCommitListener(reads_.get());
  workers_.reset();
  logged("writes, imports and exports finished");
  if (store_ != nullptr) {
    absl::Status closed = store_->Close();
    if (!closed.ok()) LOG(ERROR) << "closing the store: " << closed;
    logged("store closed");
  }
}

}  // namespace parley::services
