#include "services/organizer_service.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "services/admin_service.h"
#include "services/field_mask.h"
#include "services/grpc_status.h"
#include "services/paging.h"
#include "services/validation.h"

namespace parley::services {
namespace {

constexpr int kMaxRowsPerMessage = 1000;
// Messages read ahead of the commit that is in progress; bounds an import's memory.
constexpr size_t kMaxPendingMessages = 8;

std::string OrganizerMethod(absl::string_view name) {
  return absl::StrCat("/", v1::OrganizerService::service_full_name(), "/", name);
}

// The event, if it belongs to the organiser's community; NOT_FOUND otherwise, exactly as for
// an event that does not exist, so ids of other communities reveal nothing.
absl::StatusOr<v1::Event> OwnedEvent(const storage::Store& store, const Principal& who,
                                     uint64_t event_id) {
  if (event_id == 0) return absl::InvalidArgumentError("event_id: required");
  absl::StatusOr<v1::Event> event = store.GetEvent(event_id);
  if (event.ok() && event->community_id() != who.community_id) {
    return absl::NotFoundError(absl::StrCat("event ", event_id, " not found"));
  }
  return event;
}

absl::Status RequireNotClosed(const v1::Event& event) {
  if (event.status() == v1::CLOSED) {
    return absl::FailedPreconditionError(absl::StrCat("event ", event.id(), " is CLOSED"));
  }
  return absl::OkStatus();
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

// Streams of ImportAttendeesRequest. Reads run ahead of commits (at most kMaxPendingMessages);
// a worker drains everything pending into one UpsertAttendees call, so a fast client gets group
// commits (one fsync for several messages) and gRPC's threads never wait for the disk.
// The response is sent only after every accepted row is durable.
class ImportReactor final : public grpc::ServerReadReactor<v1::ImportAttendeesRequest> {
 public:
  ImportReactor(grpc::CallbackServerContext* context, storage::Store* store,
                const Authenticator* auth, WorkerPool* workers,
                v1::ImportAttendeesResponse* response)
      : store_(store), workers_(workers), response_(response) {
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
    StartRead(&incoming_);
  }

  // gRPC may run a reaction inline, so StartRead, Finish and Submit are called with mu_
  // released, and nothing touches `this` after Finish (OnDone may delete it).
  void OnReadDone(bool ok) override {
    bool start_read = false;
    bool schedule;
    {
      absl::MutexLock lock(&mu_);
      if (!ok) {
        reads_done_ = true;
      } else {
        pending_.push_back(std::move(incoming_));
        incoming_.Clear();
        if (pending_.size() < kMaxPendingMessages) {
          start_read = !finished_;
        } else {
          read_paused_ = true;
        }
      }
      schedule = ClaimWorkerLocked();
    }
    if (start_read) StartRead(&incoming_);
    if (schedule) workers_->Submit([this] { Drain(); });
  }

  void OnCancel() override {
    bool schedule;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      schedule = ClaimWorkerLocked();
    }
    if (schedule) workers_->Submit([this] { Drain(); });
  }

  void OnDone() override { delete this; }

 private:
  // True if the caller must start the worker: there is something to do, it is not running
  // already, and the call is not finished.
  bool ClaimWorkerLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (worker_running_ || finished_) return false;
    if (pending_.empty() && !reads_done_ && !cancelled_) return false;
    worker_running_ = true;
    return true;
  }

  void Drain() {
    for (;;) {
      std::vector<v1::ImportAttendeesRequest> batch;
      bool resume_read = false;
      absl::Status final_status;
      bool finish = false;
      {
        absl::MutexLock lock(&mu_);
        if (cancelled_ || pending_.empty()) {
          worker_running_ = false;
          if (cancelled_) {
            final_status = absl::CancelledError("import cancelled by the client");
            finish = true;
          } else if (reads_done_) {
            finish = true;
          }
          finish = finish && !finished_;
          if (finish) finished_ = true;
        } else {
          batch.swap(pending_);
          resume_read = read_paused_ && !finished_;
          read_paused_ = false;
        }
      }
      if (batch.empty()) {
        if (finish) Finish(ToGrpcStatus(final_status));
        return;
      }
      if (resume_read) StartRead(&incoming_);
      absl::Status status = Commit(&batch);
      if (!status.ok()) {
        {
          absl::MutexLock lock(&mu_);
          worker_running_ = false;
          finished_ = true;
        }
        Finish(ToGrpcStatus(status));
        return;
      }
    }
  }

