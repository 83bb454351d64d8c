#include "services/domain/agenda_views.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/domain/ics.h"
#include "services/domain/meetings.h"
#include "services/domain/policy.h"
#include "services/domain/seating.h"
#include "services/domain/validation.h"
#include "services/match/tags.h"

namespace parley::services {
namespace {

const v1::Location* FindLocation(const v1::Event& event, const std::string& id) {
  for (const v1::Location& location : event.locations()) {
    if (location.id() == id) return &location;
  }
  return nullptr;
}

struct Mine {
  v1::Meeting meeting;
  v1::Attendee partner;
};

// My meetings passing `keep`, with partners, in slot order.
absl::StatusOr<std::vector<Mine>> MyMeetings(const storage::Store& store, const v1::Event& event,
                                             uint64_t me, bool (*keep)(v1::Meeting::State),
                                             std::vector<uint64_t>* partners = nullptr) {
  absl::StatusOr<std::vector<v1::Meeting>> meetings = store.ListMeetingsOfAttendee(event.id(), me);
  if (!meetings.ok()) return meetings.status();
  std::vector<Mine> out;
  for (v1::Meeting& m : *meetings) {
    if (!keep(m.state())) continue;
    const uint64_t partner_id = m.attendee_a() == me ? m.attendee_b() : m.attendee_a();
    if (partners != nullptr) partners->push_back(partner_id);
    absl::StatusOr<v1::Attendee> partner = store.GetAttendee(event.id(), partner_id);
    if (absl::IsNotFound(partner.status())) continue;
    if (!partner.ok()) return partner.status();
    out.push_back({std::move(m), *std::move(partner)});
  }
  auto start = [&](const Mine& x) {
    const v1::Slot* slot = domain::FindSlot(event, x.meeting.slot_id());
    return slot == nullptr ? int64_t{0} : slot->start_time();
  };
  std::sort(out.begin(), out.end(), [&](const Mine& x, const Mine& y) {
    return std::make_tuple(start(x), x.meeting.id()) < std::make_tuple(start(y), y.meeting.id());
  });
  return out;
}

}  // namespace

v1::PublicProfile PublicProfileOf(const v1::Attendee& a) {
  v1::PublicProfile p;
  p.set_attendee_id(a.id());
  p.set_display_name(a.display_name());
  p.set_organisation(a.organisation());
  p.set_role(a.role());
  p.set_bio(a.bio());
  for (const v1::Interest& interest : a.interests()) p.add_interests(interest.tag());
  *p.mutable_offers() = a.offers();
  *p.mutable_seeks() = a.seeks();
  *p.mutable_languages() = a.languages();
  return p;
}

v1::Proposal::Status StatusFor(const v1::Meeting& m, uint64_t me) {
  const bool is_a = m.attendee_a() == me;
  const v1::Meeting::Answer mine = is_a ? m.answer_a() : m.answer_b();
  switch (m.state()) {
    case v1::Meeting::PROPOSED:
      return mine == v1::Meeting::ACCEPTED ? v1::Proposal::AWAITING_THEM
                                           : v1::Proposal::AWAITING_ME;
    case v1::Meeting::CONFIRMED:
    case v1::Meeting::HELD:
    case v1::Meeting::NO_SHOW:
      return v1::Proposal::CONFIRMED;
    case v1::Meeting::DECLINED:
      return mine == v1::Meeting::DECLINED_ANSWER ? v1::Proposal::DECLINED_BY_ME
                                                  : v1::Proposal::WITHDRAWN;
    case v1::Meeting::CANCELLED:
      return v1::Proposal::CANCELLED;
    default:
      return v1::Proposal::WITHDRAWN;
  }
}

namespace {

// A tag a reason names, as the engine compared it: the engine names a shared tag by one
// spelling for both sides ("LLMs") while each side may have written another ("llm", "large
// language models"), so a reason holds for every spelling TagKey merges, and for spellings that
// differ by non-ASCII case (SameTag). The event's acronym aliases are not known here: a reason
// an acronym alone made ("ML" for "machine learning (ML)") is dropped once its owner edits.
class ReasonTag {
 public:
  explicit ReasonTag(absl::string_view tag) : tag_(tag), key_(match::TagKey(tag)) {}
  bool Is(absl::string_view listed) const {
    // Views check every reason against every tag of both profiles: HasTagKey keys few of them.
    return SameTag(listed, tag_) || match::HasTagKey(listed, key_);
  }

