// book/book_change.hpp: what one FeedBooks::apply changed, for the caller that publishes the
// book table entry and the TopOfBook record (DESIGN: rewrite the entry always; its levels when
// kDepthChanged; a TopOfBook record when kBidChanged | kAskChanged | kStatusChanged |
// kMarkChanged | kReset).
//
// Contract
// - The low five bits have the values of TopOfBook::change (kTobBidChanged 1, kTobAskChanged 2,
//   kTobStatusChanged 4, kTobMarkChanged 8, kTobReset 16), so `bits & kTobBits` can be copied.
// - instrument: the locate whose book or status changed; 0 for feed-wide changes (a gap mark,
//   a session reset, a system event). A feed-wide mark or reset changes every instrument: the
//   caller rewrites the table's feed-wide state word.
#pragma once

#include <cstdint>

namespace ichannel::book {

struct BookChange {
  static constexpr std::uint8_t kBidChanged = 1;     // best bid price, qty or order count
  static constexpr std::uint8_t kAskChanged = 2;     // best ask price, qty or order count
  static constexpr std::uint8_t kStatusChanged = 4;  // trading state (H), or another status
  static constexpr std::uint8_t kMarkChanged = 8;    // possibly-wrong mark set or cleared
  static constexpr std::uint8_t kReset = 16;         // session start: every book cleared
  static constexpr std::uint8_t kDepthChanged = 32;  // a level among the top N of either side
  // With kDepthChanged: the ask side's top N changed (without it: the bid side's). One tick
  // changes one side; the table rewrites only that side's levels.
  static constexpr std::uint8_t kAskDepthChanged = 128;
  static constexpr std::uint8_t kTobBits = 31;

  std::uint16_t instrument = 0;
  std::uint8_t bits = 0;
  // With kDepthChanged: the distance from the touch (0 = best) of the nearest level of the
  // changed side whose price, qty or count changed; the side's top N levels nearer than it are
  // as they were (a level inserted or erased at distance d moves only the levels beyond d).
  // Meaningless without kDepthChanged.
  std::uint8_t from = 0;

  [[nodiscard]] bool any() const noexcept { return bits != 0; }
  [[nodiscard]] bool top_changed() const noexcept {
    return (bits & (kBidChanged | kAskChanged)) != 0;
  }
  // Records a change at `distance` levels from side's touch (distance < the book's depth N).
  void depth_changed_at(std::uint32_t distance, bool ask) noexcept {
    const auto d = static_cast<std::uint8_t>(distance);
    if ((bits & kDepthChanged) == 0 || d < from) from = d;
    bits |= ask ? kDepthChanged | kAskDepthChanged : kDepthChanged;
  }
  friend bool operator==(const BookChange&, const BookChange&) = default;
};

}  // namespace ichannel::book
