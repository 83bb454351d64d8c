#ifndef PARLEY_SERVICES_VALIDATION_H_
#define PARLEY_SERVICES_VALIDATION_H_

// Input validation and normalisation for everything that reaches the store. Every error is
// INVALID_ARGUMENT and names the field ("interests[3]: tag longer than 64 bytes"); callers add
// their own prefix ("row 17: ", "event.").

#include <google/protobuf/field_mask.pb.h>

#include <cstddef>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "parley/v1/attendee.pb.h"
#include "parley/v1/event.pb.h"
#include "services/domain/policy.h"

namespace parley::services {

inline constexpr size_t kMaxListEntries = 50;  // per tag or id list of a profile
inline constexpr size_t kMaxTagBytes = 64;     // after normalisation
inline constexpr size_t kMaxNameBytes = 200;   // names, labels, organisation, role
inline constexpr size_t kMaxBioBytes = 1000;
inline constexpr size_t kMaxExternalIdBytes = 128;
inline constexpr size_t kMaxEmailBytes = 254;
inline constexpr size_t kMaxPhoneBytes = 64;
inline constexpr size_t kMaxLinkBytes = 500;
inline constexpr size_t kMaxLocations = 1000;
inline constexpr uint32_t kMaxTables = 10000;
// Policy limits and defaults are the rulebook's (policy.h).
using domain::kDefaultMaxMeetings;
using domain::kDefaultMeetings;
using domain::kDefaultProposalExpiryMinutes;
using domain::kDefaultRematchFreezeDays;
using domain::kMaxMeetings;
using domain::kMaxSlots;
using domain::kMaxWishes;

// Input quoted for an error message, never longer than kMaxEchoBytes of it: cut at a character
// boundary with "..." and the input's size appended, control characters shown as '?'. Every
// message that repeats what a client sent goes through it: a status travels in a header, and
// clients refuse headers beyond 8-16 KB (a 100 KB field-mask path made the status unreadable).
inline constexpr size_t kMaxEchoBytes = 64;
std::string Quoted(absl::string_view input);

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(absl::string_view text);

// Tag normalisation (PRODUCT.md): Unicode NFC, case-folded, trimmed, inner whitespace collapsed
// to one space. INVALID_ARGUMENT for invalid UTF-8, control characters, an empty result or more
// than kMaxTagBytes bytes. `field` prefixes the message.
absl::StatusOr<std::string> NormalizeTag(absl::string_view tag, absl::string_view field);

// A tag as its holder wrote it, which is what is stored and shown (issue 12: "VLA" stays
// "VLA"): NormalizeTag without the case folding (NFC, trimmed, inner whitespace collapsed).
// Same errors as NormalizeTag. Tags are compared on the normal form: SameTag.
absl::StatusOr<std::string> SpellTag(absl::string_view tag, absl::string_view field);

// Whether two spellings (SpellTag's output, e.g. stored tags) are the same tag: their normal
// forms (NormalizeTag) are equal. ASCII needs no ICU.
bool SameTag(absl::string_view a, absl::string_view b);

// Checks one text field: valid UTF-8, at most max_bytes, no control characters (newlines and
// tabs allowed only when multiline), non-empty when required. Trims surrounding whitespace.
absl::Status CheckText(absl::string_view field, std::string* value, size_t max_bytes, bool required,
                       bool multiline = false);

// Validates and normalises an event for create or update: fills policy defaults, lower-cases
// slot and location ids. Output-only fields are not touched.
absl::Status NormalizeEvent(v1::Event* event);

// Validates and normalises an attendee profile against its event: interests, offers and seeks
// kept in their holder's spelling (SpellTag) and de-duplicated on the normal form (an interest
// listed twice keeps its first spelling and its highest weight), languages normalised, slot ids
// must exist, budget within the policy, no list longer than kMaxListEntries (wants: kMaxWishes),
// wants/avoid may not name the attendee's own external_id. Output-only fields are not touched.
absl::Status NormalizeAttendee(const v1::Event& event, v1::Attendee* attendee);

// Replaces the `allowed` fields named in `mask` with those of `patch` (see ApplyFieldMask), then
// normalises the result against the event. Errors name the field: "update_mask: ..." or
// "attendee.interests[2]: ...".
absl::Status PatchAttendee(const v1::Event& event, const v1::Attendee& patch,
                           const google::protobuf::FieldMask& mask,
                           const absl::flat_hash_set<std::string>& allowed, v1::Attendee* attendee);

}  // namespace parley::services

#endif  // PARLEY_SERVICES_VALIDATION_H_
