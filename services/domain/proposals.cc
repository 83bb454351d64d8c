#include "services/domain/proposals.h"

#include <algorithm>

#include "services/domain/policy.h"

namespace parley::domain {

int64_t ProposalExpireTime(const v1::EventPolicy& policy, int64_t slot_start, int64_t now) {
  const uint32_t minutes = ProposalExpiryMinutes(policy);
  if (minutes == 0) return 0;
  const int64_t expire = now + int64_t{minutes} * 60;
  // A slot that has started already (a late repair) cannot bound the expiry: it would lapse at
  // once.
  return slot_start > now ? std::min(expire, slot_start) : expire;
}

v1::Meeting NewProposal(const v1::Event& event, const v1::Slot& slot, uint64_t x, uint64_t y,
                        int64_t now) {
  v1::Meeting meeting;
  meeting.set_event_id(event.id());
  meeting.set_attendee_a(std::min(x, y));
  meeting.set_attendee_b(std::max(x, y));
  meeting.set_slot_id(slot.id());
  if (event.policy().auto_confirm()) {
    meeting.set_state(v1::Meeting::CONFIRMED);
    meeting.set_answer_a(v1::Meeting::ACCEPTED);
    meeting.set_answer_b(v1::Meeting::ACCEPTED);
  } else {
    meeting.set_state(v1::Meeting::PROPOSED);
    const int64_t expire = ProposalExpireTime(event.policy(), slot.start_time(), now);
    if (expire != 0) meeting.set_expire_time(expire);
  }
  meeting.set_create_time(now);
  meeting.set_update_time(now);
  return meeting;
}

}  // namespace parley::domain
