#include "services/match/repair.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"
#include "services/match/schedule_engine.h"

namespace parley::match {

absl::StatusOr<std::unique_ptr<LiveSchedule>> LiveSchedule::Create(const CandidateGraph* graph,
                                                                   const ScheduleInput& input,
                                                                   const Schedule& schedule,
                                                                   uint64_t seed) {
  absl::Status valid = ValidateScheduleInput(*graph, input);
  if (!valid.ok()) return valid;
  absl::Status consistent = CheckSchedule(*graph, input, schedule.meetings);
  if (!consistent.ok()) return consistent;
  auto engine = std::make_unique<internal::ScheduleEngine>(graph, input, seed);
  if (!engine->Load(schedule.meetings)) {
    return absl::FailedPreconditionError("live schedule: a meeting does not fit the input");
  }
  return std::unique_ptr<LiveSchedule>(new LiveSchedule(std::move(engine)));
}

LiveSchedule::LiveSchedule(std::unique_ptr<internal::ScheduleEngine> engine)
    : engine_(std::move(engine)) {
  engine_->SetProtectCovered(true);
}

LiveSchedule::~LiveSchedule() = default;

void LiveSchedule::SetFirstOpenSlot(int slot) {
  const int slots = engine_->num_slots();
  const SlotMask all = slots >= 64 ? ~SlotMask{0} : (SlotMask{1} << slots) - 1;
  const SlotMask before = slot <= 0 ? 0 : slot >= 64 ? ~SlotMask{0} : (SlotMask{1} << slot) - 1;
  engine_->SetOpenSlots(all & ~before);
}

absl::Status LiveSchedule::CheckIndex(Index a, const char* what) const {
  if (a >= engine_->num_nodes()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": attendee ", a, " not in [0, ", engine_->num_nodes(), ")"));
  }
  return absl::OkStatus();
}

RepairResult LiveSchedule::Collect(std::vector<Index> touched) {
  RepairResult result;
  for (internal::ScheduleEngine::LogEntry& e : engine_->TakeLog()) {
    (e.added ? result.added : result.removed).push_back(e.meeting);
  }
  engine_->SetLogging(false);
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  for (Index u : touched) {
    const SlotMask free = engine_->Availability(u) & engine_->open_slots();
    bool has_free_slot = false;
    for (int s = 0; s < engine_->num_slots() && !has_free_slot; ++s) {
      has_free_slot = (free >> s & 1) && engine_->PartnerAt(u, s) == internal::kNobody;
    }
    if (has_free_slot && engine_->MeetingsOf(u) < engine_->Capacity(u)) {
      result.queued.push_back(u);
      engine_->Enqueue(u);
    }
  }
  return result;
}

absl::StatusOr<RepairResult> LiveSchedule::Decline(Index a, Index b) {
  absl::Status s = CheckIndex(a, "decline");
  if (s.ok()) s = CheckIndex(b, "decline");
  if (!s.ok()) return s;
  if (a == b) return absl::InvalidArgumentError("decline: an attendee cannot decline themself");
  engine_->SetLogging(true);
  engine_->BanPair(a, b);
  engine_->CancelPair(a, b);
  engine_->Refill(a);
  engine_->Refill(b);
  return Collect({a, b});
}

absl::StatusOr<RepairResult> LiveSchedule::NoShow(Index a, int slot) {
  absl::Status s = CheckIndex(a, "no-show");
  if (!s.ok()) return s;
  if (slot < 0 || slot >= engine_->num_slots()) {
    return absl::InvalidArgumentError(absl::StrCat("no-show: slot ", slot, " out of range"));
  }
  const SlotMask from = ~((SlotMask{1} << slot) - 1);
  return ChangeAvailability(a, engine_->Availability(a) & ~from);
}

absl::StatusOr<RepairResult> LiveSchedule::LateArrival(Index a, int slot) {
  absl::Status s = CheckIndex(a, "late arrival");
  if (!s.ok()) return s;
  if (slot < 0 || slot >= engine_->num_slots()) {
    return absl::InvalidArgumentError(absl::StrCat("late arrival: slot ", slot, " out of range"));
  }
  const SlotMask before = (SlotMask{1} << slot) - 1;
  return ChangeAvailability(a, engine_->Availability(a) & ~before);
}

