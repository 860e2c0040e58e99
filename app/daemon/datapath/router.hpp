// daemon/datapath/router.hpp: packet -> feed line lookup of one RX loop.
//
// Contract
// - A small flat array of (rx port, multicast group, UDP port [, VLAN, source]) -> (feed slot,
//   line) entries, scanned linearly: a loop serves a handful of lines, so a scan over one or two
//   cache lines beats any hash. Built on the cold path (add), read on the hot path (find).
// - find() is inline noexcept, allocation-free; returns nullptr when nothing matches (the caller
//   counts the packet as unrouted). An entry without VLAN / source matches any VLAN / source;
//   entries with more filters are kept before entries with fewer, so the most specific wins.
// - add() returns false when the table is full (kMaxEntries) or the exact key is already present.
// - Not thread-safe: one Router per RX loop.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace ichannel::daemon {

inline constexpr std::int32_t kAnyVlan = -1;  // entry: any VLAN (or none); packet: untagged
inline constexpr std::uint32_t kAnySource = 0;

struct RouteKey {
  std::uint16_t port_index = 0;       // config port index the packet arrived on
  std::uint16_t udp_port = 0;         // destination UDP port
  std::uint32_t group = 0;            // destination IPv4, host order
  std::int32_t vlan = kAnyVlan;       // outermost VLAN id, or kAnyVlan
  std::uint32_t source = kAnySource;  // source IPv4, host order, or kAnySource

  friend bool operator==(const RouteKey&, const RouteKey&) = default;
};

struct RouteEntry {
  RouteKey key;
  std::uint16_t feed_slot = 0;  // index of the feed (ItchFeed) in the RX loop
  std::uint8_t line = 0;        // 0 = A, 1 = B
};

class Router {
 public:
  static constexpr std::size_t kMaxEntries = 64;

  bool add(const RouteKey& key, std::uint16_t feed_slot, std::uint8_t line) noexcept {
    if (size_ == kMaxEntries) return false;
    for (std::size_t i = 0; i < size_; ++i) {
      if (entries_[i].key == key) return false;
    }
    // Keep more specific entries first: stable insert before the first less specific one.
    std::size_t pos = size_;
    for (std::size_t i = 0; i < size_; ++i) {
      if (specificity(entries_[i].key) < specificity(key)) {
        pos = i;
        break;
      }
    }
    for (std::size_t i = size_; i > pos; --i) entries_[i] = entries_[i - 1];
    entries_[pos] = RouteEntry{key, feed_slot, line};
    ++size_;
    return true;
  }

  // vlan: the packet's outermost VLAN id or kAnyVlan when untagged.
  [[nodiscard]] const RouteEntry* find(std::uint16_t port_index, std::uint32_t group,
                                       std::uint16_t udp_port, std::int32_t vlan,
                                       std::uint32_t source) const noexcept {
    for (std::size_t i = 0; i < size_; ++i) {
      const RouteKey& k = entries_[i].key;
      if (k.group == group && k.udp_port == udp_port && k.port_index == port_index &&
          (k.vlan == kAnyVlan || k.vlan == vlan) &&
          (k.source == kAnySource || k.source == source)) {
        return &entries_[i];
      }
    }
    return nullptr;
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] const RouteEntry& operator[](std::size_t i) const noexcept { return entries_[i]; }

 private:
  static int specificity(const RouteKey& k) noexcept {
    return (k.vlan != kAnyVlan ? 1 : 0) + (k.source != kAnySource ? 1 : 0);
  }

  std::array<RouteEntry, kMaxEntries> entries_{};
  std::size_t size_ = 0;
};

}  // namespace ichannel::daemon
