// sim/itch_encode.hpp: Nasdaq TotalView-ITCH 5.0 message encoder (the simulator's exchange side).
//
// Contract
// - Written from the ITCH 5.0 specification, independently of the decoders in app/feed/, so that
//   the two cross-check each other. One struct per message type the simulator emits, with the
//   spec's field names; `append()` writes the big-endian wire image (type byte first, length per
//   the spec: S 12, R 39, H 25, A 36, F 40, E 31, C 36, X 23, D 19, U 35, P 44, Q 40, I 50).
// - Every message starts with the common prefix: type(1) stock_locate(2) tracking_number(2)
//   timestamp(6, ns after midnight). Alpha fields are left-justified and space padded.
// - Cold-path tool code: append() grows a std::vector. Any thread; no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace ichannel::sim::itch {

// Appends big-endian integers and space-padded alpha fields to a byte vector.
class BeWriter {
 public:
  explicit BeWriter(std::vector<std::uint8_t>& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) { uint_n(v, 2); }
  void u32(std::uint32_t v) { uint_n(v, 4); }
  void u48(std::uint64_t v) { uint_n(v, 6); }
  void u64(std::uint64_t v) { uint_n(v, 8); }
  void alpha(std::string_view s, std::size_t width) {
    for (std::size_t i = 0; i < width; ++i) out_.push_back(i < s.size() ? s[i] : ' ');
  }
  void alpha(char c) { out_.push_back(static_cast<std::uint8_t>(c)); }

 private:
  void uint_n(std::uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  std::vector<std::uint8_t>& out_;
};

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

// Appends the wire image of `m` (exactly M::kLength bytes) to `out`; returns that length.
template <class M>
std::size_t append(std::vector<std::uint8_t>& out, const M& m) {
  const std::size_t before = out.size();
  BeWriter w(out);
  write_header(w, M::kType, m.header);
  m.write(w);
  return out.size() - before;  // == M::kLength, checked by tests/sim/itch_encode_test.cpp
}

}  // namespace ichannel::sim::itch
