// daemon/datapath/housekeeping.hpp: the RX loop's periodic pass (never per packet).
//
// Contract
// - The RX loop (rx_loop.hpp) compares the TSC with its housekeeping deadline every kCheckEvery
//   iterations; every kHousekeepingNs it calls rx_housekeeping(loop, now_ns): the counters of
//   its queues (RxCounters), feed lines and feeds (ItchFeed) and fan-outs (per channel filtered)
//   into the statistics segment, the published sequence and heartbeat of every channel it writes.
// - Runs on the loop's lcore only: it is the single writer of those statistics rows (relaxed
//   stores; the main lcore publishes the pass with its release store of update_ns).
// - Inline, noexcept, no allocation, no syscall, no DPDK.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

#include "daemon/datapath/loop_state.hpp"
#include "stats/layout.hpp"

namespace ichannel::daemon {

inline constexpr std::uint32_t kCheckEvery = 64;              // loop iterations between TSC reads
inline constexpr std::uint64_t kHousekeepingNs = 10'000'000;  // 10 ms: heartbeat + counters

// A feed's book counters into its BookStats row (names: stats/layout.hpp ICHANNEL_BOOK_STATS).
template <class Books>
inline void copy_book_stats(const Books& stage, stats::BookStats& b) noexcept {
  constexpr auto kR = std::memory_order_relaxed;
  const auto& books = stage.books();
  const book::BookCounters c = stage.counters();  // cumulative across snapshot hand-overs
  b.orders.store(c.live_orders, kR);
  b.levels.store(c.levels, kR);
  b.instruments.store(c.instruments_with_orders, kR);
  b.adds.store(c.adds, kR);
  b.executions.store(c.executes, kR);
  b.cancels.store(c.cancels, kR);
  b.deletes.store(c.deletes, kR);
  b.replaces.store(c.replaces, kR);
  b.unknown_refs.store(c.unknown_refs, kR);
  b.duplicate_refs.store(c.duplicate_refs, kR);
  b.over_executions.store(c.over_executions + c.over_cancels, kR);
  b.rejected_adds.store(c.rejected_adds + c.instrument_out_of_range, kR);
  b.crossed.store(c.crossed, kR);
  b.locked.store(c.locked, kR);
  b.order_store_full.store(c.order_store_full, kR);
  b.level_store_full.store(c.level_store_full, kR);
  b.resets.store(c.resets, kR);
  b.marked.store(books.possibly_wrong() ? 1 : 0, kR);
  b.marks.store(c.marks, kR);
  b.top_of_book.store(stage.top_records(), kR);
  b.memory_bytes.store(books.memory_bytes(), kR);
}

// Copies this loop's counters into the statistics segment and beats every channel's heartbeat.
inline void rx_housekeeping(RxLoop& loop, [[maybe_unused]] std::uint64_t now_ns) noexcept {
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
    (void)feed.handler->sink().service_snapshot();  // a snapshot's buffering and hand-over
    const feed::FeedCounters fc = feed.handler->counters();  // a snapshot
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
      ls.late_copies.store(lc.late_copies, kR);
      ls.held.store(lc.held, kR);
      ls.suspect.store(lc.suspect, kR);
      ls.seq_zero.store(lc.seq_zero, kR);
      ls.too_large.store(lc.too_large, kR);
      ls.long_messages.store(lc.long_messages, kR);
      ls.released.store(lc.released, kR);
    }
    if (feed.feed_stats >= 0) {
      stats::FeedStats& fs = s.feeds[static_cast<std::size_t>(feed.feed_stats)];
      fs.ticks.store(fc.ticks, kR);
      fs.dropped_types.store(fc.dropped_types, kR);
      fs.gaps.store(fc.gaps, kR);
      fs.gap_messages.store(fc.gap_messages, kR);
      fs.session_changes.store(fc.session_changes, kR);
      fs.holes.store(fc.holes, kR);
      fs.held_now.store(fc.held_now, kR);
      fs.requests.store(fc.requests, kR);
      fs.request_timeouts.store(fc.request_timeouts, kR);
      fs.recovered.store(fc.recovered, kR);
      fs.recovery_packets.store(fc.recovery_packets, kR);
      fs.store_full.store(fc.store_full, kR);
      fs.suspect_confirmed.store(fc.suspect_confirmed, kR);
      fs.suspect_expired.store(fc.suspect_expired, kR);
      fs.undecodable.store(fc.undecodable, kR);
      for (std::size_t t = 0; t < stats::kItchTypes; ++t) fs.by_type[t].store(fc.by_type[t], kR);
    }
    const RxPipeline::Fanout& fanout = feed.handler->sink().ticks();
    for (std::size_t o = 0; o < fanout.size(); ++o) {
      filtered[fanout.output(o).channel] += fanout.filtered(o);
    }
    if (const auto* books = feed.handler->sink().books(); books != nullptr) {
      const auto& tops = books->tops();
      for (std::size_t o = 0; o < tops.size(); ++o) {
        filtered[tops.output(o).channel] += tops.filtered(o);
      }
      if (feed.feed_stats >= 0) copy_book_stats(*books, s.books[feed.feed_stats]);
    }
  }
  const auto mono = std::chrono::steady_clock::now();  // vDSO clock reads, no syscall
  for (const RxChannel& c : loop.channels) {
    std::uint64_t next = 1;
    if (c.channel != nullptr) {
      c.channel->heartbeat(mono);
      next = c.channel->sender().next_seq();
    } else if (c.tops != nullptr) {
      c.tops->heartbeat(mono);
      next = c.tops->sender().next_seq();
    }
    stats::ChannelStats& cs = s.channels[c.index];
    cs.published.store(next - 1, kR);
    cs.filtered.store(filtered[c.index], kR);
  }
  for (BookTableWriter* t : loop.tables) t->heartbeat(mono);
}

}  // namespace ichannel::daemon
