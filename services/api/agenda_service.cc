#include "services/api/agenda_service.h"

#include <glog/logging.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/api/admin_service.h"
#include "services/api/async_stream.h"
#include "services/api/event_access.h"
#include "services/api/grpc_status.h"
#include "services/api/queued_writer.h"
#include "services/domain/agenda_views.h"
#include "services/domain/meetings.h"
#include "services/domain/policy.h"
#include "services/domain/validation.h"
#include "services/runs/engine_event.h"

namespace parley::services {
namespace {

std::string Method(absl::string_view name) {
  return absl::StrCat("/", v1::AgendaService::service_full_name(), "/", name);
}

absl::Status NotMine(uint64_t meeting_id) {
  return absl::NotFoundError(absl::StrCat("meeting ", meeting_id, " not found"));
}

bool Proposed(v1::Meeting::State state) { return state == v1::Meeting::PROPOSED; }

// Said to the caller about a meeting they cannot answer: their own view of its state, never
// the stored one (which could reveal the other side's decline).
absl::Status NotOpen(const v1::Meeting& m, uint64_t me, absl::string_view action) {
  return absl::FailedPreconditionError(absl::StrCat(
      "meeting ", m.id(), " is ", v1::Proposal::Status_Name(StatusFor(m, me)), ": only ", action));
}

}  // namespace

// The agenda now and after every change, while the client listens. Rapid changes coalesce.
// On the watch queues (async_stream.h): each object first waits for a call of its own.
class AgendaService::Watch final
    : public BasicQueuedWriter<v1::Agenda, AsyncWriteStream<v1::GetMyAgendaRequest, v1::Agenda>>,
      public AgendaNotifier::Listener {
 public:
  Watch(AgendaService* service, CompletionQueues* queues, grpc::ServerCompletionQueue* cq)
      : BasicQueuedWriter(/*coalesce=*/true, queues, cq), service_(service) {}

  void OnStart() override {
    // The next watcher is waited for before this one's reads.
    (new Watch(service_, queues(), cq()))->AwaitCall();
    absl::StatusOr<Caller> caller = service_->Authorize(context(), "WatchMyAgenda");
    if (!caller.ok()) {
      Close(ToGrpcStatus(caller.status()));
      return;
    }
    event_id_ = caller->event.id();
    me_ = caller->who.attendee_id;
    if (absl::Status slot = HoldSlot(*service_->auth_, context(), caller->who); !slot.ok()) {
      Close(ToGrpcStatus(slot));  // never subscribed: Done has nothing to undo
      return;
    }
    subscribed_.store(true, std::memory_order_release);
    service_->live_->notifier()->Subscribe(event_id_, me_, this);
    Ref();  // in case the stream finishes while the first agenda is pushed
    AgendaChanged();
    Unref();
  }

  void AgendaChanged() override {
    // One load at a time, so that an older agenda is never queued after a newer one.
    absl::MutexLock lock(&load_mu_);
    const storage::Store& store = *service_->store_;
    absl::StatusOr<v1::Event> event = store.GetEvent(event_id_);
    absl::StatusOr<v1::Agenda> agenda =
        event.ok() ? MyAgenda(store, *event, me_) : absl::StatusOr<v1::Agenda>(event.status());
    if (!agenda.ok()) {
      Close(ToGrpcStatus(agenda.status()));
      return;
    }
    std::string bytes = agenda->SerializeAsString();
    // Nothing this attendee can see changed. The first agenda is always sent, even when it
    // serialises to nothing (no meetings, budget 0).
    if (sent_ && bytes == last_) return;
    sent_ = true;
    last_ = std::move(bytes);
    Push(*std::move(agenda));
  }
  void Ref() override { BasicQueuedWriter::Ref(); }
  void Unref() override { BasicQueuedWriter::Unref(); }

 protected:
  void RequestCall(grpc::ServerContext* context, v1::GetMyAgendaRequest* request,
                   grpc::ServerAsyncWriter<v1::Agenda>* writer, grpc::ServerCompletionQueue* cq,
                   void* tag) override {
    service_->RequestWatchMyAgenda(context, request, writer, cq, cq, tag);
  }
  void Done() override {
    if (subscribed_.load(std::memory_order_acquire)) {
      service_->live_->notifier()->Unsubscribe(event_id_, me_, this);
    }
  }

 private:
  AgendaService* const service_;
  // Set once by OnStart, before Subscribe: the notifier's calls come after.
  uint64_t event_id_ = 0;
  uint64_t me_ = 0;
  std::atomic<bool> subscribed_{false};
  absl::Mutex load_mu_;
  std::string last_ ABSL_GUARDED_BY(load_mu_);
  bool sent_ ABSL_GUARDED_BY(load_mu_) = false;
};

void AgendaService::ServeWatches(CompletionQueues* queues) {
  for (int i = 0; i < queues->size(); ++i) {
    for (int k = 0; k < kWatchCallsAwaited; ++k) {
      (new Watch(this, queues, queues->queue(i)))->AwaitCall();
    }
  }
}

absl::StatusOr<AgendaService::Caller> AgendaService::Authorize(
    const grpc::ServerContextBase& context, absl::string_view method) const {
  absl::StatusOr<Principal> who = auth_->Authorize(context, Method(method));
  if (!who.ok()) return who.status();
  absl::StatusOr<v1::Event> event = store_->GetEvent(who->event_id);
  if (!event.ok()) return event.status();
  return Caller{*std::move(who), *std::move(event)};
}

absl::StatusOr<v1::Proposal> AgendaService::Change(
    const Caller& caller, uint64_t meeting_id,
    const std::function<absl::Status(v1::Meeting*)>& change, v1::Meeting* stored,
    bool* was_changed) {
  if (meeting_id == 0) return absl::InvalidArgumentError("meeting_id: required");
  const uint64_t me = caller.who.attendee_id;
  absl::Status open = domain::RequireNotClosed(caller.event);
  if (!open.ok()) return open;
  absl::StatusOr<storage::Mutated<v1::Meeting>> changed =
      store_->MutateMeeting(caller.event.id(), meeting_id, [&](v1::Meeting* m) -> absl::Status {
        if (m->attendee_a() != me && m->attendee_b() != me) return NotMine(meeting_id);
        return change(m);
      });
  if (absl::IsNotFound(changed.status())) return NotMine(meeting_id);
  if (!changed.ok()) return changed.status();
  *stored = changed->record;
  if (was_changed != nullptr) *was_changed = changed->changed;
  const uint64_t partner_id =
      stored->attendee_a() == me ? stored->attendee_b() : stored->attendee_a();
  absl::StatusOr<v1::Attendee> partner = store_->GetAttendee(caller.event.id(), partner_id);
  if (!partner.ok()) return partner.status();
  return ProposalFor(caller.event, *stored, me, *partner);
}

std::shared_ptr<const std::string> AgendaViewCache::Get(Kind kind, uint64_t event_id,
                                                        uint64_t attendee_id) {
  if (versions_ == nullptr) return nullptr;
  // Readers share the lock; a stale entry is left for Put to replace.
  absl::ReaderMutexLock lock(&mu_);
  auto it = entries_.find(Key(static_cast<int>(kind), event_id, attendee_id));
  if (it == entries_.end()) return nullptr;
  const Entry& entry = it->second;
  if (!versions_->UnchangedSince(entry.built_at, entry.records)) return nullptr;
  return entry.bytes;
}

void AgendaViewCache::Put(Kind kind, uint64_t event_id, uint64_t attendee_id, uint64_t built_at,
                          const std::vector<uint64_t>& partners,
                          std::shared_ptr<const std::string> bytes) {
  if (versions_ == nullptr || bytes->size() > kMaxBytes / 16) return;
  std::vector<storage::RecordKey> records;
  records.reserve(partners.size() + 2);
  records.push_back(storage::EventRecord(event_id));
  records.push_back(storage::AttendeeRecord(event_id, attendee_id));
  for (uint64_t partner : partners) records.push_back(storage::AttendeeRecord(event_id, partner));
  absl::MutexLock lock(&mu_);
  const Key key(static_cast<int>(kind), event_id, attendee_id);
  auto it = entries_.find(key);
  if (it != entries_.end()) {
    // A concurrent build may have stored a newer one.
    if (it->second.built_at >= built_at) return;
    bytes_ -= it->second.bytes->size();
    entries_.erase(it);
  }
  if (bytes_ + bytes->size() > kMaxBytes) {
    // Rare (the bound holds every view of a large event): start afresh rather than pay for an
    // eviction order on every call.
    entries_.clear();
    bytes_ = 0;
  }
  bytes_ += bytes->size();
  entries_.emplace(key, Entry{built_at, std::move(records), std::move(bytes)});
}

absl::StatusOr<std::shared_ptr<const std::string>> AgendaService::BuildView(
    AgendaViewCache::Kind kind, const v1::Event& event, uint64_t me, uint64_t built_at) {
  std::vector<uint64_t> partners;
  std::string serialized;
  if (kind == AgendaViewCache::Kind::kAgenda) {
    absl::StatusOr<v1::Agenda> agenda = MyAgenda(*store_, event, me, &partners);
    if (!agenda.ok()) return agenda.status();
    serialized = agenda->SerializeAsString();
  } else {
    auto proposals = MyProposals(*store_, event, me, &Proposed, &partners);
    if (!proposals.ok()) return proposals.status();
    v1::ListMySuggestionsResponse suggestions;
    for (v1::Proposal& p : *proposals) *suggestions.add_proposals() = std::move(p);
    serialized = suggestions.SerializeAsString();
  }
  auto bytes = std::make_shared<const std::string>(std::move(serialized));
  views_.Put(kind, event.id(), me, built_at, partners, bytes);
  return bytes;
}

absl::Status AgendaService::WarmViews(uint64_t event_id) {
  if (!views_.enabled()) return absl::OkStatus();
  const uint64_t built_at = views_.Now();  // before the reads
  absl::StatusOr<v1::Event> event = store_->GetEvent(event_id);
  if (!event.ok()) return event.status();
  std::vector<uint64_t> ids;
  absl::Status s = store_->ScanAttendees(event_id, [&](const v1::Attendee& a) {
    ids.push_back(a.id());
    return ids.size() <= kWarmMaxAttendees;
  });
  if (!s.ok()) return s;
  if (ids.size() > kWarmMaxAttendees) return absl::OkStatus();
  const absl::Time start = absl::Now();
  size_t built = 0;
  for (uint64_t id : ids) {
    if (stop_warming_.load(std::memory_order_relaxed)) break;
    for (AgendaViewCache::Kind kind :
         {AgendaViewCache::Kind::kAgenda, AgendaViewCache::Kind::kSuggestions}) {
      if (views_.Get(kind, event_id, id) != nullptr) continue;
      absl::StatusOr<std::shared_ptr<const std::string>> view =
          BuildView(kind, *event, id, built_at);
      if (absl::IsNotFound(view.status())) continue;  // removed meanwhile
      if (!view.ok()) return view.status();
      ++built;
    }
  }
  LOG(INFO) << "views of event " << event_id << ": " << built << " built for " << ids.size()
            << " attendees in " << absl::Now() - start;
  return absl::OkStatus();
}

absl::Status AgendaService::MyView(AgendaViewCache::Kind kind,
                                   const grpc::CallbackServerContext& context,
                                   absl::string_view method, grpc::ByteBuffer* response) {
  absl::StatusOr<Principal> who = auth_->Authorize(context, method);
  if (!who.ok()) return who.status();
  const uint64_t event_id = who->event_id;
  const uint64_t me = who->attendee_id;
  std::shared_ptr<const std::string> bytes = views_.Get(kind, event_id, me);
  if (bytes == nullptr) {
    const uint64_t built_at = views_.Now();  // before the reads
    absl::StatusOr<v1::Event> event = store_->GetEvent(event_id);
    if (!event.ok()) return event.status();
    absl::StatusOr<std::shared_ptr<const std::string>> built =
        BuildView(kind, *event, me, built_at);
    if (!built.ok()) return built.status();
    bytes = *std::move(built);
  }
  // The slice shares the cached bytes: no copy.
  auto* owner = new std::shared_ptr<const std::string>(std::move(bytes));
  grpc::Slice slice(
      const_cast<char*>((*owner)->data()), (*owner)->size(),
      +[](void* p) { delete static_cast<std::shared_ptr<const std::string>*>(p); }, owner);
  *response = grpc::ByteBuffer(&slice, 1);
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AgendaService::ListMySuggestions(grpc::CallbackServerContext* context,
                                                           const grpc::ByteBuffer*,
                                                           grpc::ByteBuffer* response) {
  return FinishWith(context, [&]() -> absl::Status {
    static const std::string* const method = new std::string(Method("ListMySuggestions"));
    return MyView(AgendaViewCache::Kind::kSuggestions, *context, *method, response);
  });
}

grpc::ServerUnaryReactor* AgendaService::RespondToProposal(
    grpc::CallbackServerContext* context, const v1::RespondToProposalRequest* request,
    v1::Proposal* response) {
  return FinishOn(workers_, context, [this, context, request, response]() -> absl::Status {
    absl::StatusOr<Caller> caller = Authorize(*context, "RespondToProposal");
    if (!caller.ok()) return caller.status();
    const uint64_t me = caller->who.attendee_id;
    const uint64_t event_id = caller->event.id();
    const bool auto_confirm = caller->event.policy().auto_confirm();
    const int64_t now = live_->Now();
    bool expired = false;
    bool changed = false;
    v1::Meeting stored;
    absl::StatusOr<v1::Proposal> view = Change(
        *caller, request->meeting_id(),
        [&](v1::Meeting* m) -> absl::Status {
          if (m->state() != v1::Meeting::PROPOSED) {
            return NotOpen(*m, me, "a proposal awaiting answers can be answered");
          }
          if (m->expire_time() != 0 && m->expire_time() <= now) {
            expired = true;
            return absl::FailedPreconditionError(
                absl::StrCat("proposal ", m->id(), " has expired"));
          }
          const bool is_a = m->attendee_a() == me;
          const v1::Meeting::Answer answer =
              request->accept() ? v1::Meeting::ACCEPTED : v1::Meeting::DECLINED_ANSWER;
          // Answering the same way twice is not an error: nothing changes, and the proposal
          // is reported as it stands.
          if ((is_a ? m->answer_a() : m->answer_b()) == answer) return absl::OkStatus();
          is_a ? m->set_answer_a(answer) : m->set_answer_b(answer);
          m->set_sequence(m->sequence() + 1);
          if (!request->accept()) {
            m->set_state(v1::Meeting::DECLINED);
            return absl::OkStatus();
          }
          const v1::Meeting::Answer theirs = is_a ? m->answer_b() : m->answer_a();
          if (theirs != v1::Meeting::ACCEPTED && !auto_confirm) return absl::OkStatus();
          // Confirming: the write lock is held, so this check and the write are one step.
          for (uint64_t attendee : {m->attendee_a(), m->attendee_b()}) {
            auto theirs_too = store_->ListMeetingsOfAttendee(event_id, attendee);
            if (!theirs_too.ok()) return theirs_too.status();
            for (const v1::Meeting& other : *theirs_too) {
              if (other.id() != m->id() && other.slot_id() == m->slot_id() &&
                  domain::KeptState(other.state())) {
                return absl::FailedPreconditionError(
                    absl::StrCat(attendee == me ? "you already have" : "your partner already has",
                                 " a confirmed meeting in slot ", m->slot_id()));
              }
            }
          }
          m->set_state(v1::Meeting::CONFIRMED);
          m->set_expire_time(0);
          return absl::OkStatus();
        },
        &stored, &changed);
    if (expired) {
      absl::StatusOr<bool> done = live_->ExpireMeeting(event_id, request->meeting_id(), now);
      if (!done.ok()) return done.status();
    }
    if (!view.ok()) return view.status();
    if (changed && stored.state() == v1::Meeting::DECLINED) {
      live_->MeetingClosed(stored);
    } else if (changed) {
      live_->MeetingChanged(stored);
    }
    *response = *std::move(view);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AgendaService::GetMyAgenda(grpc::CallbackServerContext* context,
                                                     const grpc::ByteBuffer*,
                                                     grpc::ByteBuffer* response) {
  return FinishWith(context, [&]() -> absl::Status {
    static const std::string* const method = new std::string(Method("GetMyAgenda"));
    return MyView(AgendaViewCache::Kind::kAgenda, *context, *method, response);
  });
}

grpc::ServerUnaryReactor* AgendaService::RequestMoreSuggestions(
    grpc::CallbackServerContext* context, const v1::RequestMoreSuggestionsRequest* request,
    v1::ListMySuggestionsResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<Caller> caller = Authorize(*context, "RequestMoreSuggestions");
  absl::Status s = caller.ok() ? domain::RequireNotClosed(caller->event) : caller.status();
  if (!s.ok()) {
    reactor->Finish(ToGrpcStatus(s));
    return reactor;
  }
  // The engine may need to build the event's live state first: not on gRPC's thread.
  const uint64_t event_id = caller->event.id();
  const uint64_t attendee_id = caller->who.attendee_id;
  live_->RequestMore(event_id, attendee_id, request->count(),
                     [this, reactor, response,
                      caller = *std::move(caller)](absl::StatusOr<std::vector<v1::Meeting>> added) {
                       absl::Status status = added.status();
                       const uint64_t me = caller.who.attendee_id;
                       for (size_t i = 0; status.ok() && i < added->size(); ++i) {
                         const v1::Meeting& m = (*added)[i];
                         auto partner = store_->GetAttendee(
                             caller.event.id(),
                             m.attendee_a() == me ? m.attendee_b() : m.attendee_a());
                         if (!partner.ok()) {
                           status = partner.status();
                           break;
                         }
                         *response->add_proposals() = ProposalFor(caller.event, m, me, *partner);
                       }
                       if (status.ok() && added->empty())
                         status = ExplainNothingNew(caller, response);
                       reactor->Finish(ToGrpcStatus(status));
                     });
  return reactor;
}

absl::Status AgendaService::ExplainNothingNew(const Caller& caller,
                                              v1::ListMySuggestionsResponse* response) const {
  // Read after the repair, so that the reason matches the state it found nothing in.
  absl::StatusOr<v1::Attendee> me = store_->GetAttendee(caller.event.id(), caller.who.attendee_id);
  if (!me.ok()) return me.status();
  absl::StatusOr<std::vector<v1::Meeting>> mine =
      store_->ListMeetingsOfAttendee(caller.event.id(), caller.who.attendee_id);
  if (!mine.ok()) return mine.status();
  services::ExplainNothingNew(caller.event, *me, *mine, live_->Now(), response);
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AgendaService::CancelMeeting(grpc::CallbackServerContext* context,
                                                       const v1::CancelMeetingRequest* request,
                                                       v1::Proposal* response) {
  return FinishOn(workers_, context, [this, context, request, response]() -> absl::Status {
    absl::StatusOr<Caller> caller = Authorize(*context, "CancelMeeting");
    if (!caller.ok()) return caller.status();
    const uint64_t me = caller->who.attendee_id;
    v1::Meeting stored;
    absl::StatusOr<v1::Proposal> view = Change(
        *caller, request->meeting_id(),
        [&](v1::Meeting* m) -> absl::Status {
          const bool is_a = m->attendee_a() == me;
          if (m->state() == v1::Meeting::CONFIRMED) {
            m->set_state(v1::Meeting::CANCELLED);
          } else if (m->state() == v1::Meeting::PROPOSED) {
            // Withdrawing from a proposal is a decline, private like any other.
            is_a ? m->set_answer_a(v1::Meeting::DECLINED_ANSWER)
                 : m->set_answer_b(v1::Meeting::DECLINED_ANSWER);
            m->set_state(v1::Meeting::DECLINED);
          } else {
            return NotOpen(*m, me, "a confirmed meeting or an open proposal can be cancelled");
          }
          m->set_sequence(m->sequence() + 1);
          return absl::OkStatus();
        },
        &stored);
    if (!view.ok()) return view.status();
    live_->MeetingClosed(stored);
    *response = *std::move(view);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<v1::TokenInfo>> AgendaService::MyFeeds(const Caller& caller) const {
  absl::StatusOr<std::vector<v1::TokenInfo>> held =
      store_->ListAttendeeTokens(caller.event.id(), caller.who.attendee_id);
  if (!held.ok()) return held.status();
  std::vector<v1::TokenInfo> feeds;
  for (v1::TokenInfo& token : *held) {
    if (token.role() == v1::TokenInfo::CALENDAR_FEED) feeds.push_back(std::move(token));
  }
  return feeds;
}

grpc::ServerUnaryReactor* AgendaService::CreateCalendarFeed(
    grpc::CallbackServerContext* context, const v1::CreateCalendarFeedRequest* request,
    v1::IssuedCalendarFeed* response) {
  return FinishOn(workers_, context, [this, context, request, response]() -> absl::Status {
    absl::StatusOr<Caller> caller = Authorize(*context, "CreateCalendarFeed");
    if (!caller.ok()) return caller.status();
    absl::MutexLock lock(&feeds_mu_);
    absl::StatusOr<std::vector<v1::TokenInfo>> feeds = MyFeeds(*caller);
    if (!feeds.ok()) return feeds.status();
    const auto live = std::count_if(feeds->begin(), feeds->end(),
                                    [](const v1::TokenInfo& t) { return t.revoke_time() == 0; });
    if (static_cast<size_t>(live) >= domain::kMaxCalendarFeeds) {
      return absl::ResourceExhaustedError(
          absl::StrCat("already ", live, " calendar feeds (at most ", domain::kMaxCalendarFeeds,
                       "): revoke one first"));
    }
    v1::TokenInfo info;
    info.set_role(v1::TokenInfo::CALENDAR_FEED);
    info.set_community_id(caller->who.community_id);
    info.set_event_id(caller->event.id());
    info.set_attendee_id(caller->who.attendee_id);
    info.set_label(request->label());
    absl::StatusOr<std::pair<std::string, v1::TokenInfo>> issued =
        IssueToken(store_, std::move(info));
    if (!issued.ok()) return issued.status();
    response->set_token(std::move(issued->first));
    *response->mutable_info() = std::move(issued->second);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AgendaService::ListCalendarFeeds(
    grpc::CallbackServerContext* context, const v1::ListCalendarFeedsRequest*,
    v1::ListCalendarFeedsResponse* response) {
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<Caller> caller = Authorize(*context, "ListCalendarFeeds");
    if (!caller.ok()) return caller.status();
    absl::StatusOr<std::vector<v1::TokenInfo>> feeds = MyFeeds(*caller);
    if (!feeds.ok()) return feeds.status();
    for (v1::TokenInfo& feed : *feeds) *response->add_feeds() = std::move(feed);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AgendaService::RevokeCalendarFeed(
    grpc::CallbackServerContext* context, const v1::RevokeCalendarFeedRequest* request,
    v1::TokenInfo* response) {
  return FinishOn(workers_, context, [this, context, request, response]() -> absl::Status {
    absl::StatusOr<Caller> caller = Authorize(*context, "RevokeCalendarFeed");
    if (!caller.ok()) return caller.status();
    if (request->token_id().empty()) return absl::InvalidArgumentError("token_id: required");
    // Anybody else's token, of any role, is as unknown as one that does not exist.
    const absl::Status not_mine = absl::NotFoundError(
        absl::StrCat("calendar feed ", Quoted(request->token_id()), " not found"));
    absl::StatusOr<v1::TokenInfo> token = store_->GetTokenInfo(request->token_id());
    if (absl::IsNotFound(token.status())) return not_mine;
    if (!token.ok()) return token.status();
    if (token->role() != v1::TokenInfo::CALENDAR_FEED || token->event_id() != caller->event.id() ||
        token->attendee_id() != caller->who.attendee_id) {
      return not_mine;
    }
    absl::StatusOr<v1::TokenInfo> revoked =
        store_->RevokeToken(request->token_id(), absl::ToUnixSeconds(absl::Now()));
    if (!revoked.ok()) return revoked.status();
    *response = *std::move(revoked);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AgendaService::GetMyCalendar(grpc::CallbackServerContext* context,
                                                       const v1::GetMyCalendarRequest*,
                                                       v1::Calendar* response) {
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<Caller> caller = Authorize(*context, "GetMyCalendar");
    if (!caller.ok()) return caller.status();
    absl::StatusOr<v1::Calendar> calendar =
        CalendarOf(*store_, caller->event, caller->who.attendee_id);
    if (!calendar.ok()) return calendar.status();
    *response = *std::move(calendar);
    return absl::OkStatus();
  });
}

}  // namespace parley::services
