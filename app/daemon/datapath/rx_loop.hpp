// daemon/datapath/rx_loop.hpp: the RX loop of one lcore (the hot path of ichannel-feed).
//
// Contract
// - rx_loop_main(RxLoop*) runs on a worker lcore (rte_eal_remote_launch). Per polled queue:
//   rte_eth_rx_burst(32); when packets arrived, ONE receive timestamp for the burst (TSC ->
//   ns since the Unix epoch, TscClock); each frame goes through the Pipeline (peel -> route ->
//   ItchFeed -> Fanout -> channels); the mbufs are freed in bulk.
// - No allocation, logging, syscall or lock inside the loop. Every kCheckEvery iterations the
//   re-request replies are taken from the loop's RecoveryLink, the feeds' timers run
//   (Pipeline::on_timer: reorder windows fire on a quiet feed too) and the
//   TSC is compared with the housekeeping deadline (every kHousekeepingNs, housekeeping.hpp);
//   and once per TscClock::kReanchorNs the loop's clock is re-anchored on CLOCK_REALTIME (cold:
//   a few vDSO clock_gettime calls, ~1-2 us once a second) so receive timestamps do not drift.
// - The RxLoop (loop_state.hpp) is built before the launch; exits after a final housekeeping
//   pass when *stop becomes true; returns 0.
// - The only DPDK header of the datapath.
#pragma once

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include <atomic>
#include <cstdint>

#include "daemon/datapath/housekeeping.hpp"
#include "daemon/datapath/loop_state.hpp"
#include "daemon/datapath/tsc_clock.hpp"

namespace ichannel::daemon {

inline constexpr std::uint16_t kRxBurst = 32;

inline void rx_poll_queue(RxLoop& loop, RxQueue& q) noexcept {
  rte_mbuf* bufs[kRxBurst];
  const std::uint16_t n = rte_eth_rx_burst(q.port_id, q.queue, bufs, kRxBurst);
  RxCounters& c = q.counters;
  ++c.polls;
  if (n == 0) return;
  ++c.bursts;
  c.packets += n;
  c.full_bursts += n == kRxBurst;
  const std::uint64_t recv_ns = loop.clock.now_ns();  // once per burst
  for (std::uint16_t i = 0; i < n; ++i) {
    if (i + 1 < n) rte_prefetch0(rte_pktmbuf_mtod(bufs[i + 1], const void*));
    const rte_mbuf* m = bufs[i];
    if (m->nb_segs != 1) [[unlikely]] {
      c.reject(kRejectMultiSegment);
      continue;
    }
    // Checksum offload results, where the PMD reports them (net_pcap and af_packet do not:
    // UNKNOWN, verified in software by the pipeline).
    const std::uint64_t ip = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
    const std::uint64_t l4 = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
    if (ip == RTE_MBUF_F_RX_IP_CKSUM_BAD) [[unlikely]] {
      c.reject(kRejectBadIpv4Checksum);
      continue;
    }
    if (l4 == RTE_MBUF_F_RX_L4_CKSUM_BAD) [[unlikely]] {
      c.reject(kRejectBadUdpChecksum);
      continue;
    }
    const bool verified = ip == RTE_MBUF_F_RX_IP_CKSUM_GOOD && l4 == RTE_MBUF_F_RX_L4_CKSUM_GOOD;
    loop.pipeline.on_frame({rte_pktmbuf_mtod(m, const std::uint8_t*), m->data_len}, q.port_index,
                           recv_ns, c, verified);
  }
  rte_pktmbuf_free_bulk(bufs, n);
}

// rte_lcore_function_t: arg is the RxLoop of this lcore.
inline int rx_loop_main(void* arg) noexcept {
  RxLoop& loop = *static_cast<RxLoop*>(arg);
  const std::uint64_t period = loop.clock.ticks(kHousekeepingNs);
  const std::uint64_t reanchor_period = loop.clock.ticks(TscClock::kReanchorNs);
  std::uint64_t deadline = read_tsc() + period;
  std::uint64_t reanchor_deadline = deadline - period + reanchor_period;
  std::uint32_t iteration = 0;
  for (;;) {
    for (RxQueue& q : loop.queues) rx_poll_queue(loop, q);
    if ((++iteration % kCheckEvery) != 0) continue;
    const std::uint64_t tsc = read_tsc();
    const std::uint64_t now_ns = loop.clock.to_ns(tsc);
    if (loop.recovery) {  // re-request replies the client thread queued for this loop's feeds
      loop.recovery->poll_replies([&](std::uint16_t slot, std::span<const std::uint8_t> p) {
        loop.pipeline.on_recovery(slot, p, now_ns);
      });
    }
    loop.pipeline.on_timer(now_ns);  // reorder windows fire on a quiet feed too
    if (tsc < deadline) continue;
    deadline = tsc + period;
    if (tsc >= reanchor_deadline) [[unlikely]] {
      loop.clock.reanchor();  // cold, once a second: bounds the timestamp drift
      reanchor_deadline = tsc + reanchor_period;
    }
    rx_housekeeping(loop, loop.clock.to_ns(tsc));
    // Pairs with the main lcore's release store when a stop was requested.
    if (loop.stop->load(std::memory_order_acquire)) break;
  }
  rx_housekeeping(loop, loop.clock.now_ns());
  return 0;
}

}  // namespace ichannel::daemon
