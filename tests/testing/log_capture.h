#ifndef PARLEY_TESTS_TESTING_LOG_CAPTURE_H_
#define PARLEY_TESTS_TESTING_LOG_CAPTURE_H_

// Collects glog's messages while it lives, for tests of what the server logs. Each line is
// "SEVERITY message". Thread-safe: glog calls send() from any thread that logs.

#include <glog/logging.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace parley::testutil {

class LogCapture : public google::LogSink {
 public:
  LogCapture() { google::AddLogSink(this); }
  ~LogCapture() override { google::RemoveLogSink(this); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  void send(google::LogSeverity severity, const char*, const char*, int, const struct ::tm*,
            const char* message, size_t length) override {
    absl::MutexLock lock(&mu_);
    lines_.push_back(
        absl::StrCat(google::GetLogSeverityName(severity), " ", std::string(message, length)));
  }
  // Whether one line contains both a and b.
  bool Contains(absl::string_view a, absl::string_view b = "") {
    absl::MutexLock lock(&mu_);
    for (const std::string& line : lines_) {
      if (absl::StrContains(line, a) && absl::StrContains(line, b)) return true;
    }
    return false;
  }
  std::vector<std::string> lines() {
    absl::MutexLock lock(&mu_);
    return lines_;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
};

}  // namespace parley::testutil

#endif  // PARLEY_TESTS_TESTING_LOG_CAPTURE_H_
