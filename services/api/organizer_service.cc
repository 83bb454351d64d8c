#include "services/api/organizer_service.h"

#include <google/protobuf/arena.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "services/api/admin_service.h"
#include "services/api/csv_import.h"
#include "services/api/event_access.h"
#include "services/api/grpc_status.h"
#include "services/api/known_pairs_import.h"
#include "services/api/paging.h"
#include "services/domain/field_mask.h"
#include "services/domain/policy.h"
#include "services/domain/relationships.h"
#include "services/domain/validation.h"

namespace parley::services {
namespace {

constexpr int kMaxRowsPerMessage = 1000;
// Messages read ahead of the commit that is in progress; bounds an import's memory.
constexpr size_t kMaxPendingMessages = 8;

std::string OrganizerMethod(absl::string_view name) {
  return absl::StrCat("/", v1::OrganizerService::service_full_name(), "/", name);
}

void ClearOutputOnly(v1::Attendee* attendee) {
  attendee->clear_id();
  attendee->clear_event_id();
  attendee->clear_create_time();
  attendee->clear_update_time();
}

bool TransitionAllowed(v1::EventStatus from, v1::EventStatus to) {
  switch (from) {
    case v1::DRAFT:
      return to == v1::OPEN || to == v1::CLOSED;
    case v1::OPEN:
      return to == v1::SCHEDULED || to == v1::CLOSED;
    case v1::SCHEDULED:
      return to == v1::OPEN || to == v1::CLOSED;
    default:
      return false;
  }
}

// One message of an import as read: parsed into its own arena, so that its ~30 strings and
// submessages per row cost no malloc/free each, and validated and stored where they lie.
struct ImportMessage {
  ImportMessage() : arena(ArenaOptionsForImport()) {
    request = google::protobuf::Arena::CreateMessage<v1::ImportAttendeesRequest>(&arena);
  }
  // A full message (1000 rows of a few hundred bytes) fits in a few blocks.
  static google::protobuf::ArenaOptions ArenaOptionsForImport() {
    google::protobuf::ArenaOptions options;
    options.start_block_size = 64 << 10;
    options.max_block_size = 1 << 20;
    return options;
  }

  google::protobuf::Arena arena;
  v1::ImportAttendeesRequest* request;  // on `arena`
};

// One message of an import after validation: a result per row (rejected rows complete, the
// others waiting for their attendee id) and the rows to store, which still live in `message`.
struct ValidatedMessage {
  std::shared_ptr<ImportMessage> message;
  std::vector<v1::ImportRowResult> results;
  std::vector<v1::Attendee*> accepted;  // in message->arena
  std::vector<size_t> accepted_result;  // index into results
};

// Streams of ImportAttendeesRequest, in three overlapping stages so that the network,
// validation and the disk all stay busy:
//   read (gRPC thread): checks the envelope of a message, numbers its rows, hands it on;
//   validate (any worker, several messages at once): normalises each row against the event;
//   commit (one worker at a time, in message order): upserts every validated message that is
//     ready in one WriteBatch, so a fast client gets one fsync for several messages.
// Reads run at most kMaxPendingMessages ahead of commits, which bounds memory. The response is
// sent once every accepted row is durable. gRPC may run reactions inline, so StartRead, Finish
// and Submit are called with mu_ released, and Finish only once no task holds `this` (OnDone
// deletes it).
class ImportReactor final : public grpc::ServerReadReactor<v1::ImportAttendeesRequest> {
 public:
  ImportReactor(grpc::CallbackServerContext* context, storage::Store* store,
                const Authenticator* auth, WorkerPool* workers, const PersonKey* person_key,
                v1::ImportAttendeesResponse* response)
      : store_(store), workers_(workers), person_key_(person_key), response_(response) {
    absl::StatusOr<Principal> who = auth->Authorize(*context, OrganizerMethod("ImportAttendees"));
    if (!who.ok()) {
      {
        absl::MutexLock lock(&mu_);
        finished_ = true;
      }
      Finish(ToGrpcStatus(who.status()));
      return;
    }
    principal_ = *std::move(who);
    incoming_ = std::make_shared<ImportMessage>();
    StartRead(incoming_->request);
  }

