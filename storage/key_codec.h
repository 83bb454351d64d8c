#ifndef PARLEY_STORAGE_KEY_CODEC_H_
#define PARLEY_STORAGE_KEY_CODEC_H_

// The on-disk format of the store: column families and the byte layout of every key in them.
// Integers are big-endian so that bytewise order (RocksDB's default comparator) is numeric
// order. `bytes` fields run to the end of the key (they are always last), so they need no length
// prefix. Values are serialised protobuf messages unless noted.
//
//   column family              key                                   value
//   default                    (unused; RocksDB requires it)
//   meta                       name bytes (kMeta* below)             u64
//   communities                community:u64                         v1::Community
//   events                     event:u64                             v1::Event
//   events_by_community        community:u64 | event:u64             empty
//   attendees                  event:u64 | attendee:u64              v1::Attendee
//   attendees_by_external_id   event:u64 | external_id bytes         attendee:u64
//   tokens                     sha256(secret) (32 bytes)             v1::TokenInfo
//   token_ids                  token_id bytes                        sha256(secret)
//   tokens_by_community        community:u64 | role:u32 | token_id   sha256(secret)
//   tokens_by_attendee         event:u64 | attendee:u64 | token_id   sha256(secret)
//   meetings                   event:u64 | meeting:u64               v1::Meeting
//   meetings_by_attendee       event:u64 | attendee:u64 | meeting:u64  empty
//   runs                       event:u64 | run:u64                   v1::MatchingRun
//   feedback                   event:u64 | giver:u64 | meeting:u64   v1::StoredFeedback
//                              (erased giver: event | 0 | meeting | side:u8, side 0 = a)
//   memory                     community:u64 | len:u32 person | len:u32 partner | event:u64 |
//                              meeting:u64                           v1::MemoryRecord
//   introductions              event:u64 | introduction:u64          v1::StoredIntroduction
//   known_pairs                event:u64 | attendee:u64 | partner:u64  empty
//
// memory: person and partner are keyed hashes of the organiser's person_ref (never the ref in
// clear); every remembered meeting has two records, one under each person. Erased feedback
// keeps its record under giver 0 and its side of the meeting.
//
// known_pairs: two attendees who already know each other (co-authors, colleagues) and must never
// be proposed to each other. Every pair is stored twice, under each attendee (attendee |
// partner and partner | attendee), always in one batch, so that erasing an attendee finds all
// their pairs with one prefix scan.
//
// A meeting is indexed under both of its attendees (attendee_a and attendee_b); the meeting
// record and its two index entries are always written and deleted in the same batch.
//
// Ids are allocated from the u64 counters in meta (the last id handed out; ids start at 1 and
// 0 means "none"; a missing counter is 0). Attendee, meeting and run ids are unique across
// events. Operator tokens are listed under
// community 0.
//
// Changing a layout or changing what a value means is a migration: bump kKeyFormatVersion and
// add a test. A store refuses to open a database written by a newer (or unknown) format version,
// or holding column families it does not know.
//
// Adding a column family at the END of Cf is an additive change that needs no version bump: a
// database written before it simply lacks the family, and Open creates it empty
// (create_missing_column_families), which is exactly its state before the first write. An older
// build refuses a database that has the new family (unknown column family), so it can never
// write around the new data. meetings, meetings_by_attendee and runs were added this way, with
// the counters last_id/meeting and last_id/run (absent = 0); then feedback, memory and
// introductions with last_id/introduction; then known_pairs.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace parley::storage {

inline constexpr uint64_t kKeyFormatVersion = 1;

// Column families, indexed by this enum. Never reorder; append before kCount.
enum class Cf : size_t {
  kDefault = 0,
  kMeta,
  kCommunities,
  kEvents,
  kEventsByCommunity,
  kAttendees,
  kAttendeesByExternalId,
  kTokens,
  kTokenIds,
  kTokensByCommunity,
  kTokensByAttendee,
  kMeetings,
  kMeetingsByAttendee,
  kRuns,
  kFeedback,
  kMemory,
  kIntroductions,
  kKnownPairs,
  kCount,
};
inline constexpr size_t kCfCount = static_cast<size_t>(Cf::kCount);