  // Validates the rows of `batch` and upserts the good ones in one write batch.
  absl::Status Commit(std::vector<v1::ImportAttendeesRequest>* batch) {
    const uint64_t event_id = batch->front().event_id();
    if (event_id_ == 0) {
      event_id_ = event_id;
    }
    for (const v1::ImportAttendeesRequest& message : *batch) {
      if (message.event_id() != event_id_) {
        return absl::InvalidArgumentError(
            absl::StrCat("event_id: every message of an import must name event ", event_id_,
                         ", got ", message.event_id()));
      }
      if (message.rows_size() > kMaxRowsPerMessage) {
        return absl::InvalidArgumentError(absl::StrCat(
            "rows: at most ", kMaxRowsPerMessage, " rows per message, got ", message.rows_size()));
      }
    }
    // Read per commit so a concurrent event update (new slots) is seen by later rows.
    absl::StatusOr<v1::Event> event = OwnedEvent(*store_, principal_, event_id_);
    if (!event.ok()) return event.status();
    absl::Status open = RequireNotClosed(*event);
    if (!open.ok()) return open;

    std::vector<v1::Attendee> accepted;
    std::vector<int> accepted_result;  // index into response_->results()
    for (v1::ImportAttendeesRequest& message : *batch) {
      for (v1::ImportRow& row : *message.mutable_rows()) {
        const uint32_t number = row.row_number() != 0 ? row.row_number() : next_row_number_;
        next_row_number_ = number + 1;
        v1::ImportRowResult* result = response_->add_results();
        result->set_row_number(number);
        v1::Attendee attendee = std::move(*row.mutable_attendee());
        ClearOutputOnly(&attendee);
        absl::Status valid = NormalizeAttendee(*event, &attendee);
        result->set_external_id(attendee.external_id());
        if (!valid.ok()) {
          result->set_outcome(v1::ImportRowResult::REJECTED);
          result->set_error(absl::StrCat("row ", number, ": ", valid.message()));
          response_->set_rejected(response_->rejected() + 1);
          continue;
        }
        accepted_result.push_back(response_->results_size() - 1);
        accepted.push_back(std::move(attendee));
      }
    }
    if (accepted.empty()) return absl::OkStatus();
    absl::StatusOr<std::vector<storage::UpsertResult>> stored =
        store_->UpsertAttendees(event_id_, std::move(accepted));
    if (!stored.ok()) {
      // Nothing of this batch was written: report its rows as rejected so the caller knows
      // exactly which rows to send again, then end the stream with the cause.
      for (int index : accepted_result) {
        v1::ImportRowResult* result = response_->mutable_results(index);
        result->set_outcome(v1::ImportRowResult::REJECTED);
        result->set_error(absl::StrCat("row ", result->row_number(),
                                       ": not stored: ", stored.status().message()));
      }
      return stored.status();
    }
    for (size_t i = 0; i < stored->size(); ++i) {
      v1::ImportRowResult* result = response_->mutable_results(accepted_result[i]);
      result->set_attendee_id((*stored)[i].attendee_id);
      switch ((*stored)[i].outcome) {
        case storage::UpsertOutcome::kCreated:
          result->set_outcome(v1::ImportRowResult::CREATED);
          response_->set_created(response_->created() + 1);
          break;
        case storage::UpsertOutcome::kUpdated:
          result->set_outcome(v1::ImportRowResult::UPDATED);
          response_->set_updated(response_->updated() + 1);
          break;
        case storage::UpsertOutcome::kUnchanged:
          result->set_outcome(v1::ImportRowResult::UNCHANGED);
          response_->set_unchanged(response_->unchanged() + 1);
          break;
      }
    }
    return absl::OkStatus();
  }

  storage::Store* const store_;
  WorkerPool* const workers_;
  v1::ImportAttendeesResponse* const response_;  // written by the worker only
  Principal principal_;
  uint64_t event_id_ = 0;         // worker only
  uint32_t next_row_number_ = 1;  // worker only
  v1::ImportAttendeesRequest incoming_;

  absl::Mutex mu_;
  std::vector<v1::ImportAttendeesRequest> pending_ ABSL_GUARDED_BY(mu_);
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool read_paused_ ABSL_GUARDED_BY(mu_) = false;
  bool worker_running_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
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
    return set;
  }();
  return *fields;
}

}  // namespace

grpc::ServerUnaryReactor* OrganizerService::CreateEvent(grpc::CallbackServerContext* context,
                                                        const v1::CreateEventRequest* request,
                                                        v1::Event* response) {
  return FinishWith(context, [&]() -> absl::Status {
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
    absl::StatusOr<Principal> who = auth_->Authorize(*context, OrganizerMethod("GetEvent"));
    if (!who.ok()) return who.status();
    absl::StatusOr<v1::Event> event = OwnedEvent(*store_, *who, request->event_id());
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
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<Principal> who = auth_->Authorize(*context, OrganizerMethod("UpdateEvent"));
    if (!who.ok()) return who.status();
    absl::StatusOr<v1::Event> current = OwnedEvent(*store_, *who, request->event().id());
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
    absl::StatusOr<v1::Event> updated =
        store_->MutateEvent(current->id(), [&](v1::Event* event) -> absl::Status {
          absl::Status s = RequireNotClosed(*event);
          if (!s.ok()) return s;
          s = ApplyFieldMask(request->event(), request->update_mask(), EventUpdatableFields(),
                             event);
          if (!s.ok()) return s;
          s = NormalizeEvent(event);
          if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat("event.", s.message()));
          return absl::OkStatus();
        });
    if (!updated.ok()) return updated.status();
    *response = *std::move(updated);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrganizerService::SetEventStatus(grpc::CallbackServerContext* context,
                                                           const v1::SetEventStatusRequest* request,
                                                           v1::Event* response) {
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<Principal> who = auth_->Authorize(*context, OrganizerMethod("SetEventStatus"));
    if (!who.ok()) return who.status();
    absl::StatusOr<v1::Event> current = OwnedEvent(*store_, *who, request->event_id());
    if (!current.ok()) return current.status();
    if (request->status() == v1::EVENT_STATUS_UNSPECIFIED ||
        !v1::EventStatus_IsValid(request->status())) {
      return absl::InvalidArgumentError("status: one of DRAFT, OPEN, SCHEDULED, CLOSED");
    }
    absl::StatusOr<v1::Event> updated =
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
    *response = *std::move(updated);
    return absl::OkStatus();
  });
}

