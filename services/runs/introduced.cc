#include "services/runs/introduced.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "services/domain/constraints.h"
#include "services/domain/meetings.h"
#include "services/domain/policy.h"
#include "services/domain/proposals.h"
#include "services/domain/seating.h"

namespace parley::matching {
namespace {

// The meeting to propose for the introduced pair a < b at `now`, or nullopt (see the header).
absl::StatusOr<std::optional<v1::Meeting>> Plan(const storage::Store& store, const v1::Event& event,
                                                const v1::StoredIntroduction& intro, int64_t now) {
  const uint64_t event_id = event.id();
  absl::StatusOr<v1::Attendee> a = store.GetAttendee(event_id, intro.attendee_a());
  if (!a.ok()) return a.status();
  absl::StatusOr<v1::Attendee> b = store.GetAttendee(event_id, intro.attendee_b());
  if (!b.ok()) return b.status();
  // Hard rules still hold for an introduced pair (an avoid list has already declined the
  // introduction privately; the others wait for nothing: the pair is never proposed).
  absl::StatusOr<domain::PairBlock> block = domain::BlockedStoredPair(store, event, *a, *b);
  if (!block.ok()) return block.status();
  if (*block != domain::PairBlock::kNone) return std::nullopt;
  // Slots taken by each, and the tables every occupying meeting holds.
  domain::Seating seating(event);
  absl::flat_hash_set<std::string> busy;
  bool pair_has_meeting = false;
  uint32_t meetings_a = 0, meetings_b = 0;
  absl::Status s = store.ScanMeetings(event_id, [&](const v1::Meeting& m) {
    if (m.attendee_a() == a->id() && m.attendee_b() == b->id()) pair_has_meeting = true;
    if (!domain::OccupyingState(m.state())) return true;
    for (uint64_t x : {m.attendee_a(), m.attendee_b()}) {
      if (x == a->id() || x == b->id()) busy.insert(m.slot_id());
      if (x == a->id()) ++meetings_a;
      if (x == b->id()) ++meetings_b;
    }
    seating.Hold(m);
    return true;
  });
  if (!s.ok()) return s;
  if (pair_has_meeting) return std::nullopt;
  if (meetings_a >= domain::BudgetOf(event.policy(), *a) ||
      meetings_b >= domain::BudgetOf(event.policy(), *b)) {
    return std::nullopt;
  }
  std::optional<domain::Seat> seat = domain::FindSeat(event, seating, *a, *b, busy, now);
  if (!seat.has_value()) return std::nullopt;

  v1::Meeting meeting = domain::NewProposal(event, event.slots(seat->slot), a->id(), b->id(), now);
  meeting.set_location_id(event.locations(seat->location).id());
  meeting.set_table(seat->table);
  absl::StatusOr<v1::Attendee> by = store.GetAttendee(event_id, intro.introducer());
  const std::string introducer = by.ok() ? by->display_name() : "";
  for (auto* reasons : {meeting.mutable_reasons_for_a(), meeting.mutable_reasons_for_b()}) {
    v1::Reason* r = reasons->Add();
    r->set_kind(v1::Reason::INTRODUCED);
    r->set_introducer_name(introducer);
  }
  const std::string starter =
      absl::StrCat(introducer.empty() ? "Someone" : introducer, " introduced you: ", intro.note());
  meeting.set_starter_for_a(starter);
  meeting.set_starter_for_b(starter);
  return meeting;
}

}  // namespace

absl::StatusOr<std::optional<v1::Meeting>> ProposeIntroduced(storage::Store* store,
                                                             const v1::Event& event,
                                                             v1::StoredIntroduction* intro,
                                                             int64_t now) {
  if (event.status() != v1::OPEN && event.status() != v1::SCHEDULED) return std::nullopt;
  const uint64_t event_id = event.id();
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<v1::MatchingRun> run = store->LatestRun(event_id);
    if (absl::IsNotFound(run.status())) return std::nullopt;  // no schedule yet
    if (!run.ok()) return run.status();
    if (run->phase() != v1::MatchingRun::DONE) return std::nullopt;  // a run will plan it
    absl::StatusOr<std::optional<v1::Meeting>> planned = Plan(*store, event, *intro, now);
    if (!planned.ok() || !planned->has_value()) return planned;
    absl::StatusOr<std::vector<v1::Meeting>> inserted =
        store->InsertMeetings(event_id, run->id(), {**std::move(planned)}, domain::OccupyingState);
    if (absl::IsAborted(inserted.status()) && attempt == 0) continue;  // raced: plan again
    if (!inserted.ok()) return inserted.status();
    if (inserted->empty()) return std::nullopt;  // an attendee was erased meanwhile
    v1::Meeting stored = inserted->front();
    absl::StatusOr<storage::Mutated<v1::StoredIntroduction>> marked =
        store->MutateIntroduction(event_id, intro->id(), [&](v1::StoredIntroduction* i) {
          i->set_meeting_id(stored.id());
          return absl::OkStatus();
        });
    if (!marked.ok()) return marked.status();
    *intro = std::move(marked->record);
    return stored;
  }
}

}  // namespace parley::matching
