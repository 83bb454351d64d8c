#include "storage/key_codec.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace parley::storage {
namespace {

// Ids spread over every byte width, plus the edges.
std::vector<uint64_t> RandomIds(std::mt19937_64* rng, int n) {
  std::vector<uint64_t> ids = {0, 1, 255, 256, 65535, 65536, UINT64_MAX - 1, UINT64_MAX};
  for (int i = 0; i < n; ++i) {
    const int bits = static_cast<int>((*rng)() % 64) + 1;
    ids.push_back((*rng)() >> (64 - bits));
  }
  return ids;
}

TEST(KeyCodecTest, U64RoundTripsAndIsBigEndian) {
  EXPECT_EQ(EncodeU64(0x0102030405060708ULL), std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  std::mt19937_64 rng(42);
  for (uint64_t id : RandomIds(&rng, 1000)) {
    uint64_t decoded = 0;
    ASSERT_TRUE(DecodeU64(EncodeU64(id), &decoded));
    EXPECT_EQ(decoded, id);
  }
}

TEST(KeyCodecTest, U32RoundTrips) {
  std::mt19937 rng(7);
  for (int i = 0; i < 1000; ++i) {
    const uint32_t value = rng();
    std::string bytes;
    AppendU32(value, &bytes);
    ASSERT_EQ(bytes.size(), 4u);
    absl::string_view in = bytes;
    uint32_t decoded = 0;
    ASSERT_TRUE(ConsumeU32(&in, &decoded));
    EXPECT_EQ(decoded, value);
    EXPECT_TRUE(in.empty());
  }
}

TEST(KeyCodecTest, DecodeRejectsWrongLengths) {
  uint64_t value = 0;
  EXPECT_FALSE(DecodeU64("", &value));
  EXPECT_FALSE(DecodeU64(std::string(7, 'x'), &value));
  EXPECT_FALSE(DecodeU64(std::string(9, 'x'), &value));
  absl::string_view short_input("abc");
  EXPECT_FALSE(ConsumeU64(&short_input, &value));
  EXPECT_EQ(short_input, "abc");  // untouched
  uint64_t a = 0, b = 0;
  EXPECT_FALSE(DecodePairKey(std::string(15, 'x'), &a, &b));
  EXPECT_FALSE(DecodePairKey(std::string(17, 'x'), &a, &b));
}

TEST(KeyCodecTest, SingleIdKeysSortLikeTheirIds) {
  std::mt19937_64 rng(1);
  std::vector<uint64_t> ids = RandomIds(&rng, 2000);
  for (size_t i = 0; i + 1 < ids.size(); ++i) {
    const uint64_t a = ids[i], b = ids[i + 1];
    EXPECT_EQ(a < b, EventKey(a) < EventKey(b)) << a << " vs " << b;
    EXPECT_EQ(a < b, CommunityKey(a) < CommunityKey(b)) << a << " vs " << b;
  }
}

TEST(KeyCodecTest, PairKeysSortLikeTheirIdPairsAndRoundTrip) {
  std::mt19937_64 rng(2);
  std::vector<uint64_t> firsts = RandomIds(&rng, 40);
  std::vector<uint64_t> seconds = RandomIds(&rng, 40);
  std::vector<std::pair<uint64_t, uint64_t>> pairs;
  for (uint64_t f : firsts) {
    for (uint64_t s : seconds) pairs.emplace_back(f, s);
  }
  std::shuffle(pairs.begin(), pairs.end(), rng);
  std::vector<std::string> keys;
  for (const auto& [f, s] : pairs) keys.push_back(AttendeeKey(f, s));
  std::vector<size_t> order(pairs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return keys[x] < keys[y]; });
  for (size_t i = 0; i + 1 < order.size(); ++i) {
    EXPECT_LE(pairs[order[i]], pairs[order[i + 1]]);
  }
  for (size_t i = 0; i < pairs.size(); ++i) {
    uint64_t f = 0, s = 0;
    ASSERT_TRUE(DecodePairKey(keys[i], &f, &s));
    EXPECT_EQ(std::make_pair(f, s), pairs[i]);
    EXPECT_EQ(EventByCommunityKey(f, s), keys[i]);  // same layout
  }
}

TEST(KeyCodecTest, ExternalIdKeysGroupByEventAndSortByBytes) {
  // All external ids of event 5 sort after those of event 4 and before those of event 6,
  // whatever their bytes (including 0x00 and 0xff).
  const std::vector<std::string> external_ids = {
      "", std::string(1, '\0'), "a", "ab", "b", std::string(3, '\xff'), "zzzzzzzzzzzzzzzzzz"};
  for (const std::string& x : external_ids) {
    for (const std::string& y : external_ids) {
      EXPECT_LT(ExternalIdKey(4, x), ExternalIdKey(5, y));
      EXPECT_LT(ExternalIdKey(5, x), ExternalIdKey(6, y));
      EXPECT_EQ(x < y, ExternalIdKey(5, x) < ExternalIdKey(5, y));
    }
  }
}

TEST(KeyCodecTest, TokenKeysGroupByOwnerAndSortByTokenId) {
  EXPECT_LT(TokenByCommunityKey(1, 3, "zzz"), TokenByCommunityKey(2, 0, ""));
  EXPECT_LT(TokenByCommunityKey(1, 2, "zzz"), TokenByCommunityKey(1, 3, ""));
  EXPECT_LT(TokenByCommunityKey(1, 2, "a"), TokenByCommunityKey(1, 2, "b"));
  EXPECT_EQ(TokenByCommunityKey(1, 2, "tok").substr(0, 12), TokenByCommunityPrefix(1, 2));
  EXPECT_EQ(TokenByAttendeeKey(3, 4, "tok"), TokenByAttendeePrefix(3, 4) + "tok");
  EXPECT_LT(TokenByAttendeeKey(3, 4, "\xff\xff"), TokenByAttendeeKey(3, 5, ""));
}

TEST(KeyCodecTest, PrefixUpperBoundBoundsExactlyThePrefixedKeys) {
  EXPECT_EQ(PrefixUpperBound("abc"), "abd");
  EXPECT_EQ(PrefixUpperBound(std::string("a\xff\xff", 3)), "b");
  EXPECT_EQ(PrefixUpperBound(std::string(3, '\xff')), "");
  EXPECT_EQ(PrefixUpperBound(""), "");
  std::mt19937_64 rng(3);
  for (uint64_t event : RandomIds(&rng, 300)) {
    const std::string prefix = EncodeU64(event);
    const std::string bound = PrefixUpperBound(prefix);
    const uint64_t attendee = rng();
    // Every key with the prefix is below the bound...
    EXPECT_TRUE(bound.empty() || AttendeeKey(event, attendee) < bound);
    EXPECT_TRUE(bound.empty() || AttendeeKey(event, UINT64_MAX) < bound);
    EXPECT_TRUE(bound.empty() || ExternalIdKey(event, std::string(40, '\xff')) < bound);
    // ...and the next event's keys are not.
    if (event != UINT64_MAX) {
      EXPECT_GE(AttendeeKey(event + 1, 0), bound);
      EXPECT_EQ(bound, EncodeU64(event + 1).substr(0, bound.size()));
    } else {
      EXPECT_EQ(bound, "");
    }
  }
}

TEST(KeyCodecTest, ColumnFamilyNamesAreUniqueAndStartWithDefault) {
  std::set<absl::string_view> names(kCfNames.begin(), kCfNames.end());
  EXPECT_EQ(names.size(), kCfCount);
  EXPECT_EQ(CfName(Cf::kDefault), "default");
  EXPECT_EQ(CfName(Cf::kMeta), "meta");
  EXPECT_EQ(CfName(Cf::kTokensByAttendee), "tokens_by_attendee");
}

}  // namespace
}  // namespace parley::storage