 private:
  absl::string_view tag_;
  std::string key_;
};

bool Lists(const google::protobuf::RepeatedPtrField<std::string>& tags, const ReasonTag& tag) {
  return std::any_of(tags.begin(), tags.end(), [&](const std::string& t) { return tag.Is(t); });
}

bool HasInterest(const v1::Attendee& a, const ReasonTag& tag) {
  return std::any_of(a.interests().begin(), a.interests().end(),
                     [&](const v1::Interest& i) { return tag.Is(i.tag()); });
}

}  // namespace

bool ReasonHolds(const v1::Reason& r, const v1::Attendee& you, const v1::Attendee& they) {
  switch (r.kind()) {
    case v1::Reason::SHARED_INTEREST: {
      const ReasonTag tag(r.tag());
      return HasInterest(you, tag) && HasInterest(they, tag);
    }
    case v1::Reason::THEY_OFFER_WHAT_YOU_SEEK: {
      const ReasonTag tag(r.tag());
      return Lists(you.seeks(), tag) && Lists(they.offers(), tag);
    }
    case v1::Reason::YOU_OFFER_WHAT_THEY_SEEK: {
      const ReasonTag tag(r.tag());
      return Lists(you.offers(), tag) && Lists(they.seeks(), tag);
    }
    case v1::Reason::BRIDGES_CIRCLES:
      return HasInterest(they, ReasonTag(r.tag())) && HasInterest(you, ReasonTag(r.other_tag()));
    default:
      return true;
  }
}

v1::Proposal ProposalFor(const v1::Event& event, const v1::Meeting& m, uint64_t me,
                         const v1::Attendee& partner, const v1::Attendee* self) {
  const bool is_a = m.attendee_a() == me;
  v1::Proposal p;
  p.set_meeting_id(m.id());
  p.set_status(StatusFor(m, me));
  *p.mutable_partner() = PublicProfileOf(partner);
  p.set_slot_id(m.slot_id());
  if (const v1::Slot* slot = domain::FindSlot(event, m.slot_id())) {
    p.set_start_time(slot->start_time());
    p.set_end_time(slot->end_time());
  }
  p.set_location_id(m.location_id());
  if (const v1::Location* location = FindLocation(event, m.location_id())) {
    p.set_location_name(location->name().empty() ? location->id() : location->name());
    p.set_virtual_link(location->virtual_link());
  }
  p.set_table(m.table());
  *p.mutable_reasons() = is_a ? m.reasons_for_a() : m.reasons_for_b();
  p.set_conversation_starter(is_a ? m.starter_for_a() : m.starter_for_b());
  if (self != nullptr) {
    bool names_dropped = false;
    auto* reasons = p.mutable_reasons();
    for (int i = reasons->size() - 1; i >= 0; --i) {
      const v1::Reason& r = reasons->Get(i);
      if (ReasonHolds(r, *self, partner)) continue;
      for (const std::string& tag : {r.tag(), r.other_tag()}) {
        names_dropped =
            names_dropped ||
            (!tag.empty() && absl::StrContains(absl::AsciiStrToLower(p.conversation_starter()),
                                               absl::AsciiStrToLower(tag)));
      }
      reasons->DeleteSubrange(i, 1);
    }
    if (names_dropped) {
      p.set_conversation_starter(
          absl::StrCat("Ask ", partner.display_name().empty() ? "them" : partner.display_name(),
                       " what they are working on."));
    }
  }
  if (m.state() == v1::Meeting::PROPOSED) p.set_expire_time(m.expire_time());
  // Contact sharing (PRODUCT.md "Security and privacy"): only once both confirmed, and only what
  // the partner consented to.
  if (p.status() == v1::Proposal::CONFIRMED) {
    if (partner.share_email()) p.set_partner_email(partner.email());
    if (partner.share_phone()) p.set_partner_phone(partner.phone());
  }
  return p;
}

absl::StatusOr<std::vector<v1::Proposal>> MyProposals(const storage::Store& store,
                                                      const v1::Event& event, uint64_t me,
                                                      bool (*keep)(v1::Meeting::State),
                                                      std::vector<uint64_t>* partners) {
  absl::StatusOr<std::vector<Mine>> mine = MyMeetings(store, event, me, keep, partners);
  if (!mine.ok()) return mine.status();
  // My record as it is now: reasons a profile edit made untrue are not shown.
  absl::StatusOr<v1::Attendee> self = store.GetAttendee(event.id(), me);
  if (!self.ok() && !absl::IsNotFound(self.status())) return self.status();
  std::vector<v1::Proposal> out;
  out.reserve(mine->size());
  for (const Mine& x : *mine) {
    out.push_back(ProposalFor(event, x.meeting, me, x.partner, self.ok() ? &*self : nullptr));
  }
  return out;
}

absl::StatusOr<v1::Agenda> MyAgenda(const storage::Store& store, const v1::Event& event,
                                    uint64_t me, std::vector<uint64_t>* partners) {
  absl::StatusOr<v1::Attendee> self = store.GetAttendee(event.id(), me);
  if (!self.ok()) return self.status();
  absl::StatusOr<std::vector<v1::Proposal>> items =
      MyProposals(store, event, me, &domain::ShownState, partners);
  if (!items.ok()) return items.status();
  v1::Agenda agenda;
  agenda.set_budget(self->has_budget() ? self->budget() : domain::DefaultBudget(event.policy()));
  for (v1::Proposal& p : *items) {
    if (p.status() == v1::Proposal::CONFIRMED) {
      agenda.set_confirmed(agenda.confirmed() + 1);
    } else {
      agenda.set_open(agenda.open() + 1);
    }
    *agenda.add_items() = std::move(p);
  }
  return agenda;
}

absl::StatusOr<v1::Calendar> CalendarOf(const storage::Store& store, const v1::Event& event,
                                        uint64_t attendee_id) {
  absl::StatusOr<std::vector<Mine>> mine = MyMeetings(
      store, event, attendee_id,
      +[](v1::Meeting::State state) { return domain::AgendaState(state); });
  if (!mine.ok()) return mine.status();
  std::vector<ics::CalendarEvent> all, cancelled;
  for (const Mine& x : *mine) {
    const v1::Meeting& m = x.meeting;
    const v1::Slot* slot = domain::FindSlot(event, m.slot_id());
    if (slot == nullptr) continue;
    ics::CalendarEvent e;
    e.uid = ics::MeetingUid(m.id(), event.id());
    e.sequence = m.sequence();
    e.stamp = m.update_time();
    e.start = slot->start_time();
    e.end = slot->end_time();
    e.summary = absl::StrCat("Meeting with ", x.partner.display_name());
    const v1::Location* location = FindLocation(event, m.location_id());
    if (location != nullptr) {
      e.location = location->name().empty() ? location->id() : location->name();
      if (m.table() > 0) absl::StrAppend(&e.location, ", table ", m.table());
      if (!location->virtual_link().empty())
        absl::StrAppend(&e.location, " ", location->virtual_link());
    }
    e.description = m.attendee_a() == attendee_id ? m.starter_for_a() : m.starter_for_b();
    e.cancelled = m.state() == v1::Meeting::CANCELLED;
    if (e.cancelled) cancelled.push_back(e);
    all.push_back(std::move(e));
  }
  v1::Calendar calendar;
  calendar.set_ics(ics::RenderCalendar("PUBLISH", all));
  if (!cancelled.empty()) calendar.set_cancellations(ics::RenderCalendar("CANCEL", cancelled));
  return calendar;
}

void ExplainNothingNew(const v1::Event& event, const v1::Attendee& me,
                       const std::vector<v1::Meeting>& my_meetings, int64_t now,
                       v1::ListMySuggestionsResponse* out) {
  using Response = v1::ListMySuggestionsResponse;
  const uint32_t budget = domain::BudgetOf(event.policy(), me);
  if (budget == 0) {
    out->set_nothing_new(Response::OPTED_OUT);
    out->set_nothing_new_message(
        "your meeting budget is 0 (opted out): raise it with `parley me update --budget N`");
    return;
  }
  absl::flat_hash_set<std::string> busy;
  uint32_t have = 0;
  for (const v1::Meeting& m : my_meetings) {
    if (!domain::OccupyingState(m.state())) continue;
    ++have;
    busy.insert(m.slot_id());
  }
  if (have >= budget) {
    out->set_nothing_new(Response::BUDGET_FULL);
    out->set_nothing_new_message(absl::StrCat("your ", have, " meeting", have == 1 ? "" : "s",
                                              " and proposals fill your budget of ", budget));
    return;
  }
  bool free_slot = false;
  for (const v1::Slot& slot : event.slots()) {
    free_slot = free_slot || (slot.end_time() > now && !busy.contains(slot.id()) &&
                              domain::AvailableIn(me, slot.id()));
  }
  if (!free_slot) {
    out->set_nothing_new(Response::NO_FREE_SLOT);
    out->set_nothing_new_message(
        "every slot you are available in is taken by one of your meetings or has ended");
    return;
  }
  out->set_nothing_new(Response::NOBODY_FEASIBLE);
  out->set_nothing_new_message(
      "nobody who is free when you are and has room left can be proposed to you now (they are "
      "booked, already proposed or declined, or ruled out by avoid lists, organisation or "
      "language); ask again later");
}

}  // namespace parley::services
