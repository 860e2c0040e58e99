// app/stats/aggregate.hpp: the main lcore's per-interval statistics arithmetic.
//
// Contract
// - sum_cores_into_ports(seg): PortStats::polled / unrouted / rejected[] / rejected_total become
//   the sums of the CoreStats of the RX queues polling that port (the RX loops write CoreStats,
//   the main lcore writes PortStats: one writer per counter).
// - ChannelRates::update(seg, now_ns) stores ChannelStats::rate_per_s from the change of
//   `published` since the previous call (0 on the first call).
// - Main lcore only. noexcept, no allocation (fixed arrays), no DPDK.
#pragma once

#include <array>
#include <cstdint>

#include "stats/layout.hpp"

namespace ichannel::stats {

inline void sum_cores_into_ports(StatsSegment& seg) noexcept {
  constexpr auto kR = std::memory_order_relaxed;  // single writer per counter, readers relaxed
  const StatsHeader& h = seg.header;
  for (std::uint32_t p = 0; p < h.port_count && p < kMaxPorts; ++p) {
    std::uint64_t polled = 0, unrouted = 0, rejected_total = 0;
    std::array<std::uint64_t, kMaxRejectReasons> rejected{};
    for (std::uint32_t c = 0; c < h.core_count && c < kMaxCores; ++c) {
      const CoreStats& cs = seg.cores[c];
      if (cs.port_index != p) continue;
      polled += cs.packets.load(kR);
      unrouted += cs.unrouted.load(kR);
      rejected_total += cs.rejected_total.load(kR);
      for (std::size_t r = 0; r < rejected.size(); ++r) rejected[r] += cs.rejected[r].load(kR);
    }
    PortStats& ps = seg.ports[p];
    ps.polled.store(polled, kR);
    ps.unrouted.store(unrouted, kR);
    ps.rejected_total.store(rejected_total, kR);
    for (std::size_t r = 0; r < rejected.size(); ++r) ps.rejected[r].store(rejected[r], kR);
  }
}

class ChannelRates {
 public:
  void update(StatsSegment& seg, std::uint64_t now_ns) noexcept {
    constexpr auto kR = std::memory_order_relaxed;  // published: RX loop writes, we read
    const std::uint32_t n = seg.header.channel_count;
    for (std::uint32_t i = 0; i < n && i < kMaxChannels; ++i) {
      const std::uint64_t published = seg.channels[i].published.load(kR);
      std::uint64_t rate = 0;
      if (last_ns_ != 0 && now_ns > last_ns_ && published >= last_[i]) {
        rate = (published - last_[i]) * 1'000'000'000ULL / (now_ns - last_ns_);
      }
      seg.channels[i].rate_per_s.store(rate, kR);
      last_[i] = published;
    }
    last_ns_ = now_ns;
  }

 private:
  std::array<std::uint64_t, kMaxChannels> last_{};
  std::uint64_t last_ns_ = 0;
};

}  // namespace ichannel::stats
