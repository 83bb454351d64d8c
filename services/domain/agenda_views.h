#ifndef PARLEY_SERVICES_AGENDA_VIEWS_H_
#define PARLEY_SERVICES_AGENDA_VIEWS_H_

// Meetings as one attendee may see them, shared by the attendee's and the organiser's calls:
// the partner only as a PublicProfile, reasons and starter from the viewer's side, and statuses
// that never say the other side declined. The partner's email and phone only on a meeting both
// confirmed, and only those the partner agreed to share (Attendee.share_email, share_phone).

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "parley/v1/agenda_service.pb.h"
#include "parley/v1/attendee.pb.h"
#include "parley/v1/event.pb.h"
#include "parley/v1/matching.pb.h"
#include "parley/v1/matching_service.pb.h"
#include "storage/store.h"

namespace parley::services {

v1::PublicProfile PublicProfileOf(const v1::Attendee& attendee);

// How `me` sees the meeting: AWAITING_ME / AWAITING_THEM for PROPOSED, DECLINED_BY_ME only for
// my own decline (theirs, and expiry, show as WITHDRAWN), CONFIRMED for CONFIRMED, HELD and
// NO_SHOW, CANCELLED.
v1::Proposal::Status StatusFor(const v1::Meeting& meeting, uint64_t me);

// `me` must be one of the meeting's attendees and `partner` the other. With `self` (my record
// as it is now), the reasons are the stored ones that still hold for both records as they are
// now (ReasonHolds: a profile edit may have removed an interest a reason names), and a starter
// that names a dropped tag gives way to a neutral one.
v1::Proposal ProposalFor(const v1::Event& event, const v1::Meeting& meeting, uint64_t me,
                         const v1::Attendee& partner, const v1::Attendee* self = nullptr);

// Whether a stored reason shown to `you` about `they` is still true of their records: shared
// interests both still list, offers and seeks still on each side, a bridge whose tags both
// still list. The other kinds (wishes, introductions, organisations, follow-ups, open
// pairings) are kept. Tags compare as the engine compares them (match::TagKey: "LLMs" holds
// for "llm"), and folded (SameTag).
bool ReasonHolds(const v1::Reason& reason, const v1::Attendee& you, const v1::Attendee& they);

// My meetings as proposals, in slot order (then id): those whose state passes `keep`. Meetings
// whose partner was erased are left out. If `partners` is not null, the ids of the partners of
// the kept meetings (erased ones too) are appended to it: the records the view was built from,
// besides the event and me.
absl::StatusOr<std::vector<v1::Proposal>> MyProposals(const storage::Store& store,
                                                      const v1::Event& event, uint64_t me,
                                                      bool (*keep)(v1::Meeting::State state),
                                                      std::vector<uint64_t>* partners = nullptr);

// Confirmed meetings and open proposals, with the counts. `partners` as for MyProposals.
absl::StatusOr<v1::Agenda> MyAgenda(const storage::Store& store, const v1::Event& event,
                                    uint64_t me, std::vector<uint64_t>* partners = nullptr);

// Why a request for more proposals (RequestMoreSuggestions) added none, read off the
// attendee's record and their meetings at `now` (seconds since the Unix epoch): OPTED_OUT,
// BUDGET_FULL (occupying meetings >= budget), NO_FREE_SLOT (each slot of their availability is
// taken by an occupying meeting or has ended), else NOBODY_FEASIBLE. Sets both nothing_new
// fields of `out`.
void ExplainNothingNew(const v1::Event& event, const v1::Attendee& me,
                       const std::vector<v1::Meeting>& my_meetings, int64_t now,
                       v1::ListMySuggestionsResponse* out);

// The attendee's calendar: confirmed meetings (and cancelled ones with STATUS:CANCELLED) in
// `ics`; the cancelled ones again in `cancellations` under METHOD:CANCEL.
absl::StatusOr<v1::Calendar> CalendarOf(const storage::Store& store, const v1::Event& event,
                                        uint64_t attendee_id);

}  // namespace parley::services

#endif  // PARLEY_SERVICES_AGENDA_VIEWS_H_
