// tap/top_text.cpp: see top_text.hpp.
#include "tap/top_text.hpp"

#include <fmt/format.h>

#include "tap/tick_text.hpp"

namespace ichannel::tools {

namespace {

std::string changes_string(std::uint8_t change) {
  std::string out;
  for (std::size_t b = 0; b < kTopChangeNames.size(); ++b) {
    if ((change & (1u << b)) == 0) continue;
    if (!out.empty()) out += ',';
    out += kTopChangeNames[b];
  }
  return out.empty() ? "-" : out;
}

std::string flags_text(std::uint8_t flags) {
  std::string out;
  const auto add = [&](std::uint8_t bit, const char* name) {
    if ((flags & bit) == 0) return;
    if (!out.empty()) out += ',';
    out += name;
    flags = static_cast<std::uint8_t>(flags & ~bit);
  };
  add(kTickRecovered, "recovered");
  add(kTickAfterGap, "after_gap");
  add(kBookPossiblyWrong, "possibly_wrong");
  if (flags != 0) out += fmt::format("{}0x{:02x}", out.empty() ? "" : ",", flags);
  return out.empty() ? "-" : out;
}

std::string side_text(std::int64_t price, std::uint32_t qty, std::uint16_t orders) {
  if (qty == 0 && orders == 0) return "-";
  return fmt::format("{} @ {} ({})", qty, format_price(price), orders);
}

std::string state_text(std::uint8_t s) {
  return s == 0 ? std::string("-") : std::string(1, static_cast<char>(s));
}

}  // namespace

std::string format_top_text(const TopOfBook& r, std::int64_t latency_ns) {
  return fmt::format("seq={} {} top {} bid {} ask {} state={} change={} feed={} flags={} lat_ns={}",
                     r.seq, format_exchange_time(r.exch_ns), r.instrument,
                     side_text(r.bid_price, r.bid_qty, r.bid_orders),
                     side_text(r.ask_price, r.ask_qty, r.ask_orders), state_text(r.trading_state),
                     changes_string(r.change), std::uint64_t{r.feed},
                     flags_text(static_cast<std::uint8_t>(r.flags)), latency_ns);
}

std::string format_top_json(const TopOfBook& r, std::int64_t latency_ns) {
  return fmt::format(
      "{{\"seq\":{},\"instrument\":{},\"bid_price\":{},\"bid_price_str\":\"{}\",\"bid_qty\":{},"
      "\"bid_orders\":{},\"ask_price\":{},\"ask_price_str\":\"{}\",\"ask_qty\":{},"
      "\"ask_orders\":{},\"trading_state\":\"{}\",\"change\":{},\"changes\":\"{}\","
      "\"exch_ns\":{},\"recv_ns\":{},\"latency_ns\":{},\"feed\":{},\"flags\":{},"
      "\"possibly_wrong\":{}}}",
      r.seq, r.instrument, r.bid_price, format_price(r.bid_price), r.bid_qty, r.bid_orders,
      r.ask_price, format_price(r.ask_price), r.ask_qty, r.ask_orders,
      r.trading_state == 0 ? std::string() : std::string(1, static_cast<char>(r.trading_state)),
      r.change, changes_string(r.change), std::uint64_t{r.exch_ns}, r.recv_ns, latency_ns,
      std::uint64_t{r.feed}, std::uint64_t{r.flags},
      has_flag(r, kBookPossiblyWrong) ? "true" : "false");
}

}  // namespace ichannel::tools
