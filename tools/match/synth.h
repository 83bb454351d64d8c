#ifndef PARLEY_TOOLS_MATCH_SYNTH_H_
#define PARLEY_TOOLS_MATCH_SYNTH_H_

// Seeded generator of realistic synthetic events, for the demo, imports and benchmarks.
//
// What it models:
//  - interests: a few very common tags (in about 78%, 55%, 40% and 30% of profiles) plus 3-10
//    tags drawn from a Zipf-Mandelbrot distribution over a vocabulary that grows with the event;
//    weights 1 (60%), 2 (30%), 3 (10%);
//  - organisations of skewed sizes (Zipf), 5% of attendees with none;
//  - roles whose offers and seeks complement each other: students seek mentoring that seniors
//    offer (also per topic, "rust mentoring"), founders seek investment that investors offer and
//    offer the dealflow investors seek, recruiters and job seekers, researchers and industry;
//  - budgets 3-6, some 1-2, 1% opted out (0); a quarter with partial availability;
//  - languages (most list English, some none, some only another language); a few wishes and
//    avoid lists.
// Deterministic: the same options give byte-identical output on every platform (it draws only
// from std::mt19937_64 and does its own integer/real conversions).
//
// SynthShape::kReal adds what real registration exports have and the default shape lacks (see
// ../shared/data/README.md), so that engine tests catch their failures without the real file:
//  - a third list no interest at all: half of those keep only their role's generic offers and
//    seeks (no topic), the other half list nothing (no role, offers or seeks);
//  - identical profiles: 15% copy the interests, offers and seeks of an earlier attendee;
//  - hubs: 0.5% list 30-60 interests;
//  - 16% without an organisation;
//  - near-duplicate tags: 10% of interests are written as a variant of the same tag ("graphs"
//    and "graph", "open source" and "open-source");
//  - colons inside tags: 2% of interests end in ": methods" ("databases: methods").
// The default shape is unchanged (same bytes as before the option existed).

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "services/match/profile.h"
#include "services/match/scoring.h"

namespace parley::synth {

enum class SynthShape { kDefault, kReal };

struct SynthOptions {
  int attendees = 1000;
  // Default: kDefault.
  SynthShape shape = SynthShape::kDefault;
  // Slots of the event, named s1 .. sN. 1 .. 64. Default: 6.
  int slots = 6;
  uint64_t seed = 1;
};

struct SynthAttendee {
  std::string external_id;
  std::string name;
  std::string email;
  std::string phone;
  std::string role;
  std::string bio;
  std::string person_ref;
  // Engine view: wants/avoid are indices into SynthEvent::attendees.
  match::Profile profile;
};

struct SynthEvent {
  int slots = 0;
  std::vector<SynthAttendee> attendees;

  // The engine input (profiles copied; default policy, no history).
  match::MatchInput ToMatchInput() const;
};

SynthEvent GenerateEvent(const SynthOptions& options);

// Writes the attendee CSV of the import format:
// external_id,name,email,phone,organisation,role,bio,interests,offers,seeks,languages,budget,
// availability,person_ref,wants,avoid
// Lists are ';'-separated; an interest with weight w > 1 is written "tag:w"; availability lists
// slot names (empty = all slots); wants/avoid list external ids. RFC 4180 quoting.
void WriteCsv(const SynthEvent& event, std::ostream& out);

// RFC 4180: quotes the field when it holds a comma, quote, CR or LF; doubles inner quotes.
std::string CsvField(const std::string& field);

}  // namespace parley::synth

#endif  // PARLEY_TOOLS_MATCH_SYNTH_H_
