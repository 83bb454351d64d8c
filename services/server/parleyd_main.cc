// parleyd: the Parley server. Flags are read here and only here, then copied into
// ServerOptions.

#include <glog/logging.h>
#include <signal.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/server/server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "host:port to serve on; port 0 picks a free port. A non-loopback address needs TLS "
          "or --insecure.");
ABSL_FLAG(std::string, data_dir, "./var/parley", "Directory of the RocksDB store.");
ABSL_FLAG(std::string, admin_token_file, "",
          "Operator token file; created with a new token (mode 0600) if missing. Default: "
          "<data_dir>/../admin.token");
ABSL_FLAG(std::string, person_key_file, "",
          "Key of the person_ref hashes; created (mode 0600) if missing. Back it up with the "
          "data dir. Default: person.key beside the admin token file.");
ABSL_FLAG(double, token_rate_limit, 1000,
          "Calls per second one token may make, sustained; 0 = no limit. Beyond it: "
          "RESOURCE_EXHAUSTED with the time to retry.");
ABSL_FLAG(double, token_burst, 2000, "Calls one token may make at once after being idle.");
ABSL_FLAG(double, unauthenticated_rate_limit, 20,
          "Calls per second one client address may make that fail authentication (no, unknown "
          "or revoked token), sustained; 0 = no limit. Beyond it: RESOURCE_EXHAUSTED.");
ABSL_FLAG(double, unauthenticated_burst, 100,
          "Failed-authentication calls one client address may make at once.");
ABSL_FLAG(int, max_streams_per_token, 16,
          "Open streams (WatchMyAgenda, matching-run progress, exports) one token may hold; "
          "0 = no cap. Beyond it: RESOURCE_EXHAUSTED.");
ABSL_FLAG(int, max_streams_per_connection, 1000,
          "Open streams (the above and health Watch) one client connection may hold; 0 = no cap.");
ABSL_FLAG(int, max_streams, 20000,
          "Open streams the server holds in total (~25 KB each); 0 = no cap.");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain; enables TLS with --tls_key_file.");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key.");
ABSL_FLAG(bool, insecure, false, "Allow plaintext on a non-loopback listen address.");
ABSL_FLAG(int, max_message_bytes, 16 << 20, "Largest gRPC message in either direction.");
ABSL_FLAG(bool, sync_writes, true,
          "fsync before acknowledging writes. false risks losing the last writes on power loss.");
ABSL_FLAG(bool, salvage_wal, false,
          "Start on a store whose write-ahead log is damaged: keep the writes before the damage, "
          "drop the rest and log what was dropped. Without it parleyd refuses to start and names "
          "the damaged file and offset. Use once, after saving a copy of the data dir.");
ABSL_FLAG(int64_t, min_free_disk_mb, 64,
          "Writes fail with RESOURCE_EXHAUSTED when the data dir's disk has less than this many "
          "MiB free; they resume by themselves once space is freed. 0 = no floor.");
ABSL_FLAG(int, erasure_delay_seconds, 10,
          "A removed attendee's records are compacted out of every file of the store within this "
          "many seconds (and at shutdown).");
ABSL_FLAG(std::string, log_level, "info", "info, warning or error.");
ABSL_FLAG(int, bound_inline_max_attendees, 20000,
          "Events up to this many attendees get the quality's upper bound within the matching "
          "run; larger ones from a background thread after it (minutes at 150,000).");
ABSL_FLAG(int, grace_seconds, 10, "On SIGTERM/SIGINT, how long in-flight calls may take.");
ABSL_FLAG(std::string, port_file, "",
          "If set, the bound port is written here once serving (for --listen with port 0).");

