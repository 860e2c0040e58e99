// feed/itch50_normalize.hpp: one decoded ITCH 5.0 message -> one normalized ichannel::Tick.
//
// Contract
// - normalize(message, tick) fills the message-derived fields of `tick` (exch_ns, instrument,
//   action, side, price, qty, order_id, aux) and returns true, or returns false for the types
//   that carry no tick (the caller counts them as dropped). recv_ns and seq are the caller's:
//   they come from the receive path and the MoldUDP64 header, not from the message. Pass a
//   zeroed Tick: price, order_id and aux are written only where the table lists them.
// - qty, instrument, action and side are always written together, with ONE 8-byte store
//   (ichannel::set_tail; qty 0 / Side::kNone where the table lists none), so the 8-byte loads
//   of Sender<Tick>::send are store-forwarded instead of waiting for four narrow stores to reach
//   L1 (about half the publish throughput otherwise; see tick.hpp).
// - The table (also in docs/tick-format.md):
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
//                       category, aux = financial status | issue classification << 8
//     S, H, Y, h, W -> kStatus  side = the status code, aux = the ITCH type byte
//                       (h: | market code << 8), order_id = symbol bytes (H, Y, h)
//   Dropped (counted, no tick): L, V, K, J, I, N, O. Rule: a message becomes a tick when it
//   changes the book, reports a trade, names an instrument, or changes whether something
//   trades; purely informational messages (participant positions, circuit-breaker levels, IPO
//   quoting times, auction collars, imbalance, retail interest, DLCR discovery) are dropped.
// - Inline, noexcept, no allocation: hot path.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>

#include <ichannel/tick.hpp>

#include "feed/itch50_messages.hpp"

namespace ichannel::feed {

// aux of the kStatus tick that reports a MoldUDP64 end of session (side = 'E').
inline constexpr std::uint64_t kStatusEndOfSession = 'M';

namespace detail {
// exch_ns, and the tail word (qty, instrument, action, side) in one 8-byte store: see set_tail.
inline void common(const itch::MessageHeader& m, Action a, std::uint32_t qty, Side side,
                   Tick& t) noexcept {
  t.exch_ns = m.timestamp;
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
[[nodiscard]] inline std::uint64_t code(char c) noexcept {
  return static_cast<std::uint8_t>(c);
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
  t.aux = detail::code(m.financial_status_indicator) | (detail::code(m.issue_classification) << 8);
  return true;
}

inline bool normalize(const itch::SystemEvent& m, Tick& t) noexcept {
  detail::common(m, Action::kStatus, 0, detail::side_of(m.event_code), t);
  t.aux = detail::code(itch::SystemEvent::kType);
  return true;
}

inline bool normalize(const itch::StockTradingAction& m, Tick& t) noexcept {
  detail::common(m, Action::kStatus, 0, detail::side_of(m.trading_state), t);
  t.aux = detail::code(itch::StockTradingAction::kType);
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

// Informational types: no tick (see the drop rule above).
inline bool normalize(const itch::MarketParticipantPosition&, Tick&) noexcept {
  return false;
}
inline bool normalize(const itch::MwcbDeclineLevel&, Tick&) noexcept {
  return false;
}
inline bool normalize(const itch::IpoQuotingPeriodUpdate&, Tick&) noexcept {
  return false;
}
inline bool normalize(const itch::LuldAuctionCollar&, Tick&) noexcept {
  return false;
}
inline bool normalize(const itch::Noii&, Tick&) noexcept {
  return false;
}
inline bool normalize(const itch::RetailPriceImprovement&, Tick&) noexcept {
  return false;
}
inline bool normalize(const itch::DirectListingPriceDiscovery&, Tick&) noexcept {
  return false;
}

}  // namespace ichannel::feed
