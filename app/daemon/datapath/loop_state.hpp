// daemon/datapath/loop_state.hpp: everything one RX loop owns.
//
// Contract
// - An RxLoop is built on the main lcore by control/wiring.cpp before the launch and not touched
//   by the main lcore afterwards except through the statistics segment (which it reads) and the
//   stop flag. Its queues' counters, its pipeline (feeds, fan-outs, router) and its channels'
//   Senders are single-threaded: only this loop's lcore uses them.
// - RxLoop::clock is this loop's own copy: only this loop mutates it (re-anchoring), so no
//   synchronization is needed.
// - No DPDK: port ids are plain integers; rx_loop.hpp polls them.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <ichannel/book_table.hpp>
#include <ichannel/channel.hpp>
#include <ichannel/tick.hpp>
#include <ichannel/top_of_book.hpp>
#include <memory>
#include <vector>

#include "daemon/datapath/pipeline.hpp"
#include "daemon/datapath/recovery_link.hpp"
#include "daemon/datapath/rx_counters.hpp"
#include "daemon/datapath/tsc_clock.hpp"
#include "stats/layout.hpp"

namespace ichannel::daemon {

using TickSender = Sender<Tick>;
using TopSender = Sender<TopOfBook>;
using RxPipeline = Pipeline<TickSender>;

struct RxQueue {
  std::uint16_t port_id = 0;     // DPDK port id
  std::uint16_t queue = 0;       // RX queue id
  std::uint16_t port_index = 0;  // Config::ports index (routing, statistics)
  std::size_t core_stats = 0;    // CoreStats index (= Config::cores index)
  RxCounters counters;
};

// A channel this loop writes: a tick channel or a top-of-book channel (the other is null).
struct RxChannel {
  std::size_t index = 0;  // Config::channels index (ChannelStats index)
  ProducerChannel<Tick>* channel = nullptr;
  ProducerChannel<TopOfBook>* tops = nullptr;
};

struct alignas(64) RxLoop {
  unsigned lcore = 0;
  std::vector<RxQueue> queues;
  RxPipeline pipeline;
  std::vector<RxChannel> channels;  // written only by this loop
  std::vector<BookTableWriter*> tables;  // book tables of this loop's feeds (heartbeat)
  stats::StatsSegment* stats = nullptr;
  const std::atomic<bool>* stop = nullptr;
  TscClock clock;  // this loop's copy, re-anchored by this loop only
  // Re-requests out / replies in (control/rerequest_client.hpp); null when no feed of this loop
  // has a re-request server. Its two queues are this loop's and the client thread's only link.
  std::unique_ptr<RecoveryLink> recovery;
};

}  // namespace ichannel::daemon
