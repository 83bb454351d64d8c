#ifndef PARLEY_SERVICES_DOMAIN_RELATIONSHIP_VIEWS_H_
#define PARLEY_SERVICES_DOMAIN_RELATIONSHIP_VIEWS_H_

// Relationship records (relationship_records.proto) as one attendee may see them, shared by
// RelationshipService's list calls and the attendee's export (my_data.h): other attendees only
// as a PublicProfile, never their feedback, their answers to introductions made to them both
// (a decline stays PENDING), or whether a wish is mutual.
//
// Every function reads one event's records from `store` and returns its errors as they are.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "parley/v1/attendee.pb.h"
#include "parley/v1/relationship_records.pb.h"
#include "parley/v1/relationship_service.pb.h"
#include "storage/store.h"

namespace parley::services {

// The feedback `me` gave in the event, by meeting id (no partner profile once they were erased).
absl::StatusOr<std::vector<v1::Feedback>> FeedbackGivenBy(const storage::Store& store,
                                                          uint64_t event_id, uint64_t me);

// How `me` (the introducer or one of the two introduced) sees an introduction. NOT_FOUND if one
// of the people in it no longer exists.
absl::StatusOr<v1::Introduction> IntroductionSeenBy(const storage::Store& store, uint64_t event_id,
                                                    uint64_t me,
                                                    const v1::StoredIntroduction& introduction);

// Introductions `me` made or that were made to them, newest first.
absl::StatusOr<std::vector<v1::Introduction>> IntroductionsOf(const storage::Store& store,
                                                              uint64_t event_id, uint64_t me);

// Requests for introductions `me` sent or received, newest first.
absl::StatusOr<std::vector<v1::IntroductionRequest>> IntroductionRequestsOf(
    const storage::Store& store, uint64_t event_id, uint64_t me);

// The people `me` wishes to meet (me.wants), in wish order; wishes naming nobody in the event
// any more are skipped.
absl::StatusOr<std::vector<v1::Wish>> WishesOf(const storage::Store& store, const v1::Attendee& me);

}  // namespace parley::services

#endif  // PARLEY_SERVICES_DOMAIN_RELATIONSHIP_VIEWS_H_
