#ifndef PARLEY_SERVICES_RATE_LIMITER_H_
#define PARLEY_SERVICES_RATE_LIMITER_H_

// Per-token rate limits (PRODUCT.md "Limits"): one token bucket per key (a token id), so a
// runaway client or a leaked token cannot take the whole server. A call takes one unit; the
// bucket refills at `per_second` up to `burst`. Buckets live in 16 shards, each behind its own
// mutex, so concurrent calls with different tokens rarely contend.
// Memory: a bucket is ~80 bytes; a shard that reaches kMaxKeysPerShard drops its full buckets
// (idle keys), which changes nothing for them.
// Thread-safe.

#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace parley::services {

struct RateLimitOptions {
  // Sustained calls per second per key; 0 or less: no limit. Default: 1000.
  double per_second = 1000;
  // Calls a key may make at once after being idle. Default: 2000.
  double burst = 2000;
  // Empty: absl::Now. Tests inject a clock.
  std::function<absl::Time()> clock;
};

class RateLimiter {
 public:
  static constexpr size_t kMaxKeysPerShard = 1 << 14;

  explicit RateLimiter(RateLimitOptions options);

  // Takes one unit from `key`'s bucket: true, or false (nothing taken) with the wait until one
  // is there in *retry_after.
  bool Admit(absl::string_view key, absl::Duration* retry_after);
  // Keys currently tracked.
  size_t size();
  // RESOURCE_EXHAUSTED for a refused call by `who` ("token tk_1a2b"), saying when to retry.
  absl::Status Exhausted(absl::string_view who, absl::Duration retry_after) const;

 private:
  struct Bucket {
    double tokens;
    absl::Time refilled;
  };
  struct Shard {
    absl::Mutex mu;
    absl::flat_hash_map<std::string, Bucket> buckets ABSL_GUARDED_BY(mu);
  };

  const RateLimitOptions options_;
  std::array<Shard, 16> shards_;
};

}  // namespace parley::services

#endif  // PARLEY_SERVICES_RATE_LIMITER_H_
