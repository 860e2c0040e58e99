// feed/itch50.hpp: TotalView-ITCH 5.0 decode and dispatch into a template sink.
//
// Contract
// - dispatch(message, sink) looks at the type byte, checks that the message has at least that
//   type's spec length, decodes it field by field (memcpy + byte swap, never a pointer cast) into
//   the struct from feed/itch50_messages.hpp and calls sink(const T&) with it. The sink must
//   accept all 23 types (a generic lambda or an overload set; no virtual call per message).
// - Forward compatible: a known type LONGER than its spec length decodes its known prefix, calls
//   the sink and returns kLong (the caller counts it); the bytes past the spec are ignored.
// - Bad input never crashes and is never passed on: an empty message, an unknown type byte or a
//   message shorter than its type's spec length are reported in the return value (the caller
//   counts them) and the sink is not called. Nothing is read outside `message`.
// - decode(message, m) decodes one known type directly (false on wrong type or length).
// - Inline, noexcept, no allocation: hot path, any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "feed/itch50_messages.hpp"
#include "feed/big_endian.hpp"

namespace ichannel::feed::itch {

enum class DecodeResult : std::uint8_t {
  kOk = 0,
  kEmpty,        // zero-length message block
  kUnknownType,  // type byte is none of the 23 ITCH 5.0 types
  kBadLength,    // known type, but the block is shorter than the type's spec length
  kLong,         // known type, block longer than the spec: known prefix decoded, sink called
};

inline void decode_header(const std::uint8_t* p, MessageHeader& h) noexcept {
  h.stock_locate = be::load_be16(p + 1);
  h.tracking_number = be::load_be16(p + 3);
  h.timestamp = be::load_be48(p + 5);
}

// decode_body: p points at the type byte of a message already checked to be T::kLength long.
inline void decode_body(const std::uint8_t* p, SystemEvent& m) noexcept {
  decode_header(p, m);
  m.event_code = static_cast<char>(p[11]);
}

inline void decode_body(const std::uint8_t* p, StockDirectory& m) noexcept {
  decode_header(p, m);
  std::memcpy(m.stock.data(), p + 11, 8);
  m.market_category = static_cast<char>(p[19]);
  m.financial_status_indicator = static_cast<char>(p[20]);
  m.round_lot_size = be::load_be32(p + 21);
  m.round_lots_only = static_cast<char>(p[25]);
  m.issue_classification = static_cast<char>(p[26]);
  std::memcpy(m.issue_sub_type.data(), p + 27, 2);
  m.authenticity = static_cast<char>(p[29]);
  m.short_sale_threshold_indicator = static_cast<char>(p[30]);
  m.ipo_flag = static_cast<char>(p[31]);
  m.luld_reference_price_tier = static_cast<char>(p[32]);
  m.etp_flag = static_cast<char>(p[33]);
  m.etp_leverage_factor = be::load_be32(p + 34);
  m.inverse_indicator = static_cast<char>(p[38]);
}

inline void decode_body(const std::uint8_t* p, StockTradingAction& m) noexcept {
  decode_header(p, m);
  std::memcpy(m.stock.data(), p + 11, 8);
  m.trading_state = static_cast<char>(p[19]);
  m.reserved = static_cast<char>(p[20]);
  std::memcpy(m.reason.data(), p + 21, 4);
}

inline void decode_body(const std::uint8_t* p, RegShoRestriction& m) noexcept {
  decode_header(p, m);
  std::memcpy(m.stock.data(), p + 11, 8);
  m.reg_sho_action = static_cast<char>(p[19]);
}

inline void decode_body(const std::uint8_t* p, MarketParticipantPosition& m) noexcept {
  decode_header(p, m);
  std::memcpy(m.mpid.data(), p + 11, 4);
  std::memcpy(m.stock.data(), p + 15, 8);
  m.primary_market_maker = static_cast<char>(p[23]);
  m.market_maker_mode = static_cast<char>(p[24]);
  m.market_participant_state = static_cast<char>(p[25]);
}

inline void decode_body(const std::uint8_t* p, MwcbDeclineLevel& m) noexcept {
  decode_header(p, m);
  m.level_1 = be::load_be64(p + 11);
  m.level_2 = be::load_be64(p + 19);
  m.level_3 = be::load_be64(p + 27);
}

inline void decode_body(const std::uint8_t* p, MwcbStatus& m) noexcept {
  decode_header(p, m);
  m.breached_level = static_cast<char>(p[11]);
}

inline void decode_body(const std::uint8_t* p, IpoQuotingPeriodUpdate& m) noexcept {
  decode_header(p, m);
  std::memcpy(m.stock.data(), p + 11, 8);
  m.ipo_quotation_release_time = be::load_be32(p + 19);
  m.ipo_quotation_release_qualifier = static_cast<char>(p[23]);
  m.ipo_price = be::load_be32(p + 24);
}

inline void decode_body(const std::uint8_t* p, LuldAuctionCollar& m) noexcept {
  decode_header(p, m);
  std::memcpy(m.stock.data(), p + 11, 8);
  m.auction_collar_reference_price = be::load_be32(p + 19);
  m.upper_auction_collar_price = be::load_be32(p + 23);
  m.lower_auction_collar_price = be::load_be32(p + 27);
  m.auction_collar_extension = be::load_be32(p + 31);
}

inline void decode_body(const std::uint8_t* p, OperationalHalt& m) noexcept {
  decode_header(p, m);
  std::memcpy(m.stock.data(), p + 11, 8);
  m.market_code = static_cast<char>(p[19]);
  m.operational_halt_action = static_cast<char>(p[20]);
}

inline void decode_body(const std::uint8_t* p, AddOrder& m) noexcept {
  decode_header(p, m);
  m.order_reference_number = be::load_be64(p + 11);
  m.buy_sell_indicator = static_cast<char>(p[19]);
  m.shares = be::load_be32(p + 20);
  std::memcpy(m.stock.data(), p + 24, 8);
  m.price = be::load_be32(p + 32);
}

inline void decode_body(const std::uint8_t* p, AddOrderMpid& m) noexcept {
  decode_header(p, m);
  m.order_reference_number = be::load_be64(p + 11);
  m.buy_sell_indicator = static_cast<char>(p[19]);
  m.shares = be::load_be32(p + 20);
  std::memcpy(m.stock.data(), p + 24, 8);
  m.price = be::load_be32(p + 32);
  std::memcpy(m.attribution.data(), p + 36, 4);
}

inline void decode_body(const std::uint8_t* p, OrderExecuted& m) noexcept {
  decode_header(p, m);
  m.order_reference_number = be::load_be64(p + 11);
  m.executed_shares = be::load_be32(p + 19);
  m.match_number = be::load_be64(p + 23);
}

inline void decode_body(const std::uint8_t* p, OrderExecutedWithPrice& m) noexcept {
  decode_header(p, m);
  m.order_reference_number = be::load_be64(p + 11);
  m.executed_shares = be::load_be32(p + 19);
  m.match_number = be::load_be64(p + 23);
  m.printable = static_cast<char>(p[31]);
  m.execution_price = be::load_be32(p + 32);
}

inline void decode_body(const std::uint8_t* p, OrderCancel& m) noexcept {
  decode_header(p, m);
  m.order_reference_number = be::load_be64(p + 11);
  m.cancelled_shares = be::load_be32(p + 19);
}

inline void decode_body(const std::uint8_t* p, OrderDelete& m) noexcept {
  decode_header(p, m);
  m.order_reference_number = be::load_be64(p + 11);
}

inline void decode_body(const std::uint8_t* p, OrderReplace& m) noexcept {
  decode_header(p, m);
  m.original_order_reference_number = be::load_be64(p + 11);
  m.new_order_reference_number = be::load_be64(p + 19);
  m.shares = be::load_be32(p + 27);
  m.price = be::load_be32(p + 31);
}

inline void decode_body(const std::uint8_t* p, Trade& m) noexcept {
  decode_header(p, m);
  m.order_reference_number = be::load_be64(p + 11);
  m.buy_sell_indicator = static_cast<char>(p[19]);
  m.shares = be::load_be32(p + 20);
  std::memcpy(m.stock.data(), p + 24, 8);
  m.price = be::load_be32(p + 32);
  m.match_number = be::load_be64(p + 36);
}

inline void decode_body(const std::uint8_t* p, CrossTrade& m) noexcept {
  decode_header(p, m);
  m.shares = be::load_be64(p + 11);
  std::memcpy(m.stock.data(), p + 19, 8);
  m.cross_price = be::load_be32(p + 27);
  m.match_number = be::load_be64(p + 31);
  m.cross_type = static_cast<char>(p[39]);
}

inline void decode_body(const std::uint8_t* p, BrokenTrade& m) noexcept {
  decode_header(p, m);
  m.match_number = be::load_be64(p + 11);
}

inline void decode_body(const std::uint8_t* p, Noii& m) noexcept {
  decode_header(p, m);
  m.paired_shares = be::load_be64(p + 11);
  m.imbalance_shares = be::load_be64(p + 19);
  m.imbalance_direction = static_cast<char>(p[27]);
  std::memcpy(m.stock.data(), p + 28, 8);
  m.far_price = be::load_be32(p + 36);
  m.near_price = be::load_be32(p + 40);
  m.current_reference_price = be::load_be32(p + 44);
  m.cross_type = static_cast<char>(p[48]);
  m.price_variation_indicator = static_cast<char>(p[49]);
}

inline void decode_body(const std::uint8_t* p, RetailPriceImprovement& m) noexcept {
  decode_header(p, m);
  std::memcpy(m.stock.data(), p + 11, 8);
  m.interest_flag = static_cast<char>(p[19]);
}

inline void decode_body(const std::uint8_t* p, DirectListingPriceDiscovery& m) noexcept {
  decode_header(p, m);
  std::memcpy(m.stock.data(), p + 11, 8);
  m.open_eligibility_status = static_cast<char>(p[19]);
  m.minimum_allowable_price = be::load_be32(p + 20);
  m.maximum_allowable_price = be::load_be32(p + 24);
  m.near_execution_price = be::load_be32(p + 28);
  m.near_execution_time = be::load_be64(p + 32);
  m.lower_price_range_collar = be::load_be32(p + 40);
  m.upper_price_range_collar = be::load_be32(p + 44);
}

// Decodes `message` as T; false (and m untouched) if the type byte or the length is wrong.
template <class T>
[[nodiscard]] inline bool decode(std::span<const std::uint8_t> message, T& m) noexcept {
  if (message.size() != T::kLength || static_cast<char>(message[0]) != T::kType) return false;
  decode_body(message.data(), m);
  return true;
}

namespace detail {
template <class T, class Sink>
inline DecodeResult dispatch_as(std::span<const std::uint8_t> msg, Sink& sink) noexcept {
  if (msg.size() < T::kLength) [[unlikely]]
    return DecodeResult::kBadLength;
  T m;
  decode_body(msg.data(), m);
  sink(static_cast<const T&>(m));
  return msg.size() == T::kLength ? DecodeResult::kOk : DecodeResult::kLong;
}
}  // namespace detail

// Decodes one ITCH message (the bytes of one MoldUDP64 message block) into `sink`.
template <class Sink>
inline DecodeResult dispatch(std::span<const std::uint8_t> msg, Sink& sink) noexcept {
  if (msg.empty()) return DecodeResult::kEmpty;
  switch (static_cast<char>(msg[0])) {
    case SystemEvent::kType:
      return detail::dispatch_as<SystemEvent>(msg, sink);
    case StockDirectory::kType:
      return detail::dispatch_as<StockDirectory>(msg, sink);
    case StockTradingAction::kType:
      return detail::dispatch_as<StockTradingAction>(msg, sink);
    case RegShoRestriction::kType:
      return detail::dispatch_as<RegShoRestriction>(msg, sink);
    case MarketParticipantPosition::kType:
      return detail::dispatch_as<MarketParticipantPosition>(msg, sink);
    case MwcbDeclineLevel::kType:
      return detail::dispatch_as<MwcbDeclineLevel>(msg, sink);
    case MwcbStatus::kType:
      return detail::dispatch_as<MwcbStatus>(msg, sink);
    case IpoQuotingPeriodUpdate::kType:
      return detail::dispatch_as<IpoQuotingPeriodUpdate>(msg, sink);
    case LuldAuctionCollar::kType:
      return detail::dispatch_as<LuldAuctionCollar>(msg, sink);
    case OperationalHalt::kType:
      return detail::dispatch_as<OperationalHalt>(msg, sink);
    case AddOrder::kType:
      return detail::dispatch_as<AddOrder>(msg, sink);
    case AddOrderMpid::kType:
      return detail::dispatch_as<AddOrderMpid>(msg, sink);
    case OrderExecuted::kType:
      return detail::dispatch_as<OrderExecuted>(msg, sink);
    case OrderExecutedWithPrice::kType:
      return detail::dispatch_as<OrderExecutedWithPrice>(msg, sink);
    case OrderCancel::kType:
      return detail::dispatch_as<OrderCancel>(msg, sink);
    case OrderDelete::kType:
      return detail::dispatch_as<OrderDelete>(msg, sink);
    case OrderReplace::kType:
      return detail::dispatch_as<OrderReplace>(msg, sink);
    case Trade::kType:
      return detail::dispatch_as<Trade>(msg, sink);
    case CrossTrade::kType:
      return detail::dispatch_as<CrossTrade>(msg, sink);
    case BrokenTrade::kType:
      return detail::dispatch_as<BrokenTrade>(msg, sink);
    case Noii::kType:
      return detail::dispatch_as<Noii>(msg, sink);
    case RetailPriceImprovement::kType:
      return detail::dispatch_as<RetailPriceImprovement>(msg, sink);
    case DirectListingPriceDiscovery::kType:
      return detail::dispatch_as<DirectListingPriceDiscovery>(msg, sink);
    default:
      return DecodeResult::kUnknownType;
  }
}

// Spec length of a message type including the type byte; 0 for an unknown type.
[[nodiscard]] constexpr std::size_t message_length(char type) noexcept {
  switch (type) {
    case SystemEvent::kType:
      return SystemEvent::kLength;
    case StockDirectory::kType:
      return StockDirectory::kLength;
    case StockTradingAction::kType:
      return StockTradingAction::kLength;
    case RegShoRestriction::kType:
      return RegShoRestriction::kLength;
    case MarketParticipantPosition::kType:
      return MarketParticipantPosition::kLength;
    case MwcbDeclineLevel::kType:
      return MwcbDeclineLevel::kLength;
    case MwcbStatus::kType:
      return MwcbStatus::kLength;
    case IpoQuotingPeriodUpdate::kType:
      return IpoQuotingPeriodUpdate::kLength;
    case LuldAuctionCollar::kType:
      return LuldAuctionCollar::kLength;
    case OperationalHalt::kType:
      return OperationalHalt::kLength;
    case AddOrder::kType:
      return AddOrder::kLength;
    case AddOrderMpid::kType:
      return AddOrderMpid::kLength;
    case OrderExecuted::kType:
      return OrderExecuted::kLength;
    case OrderExecutedWithPrice::kType:
      return OrderExecutedWithPrice::kLength;
    case OrderCancel::kType:
      return OrderCancel::kLength;
    case OrderDelete::kType:
      return OrderDelete::kLength;
    case OrderReplace::kType:
      return OrderReplace::kLength;
    case Trade::kType:
      return Trade::kLength;
    case CrossTrade::kType:
      return CrossTrade::kLength;
    case BrokenTrade::kType:
      return BrokenTrade::kLength;
    case Noii::kType:
      return Noii::kLength;
    case RetailPriceImprovement::kType:
      return RetailPriceImprovement::kLength;
    case DirectListingPriceDiscovery::kType:
      return DirectListingPriceDiscovery::kLength;
    default:
      return 0;
  }
}

}  // namespace ichannel::feed::itch
