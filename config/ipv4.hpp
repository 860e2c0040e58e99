// config/ipv4.hpp: strict dotted-quad IPv4 parsing and formatting, plus address classes.
//
// Contract
// - parse_ipv4 accepts exactly four decimal octets 0..255 separated by '.', no spaces, no leading
//   '+'/'-', at most three digits per octet; anything else is std::nullopt. Host byte order.
// - Pure functions, no allocation except format_ipv4's string; usable from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace ichannel::config {

[[nodiscard]] constexpr std::optional<Ipv4> parse_ipv4(std::string_view text) noexcept {
  Ipv4 address = 0;
  std::size_t pos = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (pos >= text.size() || text[pos] != '.') return std::nullopt;
      ++pos;
    }
    unsigned value = 0;
    std::size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && digits < 4) {
      value = value * 10 + static_cast<unsigned>(text[pos] - '0');
      ++pos;
      ++digits;
    }
    if (digits == 0 || digits > 3 || value > 255) return std::nullopt;
    address = (address << 8) | value;
  }
  if (pos != text.size()) return std::nullopt;
  return address;
}

// 224.0.0.0/4
[[nodiscard]] constexpr bool is_multicast(Ipv4 address) noexcept {
  return (address >> 28) == 0xE;
}

// A usable unicast source: not 0.0.0.0, not multicast, not 240.0.0.0/4 (reserved, broadcast).
[[nodiscard]] constexpr bool is_unicast(Ipv4 address) noexcept {
  return address != 0 && (address >> 28) < 0xE;
}

[[nodiscard]] inline std::string format_ipv4(Ipv4 address) {
  return std::to_string(address >> 24) + '.' + std::to_string((address >> 16) & 0xFF) + '.' +
         std::to_string((address >> 8) & 0xFF) + '.' + std::to_string(address & 0xFF);
}

}  // namespace ichannel::config
