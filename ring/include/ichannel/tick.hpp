// ichannel/tick.hpp: the normalized market-data event, the payload of every tick channel.
//
// Contract
// - One fixed-size, trivially copyable 56-byte record per exchange event. With the ring's 8-byte
//   state word a slot is exactly one 64-byte cache line.
// - Written by the feed daemon (one producer per channel); read by strategy processes through
//   ichannel::Receiver<Tick>. No pointers, no padding, little-endian host order.
// - Field meanings per action are documented in docs/tick-format.md; the mapping from each
//   TotalView-ITCH 5.0 message type is in the same file. Strategies check kTickLayoutVersion.
// - Header-only, no allocation, usable from any process (it does not depend on DPDK).
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace ichannel {

// Bumped whenever a field moves, changes width or changes meaning.
inline constexpr std::uint32_t kTickLayoutVersion = 2;

// Prices are fixed point: value = price / kPriceScale (ITCH Price(4) is carried unchanged).
inline constexpr std::int64_t kPriceScale = 10'000;

enum class Action : std::uint8_t {
  kNone = 0,
  kAdd = 1,               // new order on the book (ITCH A, F)
  kReplace = 2,           // order_id replaced by aux (new order id) with new price/qty (ITCH U)
  kCancel = 3,            // partial cancel: qty = shares cancelled (ITCH X)
  kDelete = 4,            // order removed (ITCH D)
  kExecute = 5,           // order executed at its own price: qty executed, aux = match number (E)
  kExecuteWithPrice = 6,  // executed at price: qty, price, aux = match number (C)
  kTrade = 7,             // non-displayed trade: qty, price, aux = match number (P)
  kCross = 8,             // cross trade: qty, price, aux = match number, side = cross type (Q)
  kBrokenTrade = 9,       // aux = match number of the broken trade (B)
  kStatus = 10,           // system / instrument status: side = status code, see tick-format.md
  kDirectory = 11,        // instrument directory: order_id = 8 ASCII bytes of the symbol (R)
  kGap = 12,              // feed gap: seq = first missing sequence number, aux = count missing
  // Layout 2: nothing decoded disappears. Every ITCH 5.0 type has an action; a message that
  // could not be decoded still publishes one record for its sequence number.
  kUndecodable = 13,       // side = type byte, qty = block length, order_id = spec length (0:
                           // unknown type), aux = reason ('E' empty, 'S' short, 'U' unknown)
  kImbalance = 14,         // Net Order Imbalance Indicator (I)
  kAuctionCollar = 15,     // LULD Auction Collar (J)
  kIpoQuoting = 16,        // IPO Quoting Period Update (K)
  kMwcbLevels = 17,        // MWCB Decline Level (V)
  kPriceDiscovery = 18,    // Direct Listing with Capital Raise price discovery (O)
  kRetailInterest = 19,    // Retail Price Improvement Indicator (N)
  kParticipantPosition = 20,  // Market Participant Position (L)
};

// Tick::flags bits (layout 2). Exact rules in docs/tick-format.md, section "Flags".
inline constexpr std::uint8_t kTickRecovered = 0x01;     // from a re-request reply
inline constexpr std::uint8_t kTickLastInPacket = 0x02;  // last message of its MoldUDP64 packet
inline constexpr std::uint8_t kTickAfterGap = 0x04;      // the feed had an unrecovered gap
// A resting order of the daemon's rebuilt book, published between a snapshot-begin and a
// snapshot-end record (docs/tick-format.md "Snapshots"); not an exchange event.
inline constexpr std::uint8_t kTickSnapshot = 0x08;
                                                         // earlier in this session

// exch_ns is ns after midnight (< 86'400 * 10^9 < 2^47): 48 bits hold it.
inline constexpr std::uint64_t kExchNsMask = (std::uint64_t{1} << 48) - 1;

// Side byte for order events. For kStatus, kCross and kExecuteWithPrice it carries the spec's code
// character instead (status code, cross type, printable 'Y'/'N'); see docs/tick-format.md.
enum class Side : std::uint8_t { kNone = 0, kBuy = 'B', kSell = 'S' };

struct Tick {
  std::uint64_t recv_ns;   // receive time, ns since the Unix epoch (TSC at rx_burst, per burst)
  // Bytes 8..15: one little-endian word exch_ns | feed << 48 | flags << 56 (head_word). Bit-fields
  // keep `t.exch_ns` / `t.feed` / `t.flags` readable and assignable; they cannot be bound to a
  // non-const reference or have their address taken (format them as std::uint64_t{t.exch_ns}).
  std::uint64_t exch_ns : 48;  // exchange timestamp, ns after midnight of the trading day
  std::uint64_t feed : 8;      // config feeds[] index of the feed that produced the tick
  std::uint64_t flags : 8;     // the kTick* flags above
  std::uint64_t seq;       // feed (MoldUDP64) sequence number of the message
  std::uint64_t order_id;  // order reference number (kDirectory, H/Y/h status: symbol bytes)
  std::uint64_t aux;       // new order id (kReplace), match number (executions, trades), gap size
  std::int64_t price;      // fixed point, kPriceScale per unit; 0 where not applicable
  std::uint32_t qty;       // shares; saturates at UINT32_MAX for larger ITCH cross sizes
  std::uint16_t instrument;  // stock locate code of the feed (0 for feed-wide events)
  Action action;
  Side side;
};

static_assert(sizeof(Tick) == 56, "Tick must stay 56 bytes: 64 with the ring's state word");
static_assert(alignof(Tick) == 8);
static_assert(std::is_trivially_copyable_v<Tick>);
static_assert(std::has_unique_object_representations_v<Tick>, "Tick must have no padding");
static_assert(offsetof(Tick, recv_ns) == 0 && offsetof(Tick, seq) == 16);
static_assert(offsetof(Tick, qty) == 48 && offsetof(Tick, instrument) == 52 &&
              offsetof(Tick, action) == 54 && offsetof(Tick, side) == 55);

// Bytes 8..15 of a Tick (exch_ns, feed, flags) as one little-endian word.
[[nodiscard]] constexpr std::uint64_t head_word(std::uint64_t exch_ns, std::uint8_t feed,
                                                std::uint8_t flags) noexcept {
  return (exch_ns & kExchNsMask) | std::uint64_t{feed} << 48 | std::uint64_t{flags} << 56;
}

// The last 8 bytes of a Tick (qty, instrument, action, side) as one little-endian word:
// qty | instrument << 32 | action << 48 | side << 56.
[[nodiscard]] constexpr std::uint64_t tail_word(std::uint32_t qty, std::uint16_t instrument,
                                                Action action, Side side) noexcept {
  return std::uint64_t{qty} | std::uint64_t{instrument} << 32 |
         std::uint64_t{static_cast<std::uint8_t>(action)} << 48 |
         std::uint64_t{static_cast<std::uint8_t>(side)} << 56;
}

// Writes qty, instrument, action and side with ONE 8-byte store. Producers should fill the tail
// this way right before Sender<Tick>::send: send copies the Tick as 8-byte words, and an 8-byte
// load cannot be store-forwarded from the four narrow stores of a field-by-field fill, so it
// waits until they reach L1 - on x86 behind the previous message's slot stores, which wait for
// the slot's cache line. That costs a cross-core transfer per send (about half the throughput;
// docs/ring.md). Field-by-field assignment stays correct, only slower. Legal: Tick is trivially
// copyable and the four fields are contiguous at offsets 48..55 (static_asserts above).
constexpr void set_tail(Tick& t, std::uint32_t qty, std::uint16_t instrument, Action action,
                        Side side) noexcept {
  if (std::is_constant_evaluated() || std::endian::native != std::endian::little) {
    t.qty = qty;
    t.instrument = instrument;
    t.action = action;
    t.side = side;
  } else {
    const std::uint64_t w = tail_word(qty, instrument, action, side);
    std::memcpy(&t.qty, &w, sizeof w);
  }
}

// Records whose bytes 8..15 are this head word (exch_ns:48 | feed:8 | flags:8 bit-fields): Tick
// here, TopOfBook in top_of_book.hpp (which sets it to true for itself).
template <class R>
inline constexpr bool kHasHeadWord = false;
template <>
inline constexpr bool kHasHeadWord<Tick> = true;

// Writes exch_ns, feed and flags with ONE 8-byte store (the same reason as set_tail: a bit-field
// assignment may compile to a narrow store or a read-modify-write of the word).
template <class R>
  requires kHasHeadWord<R>
constexpr void set_head(R& t, std::uint64_t exch_ns, std::uint8_t feed,
                        std::uint8_t flags) noexcept {
  if (std::is_constant_evaluated() || std::endian::native != std::endian::little) {
    t.exch_ns = exch_ns & kExchNsMask;
    t.feed = feed;
    t.flags = flags;
  } else {
    const std::uint64_t w = head_word(exch_ns, feed, flags);
    std::memcpy(reinterpret_cast<unsigned char*>(&t) + 8, &w, sizeof w);
  }
}

// Replaces exch_ns, keeping feed and flags: one 8-byte load and one 8-byte store of the word
// (the load is store-forwarded from a previous set_head).
constexpr void set_exch_ns(Tick& t, std::uint64_t exch_ns) noexcept {
  if (std::is_constant_evaluated() || std::endian::native != std::endian::little) {
    t.exch_ns = exch_ns & kExchNsMask;
  } else {
    unsigned char* p = reinterpret_cast<unsigned char*>(&t) + 8;
    std::uint64_t w;
    std::memcpy(&w, p, sizeof w);
    w = (w & ~kExchNsMask) | (exch_ns & kExchNsMask);
    std::memcpy(p, &w, sizeof w);
  }
}

template <class R>
  requires kHasHeadWord<R>
[[nodiscard]] constexpr bool has_flag(const R& t, std::uint8_t flag) noexcept {
  return (t.flags & flag) != 0;
}

namespace detail {
[[nodiscard]] constexpr bool tick_head_is_one_word() noexcept {
  Tick t{};
  t.exch_ns = 0x123456789abcull;
  t.feed = 0x5a;
  t.flags = 0xc3;
  const auto words = std::bit_cast<std::array<std::uint64_t, 7>>(t);
  return words[1] == head_word(0x123456789abcull, 0x5a, 0xc3);
}
}  // namespace detail
// Clang 14 cannot bit_cast a type with bit-fields in a constant expression: there the same
// layout is checked at run time (tests/feed/itch50_normalize_test.cpp, KeepsFeedAndFlags, reads
// the bit-fields back from a word written by set_head).
#if !defined(__clang__)
static_assert(std::endian::native != std::endian::little || detail::tick_head_is_one_word(),
              "exch_ns | feed << 48 | flags << 56 must be bytes 8..15 (set_head relies on it)");
#endif

}  // namespace ichannel