grpc::ServerReadReactor<v1::ImportAttendeesRequest>* OrganizerService::ImportAttendees(
    grpc::CallbackServerContext* context, v1::ImportAttendeesResponse* response) {
  return new ImportReactor(context, store_, auth_, workers_, response);
}

grpc::ServerUnaryReactor* OrganizerService::GetAttendee(grpc::CallbackServerContext* context,
                                                        const v1::GetAttendeeRequest* request,
                                                        v1::Attendee* response) {
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<Principal> who = auth_->Authorize(*context, OrganizerMethod("GetAttendee"));
    if (!who.ok()) return who.status();
    absl::StatusOr<v1::Event> event = OwnedEvent(*store_, *who, request->event_id());
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
    absl::StatusOr<Principal> who = auth_->Authorize(*context, OrganizerMethod("ListAttendees"));
    if (!who.ok()) return who.status();
    absl::StatusOr<v1::Event> event = OwnedEvent(*store_, *who, request->event_id());
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
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<Principal> who = auth_->Authorize(*context, OrganizerMethod("UpdateAttendee"));
    if (!who.ok()) return who.status();
    const v1::Attendee& patch = request->attendee();
    absl::StatusOr<v1::Event> event = OwnedEvent(*store_, *who, patch.event_id());
    if (!event.ok()) {
      if (absl::IsInvalidArgument(event.status())) {
        return absl::InvalidArgumentError("attendee.event_id: required");
      }
      return event.status();
    }
    absl::Status open = RequireNotClosed(*event);
    if (!open.ok()) return open;
    if (patch.id() == 0) return absl::InvalidArgumentError("attendee.id: required");
    absl::StatusOr<v1::Attendee> updated = store_->MutateAttendee(
        patch.event_id(), patch.id(), [&](v1::Attendee* attendee) -> absl::Status {
          absl::Status s =
              ApplyFieldMask(patch, request->update_mask(), AttendeeUpdatableFields(), attendee);
          if (!s.ok()) return s;
          s = NormalizeAttendee(*event, attendee);
          if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat("attendee.", s.message()));
          return absl::OkStatus();
        });
    if (!updated.ok()) return updated.status();
    *response = *std::move(updated);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrganizerService::RemoveAttendee(grpc::CallbackServerContext* context,
                                                           const v1::RemoveAttendeeRequest* request,
                                                           v1::RemoveAttendeeResponse* response) {
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<Principal> who = auth_->Authorize(*context, OrganizerMethod("RemoveAttendee"));
    if (!who.ok()) return who.status();
    absl::StatusOr<v1::Event> event = OwnedEvent(*store_, *who, request->event_id());
    if (!event.ok()) return event.status();
    if (request->attendee_id() == 0) return absl::InvalidArgumentError("attendee_id: required");
    absl::StatusOr<bool> removed =
        store_->RemoveAttendee(request->event_id(), request->attendee_id());
    if (!removed.ok()) return removed.status();
    response->set_removed(*removed);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OrganizerService::IssueAttendeeToken(
    grpc::CallbackServerContext* context, const v1::IssueAttendeeTokenRequest* request,
    v1::IssuedAttendeeToken* response) {
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<Principal> who =
        auth_->Authorize(*context, OrganizerMethod("IssueAttendeeToken"));
    if (!who.ok()) return who.status();
    absl::StatusOr<v1::Event> event = OwnedEvent(*store_, *who, request->event_id());
    if (!event.ok()) return event.status();
    if (request->attendee_id() == 0) return absl::InvalidArgumentError("attendee_id: required");
    absl::StatusOr<v1::Attendee> attendee =
        store_->GetAttendee(request->event_id(), request->attendee_id());
    if (!attendee.ok()) return attendee.status();
    v1::TokenInfo info;
    info.set_role(v1::TokenInfo::ATTENDEE);
    info.set_community_id(who->community_id);
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
