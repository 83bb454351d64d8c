#include "services/api/relationship_service.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "glog/logging.h"
#include "services/api/event_access.h"
#include "services/api/grpc_status.h"
#include "services/domain/agenda_views.h"
#include "services/domain/constraints.h"
#include "services/domain/meetings.h"
#include "services/domain/policy.h"
#include "services/domain/relationship_views.h"
#include "services/domain/relationships.h"
#include "services/domain/validation.h"
#include "services/match/tags.h"
#include "services/runs/engine_event.h"
#include "services/runs/introduced.h"

namespace parley::services {
namespace {

std::string Method(absl::string_view name) {
  return absl::StrCat("/", v1::RelationshipService::service_full_name(), "/", name);
}

absl::Status MeetingNotFound(uint64_t id) {
  return absl::NotFoundError(absl::StrCat("meeting ", id, " not found"));
}
absl::Status NotMet(uint64_t attendee_id) {
  return absl::PermissionDeniedError(absl::StrCat(
      "you can introduce people you met or are confirmed with; you have not met attendee ",
      attendee_id));
}
absl::Status IntroductionNotFound(uint64_t id) {
  return absl::NotFoundError(absl::StrCat("introduction ", id, " not found"));
}

// The attendee of my event, NOT_FOUND (naming the field) otherwise.
absl::StatusOr<v1::Attendee> AttendeeOfEvent(const storage::Store& store, uint64_t event_id,
                                             uint64_t attendee_id, absl::string_view field) {
  if (attendee_id == 0) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  absl::StatusOr<v1::Attendee> a = store.GetAttendee(event_id, attendee_id);
  if (absl::IsNotFound(a.status())) {
    return absl::NotFoundError(
        absl::StrCat(field, ": attendee ", attendee_id, " is not in your event"));
  }
  return a;
}

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& list,
              absl::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

double Ratio(uint32_t part, uint32_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / whole;
}

void FinishRates(v1::Analytics* a) {
  a->set_acceptance_rate(Ratio(a->confirmed(), a->confirmed() + a->declined() + a->expired()));
  a->set_held_rate(Ratio(a->held(), a->confirmed()));
  a->set_follow_up_rate(Ratio(a->follow_ups(), a->feedback()));
  uint64_t sum = 0, count = 0;
  for (int i = 0; i < a->rating_counts_size(); ++i) {
    sum += uint64_t{a->rating_counts(i)} * (i + 1);
    count += a->rating_counts(i);
  }
  a->set_mean_rating(count == 0 ? 0.0 : static_cast<double>(sum) / count);
}

// Meeting counts from the maintained index (runs/organiser_reads.h: no scan of the meetings);
// feedback and introductions, one record per answer given, are scanned.
absl::StatusOr<v1::Analytics> AnalyticsOf(const storage::Store& store,
                                          matching::OrganiserReads* reads, const v1::Event& event) {
  v1::Analytics a;
  a.set_event_id(event.id());
  a.set_event_name(event.name());
  for (int i = 0; i < 5; ++i) a.add_rating_counts(0);
  absl::StatusOr<matching::MeetingStateCounts> counts = reads->CountMeetings(event.id());
  if (!counts.ok()) return counts.status();
  auto count = [&](v1::Meeting::State state) { return (*counts)[static_cast<size_t>(state)]; };
  uint32_t proposals = 0;
  for (uint32_t c : *counts) proposals += c;
  a.set_proposals(proposals);
  a.set_held(count(v1::Meeting::HELD));
  a.set_no_show(count(v1::Meeting::NO_SHOW));
  a.set_confirmed(count(v1::Meeting::CONFIRMED) + a.held() + a.no_show());
  a.set_declined(count(v1::Meeting::DECLINED));
  a.set_expired(count(v1::Meeting::EXPIRED));
  a.set_cancelled(count(v1::Meeting::CANCELLED));
  absl::Status s = store.ScanFeedback(event.id(), [&](const v1::StoredFeedback& f) {
    a.set_feedback(a.feedback() + 1);
    if (f.rating() >= 1 && f.rating() <= 5) {
      a.set_rating_counts(f.rating() - 1, a.rating_counts(f.rating() - 1) + 1);
    }
    if (f.follow_up()) a.set_follow_ups(a.follow_ups() + 1);
    return true;
  });
  if (!s.ok()) return s;
  s = store.ScanIntroductions(event.id(), [&](const v1::StoredIntroduction& i) {
    if (i.kind() != v1::StoredIntroduction::INTRODUCTION) return true;
    a.set_introductions_made(a.introductions_made() + 1);
    if (i.answer_a() == v1::Meeting::ACCEPTED && i.answer_b() == v1::Meeting::ACCEPTED) {
      a.set_introductions_accepted(a.introductions_accepted() + 1);
    }
    return true;
  });
  if (!s.ok()) return s;
  FinishRates(&a);
  return a;
}

void AddTo(const v1::Analytics& e, v1::Analytics* total) {
  total->set_proposals(total->proposals() + e.proposals());
  total->set_confirmed(total->confirmed() + e.confirmed());
  total->set_declined(total->declined() + e.declined());
  total->set_expired(total->expired() + e.expired());
  total->set_cancelled(total->cancelled() + e.cancelled());
  total->set_held(total->held() + e.held());
  total->set_no_show(total->no_show() + e.no_show());
  total->set_feedback(total->feedback() + e.feedback());
  while (total->rating_counts_size() < e.rating_counts_size()) total->add_rating_counts(0);
  for (int i = 0; i < e.rating_counts_size(); ++i) {
    total->set_rating_counts(i, total->rating_counts(i) + e.rating_counts(i));
  }
  total->set_follow_ups(total->follow_ups() + e.follow_ups());
  total->set_introductions_made(total->introductions_made() + e.introductions_made());
  total->set_introductions_accepted(total->introductions_accepted() + e.introductions_accepted());
}

}  // namespace

struct RelationshipService::Caller {
  Principal who;
  v1::Event event;
  v1::Attendee me;
};

absl::StatusOr<RelationshipService::Caller> RelationshipService::Authorize(
    const grpc::CallbackServerContext& context, absl::string_view method) const {
  absl::StatusOr<Principal> who = auth_->Authorize(context, Method(method));
  if (!who.ok()) return who.status();
  absl::StatusOr<v1::Event> event = store_->GetEvent(who->event_id);
  if (!event.ok()) return event.status();
  absl::StatusOr<v1::Attendee> me = store_->GetAttendee(who->event_id, who->attendee_id);
  if (!me.ok()) return me.status();
  return Caller{*std::move(who), *std::move(event), *std::move(me)};
}

absl::StatusOr<bool> RelationshipService::HaveMet(const Caller& caller,
                                                  const v1::Attendee& other) const {
  absl::StatusOr<std::vector<v1::Meeting>> mine =
      store_->ListMeetingsOfAttendee(caller.event.id(), caller.me.id());
  if (!mine.ok()) return mine.status();
  for (const v1::Meeting& m : *mine) {
    const bool with_other = m.attendee_a() == other.id() || m.attendee_b() == other.id();
    if (with_other && (m.state() == v1::Meeting::CONFIRMED || m.state() == v1::Meeting::HELD)) {
      return true;
    }
  }
  if (caller.me.person_ref().empty() || other.person_ref().empty()) return false;
  bool met = false;
  absl::Status s = store_->ScanMemory(
      caller.event.community_id(), caller.me.person_ref(), [&](const storage::MemoryEntry& e) {
        met = e.partner == other.person_ref() && matching::Met(e.record);
        return !met;
      });
  if (!s.ok()) return s;
  return met;
}

// --- Feedback ------------------------------------------------------------------------------

grpc::ServerUnaryReactor* RelationshipService::RecordFeedback(
    grpc::CallbackServerContext* context, const v1::RecordFeedbackRequest* request,
    v1::Feedback* response) {
  return FinishOn(workers_, context, [this, context, request, response]() -> absl::Status {
    absl::StatusOr<Caller> caller = Authorize(*context, "RecordFeedback");
    if (!caller.ok()) return caller.status();
    if (request->meeting_id() == 0) return absl::InvalidArgumentError("meeting_id: required");
    switch (request->outcome()) {
      case v1::Feedback::HAPPENED:
        if (request->rating() < 1 || request->rating() > 5) {
          return absl::InvalidArgumentError(absl::StrCat(
              "rating: must be 1-5 for a meeting that happened, got ", request->rating()));
        }
        break;
      case v1::Feedback::NO_SHOW:
        if (request->rating() != 0) {
          return absl::InvalidArgumentError("rating: must be 0 (unset) for a no-show");
        }
        break;
      default:
        return absl::InvalidArgumentError("outcome: required (HAPPENED or NO_SHOW)");
    }
    const uint64_t event_id = caller->event.id();
    const uint64_t me = caller->me.id();
    absl::StatusOr<v1::Meeting> meeting = store_->GetMeeting(event_id, request->meeting_id());
    if (absl::IsNotFound(meeting.status())) return MeetingNotFound(request->meeting_id());
    if (!meeting.ok()) return meeting.status();
    if (meeting->attendee_a() != me && meeting->attendee_b() != me) {
      return MeetingNotFound(request->meeting_id());
    }
    const v1::Slot* slot = domain::FindSlot(caller->event, meeting->slot_id());
    if (slot != nullptr && slot->end_time() > live_->Now()) {
      return absl::FailedPreconditionError(absl::StrCat("meeting ", meeting->id(),
                                                        ": feedback opens when its slot ends (",
                                                        slot->end_time(), ")"));
    }
    const uint64_t partner_id =
        meeting->attendee_a() == me ? meeting->attendee_b() : meeting->attendee_a();
    absl::StatusOr<v1::Attendee> partner = store_->GetAttendee(event_id, partner_id);
    if (!partner.ok()) return partner.status();
    const bool me_first = me < partner_id;
    const v1::Attendee& a = me_first ? caller->me : *partner;
    const v1::Attendee& b = me_first ? *partner : caller->me;
    v1::StoredFeedback saved;
    absl::StatusOr<v1::Meeting> stored = store_->RecordFeedback(
        event_id, meeting->id(), me,
        [&](v1::Meeting* m, v1::StoredFeedback* mine, const v1::StoredFeedback* theirs,
            std::vector<storage::MemoryEntry>* memory) -> absl::Status {
          if (!domain::KeptState(m->state())) {
            return absl::FailedPreconditionError(
                absl::StrCat("meeting ", m->id(), " was never confirmed: nothing to rate"));
          }
          mine->set_partner(partner_id);
          mine->set_outcome(request->outcome());
          mine->set_rating(request->rating());
          mine->set_follow_up(request->follow_up());
          const bool happened = mine->outcome() == v1::Feedback::HAPPENED ||
                                (theirs != nullptr && theirs->outcome() == v1::Feedback::HAPPENED);
          // HELD and NO_SHOW look like CONFIRMED to both attendees, and the sequence and update
          // time stay: nothing the partner sees may change with my feedback.
          m->set_state(happened ? v1::Meeting::HELD : v1::Meeting::NO_SHOW);
          *memory =
              MemoryOf(caller->event, *m, a, b, me_first ? mine : theirs, me_first ? theirs : mine);
          saved = *mine;
          return absl::OkStatus();
        });
    if (!stored.ok()) return stored.status();
    response->set_meeting_id(saved.meeting_id());
    response->set_outcome(saved.outcome());
    response->set_rating(saved.rating());
    response->set_follow_up(saved.follow_up());
    response->set_update_time(absl::ToUnixSeconds(absl::Now()));
    *response->mutable_partner() = PublicProfileOf(*partner);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* RelationshipService::ListMyFeedback(
    grpc::CallbackServerContext* context, const v1::ListMyFeedbackRequest* /*request*/,
    v1::ListMyFeedbackResponse* response) {
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<Caller> caller = Authorize(*context, "ListMyFeedback");
    if (!caller.ok()) return caller.status();
    absl::StatusOr<std::vector<v1::Feedback>> given =
        FeedbackGivenBy(*store_, caller->event.id(), caller->me.id());
    if (!given.ok()) return given.status();
    for (v1::Feedback& f : *given) *response->add_feedback() = std::move(f);
    return absl::OkStatus();
  });
}

// --- Introductions -------------------------------------------------------------------------

absl::StatusOr<v1::Introduction> RelationshipService::ViewOf(
    const Caller& caller, const v1::StoredIntroduction& intro) const {
  return IntroductionSeenBy(*store_, caller.event.id(), caller.me.id(), intro);
}

grpc::ServerUnaryReactor* RelationshipService::Introduce(grpc::CallbackServerContext* context,
                                                         const v1::IntroduceRequest* request,
                                                         v1::Introduction* response) {
  return FinishOn(workers_, context, [this, context, request, response]() -> absl::Status {
    absl::StatusOr<Caller> caller = Authorize(*context, "Introduce");
    if (!caller.ok()) return caller.status();
    absl::Status s = domain::RequireNotClosed(caller->event);
    if (!s.ok()) return s;
    const uint64_t me = caller->me.id();
    const uint64_t event_id = caller->event.id();
    if (request->attendee_a() == me || request->attendee_b() == me) {
      return absl::InvalidArgumentError("attendee_a, attendee_b: you cannot introduce yourself");
    }
    if (request->attendee_a() == request->attendee_b() && request->attendee_a() != 0) {
      return absl::InvalidArgumentError("attendee_b: must differ from attendee_a");
    }
    std::string note = request->note();
    s = CheckText("note", &note, kMaxNoteBytes, /*required=*/true, /*multiline=*/true);
    if (!s.ok()) return s;
    const bool any = caller->event.policy().allow_any_introductions();
    // Without the policy, an id that does not exist is refused like one I have not met, so
    // that ids cannot be probed.
    absl::StatusOr<v1::Attendee> x =
        AttendeeOfEvent(*store_, event_id, request->attendee_a(), "attendee_a");
    if (!any && absl::IsNotFound(x.status())) return NotMet(request->attendee_a());
    if (!x.ok()) return x.status();
    absl::StatusOr<v1::Attendee> y =
        AttendeeOfEvent(*store_, event_id, request->attendee_b(), "attendee_b");
    if (!any && absl::IsNotFound(y.status())) return NotMet(request->attendee_b());
    if (!y.ok()) return y.status();
    if (!any) {
      for (const v1::Attendee* other : {&*x, &*y}) {
        absl::StatusOr<bool> met = HaveMet(*caller, *other);
        if (!met.ok()) return met.status();
        if (!*met) return NotMet(other->id());
      }
    }
    const bool x_first = x->id() < y->id();
    const v1::Attendee& a = x_first ? *x : *y;
    const v1::Attendee& b = x_first ? *y : *x;
    absl::MutexLock lock(&introductions_mu_);
    // The same introducer twice for one pair; the request answered, if any; and how many
    // introductions I made (capped: domain::kMaxIntroductionsMade).
    bool duplicate = false;
    size_t made = 0;
    std::optional<v1::StoredIntroduction> answered;
    s = store_->ScanIntroductions(event_id, [&](const v1::StoredIntroduction& i) {
      if (i.kind() == v1::StoredIntroduction::INTRODUCTION && i.introducer() == me) {
        ++made;
        if (i.attendee_a() == a.id() && i.attendee_b() == b.id()) duplicate = true;
      }
      if (i.id() == request->request_id()) answered = i;
      return true;
    });
    if (!s.ok()) return s;
    if (duplicate) {
      return absl::AlreadyExistsError(
          absl::StrCat("you already introduced attendees ", a.id(), " and ", b.id()));
    }
    if (made >= domain::kMaxIntroductionsMade) {
      return absl::ResourceExhaustedError(absl::StrCat("you already made ", made,
                                                       " introductions in this event (at most ",
                                                       domain::kMaxIntroductionsMade, ")"));
    }
    if (request->request_id() != 0) {
      if (!answered.has_value() || answered->kind() != v1::StoredIntroduction::REQUEST ||
          answered->introducer() != me) {
        return absl::NotFoundError(
            absl::StrCat("request_id: request ", request->request_id(), " not found"));
      }
      if (answered->attendee_a() != a.id() && answered->attendee_a() != b.id()) {
        return absl::InvalidArgumentError(
            "request_id: an answer must introduce the person who asked");
      }
    }
    v1::StoredIntroduction intro;
    intro.set_event_id(event_id);
    intro.set_kind(v1::StoredIntroduction::INTRODUCTION);
    intro.set_introducer(me);
    intro.set_attendee_a(a.id());
    intro.set_attendee_b(b.id());
    intro.set_note(note);
    intro.set_request_id(request->request_id());
    // Somebody who avoids the other declines at once, privately: to the introducer and to the
    // other it stays PENDING, as any decline does, so an avoid list is never revealed.
    if (domain::Avoids(a, b)) intro.set_answer_a(v1::Meeting::DECLINED_ANSWER);
    if (domain::Avoids(b, a)) intro.set_answer_b(v1::Meeting::DECLINED_ANSWER);
    // People who already know each other need no introduction: both decline at once, as
    // privately, so the introducer never learns what the organiser recorded.
    absl::StatusOr<bool> known_pair = store_->IsKnownPair(event_id, a.id(), b.id());
    if (!known_pair.ok()) return known_pair.status();
    if (*known_pair) {
      intro.set_answer_a(v1::Meeting::DECLINED_ANSWER);
      intro.set_answer_b(v1::Meeting::DECLINED_ANSWER);
    }
    absl::StatusOr<v1::StoredIntroduction> stored = store_->CreateIntroduction(std::move(intro));
    if (!stored.ok()) return stored.status();
    if (request->request_id() != 0) {
      absl::StatusOr<storage::Mutated<v1::StoredIntroduction>> marked = store_->MutateIntroduction(
          event_id, request->request_id(), [](v1::StoredIntroduction* r) {
            r->set_answered(r->answered() + 1);
            return absl::OkStatus();
          });
      if (!marked.ok()) return marked.status();
    }
    absl::StatusOr<v1::Introduction> view = ViewOf(*caller, *stored);
    if (!view.ok()) return view.status();
    *response = *std::move(view);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* RelationshipService::ListMyIntroductions(
    grpc::CallbackServerContext* context, const v1::ListMyIntroductionsRequest* /*request*/,
    v1::ListMyIntroductionsResponse* response) {
  return FinishOn(workers_, context, [this, context, response]() -> absl::Status {
    absl::StatusOr<Caller> caller = Authorize(*context, "ListMyIntroductions");
    if (!caller.ok()) return caller.status();
    absl::StatusOr<std::vector<v1::Introduction>> mine =
        IntroductionsOf(*store_, caller->event.id(), caller->me.id());
    if (!mine.ok()) return mine.status();
    for (v1::Introduction& i : *mine) *response->add_introductions() = std::move(i);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* RelationshipService::RespondToIntroduction(
    grpc::CallbackServerContext* context, const v1::RespondToIntroductionRequest* request,
    v1::Introduction* response) {
  return FinishOn(workers_, context, [this, context, request, response]() -> absl::Status {
    absl::StatusOr<Caller> caller = Authorize(*context, "RespondToIntroduction");
    if (!caller.ok()) return caller.status();
    absl::Status s = domain::RequireNotClosed(caller->event);
    if (!s.ok()) return s;
    const uint64_t me = caller->me.id();
    const uint64_t id = request->introduction_id();
    if (id == 0) return absl::InvalidArgumentError("introduction_id: required");
    const v1::Meeting::Answer answer =
        request->accept() ? v1::Meeting::ACCEPTED : v1::Meeting::DECLINED_ANSWER;
    absl::StatusOr<storage::Mutated<v1::StoredIntroduction>> stored = store_->MutateIntroduction(
        caller->event.id(), id, [&](v1::StoredIntroduction* i) -> absl::Status {
          if (i->kind() != v1::StoredIntroduction::INTRODUCTION ||
              (i->attendee_a() != me && i->attendee_b() != me)) {
            return IntroductionNotFound(id);
          }
          const bool is_a = i->attendee_a() == me;
          const v1::Meeting::Answer mine = is_a ? i->answer_a() : i->answer_b();
          if (mine == answer) return absl::OkStatus();  // the same answer again: no change
          if (mine != v1::Meeting::ANSWER_UNSPECIFIED) {
            return absl::FailedPreconditionError(
                absl::StrCat("you already answered introduction ", id));
          }
          is_a ? i->set_answer_a(answer) : i->set_answer_b(answer);
          return absl::OkStatus();
        });
    if (absl::IsNotFound(stored.status())) return IntroductionNotFound(id);
    if (!stored.ok()) return stored.status();
    if (stored->record.answer_a() == v1::Meeting::ACCEPTED &&
        stored->record.answer_b() == v1::Meeting::ACCEPTED && stored->record.meeting_id() == 0) {
      // The introduction already counts for the next run; a failure here only means no live
      // proposal now.
      absl::Status proposed = ProposeIntroduced(*caller, &stored->record);
      if (!proposed.ok()) {
        LOG(WARNING) << "introduction " << id << " of event " << caller->event.id()
                     << ": no live proposal: " << proposed;
      }
    }
    absl::StatusOr<v1::Introduction> view = ViewOf(*caller, stored->record);
    if (!view.ok()) return view.status();
    *response = *std::move(view);
    return absl::OkStatus();
  });
}

absl::Status RelationshipService::ProposeIntroduced(const Caller& caller,
                                                    v1::StoredIntroduction* intro) {
  absl::MutexLock lock(&introductions_mu_);
  absl::StatusOr<std::optional<v1::Meeting>> stored =
      matching::ProposeIntroduced(store_, caller.event, intro, live_->Now());
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return absl::OkStatus();
  live_->MeetingChanged(**stored);
  // The live repair state learns of the new meeting (its slot, table and budget) before it
  // plans again: it rebases both attendees from the store on its thread.
  live_->ProfilesChanged(caller.event.id(), {(*stored)->attendee_a(), (*stored)->attendee_b()});
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* RelationshipService::AskForIntroductions(
    grpc::CallbackServerContext* context, const v1::AskForIntroductionsRequest* request,
    v1::IntroductionRequest* response) {
  return FinishOn(workers_, context, [this, context, request, response]() -> absl::Status {
    absl::StatusOr<Caller> caller = Authorize(*context, "AskForIntroductions");
    if (!caller.ok()) return caller.status();
    absl::Status s = domain::RequireNotClosed(caller->event);
    if (!s.ok()) return s;
    const uint64_t me = caller->me.id();
    const uint64_t event_id = caller->event.id();
    if (request->attendee_id() == me) {
      return absl::InvalidArgumentError("attendee_id: you cannot ask yourself");
    }
    std::string note = request->note();
    s = CheckText("note", &note, kMaxNoteBytes, /*required=*/false, /*multiline=*/true);
    if (!s.ok()) return s;
    const absl::Status not_met = absl::PermissionDeniedError(
        absl::StrCat("you can ask people you met for introductions; you have not met attendee ",
                     request->attendee_id()));
    absl::StatusOr<v1::Attendee> target =
        AttendeeOfEvent(*store_, event_id, request->attendee_id(), "attendee_id");
    if (absl::IsNotFound(target.status())) return not_met;  // ids cannot be probed
    if (!target.ok()) return target.status();
    absl::StatusOr<bool> met = HaveMet(*caller, *target);
    if (!met.ok()) return met.status();
    if (!*met) return not_met;
    absl::MutexLock lock(&introductions_mu_);
    bool open = false;
    size_t open_requests = 0;  // mine, unanswered (capped: domain::kMaxOpenIntroductionRequests)
    s = store_->ScanIntroductions(event_id, [&](const v1::StoredIntroduction& i) {
      if (i.kind() != v1::StoredIntroduction::REQUEST || i.attendee_a() != me ||
          i.answered() != 0) {
        return true;
      }
      ++open_requests;
      open = i.introducer() == target->id();
      return !open;
    });
    if (!s.ok()) return s;
    if (open) {
      return absl::AlreadyExistsError(
          absl::StrCat("you already asked attendee ", target->id(), " for introductions"));
    }
    if (open_requests >= domain::kMaxOpenIntroductionRequests) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "you already have ", open_requests, " unanswered requests for introductions (at most ",
          domain::kMaxOpenIntroductionRequests, "); wait for an answer"));
    }
    v1::StoredIntroduction ask;
    ask.set_event_id(event_id);
    ask.set_kind(v1::StoredIntroduction::REQUEST);
    ask.set_introducer(target->id());
    ask.set_attendee_a(me);
    ask.set_note(note);
    absl::StatusOr<v1::StoredIntroduction> stored = store_->CreateIntroduction(std::move(ask));
    if (!stored.ok()) return stored.status();
    response->set_id(stored->id());
    response->set_sent_by_me(true);
    *response->mutable_person() = PublicProfileOf(*target);
    response->set_note(stored->note());
    response->set_create_time(stored->create_time());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* RelationshipService::ListIntroductionRequests(
    grpc::CallbackServerContext* context, const v1::ListIntroductionRequestsRequest* /*request*/,
    v1::ListIntroductionRequestsResponse* response) {
  return FinishOn(workers_, context, [this, context, response]() -> absl::Status {
    absl::StatusOr<Caller> caller = Authorize(*context, "ListIntroductionRequests");
    if (!caller.ok()) return caller.status();
    absl::StatusOr<std::vector<v1::IntroductionRequest>> mine =
        IntroductionRequestsOf(*store_, caller->event.id(), caller->me.id());
    if (!mine.ok()) return mine.status();
    for (v1::IntroductionRequest& r : *mine) *response->add_requests() = std::move(r);
    return absl::OkStatus();
  });
}

// --- Who else should I meet? -----------------------------------------------------------------

absl::Status RelationshipService::SuggestOthers(const Caller& caller, uint32_t max_results,
                                                v1::WhoElseShouldIMeetResponse* response) const {
  const v1::Attendee& me = caller.me;
  const uint64_t event_id = caller.event.id();
  const uint64_t community = caller.event.community_id();
  constexpr uint32_t kHighlyRated = 4;

  // People I already know or turned down: everyone I have a meeting with (any state), remember,
  // or declined an introduction to.
  absl::flat_hash_set<uint64_t> known = {me.id()};
  absl::StatusOr<std::vector<v1::Meeting>> mine = store_->ListMeetingsOfAttendee(event_id, me.id());
  if (!mine.ok()) return mine.status();
  for (const v1::Meeting& m : *mine) {
    known.insert(m.attendee_a() == me.id() ? m.attendee_b() : m.attendee_a());
  }
  std::vector<v1::StoredIntroduction> introductions;
  absl::Status s = store_->ScanIntroductions(event_id, [&](const v1::StoredIntroduction& i) {
    if (i.kind() != v1::StoredIntroduction::INTRODUCTION) return true;
    introductions.push_back(i);
    if ((i.attendee_a() == me.id() && i.answer_a() == v1::Meeting::DECLINED_ANSWER) ||
        (i.attendee_b() == me.id() && i.answer_b() == v1::Meeting::DECLINED_ANSWER)) {
      known.insert(i.attendee_a() == me.id() ? i.attendee_b() : i.attendee_a());
    }
    return true;
  });
  if (!s.ok()) return s;

  // My contacts: people I rated highly, here or at earlier events.
  struct Contact {
    std::string name;
    uint64_t attendee = 0;  // in this event, 0 if not here
    std::string person;
  };
  std::vector<Contact> contacts;
  absl::flat_hash_set<std::string> contact_keys;
  auto add_contact = [&](Contact c) {
    const std::string key = !c.person.empty() ? c.person : absl::StrCat("#", c.attendee);
    if (contact_keys.insert(key).second) contacts.push_back(std::move(c));
  };
  absl::StatusOr<std::vector<v1::StoredFeedback>> given = store_->ListFeedbackBy(event_id, me.id());
  if (!given.ok()) return given.status();
  for (const v1::StoredFeedback& f : *given) {
    if (f.rating() < kHighlyRated || f.partner() == 0) continue;
    absl::StatusOr<v1::Attendee> p = store_->GetAttendee(event_id, f.partner());
    if (!p.ok()) continue;  // erased
    add_contact({p->display_name(), p->id(), p->person_ref()});
  }
  // The memory names people by keyed hash: this event's attendees by hash, read only when I
  // have a memory (a whole-event scan).
  std::vector<storage::MemoryEntry> remembered;
  if (!me.person_ref().empty()) {
    s = store_->ScanMemory(community, me.person_ref(), [&](const storage::MemoryEntry& e) {
      remembered.push_back(e);
      return true;
    });
    if (!s.ok()) return s;
  }
  absl::flat_hash_map<std::string, uint64_t> by_person;
  if (!remembered.empty()) {
    s = store_->ScanAttendees(event_id, [&](const v1::Attendee& a) {
      if (!a.person_ref().empty()) by_person.emplace(a.person_ref(), a.id());
      return true;
    });
    if (!s.ok()) return s;
  }
  for (const storage::MemoryEntry& e : remembered) {
    auto here = by_person.find(e.partner);
    if (here != by_person.end()) known.insert(here->second);
    if (e.record.rating() >= kHighlyRated && matching::Met(e.record)) {
      add_contact({e.record.partner_name(), here == by_person.end() ? 0 : here->second, e.partner});
    }
  }

  // Whom each contact reaches: people they rated highly, and people they introduced.
  absl::flat_hash_map<uint64_t, std::vector<std::string>> reached;  // attendee -> contacts
  for (const Contact& c : contacts) {
    absl::flat_hash_set<uint64_t> via;
    if (!c.person.empty() && !by_person.empty()) {
      s = store_->ScanMemory(community, c.person, [&](const storage::MemoryEntry& e) {
        auto here = by_person.find(e.partner);
        if (here != by_person.end() && e.record.rating() >= kHighlyRated &&
            matching::Met(e.record)) {
          via.insert(here->second);
        }
        return true;
      });
      if (!s.ok()) return s;
    }
    if (c.attendee != 0) {
      absl::StatusOr<std::vector<v1::StoredFeedback>> theirs =
          store_->ListFeedbackBy(event_id, c.attendee);
      if (!theirs.ok()) return theirs.status();
      for (const v1::StoredFeedback& f : *theirs) {
        if (f.rating() >= kHighlyRated && f.partner() != 0) via.insert(f.partner());
      }
      for (const v1::StoredIntroduction& i : introductions) {
        if (i.introducer() != c.attendee) continue;
        via.insert(i.attendee_a());
        via.insert(i.attendee_b());
      }
    }
    for (uint64_t id : via) reached[id].push_back(c.name);
  }

  struct Ranked {
    v1::Attendee person;
    const std::vector<std::string>* via;
  };
  std::vector<Ranked> ranked;
  for (const auto& [id, via] : reached) {
    if (known.contains(id)) continue;
    absl::StatusOr<v1::Attendee> other = store_->GetAttendee(event_id, id);
    if (!other.ok()) continue;  // erased
    absl::StatusOr<domain::PairBlock> block =
        domain::BlockedStoredPair(*store_, caller.event, me, *other);
    if (!block.ok()) return block.status();
    if (*block != domain::PairBlock::kNone) continue;
    ranked.push_back({*std::move(other), &via});
  }
  std::sort(ranked.begin(), ranked.end(), [](const Ranked& x, const Ranked& y) {
    return x.via->size() != y.via->size() ? x.via->size() > y.via->size()
                                          : x.person.id() < y.person.id();
  });
  if (ranked.size() > max_results) ranked.resize(max_results);
  for (const Ranked& r : ranked) {
    const v1::Attendee& other = r.person;
    v1::PersonSuggestion* out = response->add_people();
    *out->mutable_person() = PublicProfileOf(other);
    std::vector<std::string> names = *r.via;
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    for (const std::string& name : names) {
      v1::Reason* reason = out->add_reasons();
      reason->set_kind(v1::Reason::VIA_CONTACT);
      reason->set_introducer_name(name);
    }
    int shared = 0;
    for (const v1::Interest& mine_i : me.interests()) {
      for (const v1::Interest& theirs_i : other.interests()) {
        // Compared as matching compares them: "llms" and "LLM" are one tag (match/tags.h).
        if (shared < 3 && match::TagKey(mine_i.tag()) == match::TagKey(theirs_i.tag())) {
          v1::Reason* reason = out->add_reasons();
          reason->set_kind(v1::Reason::SHARED_INTEREST);
          reason->set_tag(mine_i.tag());
          ++shared;
        }
      }
    }
    for (const std::string& seek : me.seeks()) {
      if (std::any_of(other.offers().begin(), other.offers().end(),
                      [&](const std::string& offer) { return services::SameTag(offer, seek); })) {
        v1::Reason* reason = out->add_reasons();
        reason->set_kind(v1::Reason::THEY_OFFER_WHAT_YOU_SEEK);
        reason->set_tag(seek);
      }
    }
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* RelationshipService::WhoElseShouldIMeet(
    grpc::CallbackServerContext* context, const v1::WhoElseShouldIMeetRequest* request,
    v1::WhoElseShouldIMeetResponse* response) {
  return FinishOn(workers_, context, [this, context, request, response]() -> absl::Status {
    absl::StatusOr<Caller> caller = Authorize(*context, "WhoElseShouldIMeet");
    if (!caller.ok()) return caller.status();
    const uint32_t max_results =
        request->max_results() == 0 ? 5 : std::min(request->max_results(), kMaxWhoElse);
    return SuggestOthers(*caller, max_results, response);
  });
}

// --- Wishes ----------------------------------------------------------------------------------

absl::StatusOr<bool> RelationshipService::ShownToMe(const Caller& caller,
                                                    const v1::Attendee& other) const {
  const uint64_t me = caller.me.id();
  absl::StatusOr<std::vector<v1::Meeting>> mine =
      store_->ListMeetingsOfAttendee(caller.event.id(), me);
  if (!mine.ok()) return mine.status();
  for (const v1::Meeting& m : *mine) {
    if (m.attendee_a() == other.id() || m.attendee_b() == other.id()) return true;
  }
  bool shown = false;
  absl::Status s =
      store_->ScanIntroductions(caller.event.id(), [&](const v1::StoredIntroduction& i) {
        const uint64_t people[] = {i.introducer(), i.attendee_a(), i.attendee_b()};
        shown = std::find(std::begin(people), std::end(people), me) != std::end(people) &&
                std::find(std::begin(people), std::end(people), other.id()) != std::end(people);
        return !shown;
      });
  if (!s.ok() || shown) return s.ok() ? absl::StatusOr<bool>(true) : s;
  if (!caller.me.person_ref().empty() && !other.person_ref().empty()) {
    s = store_->ScanMemory(caller.event.community_id(), caller.me.person_ref(),
                           [&](const storage::MemoryEntry& e) {
                             shown = e.partner == other.person_ref();
                             return !shown;
                           });
    if (!s.ok() || shown) return s.ok() ? absl::StatusOr<bool>(true) : s;
  }
  v1::WhoElseShouldIMeetResponse suggested;
  s = SuggestOthers(caller, kMaxWhoElse, &suggested);
  if (!s.ok()) return s;
  for (const v1::PersonSuggestion& p : suggested.people()) {
    if (p.person().attendee_id() == other.id()) return true;
  }
  return false;
}

absl::Status RelationshipService::Wishes(const Caller& caller,
                                         v1::ListMyWishesResponse* response) const {
  // Read again: the caller's record may be older than a wish just added or removed.
  absl::StatusOr<v1::Attendee> me = store_->GetAttendee(caller.event.id(), caller.me.id());
  if (!me.ok()) return me.status();
  absl::StatusOr<std::vector<v1::Wish>> wishes = WishesOf(*store_, *me);
  if (!wishes.ok()) return wishes.status();
  for (v1::Wish& w : *wishes) *response->add_wishes() = std::move(w);
  return absl::OkStatus();
}

// Drops wishes that name nobody in the event any more (erased attendees): they would count
// against the cap while no call can show or remove them.
static void PruneWishes(const storage::Store& store, uint64_t event_id, v1::Attendee* me) {
  auto* wants = me->mutable_wants();
  wants->erase(std::remove_if(wants->begin(), wants->end(),
                              [&](const std::string& external_id) {
                                return absl::IsNotFound(
                                    store.GetAttendeeByExternalId(event_id, external_id).status());
                              }),
               wants->end());
}

grpc::ServerUnaryReactor* RelationshipService::AddWish(grpc::CallbackServerContext* context,
                                                       const v1::WishRequest* request,
                                                       v1::ListMyWishesResponse* response) {
  return FinishOn(workers_, context, [this, context, request, response]() -> absl::Status {
    absl::StatusOr<Caller> caller = Authorize(*context, "AddWish");
    if (!caller.ok()) return caller.status();
    absl::Status s = domain::RequireNotClosed(caller->event);
    if (!s.ok()) return s;
    if (request->attendee_id() == caller->me.id()) {
      return absl::InvalidArgumentError("attendee_id: you cannot wish to meet yourself");
    }
    const absl::Status not_shown = absl::PermissionDeniedError(absl::StrCat(
        "attendee_id: you can wish to meet people you have been shown (suggestions, meetings, "
        "introductions, who-else); attendee ",
        request->attendee_id(), " is not one of them"));
    absl::StatusOr<v1::Attendee> target =
        store_->GetAttendee(caller->event.id(), request->attendee_id());
    if (absl::IsNotFound(target.status())) return not_shown;
    if (!target.ok()) return target.status();
    absl::StatusOr<bool> shown = ShownToMe(*caller, *target);
    if (!shown.ok()) return shown.status();
    if (!*shown) return not_shown;
    absl::StatusOr<storage::Mutated<v1::Attendee>> changed = store_->MutateAttendee(
        caller->event.id(), caller->me.id(), [&](v1::Attendee* me) -> absl::Status {
          if (Contains(me->wants(), target->external_id())) return absl::OkStatus();
          PruneWishes(*store_, caller->event.id(), me);
          if (static_cast<size_t>(me->wants_size()) >= kMaxWishes) {
            return absl::ResourceExhaustedError(absl::StrCat(
                "attendee_id: you already have ", kMaxWishes, " wishes; remove one first"));
          }
          me->add_wants(target->external_id());
          return absl::OkStatus();
        });
    if (!changed.ok()) return changed.status();
    return Wishes(*caller, response);
  });
}

grpc::ServerUnaryReactor* RelationshipService::RemoveWish(grpc::CallbackServerContext* context,
                                                          const v1::WishRequest* request,
                                                          v1::ListMyWishesResponse* response) {
  return FinishOn(workers_, context, [this, context, request, response]() -> absl::Status {
    absl::StatusOr<Caller> caller = Authorize(*context, "RemoveWish");
    if (!caller.ok()) return caller.status();
    absl::Status s = domain::RequireNotClosed(caller->event);
    if (!s.ok()) return s;
    absl::StatusOr<v1::Attendee> target =
        store_->GetAttendee(caller->event.id(), request->attendee_id());
    if (!target.ok() && !absl::IsNotFound(target.status())) return target.status();
    absl::StatusOr<storage::Mutated<v1::Attendee>> changed = store_->MutateAttendee(
        caller->event.id(), caller->me.id(), [&](v1::Attendee* me) -> absl::Status {
          PruneWishes(*store_, caller->event.id(), me);
          auto* wants = me->mutable_wants();
          if (target.ok()) {
            auto it = std::find(wants->begin(), wants->end(), target->external_id());
            if (it != wants->end()) wants->erase(it);
          }
          return absl::OkStatus();
        });
    if (!changed.ok()) return changed.status();
    return Wishes(*caller, response);
  });
}

grpc::ServerUnaryReactor* RelationshipService::ListMyWishes(
    grpc::CallbackServerContext* context, const v1::ListMyWishesRequest* /*request*/,
    v1::ListMyWishesResponse* response) {
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<Caller> caller = Authorize(*context, "ListMyWishes");
    if (!caller.ok()) return caller.status();
    return Wishes(*caller, response);
  });
}

// --- Analytics -------------------------------------------------------------------------------

grpc::ServerUnaryReactor* RelationshipService::GetAnalytics(grpc::CallbackServerContext* context,
                                                            const v1::GetAnalyticsRequest* request,
                                                            v1::GetAnalyticsResponse* response) {
  // Authorised on gRPC's thread, so that calls without a valid token never take a place in the
  // bounded queue; the whole-community scan runs on the expensive pool.
  absl::StatusOr<Principal> who = auth_->Authorize(*context, Method("GetAnalytics"));
  if (!who.ok()) return FinishNow(context, who.status());
  return FinishOn(expensive_, context, [this, request, response, who = *who]() -> absl::Status {
    std::vector<v1::Event> events;
    if (request->event_id() != 0) {
      absl::StatusOr<v1::Event> event = OwnedEvent(*store_, who, request->event_id());
      if (!event.ok()) return event.status();
      events.push_back(*std::move(event));
    } else {
      uint64_t after = 0;
      for (;;) {
        absl::StatusOr<std::vector<v1::Event>> page =
            store_->ListEvents(who.community_id, after, 100);
        if (!page.ok()) return page.status();
        if (page->empty()) break;
        after = page->back().id();
        for (v1::Event& e : *page) events.push_back(std::move(e));
      }
    }
    v1::Analytics* total = response->mutable_total();
    for (int i = 0; i < 5; ++i) total->add_rating_counts(0);
    for (const v1::Event& event : events) {
      absl::StatusOr<v1::Analytics> a = AnalyticsOf(*store_, reads_, event);
      if (!a.ok()) return a.status();
      AddTo(*a, total);
      *response->add_events() = *std::move(a);
    }
    FinishRates(total);
    return absl::OkStatus();
  });
}

}  // namespace parley::services
