// feed/symbols.hpp: stock locate code -> symbol table, learned from the feed itself.
//
// Contract
// - ITCH messages name instruments by a 16-bit stock locate code; the symbol appears only in
//   messages that carry a Stock field (R stock directory, A/F add order, and the status, trade and
//   auction messages). The feed handler calls learn() for each of those before it publishes the
//   message's tick, so a sink that looks a locate up while handling that tick finds it.
// - Fixed 65536-entry array of 8-byte keys (512 KiB), allocated with the owner: learn() and every
//   lookup are O(1), inline, noexcept and never allocate. Key 0 means "not learned yet"; a key is
//   the 8 raw ASCII bytes of the symbol (space padded, as on the wire) read as a host integer.
// - version() changes whenever a known locate is re-bound to another symbol (a new session's
//   directory); caches keyed by locate (InstrumentFilter) compare it and rebuild.
// - Single writer (the feed's polling thread); readers on the same thread. Not thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "feed/itch50_messages.hpp"

namespace ichannel::feed {

[[nodiscard]] inline std::uint64_t symbol_key(const itch::Stock& stock) noexcept {
  std::uint64_t k;
  std::memcpy(&k, stock.data(), sizeof k);
  return k;
}

// Key of a symbol given as text ("AAPL" -> "AAPL    "); 0 if empty or longer than 8 bytes.
[[nodiscard]] inline std::uint64_t symbol_key(std::string_view symbol) noexcept {
  if (symbol.empty() || symbol.size() > 8) return 0;
  itch::Stock s;
  s.fill(' ');
  std::memcpy(s.data(), symbol.data(), symbol.size());
  return symbol_key(s);
}

// The symbol text of a key without its space padding (a view into `key` itself).
[[nodiscard]] inline std::string_view symbol_text(const std::uint64_t& key) noexcept {
  const char* p = reinterpret_cast<const char*>(&key);  // reading an object's own bytes
  std::size_t n = sizeof key;
  while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\0')) --n;
  return {p, n};
}

std::string_view symbol_text(std::uint64_t&&) = delete;  // the view would dangle

class SymbolTable {
 public:
  static constexpr std::size_t kSize = 65536;

  void learn(std::uint16_t locate, const itch::Stock& stock) noexcept {
    const std::uint64_t k = symbol_key(stock);
    std::uint64_t& slot = keys_[locate];
    if (slot == k || k == 0) return;
    if (slot == 0) {
      ++size_;
    } else {
      ++version_;  // a known locate now names another symbol
    }
    slot = k;
  }

  [[nodiscard]] bool known(std::uint16_t locate) const noexcept { return keys_[locate] != 0; }
  [[nodiscard]] std::uint64_t key(std::uint16_t locate) const noexcept { return keys_[locate]; }
  // Symbol text without padding; empty if unknown. The view points into the table.
  [[nodiscard]] std::string_view symbol(std::uint16_t locate) const noexcept {
    return symbol_text(keys_[locate]);
  }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::uint64_t version() const noexcept { return version_; }

  void clear() noexcept {
    keys_.fill(0);
    size_ = 0;
    ++version_;
  }

 private:
  std::array<std::uint64_t, kSize> keys_{};
  std::size_t size_ = 0;
  std::uint64_t version_ = 0;
};

}  // namespace ichannel::feed
