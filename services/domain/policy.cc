#include "services/domain/policy.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "parley/v1/attendee.pb.h"

namespace parley::domain {

uint32_t DefaultBudget(const v1::EventPolicy& policy) {
  if (policy.default_meetings() > 0) return policy.default_meetings();
  const uint32_t max = policy.max_meetings() > 0 ? policy.max_meetings() : kDefaultMaxMeetings;
  return std::min(kDefaultMeetings, max);
}

uint32_t BudgetOf(const v1::EventPolicy& policy, const v1::Attendee& attendee) {
  return attendee.has_budget() ? attendee.budget() : DefaultBudget(policy);
}

uint32_t ProposalExpiryMinutes(const v1::EventPolicy& policy) {
  return policy.has_proposal_expiry_minutes() ? policy.proposal_expiry_minutes()
                                              : kDefaultProposalExpiryMinutes;
}

uint32_t RematchFreezeDays(const v1::EventPolicy& policy) {
  return policy.has_rematch_freeze_days() ? policy.rematch_freeze_days()
                                          : kDefaultRematchFreezeDays;
}

absl::Status CheckEventReady(const v1::Event& event) {
  std::vector<std::string> missing;
  if (event.slots().empty()) missing.push_back("slots");
  if (event.locations().empty()) missing.push_back("locations");
  if (!missing.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("event ", event.id(), " has no ",
                                                      absl::StrJoin(missing, " and "),
                                                      ": add them before matching"));
  }
  if (static_cast<uint32_t>(event.slots_size()) > kMaxSlots) {
    return absl::FailedPreconditionError(absl::StrCat(
        "event ", event.id(), " has ", event.slots_size(), " slots; at most ", kMaxSlots));
  }
  return absl::OkStatus();
}

absl::Status CheckSlotsAhead(const v1::Event& event, int64_t now) {
  std::vector<std::string> ended;
  for (const v1::Slot& slot : event.slots()) {
    if (slot.end_time() > now) return absl::OkStatus();
    ended.push_back(
        absl::StrCat(slot.id(), " (ended ",
                     absl::FormatTime("%Y-%m-%d %H:%M UTC", absl::FromUnixSeconds(slot.end_time()),
                                      absl::UTCTimeZone()),
                     ")"));
  }
  if (ended.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("event ", event.id(), ": every slot has ended: ", absl::StrJoin(ended, ", "),
                   "; add slots in the future before matching"));
}

absl::Status RequireNotClosed(const v1::Event& event) {
  if (event.status() == v1::CLOSED) {
    return absl::FailedPreconditionError(absl::StrCat("event ", event.id(), " is CLOSED"));
  }
  return absl::OkStatus();
}

}  // namespace parley::domain