namespace {

int LogLevel(const std::string& name) {
  if (name == "warning") return google::GLOG_WARNING;
  if (name == "error") return google::GLOG_ERROR;
  return google::GLOG_INFO;
}

std::string DefaultAdminTokenFile(const std::string& data_dir) {
  std::string dir = data_dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const size_t slash = dir.rfind('/');
  const std::string parent = slash == std::string::npos ? "." : dir.substr(0, slash);
  return absl::StrCat(parent.empty() ? "/" : parent, "/admin.token");
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("parleyd: the Parley matchmaking server. See README.md.");
  absl::ParseCommandLine(argc, argv);
  FLAGS_logtostderr = true;
  FLAGS_minloglevel = LogLevel(absl::GetFlag(FLAGS_log_level));
  google::InitGoogleLogging(argv[0]);
  parley::services::RouteProtobufLogs();
  // Debian's abseil is built with its debug-mode lock-order graph on: every absl::Mutex
  // acquisition, gRPC's own included, updates a global graph (~5% of the server's CPU on the read
  // path). The tests keep it on (they run without this line) to catch lock-order cycles.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  // Signals are taken synchronously by sigwait below; every thread the server starts inherits
  // this mask, so none of them is interrupted.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  parley::services::ServerOptions options;
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.admin_token_file = absl::GetFlag(FLAGS_admin_token_file);
  if (options.admin_token_file.empty()) {
    options.admin_token_file = DefaultAdminTokenFile(options.data_dir);
  }
  options.person_key_file = absl::GetFlag(FLAGS_person_key_file);
  options.rate_limit.per_second = absl::GetFlag(FLAGS_token_rate_limit);
  options.rate_limit.burst = absl::GetFlag(FLAGS_token_burst);
  options.unauthenticated_rate_limit.per_second = absl::GetFlag(FLAGS_unauthenticated_rate_limit);
  options.unauthenticated_rate_limit.burst = absl::GetFlag(FLAGS_unauthenticated_burst);
  options.stream_limits.per_token = absl::GetFlag(FLAGS_max_streams_per_token);
  options.stream_limits.per_connection = absl::GetFlag(FLAGS_max_streams_per_connection);
  options.stream_limits.total = absl::GetFlag(FLAGS_max_streams);
  options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  options.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  options.insecure = absl::GetFlag(FLAGS_insecure);
  options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  options.sync_writes = absl::GetFlag(FLAGS_sync_writes);
  options.salvage_wal = absl::GetFlag(FLAGS_salvage_wal);
  options.min_free_disk_bytes =
      static_cast<uint64_t>(std::max<int64_t>(0, absl::GetFlag(FLAGS_min_free_disk_mb))) << 20;
  options.erasure_delay = absl::Seconds(absl::GetFlag(FLAGS_erasure_delay_seconds));
  options.bound_inline_max_attendees = absl::GetFlag(FLAGS_bound_inline_max_attendees);

  auto server = parley::services::Server::Start(options);
  if (!server.ok()) {
    std::cerr << "parleyd: " << server.status() << "\n";
    return 1;
  }
  if ((*server)->created_admin_token()) {
    LOG(INFO) << "created operator token file " << options.admin_token_file;
  }
  LOG(INFO) << "operator token in " << options.admin_token_file;
  LOG(INFO) << "store in " << options.data_dir;
  std::string host = options.listen_address.substr(0, options.listen_address.rfind(':'));
  LOG(INFO) << "serving on " << host << ":" << (*server)->port()
            << (options.tls_cert_file.empty() ? " (plaintext)" : " (TLS)");
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty()) {
    // Written to a temporary name and renamed, so a reader never sees a partial number.
    const std::string tmp = absl::StrCat(port_file, ".tmp");
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << (*server)->port() << "\n";
    }
    if (std::rename(tmp.c_str(), port_file.c_str()) != 0) {
      LOG(ERROR) << "cannot write --port_file " << port_file;
    }
  }

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  LOG(INFO) << "signal " << signal_number << ": shutting down";
  (*server)->Shutdown(absl::Seconds(absl::GetFlag(FLAGS_grace_seconds)));
  server->reset();
  LOG(INFO) << "store closed; bye";
  return 0;
}