  void OnReadDone(bool ok) override {
    std::shared_ptr<ImportMessage> message;
    uint64_t seq = 0;
    bool start_read = false;
    Actions actions;
    {
      absl::MutexLock lock(&mu_);
      if (!ok) {
        reads_done_ = true;
      } else if (error_.ok() && !finished_) {
        absl::Status envelope = CheckEnvelopeLocked(incoming_->request);
        if (!envelope.ok()) {
          error_ = envelope;
        } else {
          message = std::move(incoming_);
          incoming_ = std::make_shared<ImportMessage>();
          seq = next_read_seq_++;
          ++validating_;
          start_read = next_read_seq_ - next_commit_seq_ < kMaxPendingMessages;
          read_paused_ = !start_read;
        }
      }
      actions = NextActionsLocked();
    }
    if (start_read) StartRead(incoming_->request);
    if (message != nullptr) {
      workers_->Submit([this, seq, message = std::move(message)]() mutable {
        Validate(seq, std::move(message));
      });
    }
    Run(std::move(actions));
  }

  void OnCancel() override {
    Actions actions;
    {
      absl::MutexLock lock(&mu_);
      if (error_.ok()) error_ = absl::CancelledError("import cancelled by the client");
      actions = NextActionsLocked();
    }
    Run(std::move(actions));
  }

  void OnDone() override { delete this; }

 private:
  // What a thread must do after it released mu_, in this order.
  struct Actions {
    bool resume_read = false;
    std::vector<ValidatedMessage> commit;  // non-empty: this thread is the committer
    uint64_t event_id = 0;
    std::optional<absl::Status> finish;
  };

  // The same event in every message, at most kMaxRowsPerMessage rows; numbers rows that came
  // without a number.
  absl::Status CheckEnvelopeLocked(v1::ImportAttendeesRequest* message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (event_id_ == 0) event_id_ = message->event_id();
    if (message->event_id() != event_id_) {
      return absl::InvalidArgumentError(
          absl::StrCat("event_id: every message of an import must name event ", event_id_, ", got ",
                       message->event_id()));
    }
    if (message->rows_size() > kMaxRowsPerMessage) {
      return absl::InvalidArgumentError(absl::StrCat(
          "rows: at most ", kMaxRowsPerMessage, " rows per message, got ", message->rows_size()));
    }
    for (v1::ImportRow& row : *message->mutable_rows()) {
      if (row.row_number() == 0) row.set_row_number(next_row_number_);
      next_row_number_ = row.row_number() + 1;
    }
    return absl::OkStatus();
  }

  Actions NextActionsLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    Actions actions;
    if (finished_) return actions;
    if (!error_.ok()) {
      if (validating_ == 0 && !committing_) {
        finished_ = true;
        actions.finish = error_;
      }
      return actions;
    }
    if (!committing_) {
      for (auto it = validated_.find(next_commit_seq_); it != validated_.end();
           it = validated_.find(next_commit_seq_)) {
        actions.commit.push_back(std::move(it->second));
        validated_.erase(it);
        ++next_commit_seq_;
      }
      committing_ = !actions.commit.empty();
      actions.event_id = event_id_;
    }
    if (read_paused_ && !reads_done_ && next_read_seq_ - next_commit_seq_ < kMaxPendingMessages) {
      read_paused_ = false;
      actions.resume_read = true;
    }
    if (reads_done_ && validating_ == 0 && !committing_ && validated_.empty()) {
      finished_ = true;
      actions.finish = absl::OkStatus();
    }
    return actions;
  }

  // Runs on a worker: validates one message, then does what is next (maybe commit).
  void Validate(uint64_t seq, std::shared_ptr<ImportMessage> message) {
    absl::StatusOr<ValidatedMessage> validated = ValidateMessage(std::move(message));
    Actions actions;
    {
      absl::MutexLock lock(&mu_);
      --validating_;
      if (!validated.ok()) {
        if (error_.ok()) error_ = validated.status();
      } else {
        validated_.emplace(seq, *std::move(validated));
      }
      actions = NextActionsLocked();
    }
    Run(std::move(actions));
  }

