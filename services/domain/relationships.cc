#include "services/domain/relationships.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "services/domain/meetings.h"

namespace parley::services {
namespace {

int64_t SlotStart(const v1::Event& event, const std::string& slot_id) {
  for (const v1::Slot& slot : event.slots()) {
    if (slot.id() == slot_id) return slot.start_time();
  }
  return 0;
}

void SetSide(const v1::StoredFeedback* mine, const v1::StoredFeedback* theirs,
             v1::MemoryRecord* r) {
  if (mine != nullptr) {
    r->set_outcome(mine->outcome());
    r->set_rating(mine->rating());
    r->set_follow_up(mine->follow_up());
  }
  if (theirs != nullptr) {
    r->set_partner_outcome(theirs->outcome());
    r->set_partner_rating(theirs->rating());
    r->set_partner_follow_up(theirs->follow_up());
  }
}

}  // namespace

std::vector<storage::MemoryEntry> MemoryOf(const v1::Event& event, const v1::Meeting& meeting,
                                           const v1::Attendee& a, const v1::Attendee& b,
                                           const v1::StoredFeedback* feedback_a,
                                           const v1::StoredFeedback* feedback_b) {
  std::vector<storage::MemoryEntry> out;
  if (a.person_ref().empty() || b.person_ref().empty()) return out;
  v1::MemoryRecord base;
  base.set_event_id(event.id());
  base.set_event_name(event.name());
  base.set_meeting_id(meeting.id());
  // A slot removed from the event since: the meeting's creation still dates it (never 0, which
  // would put it outside every freeze window).
  const int64_t slot_start = SlotStart(event, meeting.slot_id());
  base.set_met_time(slot_start != 0 ? slot_start : meeting.create_time());
  storage::MemoryEntry for_a{a.person_ref(), b.person_ref(), base};
  for_a.record.set_attendee(a.id());
  for_a.record.set_partner_attendee(b.id());
  for_a.record.set_partner_name(b.display_name());
  SetSide(feedback_a, feedback_b, &for_a.record);
  storage::MemoryEntry for_b{b.person_ref(), a.person_ref(), std::move(base)};
  for_b.record.set_attendee(b.id());
  for_b.record.set_partner_attendee(a.id());
  for_b.record.set_partner_name(a.display_name());
  SetSide(feedback_b, feedback_a, &for_b.record);
  out.push_back(std::move(for_a));
  out.push_back(std::move(for_b));
  return out;
}

absl::Status RememberEvent(storage::Store* store, const v1::Event& event) {
  std::vector<v1::Meeting> met;
  absl::flat_hash_set<uint64_t> attendee_ids;
  absl::Status s = store->ScanMeetings(event.id(), [&](const v1::Meeting& m) {
    if (domain::KeptState(m.state())) {
      met.push_back(m);
      attendee_ids.insert(m.attendee_a());
      attendee_ids.insert(m.attendee_b());
    }
    return true;
  });
  if (!s.ok() || met.empty()) return s;
  absl::flat_hash_map<uint64_t, v1::Attendee> attendees;
  s = store->ScanAttendees(event.id(), [&](const v1::Attendee& a) {
    if (attendee_ids.contains(a.id()) && !a.person_ref().empty()) attendees.emplace(a.id(), a);
    return true;
  });
  if (!s.ok()) return s;
  // Feedback by (giver, meeting).
  absl::flat_hash_map<std::pair<uint64_t, uint64_t>, v1::StoredFeedback> feedback;
  s = store->ScanFeedback(event.id(), [&](const v1::StoredFeedback& f) {
    if (f.giver() != 0) feedback.emplace(std::make_pair(f.giver(), f.meeting_id()), f);
    return true;
  });
  if (!s.ok()) return s;
  constexpr size_t kBatch = 4096;
  std::vector<storage::MemoryEntry> entries;
  for (const v1::Meeting& m : met) {
    auto a = attendees.find(m.attendee_a());
    auto b = attendees.find(m.attendee_b());
    if (a == attendees.end() || b == attendees.end()) continue;
    auto fa = feedback.find({m.attendee_a(), m.id()});
    auto fb = feedback.find({m.attendee_b(), m.id()});
    for (storage::MemoryEntry& entry :
         MemoryOf(event, m, a->second, b->second, fa == feedback.end() ? nullptr : &fa->second,
                  fb == feedback.end() ? nullptr : &fb->second)) {
      entries.push_back(std::move(entry));
    }
    if (entries.size() >= kBatch) {
      s = store->PutMemory(event.community_id(), entries);
      if (!s.ok()) return s;
      entries.clear();
    }
  }
  if (entries.empty()) return absl::OkStatus();
  return store->PutMemory(event.community_id(), entries);
}

}  // namespace parley::services
