// daemon/control/plan.hpp: who does what at run time, derived from a validated Config.
//
// Contract
// - make_plan(config) groups the configured cores by lcore into RX loops (one loop per distinct
//   lcore, in order of first appearance; a loop may poll several port queues), gives every feed
//   to the loop that polls its lines' ports, and every channel to the loop whose feeds publish
//   into it. That makes every feed handler (A/B merge state) and every channel Sender
//   single-threaded, which the ring requires (one producer per channel).
// - Pure grouping that cannot fail: the configuration validator (config/src/validate.hpp) owns
//   every invariant this relies on (one lcore per feed, one writer per channel, every feed routed
//   and every channel used, the capacities of config/limits.hpp) and resolved every name to an
//   index, so make_plan never looks a name up and never sees an invalid Config.
// - Cold path, pure (allocates), no DPDK: unit-tested without a NIC.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace ichannel::daemon {

struct FeedOutput {
  std::size_t channel = 0;           // index into Config::channels
  std::vector<std::string> symbols;  // instrument filter of the route; empty: everything
  bool snapshot_orders = false;      // the route's routes[].snapshot_orders
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
  std::vector<FeedPlan> feeds;            // index = Config::feeds index
  std::vector<std::size_t> channel_loop;  // index = Config::channels index -> Plan::loops index
};

[[nodiscard]] Plan make_plan(const config::Config& config);

}  // namespace ichannel::daemon