absl::StatusOr<RepairResult> LiveSchedule::ChangeAvailability(Index a, SlotMask availability) {
  absl::Status s = CheckIndex(a, "availability");
  if (!s.ok()) return s;
  const int slots = engine_->num_slots();
  const SlotMask all = slots >= 64 ? ~SlotMask{0} : (SlotMask{1} << slots) - 1;
  // History does not change: availability in closed slots stays as it was.
  const SlotMask open = engine_->open_slots();
  availability = ((availability & open) | (engine_->Availability(a) & ~open)) & all;
  engine_->SetLogging(true);
  std::vector<Index> touched = engine_->CancelSlots(a, engine_->Availability(a) & ~availability);
  engine_->SetAvailability(a, availability);
  for (Index p : touched) engine_->Refill(p);
  engine_->Refill(a);
  touched.push_back(a);
  return Collect(std::move(touched));
}

absl::StatusOr<RepairResult> LiveSchedule::AddAttendee(
    const AttendeeSlots& attendee, const std::vector<std::pair<Index, Weight>>& edges,
    Index* index) {
  if (attendee.budget < 0) return absl::InvalidArgumentError("new attendee: negative budget");
  for (const auto& [v, w] : edges) {
    absl::Status s = CheckIndex(v, "new attendee edge");
    if (!s.ok()) return s;
    if (w < 1) return absl::InvalidArgumentError("new attendee edge: weight < 1");
  }
  engine_->SetLogging(true);
  const Index u = engine_->AddAttendee(attendee, edges);
  engine_->Refill(u);
  if (index != nullptr) *index = u;
  return Collect({u});
}

absl::Status LiveSchedule::CheckEdges(const std::vector<WeightedEdge>& edges) const {
  for (const WeightedEdge& e : edges) {
    absl::Status s = CheckIndex(e.a, "edge");
    if (s.ok()) s = CheckIndex(e.b, "edge");
    if (!s.ok()) return s;
    if (e.weight < 1) return absl::InvalidArgumentError("edge: weight < 1");
  }
  return absl::OkStatus();
}

absl::Status LiveSchedule::AddEdges(const std::vector<WeightedEdge>& edges) {
  absl::Status s = CheckEdges(edges);
  if (!s.ok()) return s;
  for (const WeightedEdge& e : edges) engine_->AddEdge(e.a, e.b, e.weight);
  return absl::OkStatus();
}

absl::StatusOr<RepairResult> LiveSchedule::UpdateAttendee(Index a, const AttendeeSlots& slots,
                                                          const std::vector<Index>& closed,
                                                          const std::vector<WeightedEdge>& edges) {
  absl::Status s = CheckIndex(a, "update");
  for (size_t i = 0; s.ok() && i < closed.size(); ++i) s = CheckIndex(closed[i], "update");
  if (s.ok()) s = CheckEdges(edges);
  if (!s.ok()) return s;
  if (slots.budget < 0) return absl::InvalidArgumentError("update: negative budget");
  const int num_slots = engine_->num_slots();
  const SlotMask all = num_slots >= 64 ? ~SlotMask{0} : (SlotMask{1} << num_slots) - 1;
  const SlotMask open = engine_->open_slots();
  const SlotMask availability =
      ((slots.availability & open) | (engine_->Availability(a) & ~open)) & all;
  engine_->SetLogging(true);
  std::vector<Index> touched;
  for (Index b : closed) {
    if (b == a) continue;
    engine_->BanPair(a, b);
    if (engine_->CancelPair(a, b)) touched.push_back(b);
  }
  for (Index b : engine_->CancelSlots(a, engine_->Availability(a) & ~availability)) {
    touched.push_back(b);
  }
  engine_->SetAvailability(a, availability);
  engine_->SetBudget(a, std::max<int32_t>(slots.budget, engine_->MeetingsOf(a)));
  engine_->SetPrefersQuiet(a, slots.prefers_quiet);
  for (const WeightedEdge& e : edges) engine_->AddEdge(e.a, e.b, e.weight);
  for (Index p : touched) engine_->Refill(p);
  engine_->Refill(a);
  touched.push_back(a);
  return Collect(std::move(touched));
}

RepairResult LiveSchedule::RunBackgroundPass() {
  engine_->SetLogging(true);
  engine_->LocalSearch(/*everyone=*/false, 64 * static_cast<int64_t>(engine_->num_nodes()) + 16);
  return Collect({});
}

Index LiveSchedule::num_attendees() const { return engine_->num_nodes(); }
std::vector<Meeting> LiveSchedule::Meetings() const { return engine_->Export(); }
const ScheduleInput& LiveSchedule::Input() const { return engine_->input(); }
int64_t LiveSchedule::TotalWeight() const { return engine_->weight(); }

}  // namespace parley::match
