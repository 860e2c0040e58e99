// app/daemon/rx_loop.hpp: the RX loop of one lcore (the hot path of ichannel-feed).
//
// Contract
// - rx_loop_main(RxLoop*) runs on a worker lcore (rte_eal_remote_launch). Per polled queue:
//   rte_eth_rx_burst(32); when packets arrived, ONE receive timestamp for the burst (TSC ->
//   ns since the Unix epoch, TscClock); each frame goes through the Pipeline (peel -> route ->
//   FeedHandler -> Publisher -> channels); the mbufs are freed in bulk.
// - No allocation, logging, syscall or lock inside the loop. Every kCheckEvery iterations the
//   TSC is compared with the housekeeping deadline (every kHousekeepingNs): heartbeat into each
//   channel this loop writes, counters into the statistics segment, stop flag check; and once
//   per TscClock::kReanchorNs the loop's clock is re-anchored on CLOCK_REALTIME (cold: a few
//   vDSO clock_gettime calls, ~1-2 us once a second) so receive timestamps do not drift.
// - The RxLoop is built on the main lcore before the launch and not touched by it afterwards
//   except through the statistics segment (which the main lcore reads) and the stop flag.
//   RxLoop::clock is this loop's own copy: only this loop mutates it (re-anchoring), so no
//   synchronization is needed.
// - Exits after a final housekeeping pass when *stop becomes true; returns 0.
#pragma once

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <ichannel/channel.hpp>
#include <ichannel/tick.hpp>
#include <span>
#include <vector>

#include "pipeline.hpp"
#include "stats/layout.hpp"
#include "tsc_clock.hpp"

namespace ichannel::daemon {

inline constexpr std::uint16_t kRxBurst = 32;
inline constexpr std::uint32_t kCheckEvery = 64;              // loop iterations between TSC reads
inline constexpr std::uint64_t kHousekeepingNs = 10'000'000;  // 10 ms: heartbeat + counters

using TickSender = Sender<Tick>;
using RxPipeline = Pipeline<TickSender>;

struct RxQueue {
  std::uint16_t port_id = 0;     // DPDK port id
  std::uint16_t queue = 0;       // RX queue id
  std::uint16_t port_index = 0;  // Config::ports index (routing, statistics)
  std::size_t core_stats = 0;    // CoreStats index (= Config::cores index)
  RxCounters counters;
};

struct RxChannel {
  std::size_t index = 0;  // Config::channels index (ChannelStats index)
  ProducerChannel<Tick>* channel = nullptr;
};

struct alignas(64) RxLoop {
  unsigned lcore = 0;
  std::vector<RxQueue> queues;
  RxPipeline pipeline;
  std::vector<RxChannel> channels;  // written only by this loop
  stats::StatsSegment* stats = nullptr;
  const std::atomic<bool>* stop = nullptr;
  TscClock clock;  // this loop's copy, re-anchored by this loop only
};

// Copies this loop's counters into the statistics segment and beats every channel's heartbeat.
inline void rx_housekeeping(RxLoop& loop, std::uint64_t now_ns) noexcept {
  constexpr auto kR = std::memory_order_relaxed;  // single writer; readers load relaxed
  stats::StatsSegment& s = *loop.stats;
  for (const RxQueue& q : loop.queues) {
    stats::CoreStats& cs = s.cores[q.core_stats];
    cs.polls.store(q.counters.polls, kR);
    cs.bursts.store(q.counters.bursts, kR);
    cs.packets.store(q.counters.packets, kR);
    cs.full_bursts.store(q.counters.full_bursts, kR);
    cs.unrouted.store(q.counters.unrouted, kR);
    cs.rejected_total.store(q.counters.rejected_total, kR);
    for (std::size_t r = 0; r < kRejectReasonCount; ++r) {
      cs.rejected[r].store(q.counters.rejected[r], kR);
    }
  }
  std::array<std::uint64_t, stats::kMaxChannels> filtered{};
  for (std::size_t f = 0; f < loop.pipeline.feed_count(); ++f) {
    const RxPipeline::Feed& feed = loop.pipeline.feed(f);
    const feed::FeedCounters& fc = feed.handler->counters();
    for (int l = 0; l < 2; ++l) {
      if (feed.line_stats[l] < 0) continue;
      const feed::LineCounters& lc = fc.line[l];
      stats::LineStats& ls = s.lines[static_cast<std::size_t>(feed.line_stats[l])];
      ls.packets.store(lc.packets, kR);
      ls.messages.store(lc.messages, kR);
      ls.gaps.store(lc.gaps, kR);
      ls.gap_messages.store(lc.gap_messages, kR);
      ls.duplicates.store(lc.duplicates, kR);
      ls.malformed.store(lc.malformed, kR);
      ls.unknown_type.store(lc.unknown_type, kR);
      ls.bad_length.store(lc.bad_length, kR);
      ls.heartbeats.store(lc.heartbeats, kR);
      ls.end_of_session.store(lc.end_of_session, kR);
      ls.stale_session.store(lc.stale_session, kR);
      ls.next_seq.store(lc.next_seq, kR);
    }
    if (feed.feed_stats >= 0) {
      stats::FeedStats& fs = s.feeds[static_cast<std::size_t>(feed.feed_stats)];
      fs.ticks.store(fc.ticks, kR);
      fs.dropped_types.store(fc.dropped_types, kR);
      fs.gaps.store(fc.gaps, kR);
      fs.gap_messages.store(fc.gap_messages, kR);
      fs.session_changes.store(fc.session_changes, kR);
      for (std::size_t t = 0; t < stats::kItchTypes; ++t) fs.by_type[t].store(fc.by_type[t], kR);
    }
    for (std::size_t o = 0; o < feed.publisher.size(); ++o) {
      filtered[feed.publisher.output(o).channel] += feed.publisher.filtered(o);
    }
  }
  for (const RxChannel& c : loop.channels) {
    c.channel->heartbeat(now_ns);
    stats::ChannelStats& cs = s.channels[c.index];
    cs.published.store(c.channel->sender().next_seq() - 1, kR);
    cs.filtered.store(filtered[c.index], kR);
  }
}

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
    loop.pipeline.on_frame({rte_pktmbuf_mtod(m, const std::uint8_t*), m->data_len}, q.port_index,
                           recv_ns, c);
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
