#ifndef PARLEY_SERVICES_DOMAIN_CONSTRAINTS_H_
#define PARLEY_SERVICES_DOMAIN_CONSTRAINTS_H_

// The hard constraints on a pair that can be read off the two attendee records, written once
// (PRODUCT.md "Hard constraints"): avoid lists either way (people or organisations), the same
// organisation under the policy, no common language when both list languages, and a budget of
// 0. Whole-event runs (runs/engine_event.cc maps the same rules onto the engine's input), live
// repair and `more`, warm introductions and who-else all ask here, so they cannot disagree.
// Constraints that need more than the two records (declined before, met within the freeze, no
// common free slot) are checked by the caller that has that state. Pure functions, thread-safe.

#include <string>

#include "absl/strings/string_view.h"
#include "parley/v1/attendee.pb.h"
#include "parley/v1/event.pb.h"

namespace parley::domain {

// What rules a pair out; kNone when nothing on their records does.
enum class PairBlock {
  kNone = 0,
  kOptedOut,          // either has a budget of 0
  kAvoided,           // either lists the other, or the other's organisation, as avoided
  kSameOrganisation,  // same non-empty organisation and the policy avoids that
  kNoCommonLanguage,  // both list languages and share none
};

// The key organisations are compared on: trimmed and ASCII-lower-cased ("" = none).
std::string OrganisationKey(absl::string_view organisation);

// x never wants to meet y: y's external id is on x's avoid list, or y's organisation is on x's
// avoid_organisations. One direction only.
bool Avoids(const v1::Attendee& x, const v1::Attendee& y);

// Both list languages and none is shared (languages are normalised tags, compared as stored).
bool NoCommonLanguage(const v1::Attendee& x, const v1::Attendee& y);

// The first rule, in the enum's order, that rules the pair out under the event's policy. The
// budget of an attendee without one is the policy's default (never 0).
PairBlock BlockedPair(const v1::Event& event, const v1::Attendee& x, const v1::Attendee& y);

// A short English phrase for a block, for logs and organiser diagnostics.
absl::string_view PairBlockName(PairBlock block);

}  // namespace parley::domain

#endif  // PARLEY_SERVICES_DOMAIN_CONSTRAINTS_H_
