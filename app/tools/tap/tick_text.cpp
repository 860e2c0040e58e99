// tap/tick_text.cpp: see tick_text.hpp.
#include "tap/tick_text.hpp"

#include <fmt/format.h>

#include <cstring>

#include "tap/tick_digest.hpp"

namespace ichannel::tools {
namespace {

std::string side_string(Side s) {
  const auto c = static_cast<unsigned char>(s);
  if (c == 0) return {};
  if (c >= 0x20 && c < 0x7f) return std::string(1, static_cast<char>(c));
  return fmt::format("\\x{:02x}", c);
}

std::string price_string(std::int64_t p) {
  const char* sign = p < 0 ? "-" : "";
  const std::uint64_t a = p < 0 ? 0 - static_cast<std::uint64_t>(p) : static_cast<std::uint64_t>(p);
  const auto scale = static_cast<std::uint64_t>(kPriceScale);
  return fmt::format("{}{}.{:04}", sign, a / scale, a % scale);
}

}  // namespace

std::string flags_string(const Tick& t) {
  std::string s;
  const auto add = [&](std::string_view name) {
    if (!s.empty()) s += ',';
    s += name;
  };
  if (has_flag(t, kTickRecovered)) add("recovered");
  if (has_flag(t, kTickLastInPacket)) add("last");
  if (has_flag(t, kTickAfterGap)) add("after_gap");
  if (has_flag(t, kTickSnapshot)) add("snapshot");
  const auto other = static_cast<std::uint8_t>(
      t.flags & ~(kTickRecovered | kTickLastInPacket | kTickAfterGap | kTickSnapshot));
  if (other != 0) add(fmt::format("0x{:02x}", other));
  return s.empty() ? std::string{"-"} : s;
}

void SymbolBook::learn(const Tick& t) noexcept {
  if (t.action != Action::kDirectory) return;
  std::memcpy((*symbols_)[t.instrument], &t.order_id, 8);
}

std::string_view SymbolBook::symbol(std::uint16_t locate) const noexcept {
  const char* s = (*symbols_)[locate];
  std::size_t n = 8;
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\0')) --n;
  return {s, n};
}

std::string symbol_of_directory(const Tick& t) {
  char s[8];
  std::memcpy(s, &t.order_id, 8);
  std::size_t n = 8;
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\0')) --n;
  return std::string(s, n);
}

std::string format_price(std::int64_t price) {
  return price_string(price);
}

std::string format_exchange_time(std::uint64_t ns) {
  const std::uint64_t s = ns / 1'000'000'000ull;
  return fmt::format("{:02}:{:02}:{:02}.{:09}", s / 3600, (s / 60) % 60, s % 60,
                     ns % 1'000'000'000ull);
}

std::string format_tick_text(const Tick& t, std::string_view symbol, std::int64_t latency_ns) {
  std::string sym = symbol.empty() ? fmt::format("#{}", t.instrument)
                                   : fmt::format("{}({})", symbol, t.instrument);
  if (t.action == Action::kDirectory)
    sym = fmt::format("{}({})", symbol_of_directory(t), t.instrument);
  const std::string side = side_string(t.side);
  return fmt::format("seq={} {} {} {}{}{} {} @ {} oid={} aux={} feed={} flags={} lat_ns={}",
                     t.seq, format_exchange_time(std::uint64_t{t.exch_ns}), action_name(t.action),
                     side, side.empty() ? "" : " ", sym, t.qty, price_string(t.price),
                     t.action == Action::kDirectory ? 0 : t.order_id, t.aux,
                     std::uint64_t{t.feed}, flags_string(t), latency_ns);
}

std::string format_tick_json(const Tick& t, std::string_view symbol, std::int64_t latency_ns) {
  const std::string sym =
      t.action == Action::kDirectory ? symbol_of_directory(t) : std::string(symbol);
  return fmt::format(
      "{{\"seq\":{},\"action\":\"{}\",\"instrument\":{},\"symbol\":\"{}\",\"side\":\"{}\","
      "\"qty\":{},\"price\":{},\"price_str\":\"{}\",\"order_id\":{},\"aux\":{},\"exch_ns\":{},"
      "\"recv_ns\":{},\"latency_ns\":{},\"feed\":{},\"flags\":{},\"recovered\":{},"
      "\"last_in_packet\":{},\"after_gap\":{},\"snapshot\":{}}}",
      t.seq, action_name(t.action), t.instrument, json_escape(sym),
      json_escape(side_string(t.side)), t.qty, t.price, price_string(t.price), t.order_id, t.aux,
      std::uint64_t{t.exch_ns}, t.recv_ns, latency_ns, std::uint64_t{t.feed},
      std::uint64_t{t.flags}, has_flag(t, kTickRecovered), has_flag(t, kTickLastInPacket),
      has_flag(t, kTickAfterGap), has_flag(t, kTickSnapshot));
}

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\u{:04x}", u);
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace ichannel::tools
