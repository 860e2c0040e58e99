// book/book_limits.hpp: the sizes a FeedBooks preallocates (BookLimits) and what it counts
// (BookCounters).
//
// Contract
// - BookLimits is read once, at construction (cold); every table is sized from it and never
//   grows. Rounding: the order store holds exactly max_orders live orders (its slot array is the
//   next power of two >= 2 * max_orders, so the load factor stays <= 1/2); the level store holds
//   level_store_levels levels (rounded up to a power of two), handed out in power-of-two blocks
//   of 8 .. level_store_levels levels (level_store.hpp); the order window is rounded up to a
//   power of two (order_window.hpp).
// - BookCounters are plain integers written by the FeedBooks' thread only (read them from that
//   thread, or copy them out: they are not atomics).
#pragma once

#include <cstdint>

namespace ichannel::book {

struct BookLimits {
  std::uint32_t max_orders = 4'194'304;  // live orders at once (a full Nasdaq day peaks ~1.65 M)
  std::uint32_t instruments = 65'536;    // stock locates 0 .. instruments-1
  std::uint32_t level_store_levels = 1u << 21;  // aggregate levels of all sides together
  std::uint32_t depth = 10;                     // N of BookChange::kDepthChanged ("top N changed")
  // Slots of the order store's window of the newest references (order_window.hpp; a power of
  // two, 0: none, every order in the hash). Sized by measurement: docs/books.md section 7.
  std::uint32_t order_window = 1u << 20;
};

struct BookCounters {
  // State (gauges).
  std::uint64_t live_orders = 0;
  std::uint64_t levels = 0;  // price levels, both sides of every instrument
  std::uint64_t instruments_with_orders = 0;
  // Events applied.
  std::uint64_t adds = 0;      // A, F stored
  std::uint64_t executes = 0;  // E, C on a known order
  std::uint64_t cancels = 0;   // X on a known order
  std::uint64_t deletes = 0;   // D on a known order
  std::uint64_t replaces = 0;  // U on a known original order
  // Honest state: what the book could not apply as the feed said.
  std::uint64_t unknown_refs = 0;     // E/C/X/D/U naming an order the book does not hold
  std::uint64_t duplicate_refs = 0;   // A/F or U's new ref naming an order already live
  std::uint64_t over_executions = 0;  // E/C of more shares than remain (the order is removed)
  std::uint64_t over_cancels = 0;     // X of more shares than remain (the order is removed)
  std::uint64_t rejected_adds = 0;    // A/F/U-new with 0 shares or a side other than 'B'/'S'
  std::uint64_t instrument_out_of_range = 0;  // A/F with a locate >= BookLimits::instruments
  std::uint64_t crossed = 0;                  // an add/replace priced through the other side's best
  std::uint64_t locked = 0;                   // an add/replace priced at the other side's best
  std::uint64_t order_store_full = 0;         // adds dropped: max_orders live
  std::uint64_t level_store_full = 0;         // adds dropped: no block for the side's levels
  std::uint64_t resets = 0;  // session starts (kStatus aux 'm'): every book cleared
  std::uint64_t marks = 0;   // possibly-wrong marks set (the feed's, or one instrument's)
};

}  // namespace ichannel::book
