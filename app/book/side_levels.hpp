// book/side_levels.hpp: one side's aggregate price levels as a sorted array, best price at the
// END (bids ascending, asks descending), so the touch is the last element and a change at or near
// the touch moves few elements.
//
// Contract
// - Free functions on (Level* array, count) of one side; the array lives in a LevelStore block.
//   key(price) orders both sides the same way: bids by price, asks by -price (branch-free:
//   (price ^ m) - m with m = 0 for bids, -1 for asks); the best level has the greatest key.
// - find_from_best(): a linear scan of the kScan levels nearest the touch, then a binary search
//   (shifts, no division) of the rest: O(1) near the touch, O(log n) for a price far from it.
// - insert_at()/erase_at() move the levels between the position and the best end (memmove):
//   O(distance from the touch); a level far from the touch moves the whole side (bounded by the
//   side's level count; docs/books.md, worst cases).
// - Inline noexcept, no allocation. One thread.
#pragma once

#include <cstdint>
#include <cstring>

#include "book/level.hpp"

namespace ichannel::book {

inline constexpr std::uint32_t kScan = 8;  // levels scanned linearly from the touch

// 0 for bids, -1 (all ones) for asks.
[[nodiscard]] constexpr std::int64_t side_mask(std::uint8_t side) noexcept {
  return -static_cast<std::int64_t>(side);
}
[[nodiscard]] constexpr std::int64_t level_key(std::int64_t price, std::int64_t mask) noexcept {
  return (price ^ mask) - mask;
}

// The first index whose key is >= key(price): the level of `price` if present, else where it
// would be inserted.
[[nodiscard]] inline std::uint32_t find_from_best(const Level* levels, std::uint32_t n,
                                                  std::int64_t price, std::int64_t mask) noexcept {
  const std::int64_t key = level_key(price, mask);
  std::uint32_t i = n;
  for (std::uint32_t s = 0; s < kScan && i > 0; ++s) {
    if (level_key(levels[i - 1].price, mask) < key) return i;
    --i;
  }
  std::uint32_t lo = 0;
  std::uint32_t hi = i;
  while (lo < hi) {
    const std::uint32_t mid = (lo + hi) >> 1;
    if (level_key(levels[mid].price, mask) < key) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// Opens index i (levels[i..n) move up one) and writes the new level there. Capacity >= n + 1.
inline void insert_at(Level* levels, std::uint32_t n, std::uint32_t i, const Level& l) noexcept {
  std::memmove(levels + i + 1, levels + i, std::size_t{n - i} * sizeof(Level));
  levels[i] = l;
}

// Closes index i (levels (i..n) move down one).
inline void erase_at(Level* levels, std::uint32_t n, std::uint32_t i) noexcept {
  std::memmove(levels + i, levels + i + 1, std::size_t{n - i - 1} * sizeof(Level));
}

}  // namespace ichannel::book