// RocksDB names of the column families, indexed by Cf. Part of the format.
inline constexpr std::array<absl::string_view, kCfCount> kCfNames = {
    "default",
    "meta",
    "communities",
    "events",
    "events_by_community",
    "attendees",
    "attendees_by_external_id",
    "tokens",
    "token_ids",
    "tokens_by_community",
    "tokens_by_attendee",
    "meetings",
    "meetings_by_attendee",
    "runs",
    "feedback",
    "memory",
    "introductions",
    "known_pairs",
};
inline absl::string_view CfName(Cf cf) { return kCfNames[static_cast<size_t>(cf)]; }

// Keys of the meta column family.
inline constexpr absl::string_view kMetaFormatVersion = "format_version";
inline constexpr absl::string_view kMetaLastCommunityId = "last_id/community";
inline constexpr absl::string_view kMetaLastEventId = "last_id/event";
inline constexpr absl::string_view kMetaLastAttendeeId = "last_id/attendee";
inline constexpr absl::string_view kMetaLastMeetingId = "last_id/meeting";
inline constexpr absl::string_view kMetaLastRunId = "last_id/run";
inline constexpr absl::string_view kMetaLastIntroductionId = "last_id/introduction";

inline constexpr size_t kSha256Bytes = 32;

// --- Integers ------------------------------------------------------------------------------
void AppendU32(uint32_t value, std::string* out);
void AppendU64(uint64_t value, std::string* out);
std::string EncodeU64(uint64_t value);
// Reads a big-endian integer from the front of `*in` and advances it. False (and `*in`
// untouched) if it is too short.
bool ConsumeU32(absl::string_view* in, uint32_t* value);
bool ConsumeU64(absl::string_view* in, uint64_t* value);
// Decodes a value that must be exactly 8 bytes.
bool DecodeU64(absl::string_view in, uint64_t* value);

// --- Keys, one function per layout above -----------------------------------------------------
std::string CommunityKey(uint64_t community_id);
std::string EventKey(uint64_t event_id);
std::string EventByCommunityKey(uint64_t community_id, uint64_t event_id);
std::string AttendeeKey(uint64_t event_id, uint64_t attendee_id);
std::string ExternalIdKey(uint64_t event_id, absl::string_view external_id);
std::string TokenByCommunityPrefix(uint64_t community_id, uint32_t role);
std::string TokenByCommunityKey(uint64_t community_id, uint32_t role, absl::string_view token_id);
std::string TokenByAttendeePrefix(uint64_t event_id, uint64_t attendee_id);
std::string TokenByAttendeeKey(uint64_t event_id, uint64_t attendee_id, absl::string_view token_id);
std::string MeetingKey(uint64_t event_id, uint64_t meeting_id);
std::string MeetingByAttendeePrefix(uint64_t event_id, uint64_t attendee_id);
std::string MeetingByAttendeeKey(uint64_t event_id, uint64_t attendee_id, uint64_t meeting_id);
std::string RunKey(uint64_t event_id, uint64_t run_id);
std::string FeedbackKey(uint64_t event_id, uint64_t giver, uint64_t meeting_id);
// Feedback whose giver was erased: giver 0, the meeting, and the side (0: attendee_a, 1: b).
std::string AnonymousFeedbackKey(uint64_t event_id, uint64_t meeting_id, bool side_a);
std::string MemoryPrefix(uint64_t community_id, absl::string_view person);
std::string MemoryKey(uint64_t community_id, absl::string_view person, absl::string_view partner,
                      uint64_t event_id, uint64_t meeting_id);
std::string IntroductionKey(uint64_t event_id, uint64_t introduction_id);
std::string KnownPairPrefix(uint64_t event_id, uint64_t attendee_id);
std::string KnownPairKey(uint64_t event_id, uint64_t attendee_id, uint64_t partner_id);

// Decoders return false if the key does not have the layout.
bool DecodeU64Key(absl::string_view key, uint64_t* id);  // communities, events
bool DecodePairKey(absl::string_view key, uint64_t* first,
                   uint64_t* second);  // events_by_community, attendees, meetings, runs
bool DecodeTripleKey(absl::string_view key, uint64_t* first, uint64_t* second,
                     uint64_t* third);  // meetings_by_attendee, known_pairs

// --- Ranges ---------------------------------------------------------------------------------
// The smallest key greater than every key that starts with `prefix`, for iterate_upper_bound.
// Empty if there is none (prefix empty or all 0xff): scan to the end.
std::string PrefixUpperBound(absl::string_view prefix);

}  // namespace parley::storage

#endif  // PARLEY_STORAGE_KEY_CODEC_H_
