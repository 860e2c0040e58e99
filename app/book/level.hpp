// book/level.hpp: what the book hands out: one aggregate price level (Level), the best level of
// each side (BookTop), and the side index.
//
// Contract
// - Level is 24 bytes, the layout of the book table's BookLevel (price, qty, orders, reserved),
//   so a reader copies levels into the table without conversion. Prices are kPriceScale fixed
//   point as in the Tick; an empty side reads as a zero Level.
// - Plain values: any thread may copy them. No allocation.
#pragma once

#include <cstdint>
#include <type_traits>

namespace ichannel::book {

enum class BookSide : std::uint8_t { kBid = 0, kAsk = 1 };

struct Level {
  std::int64_t price = 0;
  std::uint64_t qty = 0;     // shares resting at the price (sum of the orders' remaining)
  std::uint32_t orders = 0;  // orders resting at the price
  std::uint32_t reserved = 0;
  friend bool operator==(const Level&, const Level&) = default;
};
static_assert(sizeof(Level) == 24 && std::is_trivially_copyable_v<Level>);

struct BookTop {
  Level bid;  // best bid (highest price); zero when no bid rests
  Level ask;  // best ask (lowest price); zero when no ask rests
  friend bool operator==(const BookTop&, const BookTop&) = default;
};

}  // namespace ichannel::book
