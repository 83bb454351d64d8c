#include "services/api/attendee_service.h"

#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/api/grpc_status.h"
#include "services/domain/my_data.h"
#include "services/domain/validation.h"

namespace parley::services {
namespace {

std::string AttendeeMethod(absl::string_view name) {
  return absl::StrCat("/", v1::AttendeeService::service_full_name(), "/", name);
}

// Names, contact details, ids and person_ref belong to the organiser's registration records;
// whether a confirmed partner may see the contact details is the attendee's consent alone.
// Wishes (wants) change only through RelationshipService, which names people by attendee id and
// only people the attendee was shown: external ids here would be a lookup of other attendees.
const absl::flat_hash_set<std::string>& SelfUpdatableFields() {
  static const auto* const fields = new absl::flat_hash_set<std::string>{
      "interests",    "offers",     "seeks", "languages",           "budget",
      "availability", "avoid",      "bio",   "avoid_organisations", "prefers_quiet",
      "share_email",  "share_phone"};
  return *fields;
}

}  // namespace

grpc::ServerUnaryReactor* AttendeeService::GetMyProfile(grpc::CallbackServerContext* context,
                                                        const v1::GetMyProfileRequest*,
                                                        v1::MyProfile* response) {
  return FinishWith(context, [&]() -> absl::Status {
    absl::StatusOr<Principal> who = auth_->Authorize(*context, AttendeeMethod("GetMyProfile"));
    if (!who.ok()) return who.status();
    absl::StatusOr<v1::Event> event = store_->GetEvent(who->event_id);
    if (!event.ok()) return event.status();
    absl::StatusOr<v1::Attendee> me = store_->GetAttendee(who->event_id, who->attendee_id);
    if (!me.ok()) return me.status();
    *response->mutable_attendee() = OwnProfile(*std::move(me));
    *response->mutable_event() = *std::move(event);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AttendeeService::UpdateMyProfile(
    grpc::CallbackServerContext* context, const v1::UpdateMyProfileRequest* request,
    v1::MyProfile* response) {
  return FinishOn(workers_, context, [this, context, request, response]() -> absl::Status {
    absl::StatusOr<Principal> who = auth_->Authorize(*context, AttendeeMethod("UpdateMyProfile"));
    if (!who.ok()) return who.status();
    absl::StatusOr<v1::Event> event = store_->GetEvent(who->event_id);
    if (!event.ok()) return event.status();
    if (event->status() == v1::CLOSED) {
      return absl::FailedPreconditionError(
          absl::StrCat("event ", event->id(), " is CLOSED; profiles can no longer change"));
    }
    absl::StatusOr<storage::Mutated<v1::Attendee>> updated =
        store_->MutateAttendee(who->event_id, who->attendee_id, [&](v1::Attendee* me) {
          return PatchAttendee(*event, request->attendee(), request->update_mask(),
                               SelfUpdatableFields(), me);
        });
    if (!updated.ok()) return updated.status();
    *response->mutable_attendee() = OwnProfile(std::move(updated->record));
    *response->mutable_event() = *std::move(event);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AttendeeService::ExportMyData(grpc::CallbackServerContext* context,
                                                        const v1::ExportMyDataRequest*,
                                                        v1::MyData* response) {
  // Scans the attendee's meetings, relationships and the event's known pairs: a worker's job.
  return FinishOn(workers_, context, [this, context, response]() -> absl::Status {
    absl::StatusOr<Principal> who = auth_->Authorize(*context, AttendeeMethod("ExportMyData"));
    if (!who.ok()) return who.status();
    absl::StatusOr<v1::Event> event = store_->GetEvent(who->event_id);
    if (!event.ok()) return event.status();
    absl::StatusOr<v1::MyData> data =
        MyDataOf(*store_, *event, who->attendee_id, absl::ToUnixSeconds(absl::Now()));
    if (!data.ok()) return data.status();
    *response = *std::move(data);
    return absl::OkStatus();
  });
}

}  // namespace parley::services