  void Run(Actions actions) {
    for (;;) {
      if (actions.resume_read) StartRead(incoming_->request);
      if (actions.finish.has_value()) {
        Finish(ToGrpcStatus(*actions.finish));
        return;  // `this` may be gone
      }
      if (actions.commit.empty()) return;
      absl::Status committed = Commit(actions.event_id, &actions.commit);
      absl::MutexLock lock(&mu_);
      committing_ = false;
      if (!committed.ok() && error_.ok()) error_ = committed;
      actions = NextActionsLocked();
    }
  }

  // Validates the rows where they lie, in the message's arena.
  absl::StatusOr<ValidatedMessage> ValidateMessage(std::shared_ptr<ImportMessage> message) const {
    v1::ImportAttendeesRequest& request = *message->request;
    // Read per message so a concurrent event update (new slots) is seen by later rows.
    absl::StatusOr<v1::Event> event = OwnedEvent(*store_, principal_, request.event_id());
    if (!event.ok()) return event.status();
    absl::Status open = domain::RequireNotClosed(*event);
    if (!open.ok()) return open;
    ValidatedMessage out;
    out.results.resize(request.rows_size());
    out.accepted.reserve(request.rows_size());
    out.accepted_result.reserve(request.rows_size());
    for (int i = 0; i < request.rows_size(); ++i) {
      v1::ImportRow* row = request.mutable_rows(i);
      v1::ImportRowResult& result = out.results[i];
      result.set_row_number(row->row_number());
      v1::Attendee* attendee = row->mutable_attendee();
      ClearOutputOnly(attendee);
      absl::Status valid = NormalizeAttendee(*event, attendee);
      result.set_external_id(attendee->external_id());
      if (!valid.ok()) {
        result.set_outcome(v1::ImportRowResult::REJECTED);
        result.set_error(absl::StrCat("row ", row->row_number(), ": ", valid.message()));
        continue;
      }
      if (!attendee->person_ref().empty()) {
        attendee->set_person_ref(person_key_->Hash(event->community_id(), attendee->person_ref()));
      }
      out.accepted_result.push_back(i);
      out.accepted.push_back(attendee);
    }
    out.message = std::move(message);
    return out;
  }

  // Stores the accepted rows of `messages` in one batch and appends every result to the
  // response. Only the committer runs this, one at a time, in message order.
  absl::Status Commit(uint64_t event_id, std::vector<ValidatedMessage>* messages) {
    std::vector<v1::Attendee*> rows;
    for (const ValidatedMessage& m : *messages) {
      rows.insert(rows.end(), m.accepted.begin(), m.accepted.end());
    }
    absl::StatusOr<std::vector<storage::UpsertResult>> stored;
    if (!rows.empty()) stored = store_->UpsertAttendeesInPlace(event_id, rows);
    size_t next = 0;
    for (ValidatedMessage& m : *messages) {
      for (size_t index : m.accepted_result) {
        v1::ImportRowResult& result = m.results[index];
        if (!stored.ok()) {
          // Nothing of this batch was written: say exactly which rows to send again.
          result.set_outcome(v1::ImportRowResult::REJECTED);
          result.set_error(absl::StrCat("row ", result.row_number(),
                                        ": not stored: ", stored.status().message()));
          continue;
        }
        const storage::UpsertResult& r = (*stored)[next++];
        result.set_attendee_id(r.attendee_id);
        SetStoredOutcome(r.outcome, &result);
      }
      for (v1::ImportRowResult& result : m.results) AddImportResult(std::move(result), response_);
    }
    return rows.empty() ? absl::OkStatus() : stored.status();
  }

  storage::Store* const store_;
  WorkerPool* const workers_;
  const PersonKey* const person_key_;
  v1::ImportAttendeesResponse* const response_;  // written by the committer only
  Principal principal_;                          // set before the first read
  // Owned by the one outstanding read; replaced (under mu_) when a read is handed on.
  std::shared_ptr<ImportMessage> incoming_;

