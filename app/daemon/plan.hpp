// app/daemon/plan.hpp: who does what at run time, derived from a validated Config.
//
// Contract
// - make_plan(config) groups the configured cores by lcore into RX loops (one loop per distinct
//   lcore; a loop may poll several port queues), gives every feed to the single loop that polls
//   all of its lines' ports, and every channel to the single loop whose feeds publish into it.
//   That makes every FeedHandler (A/B merge state) and every channel Sender single-threaded,
//   which the ring requires (one producer per channel).
// - Configurations the daemon cannot run this way are returned as errors naming the key and the
//   reason (exit status 2, nothing created): a feed whose ports are polled by no loop or by more
//   than one, a channel fed from two loops, the same feed routed twice into one channel, two
//   lines with the same (port, group, UDP port, VLAN, source), and counts beyond the statistics
//   segment's fixed limits (stats/layout.hpp).
// - Cold path, pure (allocates), no DPDK: unit-tested without a NIC.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "config.hpp"

namespace ichannel::daemon {

inline constexpr std::size_t kMaxOutputsPerFeed = 16;  // channels one feed may publish into
inline constexpr std::size_t kMaxQueuesPerLoop = 8;    // port queues one RX loop polls

struct PlanError {
  std::string key;     // e.g. "cores", "routes[1].channels[0]"
  std::string reason;  // e.g. "channel itch.all is fed from lcores 1 and 2; ..."
};

struct FeedOutput {
  std::size_t channel = 0;           // index into Config::channels
  std::vector<std::string> symbols;  // instrument filter of the route; empty: everything
};

struct FeedPlan {
  std::size_t loop = 0;             // index into Plan::loops
  std::vector<FeedOutput> outputs;  // in route order
};

struct QueuePlan {
  std::size_t core = 0;  // index into Config::cores (== CoreStats index)
  std::size_t port = 0;  // index into Config::ports
  unsigned queue = 0;
};

struct LoopPlan {
  unsigned lcore = 0;
  std::vector<QueuePlan> queues;
  std::vector<std::size_t> feeds;     // indices into Config::feeds, owned by this loop
  std::vector<std::size_t> channels;  // indices into Config::channels, written by this loop
};

struct Plan {
  std::vector<LoopPlan> loops;
  std::vector<FeedPlan> feeds;    // index = Config::feeds index
  std::vector<int> channel_loop;  // index = Config::channels index; -1: no feed
  std::vector<PlanError> errors;  // empty when the plan is usable

  [[nodiscard]] bool ok() const noexcept { return errors.empty(); }
};

[[nodiscard]] Plan make_plan(const config::Config& config);

// "FILE: KEY: REASON" for printing, like config::LoadError::message().
[[nodiscard]] std::string message(const config::Config& config, const PlanError& error);

}  // namespace ichannel::daemon
