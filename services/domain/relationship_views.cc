#include "services/domain/relationship_views.h"

#include <string>
#include <utility>

#include "services/domain/agenda_views.h"

namespace parley::services {
namespace {

// The records of `kind` that concern `me` (introducer or introduced; asker or asked), oldest
// first.
absl::StatusOr<std::vector<v1::StoredIntroduction>> StoredOf(const storage::Store& store,
                                                             uint64_t event_id,
                                                             v1::StoredIntroduction::Kind kind,
                                                             uint64_t me) {
  std::vector<v1::StoredIntroduction> mine;
  absl::Status s = store.ScanIntroductions(event_id, [&](const v1::StoredIntroduction& i) {
    if (i.kind() != kind) return true;
    const bool names_me = i.introducer() == me || i.attendee_a() == me ||
                          (kind == v1::StoredIntroduction::INTRODUCTION && i.attendee_b() == me);
    if (names_me) mine.push_back(i);
    return true;
  });
  if (!s.ok()) return s;
  return mine;
}

}  // namespace

absl::StatusOr<std::vector<v1::Feedback>> FeedbackGivenBy(const storage::Store& store,
                                                          uint64_t event_id, uint64_t me) {
  absl::StatusOr<std::vector<v1::StoredFeedback>> given = store.ListFeedbackBy(event_id, me);
  if (!given.ok()) return given.status();
  std::vector<v1::Feedback> out;
  out.reserve(given->size());
  for (const v1::StoredFeedback& f : *given) {
    v1::Feedback& view = out.emplace_back();
    view.set_meeting_id(f.meeting_id());
    view.set_outcome(f.outcome());
    view.set_rating(f.rating());
    view.set_follow_up(f.follow_up());
    view.set_update_time(f.update_time());
    if (f.partner() == 0) continue;  // erased
    absl::StatusOr<v1::Attendee> partner = store.GetAttendee(event_id, f.partner());
    if (partner.ok()) *view.mutable_partner() = PublicProfileOf(*partner);
  }
  return out;
}

absl::StatusOr<v1::Introduction> IntroductionSeenBy(const storage::Store& store, uint64_t event_id,
                                                    uint64_t me,
                                                    const v1::StoredIntroduction& intro) {
  const bool both =
      intro.answer_a() == v1::Meeting::ACCEPTED && intro.answer_b() == v1::Meeting::ACCEPTED;
  v1::Introduction view;
  view.set_id(intro.id());
  view.set_note(intro.note());
  view.set_create_time(intro.create_time());
  auto profile = [&](uint64_t id, v1::PublicProfile* out) -> absl::Status {
    absl::StatusOr<v1::Attendee> a = store.GetAttendee(event_id, id);
    if (!a.ok()) return a.status();
    *out = PublicProfileOf(*a);
    return absl::OkStatus();
  };
  absl::Status s;
  if (intro.introducer() == me) {
    view.set_made_by_me(true);
    view.set_status(both ? v1::Introduction::ACCEPTED : v1::Introduction::PENDING);
    s = profile(intro.attendee_a(), view.mutable_person());
    if (s.ok()) s = profile(intro.attendee_b(), view.mutable_other_person());
  } else {
    const bool is_a = intro.attendee_a() == me;
    const v1::Meeting::Answer mine = is_a ? intro.answer_a() : intro.answer_b();
    view.set_my_answer(mine == v1::Meeting::ACCEPTED ? v1::Introduction::ACCEPTED_ANSWER
                       : mine == v1::Meeting::DECLINED_ANSWER
                           ? v1::Introduction::DECLINED_ANSWER
                           : v1::Introduction::ANSWER_UNSPECIFIED);
    view.set_status(mine == v1::Meeting::DECLINED_ANSWER ? v1::Introduction::DECLINED_BY_ME
                    : both                               ? v1::Introduction::ACCEPTED
                                                         : v1::Introduction::PENDING);
    view.set_meeting_id(intro.meeting_id());
    s = profile(is_a ? intro.attendee_b() : intro.attendee_a(), view.mutable_person());
    if (s.ok()) s = profile(intro.introducer(), view.mutable_introducer());
  }
  if (!s.ok()) return s;
  return view;
}

absl::StatusOr<std::vector<v1::Introduction>> IntroductionsOf(const storage::Store& store,
                                                              uint64_t event_id, uint64_t me) {
  absl::StatusOr<std::vector<v1::StoredIntroduction>> mine =
      StoredOf(store, event_id, v1::StoredIntroduction::INTRODUCTION, me);
  if (!mine.ok()) return mine.status();
  std::vector<v1::Introduction> out;
  for (auto it = mine->rbegin(); it != mine->rend(); ++it) {
    absl::StatusOr<v1::Introduction> view = IntroductionSeenBy(store, event_id, me, *it);
    if (!view.ok()) return view.status();
    out.push_back(*std::move(view));
  }
  return out;
}

absl::StatusOr<std::vector<v1::IntroductionRequest>> IntroductionRequestsOf(
    const storage::Store& store, uint64_t event_id, uint64_t me) {
  absl::StatusOr<std::vector<v1::StoredIntroduction>> mine =
      StoredOf(store, event_id, v1::StoredIntroduction::REQUEST, me);
  if (!mine.ok()) return mine.status();
  std::vector<v1::IntroductionRequest> out;
  for (auto it = mine->rbegin(); it != mine->rend(); ++it) {
    // A request: `attendee_a` asked `introducer`.
    const bool sent = it->attendee_a() == me;
    absl::StatusOr<v1::Attendee> person =
        store.GetAttendee(event_id, sent ? it->introducer() : it->attendee_a());
    if (!person.ok()) return person.status();
    v1::IntroductionRequest& view = out.emplace_back();
    view.set_id(it->id());
    view.set_sent_by_me(sent);
    *view.mutable_person() = PublicProfileOf(*person);
    view.set_note(it->note());
    view.set_answered(it->answered());
    view.set_create_time(it->create_time());
  }
  return out;
}

absl::StatusOr<std::vector<v1::Wish>> WishesOf(const storage::Store& store,
                                               const v1::Attendee& me) {
  std::vector<v1::Wish> out;
  for (const std::string& external_id : me.wants()) {
    absl::StatusOr<v1::Attendee> other = store.GetAttendeeByExternalId(me.event_id(), external_id);
    if (absl::IsNotFound(other.status())) continue;  // not (or no longer) in the event
    if (!other.ok()) return other.status();
    *out.emplace_back().mutable_person() = PublicProfileOf(*other);
  }
  return out;
}

}  // namespace parley::services
