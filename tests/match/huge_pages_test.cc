// HugePageAllocator (huge_pages.h): large arrays start on a 2 MiB boundary (so that the kernel
// can back them with huge pages), small ones are ordinary, and both behave as a std::vector.
#include "services/match/huge_pages.h"

#include <cstdint>
#include <numeric>

#include "gtest/gtest.h"

namespace parley::match {
namespace {

constexpr uintptr_t kHugePage = uintptr_t{2} << 20;

TEST(HugePagesTest, LargeArraysStartOnAHugePageBoundaryAndHoldTheirValues) {
  HugePageVector<uint32_t> big(3 << 20);  // 12 MiB
  EXPECT_EQ(reinterpret_cast<uintptr_t>(big.data()) % kHugePage, 0u);
  std::iota(big.begin(), big.end(), 0u);
  big.push_back(7);  // grows through the allocator again
  EXPECT_EQ(reinterpret_cast<uintptr_t>(big.data()) % kHugePage, 0u);
  EXPECT_EQ(big[(3 << 20) - 1], (3u << 20) - 1);
  EXPECT_EQ(big.back(), 7u);
}

TEST(HugePagesTest, SmallAndEmptyArraysWork) {
  HugePageVector<uint64_t> small(10, 5);
  EXPECT_EQ(std::accumulate(small.begin(), small.end(), uint64_t{0}), 50u);
  HugePageVector<uint64_t> empty;
  empty.reserve(0);
  EXPECT_TRUE(empty.empty());
  HugePageVector<uint64_t> copy = small;
  EXPECT_EQ(copy, small);
}

struct alignas(64) Line {
  uint64_t word[8];
};

TEST(HugePagesTest, OverAlignedTypesKeepTheirAlignmentAtEverySize) {
  for (size_t n : {size_t{1}, size_t{3}, size_t{100}, size_t{40000}}) {
    HugePageVector<Line> lines(n);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(lines.data()) % alignof(Line), 0u) << n;
  }
}

}  // namespace
}  // namespace parley::match
