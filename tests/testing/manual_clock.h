#ifndef PARLEY_TESTS_TESTING_MANUAL_CLOCK_H_
#define PARLEY_TESTS_TESTING_MANUAL_CLOCK_H_

#include <atomic>
#include <cstdint>

#include "services/domain/clock.h"

namespace parley::testutil {

// A clock the test sets: it reads `*now`, and the real clock while `*now` is 0, so that a test
// fixes the time only where its case needs it. Thread-safe. `now` is not owned and must outlive
// the clock.
class ManualClock final : public domain::Clock {
 public:
  explicit ManualClock(const std::atomic<int64_t>* now) : now_(now) {}
  int64_t NowUnixSeconds() const override {
    const int64_t now = now_->load();
    return now != 0 ? now : Clock::Real()->NowUnixSeconds();
  }

 private:
  const std::atomic<int64_t>* const now_;
};

}  // namespace parley::testutil

#endif  // PARLEY_TESTS_TESTING_MANUAL_CLOCK_H_
