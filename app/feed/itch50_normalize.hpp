// feed/itch50_normalize.hpp: one decoded ITCH 5.0 message -> one normalized ichannel::Tick.
//
// Contract
// - normalize(message, tick) fills the message-derived fields of `tick` (exch_ns, instrument,
//   action, side, price, qty, order_id, aux) and returns true: every ITCH 5.0 type has a tick
//   (layout 2; the bool stays for callers that filter). recv_ns, seq, feed and flags are the
//   caller's: they come from the receive path, the MoldUDP64 header and the sequencer. Pass a
//   Tick whose other fields are zero and whose head word (exch_ns, feed, flags) was written with
//   ichannel::set_head: exch_ns is replaced with set_exch_ns (one 8-byte load + store, feed and
//   flags kept). price, order_id and aux are written only where the table lists them.
// - qty, instrument, action and side are always written together, with ONE 8-byte store
//   (ichannel::set_tail; qty 0 / Side::kNone where the table lists none), so the 8-byte loads
//   of Sender<Tick>::send are store-forwarded instead of waiting for four narrow stores to reach
//   L1 (about half the publish throughput otherwise; see tick.hpp).
// - The table (the reference with every byte position is docs/tick-format.md):
//     A, F -> kAdd      order_id, side, qty, price; F: aux = attribution (4 ASCII bytes)
//     U    -> kReplace  order_id = original, aux = new order id, qty, price
//     X    -> kCancel   order_id, qty = cancelled shares
//     D    -> kDelete   order_id
//     E    -> kExecute  order_id, qty = executed shares, aux = match number
//     C    -> kExecuteWithPrice  order_id, qty, price = execution price, aux = match number,
//                       side = Printable ('Y' / 'N')
//     P    -> kTrade    order_id, side, qty, price, aux = match number
//     Q    -> kCross    qty = shares (saturated to UINT32_MAX), price = cross price,
//                       aux = match number, side = cross type
//     B    -> kBrokenTrade  aux = match number
//     R    -> kDirectory    order_id = symbol bytes, qty = round lot size, side = market
//                       category, aux = 8 attribute bytes, price = 4 attribute bytes + leverage
//     S, H, Y, h, W -> kStatus  side = the status code, aux = the ITCH type byte
//                       (h: | market code << 8; H: | reason bytes << 8), order_id = symbol
//                       bytes (H, Y, h)
//     I -> kImbalance, J -> kAuctionCollar, K -> kIpoQuoting, V -> kMwcbLevels,
//     O -> kPriceDiscovery, N -> kRetailInterest, L -> kParticipantPosition (docs table).
// - Inline, noexcept, no allocation: hot path.
#pragma once

#include <cstdint>
#include <cstring>
#include <array>
#include <limits>

#include <ichannel/tick.hpp>

#include "feed/itch50_messages.hpp"

