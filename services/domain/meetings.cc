#include "services/domain/meetings.h"

namespace parley::domain {

bool KeptState(v1::Meeting::State state) {
  return state == v1::Meeting::CONFIRMED || state == v1::Meeting::HELD ||
         state == v1::Meeting::NO_SHOW;
}

bool AcceptedProposal(const v1::Meeting& meeting) {
  return meeting.state() == v1::Meeting::PROPOSED && (meeting.answer_a() == v1::Meeting::ACCEPTED ||
                                                      meeting.answer_b() == v1::Meeting::ACCEPTED);
}

bool OccupyingState(v1::Meeting::State state) {
  return state == v1::Meeting::PROPOSED || KeptState(state);
}

bool AgendaState(v1::Meeting::State state) {
  return KeptState(state) || state == v1::Meeting::CANCELLED;
}

const v1::Slot* FindSlot(const v1::Event& event, absl::string_view slot_id) {
  for (const v1::Slot& slot : event.slots()) {
    if (slot.id() == slot_id) return &slot;
  }
  return nullptr;
}

}  // namespace parley::domain
