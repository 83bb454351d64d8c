#ifndef PARLEY_SERVICES_DOMAIN_MY_DATA_H_
#define PARLEY_SERVICES_DOMAIN_MY_DATA_H_

// An attendee's export of everything the server holds about them (AttendeeService.ExportMyData,
// attendee_service.proto MyData): built from the same views the attendee's other calls show
// (agenda_views.h, relationship_views.h), so that the export never shows more of other people
// than those calls do.

#include <cstdint>

#include "absl/status/statusor.h"
#include "parley/v1/attendee_service.pb.h"
#include "parley/v1/event.pb.h"
#include "storage/store.h"

namespace parley::services {

// My profile as I may see it (GetMyProfile, UpdateMyProfile, the export): without `wants`,
// whose entries are other attendees' external ids (the organiser's registration ids, often
// e-mail addresses); my wishes are shown as people instead (relationship_views.h WishesOf).
// Without person_ref either: an organiser-only field (the keyed hash that links my records
// across the community's events; shown only through OrganizerService).
v1::Attendee OwnProfile(v1::Attendee me);

// The export of attendee `me` of `event`, made at `now` (seconds since the Unix epoch).
// NOT_FOUND if the attendee does not exist; store errors as the store returns them. Reads
// several records one after another: a change committed meanwhile may show in some parts only.
absl::StatusOr<v1::MyData> MyDataOf(const storage::Store& store, const v1::Event& event,
                                    uint64_t me, int64_t now);

}  // namespace parley::services

#endif  // PARLEY_SERVICES_DOMAIN_MY_DATA_H_
