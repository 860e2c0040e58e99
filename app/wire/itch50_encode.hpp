// wire/itch50_encode.hpp: Nasdaq TotalView-ITCH 5.0 message encoder (the exchange side).
//
// Contract
// - Written from the ITCH 5.0 specification (section numbers beside each struct), independently
//   of the decoders in app/feed/ (never included here), so that the two cross-check each other.
//   One struct per message type (all 23), with the spec's field names; `append()` writes the
//   big-endian wire image (type byte first, length per the spec: S 12, R 39, H 25, Y 20, L 26,
//   V 35, W 12, K 28, J 35, h 21, A 36, F 40, E 31, C 36, X 23, D 19, U 35, P 44, Q 40, B 19,
//   I 50, N 20, O 48); `encode()` returns it as a new vector. Plus GLIMPSE 5.0 End of Snapshot
//   ('G', 21 bytes, no common prefix).
// - Every message starts with the common prefix: type(1) stock_locate(2) tracking_number(2)
//   timestamp(6, ns after midnight). Alpha fields are left-justified and space padded.
// - Cold-path tool code: append() grows a std::vector. Any thread; no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wire/be_writer.hpp"

namespace ichannel::wire::itch {

// Common prefix of every message (the type byte is the message struct's kType).
struct Header {
  std::uint16_t stock_locate = 0;
  std::uint16_t tracking_number = 0;
  std::uint64_t timestamp = 0;  // 48 bits, ns after midnight
};

inline void write_header(BeWriter& w, char type, const Header& h) {
  w.alpha(type);
  w.u16(h.stock_locate);
  w.u16(h.tracking_number);
  w.u48(h.timestamp);
}

struct SystemEvent {  // 4.1
  static constexpr char kType = 'S';
  static constexpr std::size_t kLength = 12;
  Header header;
  char event_code = 'O';  // O S Q M E C
  void write(BeWriter& w) const { w.alpha(event_code); }
};

struct StockDirectory {  // 4.2.1
  static constexpr char kType = 'R';
  static constexpr std::size_t kLength = 39;
  Header header;
  std::string_view stock;
  char market_category = 'Q';
  char financial_status_indicator = 'N';
  std::uint32_t round_lot_size = 100;
  char round_lots_only = 'N';
  char issue_classification = 'C';
  std::string_view issue_sub_type = "Z";
  char authenticity = 'P';
  char short_sale_threshold_indicator = 'N';
  char ipo_flag = 'N';
  char luld_reference_price_tier = '1';
  char etp_flag = 'N';
  std::uint32_t etp_leverage_factor = 0;
  char inverse_indicator = 'N';
  void write(BeWriter& w) const {
    w.alpha(stock, 8);
    w.alpha(market_category);
    w.alpha(financial_status_indicator);
    w.u32(round_lot_size);
    w.alpha(round_lots_only);
    w.alpha(issue_classification);
    w.alpha(issue_sub_type, 2);
    w.alpha(authenticity);
    w.alpha(short_sale_threshold_indicator);
    w.alpha(ipo_flag);
    w.alpha(luld_reference_price_tier);
    w.alpha(etp_flag);
    w.u32(etp_leverage_factor);
    w.alpha(inverse_indicator);
  }
};

struct StockTradingAction {  // 4.2.2
  static constexpr char kType = 'H';
  static constexpr std::size_t kLength = 25;
  Header header;
  std::string_view stock;
  char trading_state = 'T';
  char reserved = ' ';
  std::string_view reason = "";
  void write(BeWriter& w) const {
    w.alpha(stock, 8);
    w.alpha(trading_state);
    w.alpha(reserved);
    w.alpha(reason, 4);
  }
};

struct RegShoRestriction {  // 4.2.3 Reg SHO Short Sale Price Test Restricted Indicator
  static constexpr char kType = 'Y';
  static constexpr std::size_t kLength = 20;
  Header header;
  std::string_view stock;
  char reg_sho_action = '0';
  void write(BeWriter& w) const {
    w.alpha(stock, 8);
    w.alpha(reg_sho_action);
  }
};

struct MarketParticipantPosition {  // 4.2.4
  static constexpr char kType = 'L';
  static constexpr std::size_t kLength = 26;
  Header header;
  std::string_view mpid;
  std::string_view stock;
  char primary_market_maker = 'N';
  char market_maker_mode = 'N';
  char market_participant_state = 'A';
  void write(BeWriter& w) const {
    w.alpha(mpid, 4);
    w.alpha(stock, 8);
    w.alpha(primary_market_maker);
    w.alpha(market_maker_mode);
    w.alpha(market_participant_state);
  }
};

struct MwcbDeclineLevel {  // 4.2.5.1 (Price(8) fields)
  static constexpr char kType = 'V';
  static constexpr std::size_t kLength = 35;
  Header header;
  std::uint64_t level_1 = 0;
  std::uint64_t level_2 = 0;
  std::uint64_t level_3 = 0;
  void write(BeWriter& w) const {
    w.u64(level_1);
    w.u64(level_2);
    w.u64(level_3);
  }
};

struct MwcbStatus {  // 4.2.5.2
  static constexpr char kType = 'W';
  static constexpr std::size_t kLength = 12;
  Header header;
  char breached_level = '1';
  void write(BeWriter& w) const { w.alpha(breached_level); }
};

struct IpoQuotingPeriodUpdate {  // 4.2.6
  static constexpr char kType = 'K';
  static constexpr std::size_t kLength = 28;
  Header header;
  std::string_view stock;
  std::uint32_t ipo_quotation_release_time = 0;  // seconds after midnight
  char ipo_quotation_release_qualifier = 'A';
  std::uint32_t ipo_price = 0;  // Price(4)
  void write(BeWriter& w) const {
    w.alpha(stock, 8);
    w.u32(ipo_quotation_release_time);
    w.alpha(ipo_quotation_release_qualifier);
    w.u32(ipo_price);
  }
};

struct LuldAuctionCollar {  // 4.2.7
  static constexpr char kType = 'J';
  static constexpr std::size_t kLength = 35;
  Header header;
  std::string_view stock;
  std::uint32_t auction_collar_reference_price = 0;
  std::uint32_t upper_auction_collar_price = 0;
  std::uint32_t lower_auction_collar_price = 0;
  std::uint32_t auction_collar_extension = 0;
  void write(BeWriter& w) const {
    w.alpha(stock, 8);
    w.u32(auction_collar_reference_price);
    w.u32(upper_auction_collar_price);
    w.u32(lower_auction_collar_price);
    w.u32(auction_collar_extension);
  }
};

struct OperationalHalt {  // 4.2.8
  static constexpr char kType = 'h';
  static constexpr std::size_t kLength = 21;
  Header header;
  std::string_view stock;
  char market_code = 'Q';
  char operational_halt_action = 'H';
  void write(BeWriter& w) const {
    w.alpha(stock, 8);
    w.alpha(market_code);
    w.alpha(operational_halt_action);
  }
};

struct AddOrder {  // 4.3.1
  static constexpr char kType = 'A';
  static constexpr std::size_t kLength = 36;
  Header header;
  std::uint64_t order_reference_number = 0;
  char buy_sell_indicator = 'B';
  std::uint32_t shares = 0;
  std::string_view stock;
  std::uint32_t price = 0;  // Price(4)
  void write(BeWriter& w) const {
    w.u64(order_reference_number);
    w.alpha(buy_sell_indicator);
    w.u32(shares);
    w.alpha(stock, 8);
    w.u32(price);
  }
};

struct AddOrderMpid {  // 4.3.2
  static constexpr char kType = 'F';
  static constexpr std::size_t kLength = 40;
  Header header;
  std::uint64_t order_reference_number = 0;
  char buy_sell_indicator = 'B';
  std::uint32_t shares = 0;
  std::string_view stock;
  std::uint32_t price = 0;
  std::string_view attribution = "SIMU";
  void write(BeWriter& w) const {
    w.u64(order_reference_number);
    w.alpha(buy_sell_indicator);
    w.u32(shares);
    w.alpha(stock, 8);
    w.u32(price);
    w.alpha(attribution, 4);
  }
};

struct OrderExecuted {  // 4.4.1
  static constexpr char kType = 'E';
  static constexpr std::size_t kLength = 31;
  Header header;
  std::uint64_t order_reference_number = 0;
  std::uint32_t executed_shares = 0;
  std::uint64_t match_number = 0;
  void write(BeWriter& w) const {
    w.u64(order_reference_number);
    w.u32(executed_shares);
    w.u64(match_number);
  }
};

struct OrderExecutedWithPrice {  // 4.4.2
  static constexpr char kType = 'C';
  static constexpr std::size_t kLength = 36;
  Header header;
  std::uint64_t order_reference_number = 0;
  std::uint32_t executed_shares = 0;
  std::uint64_t match_number = 0;
  char printable = 'Y';
  std::uint32_t execution_price = 0;
  void write(BeWriter& w) const {
    w.u64(order_reference_number);
    w.u32(executed_shares);
    w.u64(match_number);
    w.alpha(printable);
    w.u32(execution_price);
  }
};

struct OrderCancel {  // 4.4.3
  static constexpr char kType = 'X';
  static constexpr std::size_t kLength = 23;
  Header header;
  std::uint64_t order_reference_number = 0;
  std::uint32_t cancelled_shares = 0;
  void write(BeWriter& w) const {
    w.u64(order_reference_number);
    w.u32(cancelled_shares);
  }
};

struct OrderDelete {  // 4.4.4
  static constexpr char kType = 'D';
  static constexpr std::size_t kLength = 19;
  Header header;
  std::uint64_t order_reference_number = 0;
  void write(BeWriter& w) const { w.u64(order_reference_number); }
};

struct OrderReplace {  // 4.4.5
  static constexpr char kType = 'U';
  static constexpr std::size_t kLength = 35;
  Header header;
  std::uint64_t original_order_reference_number = 0;
  std::uint64_t new_order_reference_number = 0;
  std::uint32_t shares = 0;
  std::uint32_t price = 0;
  void write(BeWriter& w) const {
    w.u64(original_order_reference_number);
    w.u64(new_order_reference_number);
    w.u32(shares);
    w.u32(price);
  }
};

struct Trade {  // 4.5.1 (non-cross)
  static constexpr char kType = 'P';
  static constexpr std::size_t kLength = 44;
  Header header;
  std::uint64_t order_reference_number = 0;
  char buy_sell_indicator = 'B';
  std::uint32_t shares = 0;
  std::string_view stock;
  std::uint32_t price = 0;
  std::uint64_t match_number = 0;
  void write(BeWriter& w) const {
    w.u64(order_reference_number);
    w.alpha(buy_sell_indicator);
    w.u32(shares);
    w.alpha(stock, 8);
    w.u32(price);
    w.u64(match_number);
  }
};

struct CrossTrade {  // 4.5.2
  static constexpr char kType = 'Q';
  static constexpr std::size_t kLength = 40;
  Header header;
  std::uint64_t shares = 0;
  std::string_view stock;
  std::uint32_t cross_price = 0;
  std::uint64_t match_number = 0;
  char cross_type = 'O';
  void write(BeWriter& w) const {
    w.u64(shares);
    w.alpha(stock, 8);
    w.u32(cross_price);
    w.u64(match_number);
    w.alpha(cross_type);
  }
};

struct BrokenTrade {  // 4.5.3
  static constexpr char kType = 'B';
  static constexpr std::size_t kLength = 19;
  Header header;
  std::uint64_t match_number = 0;
  void write(BeWriter& w) const { w.u64(match_number); }
};

struct Noii {  // 4.6 Net Order Imbalance Indicator
  static constexpr char kType = 'I';
  static constexpr std::size_t kLength = 50;
  Header header;
  std::uint64_t paired_shares = 0;
  std::uint64_t imbalance_shares = 0;
  char imbalance_direction = 'N';
  std::string_view stock;
  std::uint32_t far_price = 0;
  std::uint32_t near_price = 0;
  std::uint32_t current_reference_price = 0;
  char cross_type = 'O';
  char price_variation_indicator = 'L';
  void write(BeWriter& w) const {
    w.u64(paired_shares);
    w.u64(imbalance_shares);
    w.alpha(imbalance_direction);
    w.alpha(stock, 8);
    w.u32(far_price);
    w.u32(near_price);
    w.u32(current_reference_price);
    w.alpha(cross_type);
    w.alpha(price_variation_indicator);
  }
};

struct RetailPriceImprovement {  // 4.7 Retail Price Improvement Indicator (RPII)
  static constexpr char kType = 'N';
  static constexpr std::size_t kLength = 20;
  Header header;
  std::string_view stock;
  char interest_flag = 'N';
  void write(BeWriter& w) const {
    w.alpha(stock, 8);
    w.alpha(interest_flag);
  }
};

struct DirectListingPriceDiscovery {  // 4.8 Direct Listing with Capital Raise Price Discovery
  static constexpr char kType = 'O';
  static constexpr std::size_t kLength = 48;
  Header header;
  std::string_view stock;
  char open_eligibility_status = 'N';
  std::uint32_t minimum_allowable_price = 0;
  std::uint32_t maximum_allowable_price = 0;
  std::uint32_t near_execution_price = 0;
  std::uint64_t near_execution_time = 0;  // ns after midnight
  std::uint32_t lower_price_range_collar = 0;
  std::uint32_t upper_price_range_collar = 0;
  void write(BeWriter& w) const {
    w.alpha(stock, 8);
    w.alpha(open_eligibility_status);
    w.u32(minimum_allowable_price);
    w.u32(maximum_allowable_price);
    w.u32(near_execution_price);
    w.u64(near_execution_time);
    w.u32(lower_price_range_collar);
    w.u32(upper_price_range_collar);
  }
};

// GLIMPSE 5.0 End of Snapshot: type 'G' and the next TotalView-ITCH sequence number as 20 ASCII
// digits, right-justified and space padded (Numeric). It has no common prefix: append() below
// has an overload for it. Only a GLIMPSE snapshot carries it, never the live feed.
struct EndOfSnapshot {
  static constexpr char kType = 'G';
  static constexpr std::size_t kLength = 21;
  std::uint64_t sequence_number = 0;
};

inline std::size_t append(std::vector<std::uint8_t>& out, const EndOfSnapshot& m) {
  const std::string digits = std::to_string(m.sequence_number);  // at most 20 digits
  out.push_back(static_cast<std::uint8_t>(EndOfSnapshot::kType));
  out.insert(out.end(), 20 - digits.size(), ' ');
  out.insert(out.end(), digits.begin(), digits.end());
  return EndOfSnapshot::kLength;
}

// Appends the wire image of `m` (exactly M::kLength bytes) to `out`; returns that length.
template <class M>
std::size_t append(std::vector<std::uint8_t>& out, const M& m) {
  const std::size_t before = out.size();
  BeWriter w(out);
  write_header(w, M::kType, m.header);
  m.write(w);
  return out.size() - before;  // == M::kLength, checked by tests/wire/itch_encode_test.cpp
}

// The wire image of `m` as a new vector (exactly M::kLength bytes).
template <class M>
std::vector<std::uint8_t> encode(const M& m) {
  std::vector<std::uint8_t> out;
  out.reserve(M::kLength);
  append(out, m);
  return out;
}

}  // namespace ichannel::wire::itch