namespace ichannel::feed {

// aux of the kStatus tick that reports a MoldUDP64 end of session (side = 'E').
inline constexpr std::uint64_t kStatusEndOfSession = 'M';
// aux of the kStatus tick that announces a MoldUDP64 session the feed adopted (side = 'S').
inline constexpr std::uint64_t kStatusSessionStart = 'm';

namespace detail {
// exch_ns, and the tail word (qty, instrument, action, side) in one 8-byte store: see set_tail.
inline void common(const itch::MessageHeader& m, Action a, std::uint32_t qty, Side side,
                   Tick& t) noexcept {
  set_exch_ns(t, m.timestamp);
  set_tail(t, qty, m.stock_locate, a, side);
}
[[nodiscard]] inline Side side_of(char c) noexcept {
  return static_cast<Side>(static_cast<std::uint8_t>(c));
}
[[nodiscard]] inline std::uint64_t bytes_of(const itch::Stock& s) noexcept {
  std::uint64_t v;
  std::memcpy(&v, s.data(), sizeof v);
  return v;
}
[[nodiscard]] inline std::uint64_t bytes_of(const std::array<char, 4>& s) noexcept {
  std::uint32_t v;
  std::memcpy(&v, s.data(), sizeof v);
  return v;
}
[[nodiscard]] inline std::uint64_t bytes_of(const std::array<char, 2>& s) noexcept {
  std::uint16_t v;
  std::memcpy(&v, s.data(), sizeof v);
  return v;
}
[[nodiscard]] inline std::uint64_t code(char c) noexcept {
  return static_cast<std::uint8_t>(c);
}
// Saturates a u64 share count at 2^48 - 1 (it shares its word with two code bytes).
[[nodiscard]] inline std::uint64_t shares48(std::uint64_t v) noexcept {
  constexpr std::uint64_t kMax = (std::uint64_t{1} << 48) - 1;
  return v < kMax ? v : kMax;
}
[[nodiscard]] inline std::int64_t pack_prices(std::uint32_t lo, std::uint32_t hi) noexcept {
  return static_cast<std::int64_t>(std::uint64_t{lo} | std::uint64_t{hi} << 32);
}
}  // namespace detail

inline bool normalize(const itch::AddOrder& m, Tick& t) noexcept {
  detail::common(m, Action::kAdd, m.shares, detail::side_of(m.buy_sell_indicator), t);
  t.order_id = m.order_reference_number;
  t.price = m.price;
  return true;
}

inline bool normalize(const itch::AddOrderMpid& m, Tick& t) noexcept {
  detail::common(m, Action::kAdd, m.shares, detail::side_of(m.buy_sell_indicator), t);
  t.order_id = m.order_reference_number;
  t.price = m.price;
  t.aux = detail::bytes_of(m.attribution);
  return true;
}

inline bool normalize(const itch::OrderReplace& m, Tick& t) noexcept {
  detail::common(m, Action::kReplace, m.shares, Side::kNone, t);
  t.order_id = m.original_order_reference_number;
  t.aux = m.new_order_reference_number;
  t.price = m.price;
  return true;
}

inline bool normalize(const itch::OrderCancel& m, Tick& t) noexcept {
  detail::common(m, Action::kCancel, m.cancelled_shares, Side::kNone, t);
  t.order_id = m.order_reference_number;
  return true;
}

inline bool normalize(const itch::OrderDelete& m, Tick& t) noexcept {
  detail::common(m, Action::kDelete, 0, Side::kNone, t);
  t.order_id = m.order_reference_number;
  return true;
}

inline bool normalize(const itch::OrderExecuted& m, Tick& t) noexcept {
  detail::common(m, Action::kExecute, m.executed_shares, Side::kNone, t);
  t.order_id = m.order_reference_number;
  t.aux = m.match_number;
  return true;
}

inline bool normalize(const itch::OrderExecutedWithPrice& m, Tick& t) noexcept {
  detail::common(m, Action::kExecuteWithPrice, m.executed_shares, detail::side_of(m.printable), t);
  t.order_id = m.order_reference_number;
  t.price = m.execution_price;
  t.aux = m.match_number;
  return true;
}

inline bool normalize(const itch::Trade& m, Tick& t) noexcept {
  detail::common(m, Action::kTrade, m.shares, detail::side_of(m.buy_sell_indicator), t);
  t.order_id = m.order_reference_number;
  t.price = m.price;
  t.aux = m.match_number;
  return true;
}

inline bool normalize(const itch::CrossTrade& m, Tick& t) noexcept {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint32_t>::max();
  const auto qty = static_cast<std::uint32_t>(m.shares < kMax ? m.shares : kMax);
  detail::common(m, Action::kCross, qty, detail::side_of(m.cross_type), t);
  t.price = m.cross_price;
  t.aux = m.match_number;
  return true;
}

inline bool normalize(const itch::BrokenTrade& m, Tick& t) noexcept {
  detail::common(m, Action::kBrokenTrade, 0, Side::kNone, t);
  t.aux = m.match_number;
  return true;
}

inline bool normalize(const itch::StockDirectory& m, Tick& t) noexcept {
  detail::common(m, Action::kDirectory, m.round_lot_size, detail::side_of(m.market_category), t);
  t.order_id = detail::bytes_of(m.stock);
  using detail::code;
  t.aux = code(m.financial_status_indicator) | code(m.issue_classification) << 8 |
          code(m.round_lots_only) << 16 | detail::bytes_of(m.issue_sub_type) << 24 |
          code(m.authenticity) << 40 | code(m.short_sale_threshold_indicator) << 48 |
          code(m.ipo_flag) << 56;
  t.price = static_cast<std::int64_t>(code(m.luld_reference_price_tier) | code(m.etp_flag) << 8 |
                                      code(m.inverse_indicator) << 16 |
                                      std::uint64_t{m.etp_leverage_factor} << 32);
  return true;
}

inline bool normalize(const itch::SystemEvent& m, Tick& t) noexcept {
  detail::common(m, Action::kStatus, 0, detail::side_of(m.event_code), t);
  t.aux = detail::code(itch::SystemEvent::kType);
  return true;
}

inline bool normalize(const itch::StockTradingAction& m, Tick& t) noexcept {
  detail::common(m, Action::kStatus, 0, detail::side_of(m.trading_state), t);
  t.aux = detail::code(itch::StockTradingAction::kType) | detail::bytes_of(m.reason) << 8;
  t.order_id = detail::bytes_of(m.stock);
  return true;
}

inline bool normalize(const itch::RegShoRestriction& m, Tick& t) noexcept {
  detail::common(m, Action::kStatus, 0, detail::side_of(m.reg_sho_action), t);
  t.aux = detail::code(itch::RegShoRestriction::kType);
  t.order_id = detail::bytes_of(m.stock);
  return true;
}

inline bool normalize(const itch::OperationalHalt& m, Tick& t) noexcept {
  detail::common(m, Action::kStatus, 0, detail::side_of(m.operational_halt_action), t);
  t.aux = detail::code(itch::OperationalHalt::kType) | (detail::code(m.market_code) << 8);
  t.order_id = detail::bytes_of(m.stock);
  return true;
}

inline bool normalize(const itch::MwcbStatus& m, Tick& t) noexcept {
  detail::common(m, Action::kStatus, 0, detail::side_of(m.breached_level), t);
  t.aux = detail::code(itch::MwcbStatus::kType);
  return true;
}

// The informational types (layout 2: published too, nothing decoded disappears).
inline bool normalize(const itch::MarketParticipantPosition& m, Tick& t) noexcept {
  detail::common(m, Action::kParticipantPosition, 0, detail::side_of(m.market_participant_state),
                 t);
  t.order_id = detail::bytes_of(m.stock);
  t.aux = detail::bytes_of(m.mpid) | detail::code(m.primary_market_maker) << 32 |
          detail::code(m.market_maker_mode) << 40;
  return true;
}
inline bool normalize(const itch::MwcbDeclineLevel& m, Tick& t) noexcept {
  detail::common(m, Action::kMwcbLevels, 0, Side::kNone, t);
  t.order_id = m.level_1;
  t.aux = m.level_2;
  t.price = static_cast<std::int64_t>(m.level_3);
  return true;
}
inline bool normalize(const itch::IpoQuotingPeriodUpdate& m, Tick& t) noexcept {
  detail::common(m, Action::kIpoQuoting, m.ipo_quotation_release_time,
                 detail::side_of(m.ipo_quotation_release_qualifier), t);
  t.order_id = detail::bytes_of(m.stock);
  t.price = m.ipo_price;
  return true;
}
inline bool normalize(const itch::LuldAuctionCollar& m, Tick& t) noexcept {
  detail::common(m, Action::kAuctionCollar, m.auction_collar_extension, Side::kNone, t);
  t.order_id = detail::bytes_of(m.stock);
  t.price = m.auction_collar_reference_price;
  t.aux = std::uint64_t{m.lower_auction_collar_price} |
          std::uint64_t{m.upper_auction_collar_price} << 32;
  return true;
}
inline bool normalize(const itch::Noii& m, Tick& t) noexcept {
  detail::common(m, Action::kImbalance, m.current_reference_price,
                 detail::side_of(m.imbalance_direction), t);
  t.order_id = detail::shares48(m.paired_shares) | detail::code(m.cross_type) << 48 |
               detail::code(m.price_variation_indicator) << 56;
  t.aux = m.imbalance_shares;
  t.price = detail::pack_prices(m.near_price, m.far_price);
  return true;
}
inline bool normalize(const itch::RetailPriceImprovement& m, Tick& t) noexcept {
  detail::common(m, Action::kRetailInterest, 0, detail::side_of(m.interest_flag), t);
  t.order_id = detail::bytes_of(m.stock);
  return true;
}
inline bool normalize(const itch::DirectListingPriceDiscovery& m, Tick& t) noexcept {
  detail::common(m, Action::kPriceDiscovery, m.near_execution_price,
                 detail::side_of(m.open_eligibility_status), t);
  t.order_id = m.near_execution_time;
  t.price = detail::pack_prices(m.minimum_allowable_price, m.maximum_allowable_price);
  t.aux = std::uint64_t{m.lower_price_range_collar} | std::uint64_t{m.upper_price_range_collar} << 32;
  return true;
}

}  // namespace ichannel::feed
