// tap/tick_text.hpp: human and JSON renderings of one Tick, for ichannel-tap's print modes.
//
// Contract
// - Cold path (tools only): returns std::string, allocates.
// - SymbolBook learns instrument symbols from kDirectory ticks (order_id carries the 8 ASCII
//   symbol bytes, space padded) so later ticks can be printed with their symbol.
// - Prices are printed from the fixed-point value (kPriceScale); JSON keeps the raw integer too.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <ichannel/tick.hpp>

namespace ichannel::tools {

class SymbolBook {
 public:
  SymbolBook() : symbols_(std::make_unique<std::array<char[8], 65536>>()) {}
  void learn(const Tick& t) noexcept;  // no-op unless t is a kDirectory tick
  std::string_view symbol(std::uint16_t locate) const noexcept;  // "" when unknown

 private:
  std::unique_ptr<std::array<char[8], 65536>> symbols_;
};

// Decodes the kDirectory order_id into the symbol it carries (trailing spaces trimmed).
std::string symbol_of_directory(const Tick& t);

// "201.2300" from a kPriceScale fixed-point price.
std::string format_price(std::int64_t price);

// "09:30:00.000001234" from ns after midnight.
std::string format_exchange_time(std::uint64_t ns_after_midnight);

// Tick::flags as text: "recovered", "last", "after_gap", "snapshot" joined by ',' (unknown bits
// as hex);
// "-" when none is set.
std::string flags_string(const Tick& t);

// One line, no trailing newline, e.g.
// "seq=17 09:30:00.000012345 add B AAPL(12) 100 @ 201.2300 oid=4242 aux=0 feed=0 flags=last
//  lat_ns=812"
std::string format_tick_text(const Tick& t, std::string_view symbol, std::int64_t latency_ns);

// One JSON object, no trailing newline; keys: seq, action, instrument, symbol, side, qty, price,
// price_str, order_id, aux, exch_ns, recv_ns, latency_ns, feed, flags (the byte), recovered,
// last_in_packet, after_gap, snapshot (booleans).
std::string format_tick_json(const Tick& t, std::string_view symbol, std::int64_t latency_ns);

// Minimal JSON string escaping (quotes, backslash, control characters).
std::string json_escape(std::string_view s);

}  // namespace ichannel::tools
