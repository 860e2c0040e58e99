// ichannel/top_of_book.hpp: one change of an instrument's best bid or offer, the payload of every
// top-of-book channel.
//
// Contract
// - One fixed-size, trivially copyable 56-byte record per change of an instrument's best bid or
//   ask (price, size or order count), its trading state or its possibly-wrong mark. With the
//   ring's 8-byte state word a slot is exactly one 64-byte cache line, like Tick.
// - Written by the feed daemon right AFTER the book table entry of the instrument says the
//   causing tick was applied (docs/ring.md "The book table and the hand-over"); read by
//   strategies through ReceiverChannel<TopOfBook> or join_books<TopOfBook> (book_join.hpp).
// - Bytes 8..15 are the same head word as Tick's (exch_ns | feed << 48 | flags << 56): fill them
//   with set_head() (one 8-byte store). Field meanings: docs/tick-format.md "TopOfBook".
// - The channel header's type name is pinned to "ichannel::TopOfBook" (PayloadTypeName below).
// - Header-only, no allocation, no DPDK.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <type_traits>

#include <ichannel/tick.hpp>
#include <ichannel/type_name.hpp>

namespace ichannel {

// Bumped whenever a field moves, changes width or changes meaning.
inline constexpr std::uint32_t kTopOfBookLayoutVersion = 1;

// TopOfBook::flags: the causing tick's kTickRecovered / kTickAfterGap, plus:
inline constexpr std::uint8_t kBookPossiblyWrong = 0x08;  // the feed's or instrument's book may be
                                                          // wrong (unrecovered gap, unknown ref)

// TopOfBook::change bits: what this record changes relative to the previous record of the
// instrument (the first record of an instrument after a reset has them all set).
inline constexpr std::uint8_t kTobBidChanged = 1;     // bid price, qty or orders
inline constexpr std::uint8_t kTobAskChanged = 2;     // ask price, qty or orders
inline constexpr std::uint8_t kTobStatusChanged = 4;  // trading_state
inline constexpr std::uint8_t kTobMarkChanged = 8;    // kBookPossiblyWrong set or cleared
inline constexpr std::uint8_t kTobReset = 16;         // the book was reset (session start)
// A record of a snapshot hand-over (docs/tick-format.md "Snapshots"): the instrument-0 begin
// record (with kTobReset), one record per instrument of the rebuilt books, the instrument-0 end
// record (with kTobMarkChanged).
inline constexpr std::uint8_t kTobSnapshot = 32;

struct TopOfBook {
  std::uint64_t recv_ns;  // receive time of the tick that caused the change (Tick::recv_ns)
  // Bytes 8..15: exch_ns | feed << 48 | flags << 56, the Tick head word (set_head).
  std::uint64_t exch_ns : 48;  // exchange timestamp of the causing tick, ns after midnight
  std::uint64_t feed : 8;      // config feeds[] index
  std::uint64_t flags : 8;     // kTickRecovered | kTickAfterGap | kBookPossiblyWrong
  std::uint64_t seq;           // feed sequence number of the message that caused the change
  std::int64_t bid_price;      // kPriceScale fixed point; 0 when the bid side is empty
  std::int64_t ask_price;      // kPriceScale fixed point; 0 when the ask side is empty
  std::uint32_t bid_qty;       // shares at the best bid (saturating at UINT32_MAX)
  std::uint32_t ask_qty;       // shares at the best ask (saturating)
  std::uint16_t bid_orders;    // orders at the best bid (saturating at 65535)
  std::uint16_t ask_orders;    // orders at the best ask (saturating)
  std::uint16_t instrument;    // stock locate
  std::uint8_t trading_state;  // ITCH H Trading State ('T', 'H', 'P', 'Q'), 0 unknown
  std::uint8_t change;         // kTob*Changed | kTobReset | kTobSnapshot
};

static_assert(sizeof(TopOfBook) == 56, "TopOfBook must stay 56 bytes: 64 with the state word");
static_assert(alignof(TopOfBook) == 8);
static_assert(std::is_trivially_copyable_v<TopOfBook>);
static_assert(std::has_unique_object_representations_v<TopOfBook>,
              "TopOfBook must have no padding");
static_assert(offsetof(TopOfBook, recv_ns) == 0 && offsetof(TopOfBook, seq) == 16);
static_assert(offsetof(TopOfBook, bid_price) == 24 && offsetof(TopOfBook, ask_price) == 32);
static_assert(offsetof(TopOfBook, bid_qty) == 40 && offsetof(TopOfBook, ask_qty) == 44);
static_assert(offsetof(TopOfBook, bid_orders) == 48 && offsetof(TopOfBook, ask_orders) == 50);
static_assert(offsetof(TopOfBook, instrument) == 52 && offsetof(TopOfBook, trading_state) == 54 &&
              offsetof(TopOfBook, change) == 55);

// Bytes 8..15 are Tick's head word: set_head() (one 8-byte store) and has_flag() of tick.hpp
// apply to TopOfBook too.
template <>
inline constexpr bool kHasHeadWord<TopOfBook> = true;

// Saturating narrowing for the qty and order-count fields.
[[nodiscard]] constexpr std::uint32_t saturate_u32(std::uint64_t v) noexcept {
  return v > 0xffffffffu ? 0xffffffffu : static_cast<std::uint32_t>(v);
}
[[nodiscard]] constexpr std::uint16_t saturate_u16(std::uint64_t v) noexcept {
  return v > 0xffffu ? std::uint16_t{0xffff} : static_cast<std::uint16_t>(v);
}

// The name recorded in a channel header (stable across compilers).
template <>
struct PayloadTypeName<TopOfBook> {
  static constexpr std::string_view value = "ichannel::TopOfBook";
};

}  // namespace ichannel
