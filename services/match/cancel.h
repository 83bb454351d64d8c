#ifndef PARLEY_SERVICES_MATCH_CANCEL_H_
#define PARLEY_SERVICES_MATCH_CANCEL_H_

// Cancellation of the engine's long calls (candidate generation, scheduling, the upper bound):
// the caller owns a flag and raises it from any thread; the engine's loops poll it every few
// thousand steps and stop early, so that a server can shut down within its grace period in the
// middle of a run on a large event. A relaxed atomic load per poll: no measurable cost.
//
// What a cancelled call returns is said by each call (schedule.h, room.h, bound.h: CANCELLED;
// CandidateIndex::Build: an incomplete index the caller must discard). The flag is only read:
// lowering it again has no defined effect on a call in progress.

#include <atomic>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace parley::match {

using CancelFlag = std::atomic<bool>;

// True when `flag` is set (a null flag never is).
inline bool Cancelled(const CancelFlag* flag) {
  return flag != nullptr && flag->load(std::memory_order_relaxed);
}

// Polls `flag` once every 2^kShift calls of Poll(): for loops whose steps take nanoseconds.
class CancelPoll {
 public:
  explicit CancelPoll(const CancelFlag* flag) : flag_(flag) {}
  // True once the flag was seen set (then always).
  bool Poll() {
    if (flag_ == nullptr || seen_) return seen_;
    if ((++count_ & kMask) == 0) seen_ = flag_->load(std::memory_order_relaxed);
    return seen_;
  }

 private:
  static constexpr uint32_t kMask = (1u << 10) - 1;
  const CancelFlag* flag_;
  uint32_t count_ = 0;
  bool seen_ = false;
};

// The status of a call stopped by its flag: CANCELLED, "cancelled during <what>".
inline absl::Status CancelledStatus(absl::string_view what) {
  return absl::CancelledError(absl::StrCat("cancelled during ", what));
}

}  // namespace parley::match

#endif  // PARLEY_SERVICES_MATCH_CANCEL_H_
