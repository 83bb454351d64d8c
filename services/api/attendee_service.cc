#include "services/api/attendee_service.h"

#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "services/api/grpc_status.h"
#include "services/domain/validation.h"

namespace parley::services {
namespace {

std::string AttendeeMethod(absl::string_view name) {
  return absl::StrCat("/", v1::AttendeeService::service_full_name(), "/", name);
}

// Names, contact details, ids and person_ref belong to the organiser's registration records.
// Wishes (wants) change only through RelationshipService, which names people by attendee id and
// only people the attendee was shown: external ids here would be a lookup of other attendees.
const absl::flat_hash_set<std::string>& SelfUpdatableFields() {
  static const auto* const fields = new absl::flat_hash_set<std::string>{
      "interests",    "offers", "seeks", "languages",           "budget",
      "availability", "avoid",  "bio",   "avoid_organisations", "prefers_quiet"};
  return *fields;
}

// My profile as I may see it: without `wants`, whose entries are other attendees' external ids
// (the organiser's registration ids, often e-mail addresses).
v1::Attendee AsSeenByMe(v1::Attendee me) {
  me.clear_wants();
  return me;
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
    *response->mutable_attendee() = AsSeenByMe(*std::move(me));
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
    *response->mutable_attendee() = AsSeenByMe(std::move(updated->record));
    *response->mutable_event() = *std::move(event);
    return absl::OkStatus();
  });
}

}  // namespace parley::services
