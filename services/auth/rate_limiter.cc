#include "services/auth/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace parley::services {

RateLimiter::RateLimiter(RateLimitOptions options) : options_(std::move(options)) {}

bool RateLimiter::Admit(absl::string_view key, absl::Duration* retry_after) {
  if (options_.per_second <= 0) return true;
  const absl::Time now = options_.clock ? options_.clock() : absl::Now();
  const double burst = std::max(1.0, options_.burst);
  Shard& shard = shards_[absl::Hash<absl::string_view>()(key) % shards_.size()];
  absl::MutexLock lock(&shard.mu);
  auto it = shard.buckets.find(key);
  if (it == shard.buckets.end()) {
    if (shard.buckets.size() >= kMaxKeysPerShard) {
      // Idle keys have full buckets: forgetting them changes nothing for them.
      for (auto b = shard.buckets.begin(); b != shard.buckets.end();) {
        const double refill = absl::ToDoubleSeconds(now - b->second.refilled) * options_.per_second;
        if (b->second.tokens + refill >= burst) {
          shard.buckets.erase(b++);
        } else {
          ++b;
        }
      }
    }
    it = shard.buckets.emplace(std::string(key), Bucket{burst, now}).first;
  }
  Bucket& bucket = it->second;
  if (now > bucket.refilled) {
    bucket.tokens = std::min(
        burst, bucket.tokens + absl::ToDoubleSeconds(now - bucket.refilled) * options_.per_second);
    bucket.refilled = now;
  }
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return true;
  }
  *retry_after = absl::Seconds((1 - bucket.tokens) / options_.per_second);
  return false;
}

size_t RateLimiter::size() {
  size_t n = 0;
  for (Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    n += shard.buckets.size();
  }
  return n;
}

absl::Status RateLimiter::Exhausted(absl::string_view who, absl::Duration retry_after) const {
  return absl::ResourceExhaustedError(absl::StrFormat(
      "%s: more than %g calls per second (burst %g); retry in %.0f ms", who, options_.per_second,
      std::max(1.0, options_.burst), std::ceil(absl::ToDoubleMilliseconds(retry_after))));
}

}  // namespace parley::services
