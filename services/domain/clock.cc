#include "services/domain/clock.h"

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace parley::domain {
namespace {

class RealClock final : public Clock {
 public:
  int64_t NowUnixSeconds() const override { return absl::ToUnixSeconds(absl::Now()); }
};

}  // namespace

const Clock* Clock::Real() {
  static const RealClock* const clock = new RealClock();
  return clock;
}

}  // namespace parley::domain
