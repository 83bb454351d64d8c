#ifndef PARLEY_SERVICES_DOMAIN_POLICY_H_
#define PARLEY_SERVICES_DOMAIN_POLICY_H_

// An event's policy as every layer reads it: the defaults that NormalizeEvent fills in, and the
// accessors that apply them to events stored without them (older records). This is the only
// place the defaults are written down. No gRPC, no store: pure functions, thread-safe.

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "parley/v1/attendee.pb.h"
#include "parley/v1/event.pb.h"

namespace parley::domain {

inline constexpr uint32_t kMaxSlots = 64;  // per event: the engine's slot masks are 64 bits
inline constexpr uint32_t kMaxMeetings = 64;
inline constexpr uint32_t kDefaultMaxMeetings = 6;
inline constexpr uint32_t kDefaultMeetings = 3;
inline constexpr uint32_t kDefaultRematchFreezeDays = 365;
inline constexpr uint32_t kDefaultProposalExpiryMinutes = 1440;

// Caps on the records one attendee can create (PRODUCT.md "Limits"): without them one token,
// inside its rate limit, stores thousands (10,339 introductions in a minute with
// allow_any_introductions), and every scan of the event's relationships slows for everyone.
// Beyond a cap the call is RESOURCE_EXHAUSTED naming it. Feedback is one record per meeting
// (bounded by kMaxMeetings), memory entries are derived from feedback, and profile lists are
// capped by validation (kMaxListEntries).
//
// A wish is a strong signal (it raises the pair weight), so an attendee has only a few.
inline constexpr size_t kMaxWishes = 10;
// Introductions one attendee has made in one event (accepted, pending or declined).
inline constexpr size_t kMaxIntroductionsMade = 100;
// Unanswered requests for introductions one attendee has open in one event.
inline constexpr size_t kMaxOpenIntroductionRequests = 20;
// Calendar feed tokens an attendee holds, not revoked.
inline constexpr size_t kMaxCalendarFeeds = 20;

// The budget of an attendee who chose none: the policy's default_meetings, else
// min(kDefaultMeetings, max_meetings).
uint32_t DefaultBudget(const v1::EventPolicy& policy);
// The attendee's budget: their own if set, else DefaultBudget.
uint32_t BudgetOf(const v1::EventPolicy& policy, const v1::Attendee& attendee);
// The policy's proposal expiry in minutes (unset: kDefaultProposalExpiryMinutes; 0: never).
uint32_t ProposalExpiryMinutes(const v1::EventPolicy& policy);
// The event's rematch freeze in days (unset: kDefaultRematchFreezeDays; 0: none).
uint32_t RematchFreezeDays(const v1::EventPolicy& policy);

// FAILED_PRECONDITION (naming what is missing) unless the event has slots and locations and at
// most kMaxSlots slots.
absl::Status CheckEventReady(const v1::Event& event);
// FAILED_PRECONDITION naming every slot (with its end, UTC) when all the event's slots have
// ended at `now` (seconds since the Unix epoch): a run would only plan meetings in the past.
// OK when any slot ends after `now` (a run plans into those) or the event has no slots
// (CheckEventReady says so).
absl::Status CheckSlotsAhead(const v1::Event& event, int64_t now);

// FAILED_PRECONDITION for a CLOSED event.
absl::Status RequireNotClosed(const v1::Event& event);

}  // namespace parley::domain

#endif  // PARLEY_SERVICES_DOMAIN_POLICY_H_
