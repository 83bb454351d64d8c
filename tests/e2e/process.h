#ifndef PARLEY_TESTS_E2E_PROCESS_H_
#define PARLEY_TESTS_E2E_PROCESS_H_

// Child processes for end-to-end tests: the real parleyd, the real CLI, parley-gen.
//
// Children are started with posix_spawn (no code of ours runs between fork and exec, so it is
// safe while gRPC threads exist) and tracked through a pidfd, so every wait is a poll() with a
// bounded timeout: no sleeps, no busy loops. Everything is header-only because each *_test.cc
// is its own binary.
//
// Not thread-safe: use a Process or Parleyd from one thread. Children inherit the environment
// but only descriptors 0-2 (every descriptor of this process should be close-on-exec, as gRPC's
// and these helpers' are).

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/client.h"

extern char** environ;

namespace parley::e2e {

// Milliseconds left until `deadline` for poll(): at least 0, at most a day.
inline int PollMillis(absl::Time deadline) {
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(left) + 1, 86400000));
}

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

inline bool WriteWholeFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  out.close();
  return static_cast<bool>(out);
}

// "exit 3", "signal 9": what a waitpid() status means, for failure messages.
inline std::string DescribeWaitStatus(int wait_status) {
  if (WIFEXITED(wait_status)) return absl::StrCat("exit ", WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) return absl::StrCat("signal ", WTERMSIG(wait_status));
  return absl::StrCat("wait status ", wait_status);
}

// One child process. The destructor kills (SIGKILL) and reaps a child still running, so a
// failing test never leaves a server behind.
class Process {
 public:
  // How the child's stdout and stderr are connected.
  struct Stdio {
    // If set, stdout and stderr are appended to this file (parleyd's log).
    std::string log_file;
    // Otherwise, if >= 0, these descriptors become the child's stdout and stderr.
    int out_fd = -1;
    int err_fd = -1;
  };

  Process() = default;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() {
    if (running()) {
      Signal(SIGKILL);
      (void)Wait(absl::Seconds(30));
    }
    if (pidfd_ >= 0) close(pidfd_);
  }

  // Spawns argv[0] (a path; PATH is not searched) with argv. stdin is /dev/null.
  static absl::StatusOr<std::unique_ptr<Process>> Spawn(const std::vector<std::string>& argv,
                                                        const Stdio& stdio) {
    if (argv.empty()) return absl::InvalidArgumentError("argv: empty");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (!stdio.log_file.empty()) {
      posix_spawn_file_actions_addopen(&actions, 1, stdio.log_file.c_str(),
                                       O_WRONLY | O_CREAT | O_APPEND, 0644);
      posix_spawn_file_actions_adddup2(&actions, 1, 2);
    } else {
      if (stdio.out_fd >= 0) posix_spawn_file_actions_adddup2(&actions, stdio.out_fd, 1);
      if (stdio.err_fd >= 0) posix_spawn_file_actions_adddup2(&actions, stdio.err_fd, 2);
    }
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    pid_t pid = -1;
    const int error = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) {
      return absl::InternalError(absl::StrCat("posix_spawn ", argv[0], ": ", strerror(error)));
    }
    std::unique_ptr<Process> process(new Process());
    process->pid_ = pid;
    // The child cannot be reaped by anyone else, so the pid names it even if it already exited.
    process->pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (process->pidfd_ < 0) {
      const int err = errno;
      kill(pid, SIGKILL);
      int status = 0;
      waitpid(pid, &status, 0);
      process->pid_ = -1;
      return absl::InternalError(absl::StrCat("pidfd_open: ", strerror(err)));
    }
    return process;
  }

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0 && !reaped_; }
  // Readable (POLLIN) once the child has exited; for poll() alongside other descriptors.
  int pidfd() const { return pidfd_; }

  // Sends `signal` unless the child was already reaped.
  void Signal(int signal) const {
    if (running()) kill(pid_, signal);
  }

  // Waits up to `timeout` for the child to exit and returns its waitpid() status;
  // DEADLINE_EXCEEDED if it is still running then. Idempotent once the child has exited.
  absl::StatusOr<int> Wait(absl::Duration timeout) {
    if (reaped_) return wait_status_;
    const absl::Time deadline = absl::Now() + timeout;
    for (;;) {
      pollfd fd{pidfd_, POLLIN, 0};
      const int ready = poll(&fd, 1, PollMillis(deadline));
      if (ready < 0 && errno != EINTR) return absl::InternalError("poll on pidfd failed");
      if (ready > 0) {
        int status = 0;
        const pid_t got = waitpid(pid_, &status, WNOHANG);
        if (got == pid_) {
          reaped_ = true;
          wait_status_ = status;
          return status;
        }
      }
      if (absl::Now() >= deadline) {
        return absl::DeadlineExceededError(
            absl::StrCat("pid ", pid_, " still running after ", absl::FormatDuration(timeout)));
      }
    }
  }

 private:
  pid_t pid_ = -1;
  int pidfd_ = -1;
  bool reaped_ = false;
  int wait_status_ = 0;
};