  absl::Mutex mu_;
  uint64_t event_id_ ABSL_GUARDED_BY(mu_) = 0;
  uint32_t next_row_number_ ABSL_GUARDED_BY(mu_) = 1;
  uint64_t next_read_seq_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_commit_seq_ ABSL_GUARDED_BY(mu_) = 0;
  int validating_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<uint64_t, ValidatedMessage> validated_ ABSL_GUARDED_BY(mu_);
  bool committing_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool read_paused_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status error_ ABSL_GUARDED_BY(mu_);
};

const absl::flat_hash_set<std::string>& EventUpdatableFields() {
  static const auto* const fields =
      new absl::flat_hash_set<std::string>{"name", "time_zone", "slots", "locations", "policy"};
  return *fields;
}

const absl::flat_hash_set<std::string>& AttendeeUpdatableFields() {
  static const auto* const fields = [] {
    auto* set = new absl::flat_hash_set<std::string>;
    const google::protobuf::Descriptor* d = v1::Attendee::descriptor();
    for (int i = 0; i < d->field_count(); ++i) set->insert(d->field(i)->name());
    for (const char* output_only : {"id", "event_id", "create_time", "update_time"}) {
      set->erase(output_only);
    }
    // Contact sharing is the attendee's own consent (attendee.proto).
    for (const char* attendees_own : {"share_email", "share_phone"}) set->erase(attendees_own);
    return set;
  }();
  return *fields;
}

}  // namespace

absl::StatusOr<v1::Event> OrganizerService::AuthorizedEvent(
    const grpc::CallbackServerContext& context, absl::string_view method, uint64_t event_id) const {
  return services::AuthorizedEvent(*auth_, *store_, context, method, event_id);
}

