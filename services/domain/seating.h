#ifndef PARLEY_SERVICES_DOMAIN_SEATING_H_
#define PARLEY_SERVICES_DOMAIN_SEATING_H_

// Where meetings sit, written once: which tables the event's meetings hold in each slot and
// location, how the free ones are numbered, whether an attendee can be in a slot, and the seat
// of a meeting planned without the engine. Whole-event runs and live repair
// (runs/engine_event.h: the engine's t-th free table is Seating::NthFreeTable) and introductions
// proposed during a live event (runs/introduced.h: FindSeat) share it.
// Seating is a value type: not thread-safe to modify, safe to read from many threads.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "parley/v1/attendee.pb.h"
#include "parley/v1/event.pb.h"
#include "parley/v1/matching.pb.h"

namespace parley::domain {

// Whether the attendee can meet in the slot: an empty availability means every slot.
bool AvailableIn(const v1::Attendee& attendee, absl::string_view slot_id);

// The tables held per slot and location of one event (slots and locations by their index in the
// event). Tables are numbered from 1; a held number beyond the location's tables (the organiser
// removed tables) still skips that number but is not counted as taking one of the tables.
class Seating {
 public:
  Seating() = default;
  // No table held.
  explicit Seating(const v1::Event& event);

  // Records that `meeting` holds its table. Ignored for a slot or location the event does not
  // have, or table 0 (a meeting without a seat).
  void Hold(const v1::Meeting& meeting);
  // Releases every table.
  void Clear();

  // Tables held at the location in the slot that are within its tables.
  int32_t HeldCount(int slot, int location) const;
  // The number of the t-th (0-based) table not held at the location in the slot.
  uint32_t NthFreeTable(int slot, int location, int t) const;
  // The highest free table of the location in the slot, 0 if none is free.
  uint32_t HighestFreeTable(int slot, int location) const;

 private:
  const std::vector<uint32_t>& Held(int slot, int location) const {
    return held_[static_cast<size_t>(slot) * tables_.size() + static_cast<size_t>(location)];
  }

  absl::flat_hash_map<std::string, int> slot_index_, location_index_;
  std::vector<uint32_t> tables_;             // per location
  std::vector<std::vector<uint32_t>> held_;  // per slot * locations + location; sorted, unique
};

// A seat: slot and location by their index in the event, table from 1.
struct Seat {
  int slot = -1;
  int location = -1;
  uint32_t table = 0;
};

// The seat of a meeting of `x` and `y` planned without the engine (an introduction proposed
// during a live event): the earliest slot that has not started at `now`, in which both are
// available and neither is in `busy_slots` (slot ids); in it the first location with a free
// table, those of the pair's kind first (quiet when either prefers quiet, else not quiet, as the
// engine seats: the quiet tables stay free for those who want them), at its highest free table
// (live repair fills tables from the lowest and may plan once more from a state that does not
// yet hold this meeting). None when no such seat is free.
std::optional<Seat> FindSeat(const v1::Event& event, const Seating& seating, const v1::Attendee& x,
                             const v1::Attendee& y,
                             const absl::flat_hash_set<std::string>& busy_slots, int64_t now);

}  // namespace parley::domain

#endif  // PARLEY_SERVICES_DOMAIN_SEATING_H_