// What a command printed and how it ended.
struct CommandResult {
  // The exit code, or -1 if it was killed by a signal (see wait_status).
  int exit_code = -1;
  int wait_status = 0;
  std::string out;
  std::string err;
};

// Runs argv to completion, capturing stdout and stderr through pipes. DEADLINE_EXCEEDED (and
// the child is killed) if it has not finished within `timeout`.
inline absl::StatusOr<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                                absl::Duration timeout = absl::Seconds(60)) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return absl::InternalError("pipe2 failed");
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return absl::InternalError("pipe2 failed");
  }
  Process::Stdio stdio;
  stdio.out_fd = out_pipe[1];
  stdio.err_fd = err_pipe[1];
  absl::StatusOr<std::unique_ptr<Process>> child = Process::Spawn(argv, stdio);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (!child.ok()) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    return child.status();
  }
  const absl::Time deadline = absl::Now() + timeout;
  CommandResult result;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  bool timed_out = false;
  while (open_fds > 0) {
    const int ready = poll(fds, 2, PollMillis(deadline));
    if (ready < 0 && errno != EINTR) break;
    if (ready == 0) {
      timed_out = true;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[65536];
      const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (pollfd& fd : fds) {
    if (fd.fd >= 0) close(fd.fd);
  }
  if (timed_out) {
    (*child)->Signal(SIGKILL);
    (void)(*child)->Wait(absl::Seconds(30));
    return absl::DeadlineExceededError(absl::StrCat(
        absl::StrJoin(argv, " "), ": still running after ", absl::FormatDuration(timeout),
        "\nstdout:\n", result.out, "\nstderr:\n", result.err));
  }
  // Both pipes are closed, so the child has exited or is about to.
  absl::StatusOr<int> status = (*child)->Wait(std::max(deadline - absl::Now(), absl::Seconds(5)));
  if (!status.ok()) return status.status();
  result.wait_status = *status;
  result.exit_code = WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  return result;
}

// The real parleyd, serving on 127.0.0.1 with a port the OS picks, its store in a directory
// that outlives the process so that a new Parleyd can be started on it (a restart).
class Parleyd {
 public:
  struct Options {
    // Path of the parleyd binary.
    std::string binary;
    // Holds the store (work_dir/data), the operator token, the port file and the log
    // (work_dir/parleyd.log, appended to by every start). Must exist.
    std::string work_dir;
    // How long Start() may take, from spawn to a SERVING health check. Default: 60 s.
    absl::Duration start_timeout = absl::Seconds(60);
    // The store's directory. Empty: work_dir/data.
    std::string data_dir;
    // More flags for parleyd.
    std::vector<std::string> extra_args;
  };

  // Spawns parleyd and returns once it has written its port file and answers the health check
  // with SERVING. UNAVAILABLE (with the log's tail) if it exits first, DEADLINE_EXCEEDED if it
  // is not serving in time.
  static absl::StatusOr<std::unique_ptr<Parleyd>> Start(const Options& options) {
    std::unique_ptr<Parleyd> server(new Parleyd(options));
    absl::Status s = server->Launch();
    if (!s.ok()) return s;
    return server;
  }

  Parleyd(const Parleyd&) = delete;
  Parleyd& operator=(const Parleyd&) = delete;

  int port() const { return port_; }
  // "127.0.0.1:PORT", for --server and ClientOptions::target.
  std::string target() const { return absl::StrCat("127.0.0.1:", port_); }
  const std::string& admin_token() const { return admin_token_; }
  std::string data_dir() const {
    return options_.data_dir.empty() ? options_.work_dir + "/data" : options_.data_dir;
  }
  std::string log_file() const { return options_.work_dir + "/parleyd.log"; }
  pid_t pid() const { return process_->pid(); }

  // A client of this server with `token` (empty: none) and a deadline on every call.
  absl::StatusOr<std::unique_ptr<client::Client>> Connect(
      const std::string& token, absl::Duration deadline = absl::Seconds(30)) const {
    client::ClientOptions options;
    options.target = target();
    options.token = token;
    options.deadline = deadline;
    return client::Client::Connect(options);
  }

  // The last `bytes` of the log, for failure messages.
  std::string LogTail(size_t bytes = 4000) const {
    const std::string log = ReadWholeFile(log_file());
    return log.size() <= bytes ? log : log.substr(log.size() - bytes);
  }

  // SIGKILL: the process gets no chance to flush or close anything. Returns once it is reaped.
  absl::Status Kill() {
    process_->Signal(SIGKILL);
    absl::StatusOr<int> status = process_->Wait(absl::Seconds(30));
    if (!status.ok()) return status.status();
    return absl::OkStatus();
  }

  // SIGTERM, then waits up to `timeout` for the exit; returns the waitpid() status.
  absl::StatusOr<int> Terminate(absl::Duration timeout = absl::Seconds(60)) {
    process_->Signal(SIGTERM);
    return process_->Wait(timeout);
  }

 private:
  explicit Parleyd(const Options& options) : options_(options) {}

  std::string port_file() const { return options_.work_dir + "/port"; }
  std::string token_file() const { return options_.work_dir + "/admin.token"; }

  absl::Status Launch() {
    const absl::Time deadline = absl::Now() + options_.start_timeout;
    // A port file left by an earlier run names a port nobody serves any more.
    if (unlink(port_file().c_str()) != 0 && errno != ENOENT) {
      return absl::InternalError(absl::StrCat("cannot remove ", port_file()));
    }
    // Watch before spawning so that the rename cannot slip between a check and the watch.
    const int inotify = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (inotify < 0) return absl::InternalError("inotify_init1 failed");
    struct CloseFd {
      int fd;
      ~CloseFd() { close(fd); }
    } close_inotify{inotify};
    if (inotify_add_watch(inotify, options_.work_dir.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
      return absl::InternalError(absl::StrCat("inotify_add_watch ", options_.work_dir));
    }
    Process::Stdio stdio;
    stdio.log_file = log_file();
    std::vector<std::string> argv = {options_.binary,
                                     "--listen=127.0.0.1:0",
                                     "--data_dir=" + data_dir(),
                                     "--admin_token_file=" + token_file(),
                                     "--port_file=" + port_file(),
                                     "--log_level=warning"};
    argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
    absl::StatusOr<std::unique_ptr<Process>> process = Process::Spawn(argv, stdio);
    if (!process.ok()) return process.status();
    process_ = *std::move(process);

    for (;;) {
      std::string text = ReadWholeFile(port_file());
      int port = 0;
      if (absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &port) && port > 0) {
        port_ = port;
        break;
      }
      pollfd fds[2] = {{inotify, POLLIN, 0}, {process_->pidfd(), POLLIN, 0}};
      const int ready = poll(fds, 2, PollMillis(deadline));
      if (ready < 0 && errno != EINTR) return absl::InternalError("poll failed");
      if (fds[1].revents != 0) {
        absl::StatusOr<int> status = process_->Wait(absl::Seconds(5));
        return absl::UnavailableError(
            absl::StrCat("parleyd exited before serving (",
                         status.ok() ? DescribeWaitStatus(*status) : status.status().ToString(),
                         "); log:\n", LogTail()));
      }
      if (ready == 0 && absl::Now() >= deadline) {
        return absl::DeadlineExceededError(
            absl::StrCat("parleyd wrote no port file in time; log:\n", LogTail()));
      }
      char events[4096];
      while (read(inotify, events, sizeof events) > 0) {
      }
    }

    admin_token_ = std::string(absl::StripAsciiWhitespace(ReadWholeFile(token_file())));
    if (admin_token_.empty()) return absl::InternalError("empty operator token file");

    client::ClientOptions client_options;
    client_options.target = target();
    client_options.deadline = std::max(deadline - absl::Now(), absl::Seconds(1));
    absl::StatusOr<std::unique_ptr<client::Client>> client =
        client::Client::Connect(client_options);
    if (!client.ok()) return client.status();
    absl::StatusOr<grpc::health::v1::HealthCheckResponse> health =
        (*client)->Check(grpc::health::v1::HealthCheckRequest());
    if (!health.ok()) {
      return absl::UnavailableError(
          absl::StrCat("health check: ", health.status().ToString(), "; log:\n", LogTail()));
    }
    if (health->status() != grpc::health::v1::HealthCheckResponse::SERVING) {
      return absl::UnavailableError(absl::StrCat("health: ", health->DebugString()));
    }
    return absl::OkStatus();
  }

  const Options options_;
  std::unique_ptr<Process> process_;
  int port_ = 0;
  std::string admin_token_;
};

// A community, an organiser token for it and `event` in it, created on `server` through the
// operator token: what most end-to-end scenarios start from.
struct TestEvent {
  std::string organiser_token;
  uint64_t event_id = 0;
};
inline absl::StatusOr<TestEvent> CreateTestEvent(const Parleyd& server,
                                                 const std::string& community_name,
                                                 const v1::Event& event) {
  absl::StatusOr<std::unique_ptr<client::Client>> admin = server.Connect(server.admin_token());
  if (!admin.ok()) return admin.status();
  v1::CreateCommunityRequest community_request;
  community_request.set_name(community_name);
  absl::StatusOr<v1::Community> community = (*admin)->CreateCommunity(community_request);
  if (!community.ok()) return community.status();
  v1::IssueOrganizerTokenRequest token_request;
  token_request.set_community_id(community->id());
  absl::StatusOr<v1::IssuedToken> issued = (*admin)->IssueOrganizerToken(token_request);
  if (!issued.ok()) return issued.status();
  absl::StatusOr<std::unique_ptr<client::Client>> organiser = server.Connect(issued->token());
  if (!organiser.ok()) return organiser.status();
  v1::CreateEventRequest event_request;
  *event_request.mutable_event() = event;
  absl::StatusOr<v1::Event> created = (*organiser)->CreateEvent(event_request);
  if (!created.ok()) return created.status();
  return TestEvent{issued->token(), created->id()};
}

#ifdef PARLEYD_PATH
// The parleyd of this build (the e2e CMakeLists defines PARLEYD_PATH) on `work_dir`.
inline absl::StatusOr<std::unique_ptr<Parleyd>> StartParleyd(
    const std::string& work_dir, std::vector<std::string> extra_args = {},
    const std::string& data_dir = "") {
  Parleyd::Options options;
  options.binary = PARLEYD_PATH;
  options.work_dir = work_dir;
  options.extra_args = std::move(extra_args);
  options.data_dir = data_dir;
  return Parleyd::Start(options);
}
#endif

}  // namespace parley::e2e

#endif  // PARLEY_TESTS_E2E_PROCESS_H_
