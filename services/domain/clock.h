#ifndef PARLEY_SERVICES_DOMAIN_CLOCK_H_
#define PARLEY_SERVICES_DOMAIN_CLOCK_H_

#include <cstdint>

namespace parley::domain {

// The time the rules see (proposal expiry, create times, when feedback opens, run times), in
// seconds since the Unix epoch. Injected where objects are built (services/server), so that
// tests can fix it; production uses Clock::Real(). Implementations must be thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowUnixSeconds() const = 0;

  // The system clock. Never null; lives as long as the process.
  static const Clock* Real();
};

}  // namespace parley::domain

#endif  // PARLEY_SERVICES_DOMAIN_CLOCK_H_
