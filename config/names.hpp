// config/names.hpp: which names the configuration accepts for channels, ports, feeds and prefixes.
//
// Contract
// - is_valid_channel_name: 1..63 characters of [A-Za-z0-9._-], not starting with '.' and no "..",
//   so the name is a single safe, visible file name below the channel directory (never '/', never
//   a hidden name like the producers' temporaries ".NAME.PID.tmp"). Exactly the rule of
//   ichannel::validate_channel_name (<ichannel/channel.hpp>), which the producer applies;
//   tests/config/names_test.cpp checks that the two agree.
// - is_valid_identifier: 1..63 characters of [A-Za-z0-9._-] (port, feed names, file prefix).
// - is_valid_symbol: 1..8 printable ASCII characters without spaces (an ITCH stock symbol).
// - Pure, noexcept, no allocation.
#pragma once

#include <cstddef>
#include <string_view>

namespace ichannel::config {

inline constexpr std::size_t kMaxNameLength = 63;
inline constexpr std::size_t kMaxSymbolLength = 8;

[[nodiscard]] constexpr bool is_name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

[[nodiscard]] constexpr bool is_valid_identifier(std::string_view name) noexcept {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (char c : name) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

[[nodiscard]] constexpr bool is_valid_channel_name(std::string_view name) noexcept {
  return is_valid_identifier(name) && name.front() != '.' &&
         name.find("..") == std::string_view::npos;
}

[[nodiscard]] constexpr bool is_valid_symbol(std::string_view symbol) noexcept {
  if (symbol.empty() || symbol.size() > kMaxSymbolLength) return false;
  for (char c : symbol) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

}  // namespace ichannel::config