grpc::ServerUnaryReactor* OrganizerService::CreateEvent(grpc::CallbackServerContext* context,
                                                        const v1::CreateEventRequest* request,
                                                        v1::Event* response) {
  return FinishOn(workers_, context, [this, context, request, response]() -> absl::Status {
    absl::StatusOr<Principal> who = auth_->Authorize(*context, OrganizerMethod("CreateEvent"));
    if (!who.ok()) return who.status();
    v1::Event event = request->event();
    event.clear_id();
    event.clear_create_time();
    event.clear_update_time();
    event.set_community_id(who->community_id);
    event.set_status(v1::DRAFT);
    absl::Status s = NormalizeEvent(&event);
    if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat("event.", s.message()));
    absl::StatusOr<v1::Event> created = store_->CreateEvent(std::move(event));
    if (!created.ok()) return created.status();
    *response = *std::move(created);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrganizerService::GetEvent(grpc::CallbackServerContext* context,
                                                     const v1::GetEventRequest* request,
                                                     v1::Event* response) {
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<v1::Event> event =
        AuthorizedEvent(*context, OrganizerMethod("GetEvent"), request->event_id());
    if (!event.ok()) return event.status();
    *response = *std::move(event);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrganizerService::ListEvents(grpc::CallbackServerContext* context,
                                                       const v1::ListEventsRequest* request,
                                                       v1::ListEventsResponse* response) {
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<Principal> who = auth_->Authorize(*context, OrganizerMethod("ListEvents"));
    if (!who.ok()) return who.status();
    absl::StatusOr<int> size = PageSize(request->page_size());
    if (!size.ok()) return size.status();
    absl::StatusOr<uint64_t> after = DecodeIdPageToken(request->page_token());
    if (!after.ok()) return after.status();
    auto rows = store_->ListEvents(who->community_id, *after, *size + 1);
    if (!rows.ok()) return rows.status();
    response->set_next_page_token(
        TakePage(*std::move(rows), *size, response->mutable_events(),
                 [](const v1::Event& e) { return absl::StrCat(e.id()); }));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrganizerService::UpdateEvent(grpc::CallbackServerContext* context,
                                                        const v1::UpdateEventRequest* request,
                                                        v1::Event* response) {
  return FinishOn(workers_, context, [this, context, request, response]() -> absl::Status {
    absl::StatusOr<v1::Event> current =
        AuthorizedEvent(*context, OrganizerMethod("UpdateEvent"), request->event().id());
    if (!current.ok()) return current.status();
    // Slots that attendees still name cannot be removed: their availability would dangle.
    absl::flat_hash_set<std::string> kept;
    for (const v1::Slot& slot : request->event().slots()) {
      kept.insert(absl::AsciiStrToLower(absl::StripAsciiWhitespace(slot.id())));
    }
    const bool slots_change =
        std::find(request->update_mask().paths().begin(), request->update_mask().paths().end(),
                  "slots") != request->update_mask().paths().end();
    if (slots_change) {
      std::string dangling;
      absl::Status scan = store_->ScanAttendees(current->id(), [&](const v1::Attendee& a) {
        for (const std::string& slot : a.availability()) {
          if (!kept.contains(slot)) {
            dangling = absl::StrCat("slot \"", slot, "\" is in the availability of attendee ",
                                    a.id(), " (", a.external_id(), ")");
            return false;
          }
        }
        return true;
      });
      if (!scan.ok()) return scan;
      if (!dangling.empty()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "event.slots: cannot remove a slot attendees are available in: ", dangling));
      }
    }
    absl::StatusOr<storage::Mutated<v1::Event>> updated =
        store_->MutateEvent(current->id(), [&](v1::Event* event) -> absl::Status {
          absl::Status s = domain::RequireNotClosed(*event);
          if (!s.ok()) return s;
          s = ApplyFieldMask(request->event(), request->update_mask(), EventUpdatableFields(),
                             event);
          if (!s.ok()) return s;
          s = NormalizeEvent(event);
          if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat("event.", s.message()));
          return absl::OkStatus();
        });
    if (!updated.ok()) return updated.status();
    *response = std::move(updated->record);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrganizerService::SetEventStatus(grpc::CallbackServerContext* context,
                                                           const v1::SetEventStatusRequest* request,
                                                           v1::Event* response) {
  return FinishOn(workers_, context, [this, context, request, response]() -> absl::Status {
    absl::StatusOr<v1::Event> current =
        AuthorizedEvent(*context, OrganizerMethod("SetEventStatus"), request->event_id());
    if (!current.ok()) return current.status();
    if (request->status() == v1::EVENT_STATUS_UNSPECIFIED ||
        !v1::EventStatus_IsValid(request->status())) {
      return absl::InvalidArgumentError("status: one of DRAFT, OPEN, SCHEDULED, CLOSED");
    }
    absl::StatusOr<storage::Mutated<v1::Event>> updated =
        store_->MutateEvent(current->id(), [&](v1::Event* event) -> absl::Status {
          if (event->status() == request->status()) return absl::OkStatus();
          if (!TransitionAllowed(event->status(), request->status())) {
            return absl::FailedPreconditionError(
                absl::StrCat("status: event ", event->id(), " cannot go from ",
                             v1::EventStatus_Name(event->status()), " to ",
                             v1::EventStatus_Name(request->status())));
          }
          if (request->status() == v1::OPEN && event->slots().empty()) {
            return absl::FailedPreconditionError(
                absl::StrCat("status: event ", event->id(), " needs slots before it can OPEN"));
          }
          event->set_status(request->status());
          return absl::OkStatus();
        });
    if (!updated.ok()) return updated.status();
    if (updated->record.status() == v1::CLOSED) {
      // The event's meetings join the community's memory (who met whom), for later events. Also
      // when it was CLOSED already: a retry after a failure here completes it (idempotent).
      absl::Status remembered = RememberEvent(store_, updated->record);
      if (!remembered.ok()) return remembered;
    }
    *response = std::move(updated->record);
    return absl::OkStatus();
  });
}

grpc::ServerReadReactor<v1::ImportKnownPairsRequest>* OrganizerService::ImportKnownPairs(
    grpc::CallbackServerContext* context, v1::ImportKnownPairsResponse* response) {
  return NewKnownPairsImport(context, store_, auth_, workers_, response);
}

grpc::ServerUnaryReactor* OrganizerService::RemoveKnownPairs(
    grpc::CallbackServerContext* context, const v1::RemoveKnownPairsRequest* request,
    v1::RemoveKnownPairsResponse* response) {
  return FinishOn(workers_, context, [this, context, request, response]() -> absl::Status {
    absl::StatusOr<v1::Event> event =
        AuthorizedEvent(*context, OrganizerMethod("RemoveKnownPairs"), request->event_id());
    if (!event.ok()) return event.status();
    return services::RemoveKnownPairs(store_, *event, *request, response);
  });
}

grpc::ServerReadReactor<v1::ImportAttendeesRequest>* OrganizerService::ImportAttendees(
    grpc::CallbackServerContext* context, v1::ImportAttendeesResponse* response) {
  return new ImportReactor(context, store_, auth_, workers_, person_key_, response);
}

grpc::ServerReadReactor<v1::ImportAttendeesCsvRequest>* OrganizerService::ImportAttendeesCsv(
    grpc::CallbackServerContext* context, v1::ImportAttendeesCsvResponse* response) {
  return NewCsvImport(context, store_, auth_, workers_, person_key_, response);
}

grpc::ServerUnaryReactor* OrganizerService::GetAttendee(grpc::CallbackServerContext* context,
                                                        const v1::GetAttendeeRequest* request,
                                                        v1::Attendee* response) {
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<v1::Event> event =
        AuthorizedEvent(*context, OrganizerMethod("GetAttendee"), request->event_id());
    if (!event.ok()) return event.status();
    if (request->attendee_id() == 0) return absl::InvalidArgumentError("attendee_id: required");
    absl::StatusOr<v1::Attendee> attendee =
        store_->GetAttendee(request->event_id(), request->attendee_id());
    if (!attendee.ok()) return attendee.status();
    *response = *std::move(attendee);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrganizerService::ListAttendees(grpc::CallbackServerContext* context,
                                                          const v1::ListAttendeesRequest* request,
                                                          v1::ListAttendeesResponse* response) {
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<v1::Event> event =
        AuthorizedEvent(*context, OrganizerMethod("ListAttendees"), request->event_id());
    if (!event.ok()) return event.status();
    absl::StatusOr<int> size = PageSize(request->page_size());
    if (!size.ok()) return size.status();
    absl::StatusOr<uint64_t> after = DecodeIdPageToken(request->page_token());
    if (!after.ok()) return after.status();
    auto rows = store_->ListAttendees(request->event_id(), *after, *size + 1);
    if (!rows.ok()) return rows.status();
    response->set_next_page_token(
        TakePage(*std::move(rows), *size, response->mutable_attendees(),
                 [](const v1::Attendee& a) { return absl::StrCat(a.id()); }));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrganizerService::UpdateAttendee(grpc::CallbackServerContext* context,
                                                           const v1::UpdateAttendeeRequest* request,
                                                           v1::Attendee* response) {
  return FinishOn(workers_, context, [this, context, request, response]() -> absl::Status {
    const v1::Attendee& patch = request->attendee();
    absl::StatusOr<v1::Event> event =
        AuthorizedEvent(*context, OrganizerMethod("UpdateAttendee"), patch.event_id());
    if (!event.ok()) {
      if (absl::IsInvalidArgument(event.status())) {
        return absl::InvalidArgumentError("attendee.event_id: required");
      }
      return event.status();
    }
    absl::Status open = domain::RequireNotClosed(*event);
    if (!open.ok()) return open;
    if (patch.id() == 0) return absl::InvalidArgumentError("attendee.id: required");
    absl::StatusOr<storage::Mutated<v1::Attendee>> updated =
        store_->MutateAttendee(patch.event_id(), patch.id(), [&](v1::Attendee* attendee) {
          absl::Status s = PatchAttendee(*event, patch, request->update_mask(),
                                         AttendeeUpdatableFields(), attendee);
          attendee->set_person_ref(
              person_key_->Hash(event->community_id(), attendee->person_ref()));
          return s;
        });
    if (!updated.ok()) return updated.status();
    *response = std::move(updated->record);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrganizerService::RemoveAttendee(grpc::CallbackServerContext* context,
                                                           const v1::RemoveAttendeeRequest* request,
                                                           v1::RemoveAttendeeResponse* response) {
  return FinishOn(workers_, context, [this, context, request, response]() -> absl::Status {
    absl::StatusOr<v1::Event> event =
        AuthorizedEvent(*context, OrganizerMethod("RemoveAttendee"), request->event_id());
    if (!event.ok()) return event.status();
    if (request->attendee_id() == 0) return absl::InvalidArgumentError("attendee_id: required");
    absl::StatusOr<bool> removed =
        store_->RemoveAttendee(request->event_id(), request->attendee_id());
    if (!removed.ok()) return removed.status();
    response->set_removed(*removed);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrganizerService::IssueAttendeeTokens(
    grpc::CallbackServerContext* context, const v1::IssueAttendeeTokensRequest* request,
    v1::IssueAttendeeTokensResponse* response) {
  return FinishOn(workers_, context, [this, context, request, response]() -> absl::Status {
    absl::StatusOr<v1::Event> event =
        AuthorizedEvent(*context, OrganizerMethod("IssueAttendeeTokens"), request->event_id());
    if (!event.ok()) return event.status();
    constexpr int kMaxIds = 1000;
    const int n = request->attendee_ids_size();
    if (n < 1 || n > kMaxIds) {
      return absl::InvalidArgumentError(
          absl::StrCat("attendee_ids: 1 to ", kMaxIds, " ids per call, got ", n));
    }
    absl::flat_hash_set<uint64_t> seen;
    std::vector<v1::TokenInfo> infos;
    for (int i = 0; i < n; ++i) {
      const uint64_t id = request->attendee_ids(i);
      if (id == 0) return absl::InvalidArgumentError(absl::StrCat("attendee_ids[", i, "]: 0"));
      if (!seen.insert(id).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("attendee_ids[", i, "]: ", id, " appears twice"));
      }
      absl::StatusOr<v1::Attendee> attendee = store_->GetAttendee(event->id(), id);
      if (!attendee.ok()) {
        return absl::Status(attendee.status().code(),
                            absl::StrCat("attendee_ids[", i, "]: ", attendee.status().message()));
      }
      if (request->only_without_token()) {
        absl::StatusOr<std::vector<v1::TokenInfo>> held =
            store_->ListAttendeeTokens(event->id(), id);
        if (!held.ok()) return held.status();
        if (std::any_of(held->begin(), held->end(), [](const v1::TokenInfo& t) {
              return t.role() == v1::TokenInfo::ATTENDEE && t.revoke_time() == 0;
            })) {
          response->add_skipped_attendee_ids(id);
          continue;
        }
      }
      v1::TokenInfo& info = infos.emplace_back();
      info.set_role(v1::TokenInfo::ATTENDEE);
      info.set_community_id(event->community_id());
      info.set_event_id(event->id());
      info.set_attendee_id(id);
      info.set_label(request->label());
    }
    if (infos.empty()) return absl::OkStatus();
    auto issued = IssueTokens(store_, std::move(infos));
    if (!issued.ok()) return issued.status();
    for (auto& [secret, info] : *issued) {
      v1::IssuedAttendeeToken* out = response->add_tokens();
      out->set_token(std::move(secret));
      *out->mutable_info() = std::move(info);
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrganizerService::IssueAttendeeToken(
    grpc::CallbackServerContext* context, const v1::IssueAttendeeTokenRequest* request,
    v1::IssuedAttendeeToken* response) {
  return FinishOn(workers_, context, [this, context, request, response]() -> absl::Status {
    absl::StatusOr<v1::Event> event =
        AuthorizedEvent(*context, OrganizerMethod("IssueAttendeeToken"), request->event_id());
    if (!event.ok()) return event.status();
    if (request->attendee_id() == 0) return absl::InvalidArgumentError("attendee_id: required");
    absl::StatusOr<v1::Attendee> attendee =
        store_->GetAttendee(request->event_id(), request->attendee_id());
    if (!attendee.ok()) return attendee.status();
    v1::TokenInfo info;
    info.set_role(v1::TokenInfo::ATTENDEE);
    info.set_community_id(event->community_id());
    info.set_event_id(request->event_id());
    info.set_attendee_id(request->attendee_id());
    info.set_label(request->label());
    auto issued = IssueToken(store_, std::move(info));
    if (!issued.ok()) return issued.status();
    response->set_token(std::move(issued->first));
    *response->mutable_info() = std::move(issued->second);
    return absl::OkStatus();
  });
}

}  // namespace parley::services
