#include "storage/key_codec.h"

namespace parley::storage {
namespace {

template <typename T>
void AppendBigEndian(T value, std::string* out) {
  char buf[sizeof(T)];
  for (size_t i = 0; i < sizeof(T); ++i) {
    buf[i] = static_cast<char>(value >> (8 * (sizeof(T) - 1 - i)));
  }
  out->append(buf, sizeof(buf));
}

template <typename T>
bool ConsumeBigEndian(absl::string_view* in, T* value) {
  if (in->size() < sizeof(T)) return false;
  T result = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    result = static_cast<T>((result << 8) | static_cast<unsigned char>((*in)[i]));
  }
  *value = result;
  in->remove_prefix(sizeof(T));
  return true;
}

}  // namespace

void AppendU32(uint32_t value, std::string* out) { AppendBigEndian(value, out); }

void AppendU64(uint64_t value, std::string* out) { AppendBigEndian(value, out); }

std::string EncodeU64(uint64_t value) {
  std::string out;
  AppendU64(value, &out);
  return out;
}

bool ConsumeU32(absl::string_view* in, uint32_t* value) { return ConsumeBigEndian(in, value); }

bool ConsumeU64(absl::string_view* in, uint64_t* value) { return ConsumeBigEndian(in, value); }

bool DecodeU64(absl::string_view in, uint64_t* value) {
  return in.size() == sizeof(*value) && ConsumeU64(&in, value);
}

std::string CommunityKey(uint64_t community_id) { return EncodeU64(community_id); }

std::string EventKey(uint64_t event_id) { return EncodeU64(event_id); }

std::string EventByCommunityKey(uint64_t community_id, uint64_t event_id) {
  std::string key;
  key.reserve(16);
  AppendU64(community_id, &key);
  AppendU64(event_id, &key);
  return key;
}

std::string AttendeeKey(uint64_t event_id, uint64_t attendee_id) {
  return EventByCommunityKey(event_id, attendee_id);
}

std::string ExternalIdKey(uint64_t event_id, absl::string_view external_id) {
  std::string key;
  key.reserve(8 + external_id.size());
  AppendU64(event_id, &key);
  key.append(external_id.data(), external_id.size());
  return key;
}

std::string TokenByCommunityPrefix(uint64_t community_id, uint32_t role) {
  std::string key;
  AppendU64(community_id, &key);
  AppendU32(role, &key);
  return key;
}

std::string TokenByCommunityKey(uint64_t community_id, uint32_t role, absl::string_view token_id) {
  std::string key = TokenByCommunityPrefix(community_id, role);
  key.append(token_id.data(), token_id.size());
  return key;
}

std::string TokenByAttendeePrefix(uint64_t event_id, uint64_t attendee_id) {
  return EventByCommunityKey(event_id, attendee_id);
}

std::string TokenByAttendeeKey(uint64_t event_id, uint64_t attendee_id,
                               absl::string_view token_id) {
  std::string key = TokenByAttendeePrefix(event_id, attendee_id);
  key.append(token_id.data(), token_id.size());
  return key;
}

std::string MeetingKey(uint64_t event_id, uint64_t meeting_id) {
  return EventByCommunityKey(event_id, meeting_id);
}

std::string MeetingByAttendeePrefix(uint64_t event_id, uint64_t attendee_id) {
  return EventByCommunityKey(event_id, attendee_id);
}

std::string MeetingByAttendeeKey(uint64_t event_id, uint64_t attendee_id, uint64_t meeting_id) {
  std::string key;
  key.reserve(24);
  AppendU64(event_id, &key);
  AppendU64(attendee_id, &key);
  AppendU64(meeting_id, &key);
  return key;
}

std::string RunKey(uint64_t event_id, uint64_t run_id) {
  return EventByCommunityKey(event_id, run_id);
}

std::string FeedbackKey(uint64_t event_id, uint64_t giver, uint64_t meeting_id) {
  return MeetingByAttendeeKey(event_id, giver, meeting_id);
}

std::string AnonymousFeedbackKey(uint64_t event_id, uint64_t meeting_id, bool side_a) {
  std::string key = MeetingByAttendeeKey(event_id, 0, meeting_id);
  key.push_back(side_a ? '\0' : '\1');
  return key;
}

std::string MemoryPrefix(uint64_t community_id, absl::string_view person) {
  std::string key;
  AppendU64(community_id, &key);
  AppendU32(static_cast<uint32_t>(person.size()), &key);
  key.append(person.data(), person.size());
  return key;
}

std::string MemoryKey(uint64_t community_id, absl::string_view person, absl::string_view partner,
                      uint64_t event_id, uint64_t meeting_id) {
  std::string key = MemoryPrefix(community_id, person);
  AppendU32(static_cast<uint32_t>(partner.size()), &key);
  key.append(partner.data(), partner.size());
  AppendU64(event_id, &key);
  AppendU64(meeting_id, &key);
  return key;
}

std::string IntroductionKey(uint64_t event_id, uint64_t introduction_id) {
  return EventByCommunityKey(event_id, introduction_id);
}

std::string KnownPairPrefix(uint64_t event_id, uint64_t attendee_id) {
  return EventByCommunityKey(event_id, attendee_id);
}

std::string KnownPairKey(uint64_t event_id, uint64_t attendee_id, uint64_t partner_id) {
  return MeetingByAttendeeKey(event_id, attendee_id, partner_id);
}

bool DecodeU64Key(absl::string_view key, uint64_t* id) { return DecodeU64(key, id); }

bool DecodePairKey(absl::string_view key, uint64_t* first, uint64_t* second) {
  return key.size() == 16 && ConsumeU64(&key, first) && ConsumeU64(&key, second);
}

bool DecodeTripleKey(absl::string_view key, uint64_t* first, uint64_t* second, uint64_t* third) {
  return key.size() == 24 && ConsumeU64(&key, first) && ConsumeU64(&key, second) &&
         ConsumeU64(&key, third);
}

std::string PrefixUpperBound(absl::string_view prefix) {
  std::string bound(prefix);
  while (!bound.empty()) {
    unsigned char last = static_cast<unsigned char>(bound.back());
    if (last != 0xff) {
      bound.back() = static_cast<char>(last + 1);
      return bound;
    }
    bound.pop_back();
  }
  return bound;
}

}  // namespace parley::storage
