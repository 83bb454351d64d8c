#ifndef PARLEY_TOOLS_MATCH_REAL_EVENT_H_
#define PARLEY_TOOLS_MATCH_REAL_EVENT_H_

// A real event for the benchmarks: an organiser's attendee CSV (services/domain/import_csv.h)
// loaded the way the server imports and matches it, so that a benchmark measures what a run does.
//
//   1. the file is read by the import's CSV reader (domain::ReadAttendeeCsv, default options);
//      cancelled registrations are left out;
//   2. the event (slots s1..sN, enough tables that they never bind, the given policy) and every
//      row are validated and normalised by services/domain/validation.h (NormalizeEvent,
//      NormalizeAttendee), as OrganizerService.ImportAttendees does; rejected rows are counted;
//   3. the accepted rows are stored in a real Store in a temporary directory, and the engine's
//      input is built from the store by LoadEngineEvent (services/runs/engine_event.h), the
//      function a matching run uses;
//   4. known pairs (a TSV of two external ids per line: people who already know each other) are
//      added to the engine input as excluded pairs, the engine's hard exclusion.
//
// Not thread-safe; each call uses its own temporary store, removed before it returns.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/match/graph.h"
#include "services/runs/engine_event.h"

namespace parley::tools {

struct RealEventOptions {
  // The attendee CSV. Required.
  std::string csv_path;
  // Known pairs, "external_id<TAB>external_id" per line. Empty: none.
  std::string known_pairs_path;
  // Slots s1 .. sN, one hour each. Default: 6.
  int slots = 6;
  // EventPolicy::avoid_same_organisation. Default: true.
  bool avoid_same_organisation = true;
};

struct RealEvent {
  matching::EngineEvent event;
  // Known pairs both of whose ends were imported (engine indices, a < b), sorted; also in
  // event.input.excluded_pairs.
  std::vector<std::pair<match::Index, match::Index>> known_pairs;
  int64_t rows = 0;           // data rows in the file
  int64_t rejected_rows = 0;  // by the CSV reader or by validation
  std::string first_rejection;
  int64_t known_pairs_read = 0;  // lines of the pairs file
  double import_seconds = 0;     // parse, validate, store, load: wall clock
};

// The path of `name` in the shared development data (../shared/data/ next to the repository
// root `repo_root`), or "" when it is absent: tests and benchmarks then skip with a message
// (the data is never copied into the repository).
std::string SharedDataFile(absl::string_view repo_root, absl::string_view name);

// NOT_FOUND when a file does not exist; INVALID_ARGUMENT for a CSV without a usable header or a
// malformed pairs line; store errors as returned.
absl::StatusOr<RealEvent> LoadRealEvent(const RealEventOptions& options);

}  // namespace parley::tools

#endif  // PARLEY_TOOLS_MATCH_REAL_EVENT_H_
