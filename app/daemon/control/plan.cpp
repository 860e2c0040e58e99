// daemon/control/plan.cpp: see plan.hpp.
#include "daemon/control/plan.hpp"

#include <algorithm>

namespace ichannel::daemon {

Plan make_plan(const config::Config& c) {
  Plan plan;
  std::vector<std::size_t> loop_of_port(c.ports.size(), 0);
  for (std::size_t i = 0; i < c.cores.size(); ++i) {
    const config::Core& core = c.cores[i];
    auto it = std::find_if(plan.loops.begin(), plan.loops.end(),
                           [&](const LoopPlan& l) { return l.lcore == core.lcore; });
    if (it == plan.loops.end()) it = plan.loops.insert(it, LoopPlan{core.lcore, {}, {}, {}});
    it->queues.push_back(QueuePlan{i, core.port_index, core.queue});
    loop_of_port[core.port_index] = static_cast<std::size_t>(it - plan.loops.begin());
  }

  // A feed's lines all arrive on ports of one loop (validated): line A's port names it.
  plan.feeds.resize(c.feeds.size());
  for (std::size_t f = 0; f < c.feeds.size(); ++f) {
    plan.feeds[f].loop = loop_of_port[c.feeds[f].a.port_index];
    plan.loops[plan.feeds[f].loop].feeds.push_back(f);
  }

  // Every channel is used by a route and written from one loop (validated).
  plan.channel_loop.assign(c.channels.size(), 0);
  std::vector<bool> assigned(c.channels.size(), false);
  for (const config::Route& route : c.routes) {
    FeedPlan& feed = plan.feeds[route.feed_index];
    for (const std::size_t ch : route.channel_indices) {
      feed.outputs.push_back(FeedOutput{ch, route.symbols, route.snapshot_orders});
      if (!assigned[ch]) {
        assigned[ch] = true;
        plan.channel_loop[ch] = feed.loop;
      }
    }
  }
  for (std::size_t ch = 0; ch < c.channels.size(); ++ch) {
    plan.loops[plan.channel_loop[ch]].channels.push_back(ch);
  }
  return plan;
}

}  // namespace ichannel::daemon
