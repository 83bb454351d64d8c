#include "services/domain/my_data.h"

#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "services/domain/agenda_views.h"
#include "services/domain/relationship_views.h"

namespace parley::services {

v1::Attendee OwnProfile(v1::Attendee me) {
  me.clear_wants();
  me.clear_person_ref();
  return me;
}

absl::StatusOr<v1::MyData> MyDataOf(const storage::Store& store, const v1::Event& event,
                                    uint64_t me, int64_t now) {
  absl::StatusOr<v1::Attendee> self = store.GetAttendee(event.id(), me);
  if (!self.ok()) return self.status();
  v1::MyData data;
  data.set_export_time(now);
  *data.mutable_profile() = OwnProfile(*self);
  *data.mutable_event() = event;

  // Meetings in every state, as my agenda shows them, with what only the stored record says.
  absl::StatusOr<std::vector<v1::Meeting>> stored = store.ListMeetingsOfAttendee(event.id(), me);
  if (!stored.ok()) return stored.status();
  absl::flat_hash_map<uint64_t, const v1::Meeting*> by_id;
  for (const v1::Meeting& m : *stored) by_id[m.id()] = &m;
  absl::StatusOr<std::vector<v1::Proposal>> proposals = MyProposals(
      store, event, me, +[](v1::Meeting::State) { return true; });
  if (!proposals.ok()) return proposals.status();
  for (v1::Proposal& p : *proposals) {
    v1::MyMeeting* out = data.add_meetings();
    auto it = by_id.find(p.meeting_id());
    if (it != by_id.end()) {
      const v1::Meeting& m = *it->second;
      out->set_my_answer(m.attendee_a() == me ? m.answer_a() : m.answer_b());
      out->set_create_time(m.create_time());
      out->set_update_time(m.update_time());
    }
    *out->mutable_proposal() = std::move(p);
  }

  absl::StatusOr<std::vector<v1::Feedback>> feedback = FeedbackGivenBy(store, event.id(), me);
  if (!feedback.ok()) return feedback.status();
  for (v1::Feedback& f : *feedback) *data.add_feedback() = std::move(f);
  absl::StatusOr<std::vector<v1::Introduction>> introductions =
      IntroductionsOf(store, event.id(), me);
  if (!introductions.ok()) return introductions.status();
  for (v1::Introduction& i : *introductions) *data.add_introductions() = std::move(i);
  absl::StatusOr<std::vector<v1::IntroductionRequest>> requests =
      IntroductionRequestsOf(store, event.id(), me);
  if (!requests.ok()) return requests.status();
  for (v1::IntroductionRequest& r : *requests) *data.add_introduction_requests() = std::move(r);
  absl::StatusOr<std::vector<v1::Wish>> wishes = WishesOf(store, *self);
  if (!wishes.ok()) return wishes.status();
  for (v1::Wish& w : *wishes) *data.add_wishes() = std::move(w);

  if (!self->person_ref().empty()) {
    // My side of each remembered meeting; the partner's feedback on it is theirs.
    absl::Status s = store.ScanMemory(event.community_id(), self->person_ref(),
                                      [&](const storage::MemoryEntry& e) {
                                        v1::RememberedMeeting* out = data.add_memory();
                                        out->set_event_id(e.record.event_id());
                                        out->set_event_name(e.record.event_name());
                                        out->set_meeting_id(e.record.meeting_id());
                                        out->set_met_time(e.record.met_time());
                                        out->set_partner_name(e.record.partner_name());
                                        out->set_outcome(e.record.outcome());
                                        out->set_rating(e.record.rating());
                                        out->set_follow_up(e.record.follow_up());
                                        return true;
                                      });
    if (!s.ok()) return s;
  }

  absl::StatusOr<std::vector<v1::TokenInfo>> tokens = store.ListAttendeeTokens(event.id(), me);
  if (!tokens.ok()) return tokens.status();
  for (v1::TokenInfo& t : *tokens) *data.add_tokens() = std::move(t);

  uint32_t known = 0;
  absl::Status s = store.ScanKnownPairs(event.id(), [&](uint64_t a, uint64_t b) {
    known += a == me || b == me ? 1 : 0;
    return true;
  });
  if (!s.ok()) return s;
  data.set_known_pairs(known);
  return data;
}

}  // namespace parley::services
