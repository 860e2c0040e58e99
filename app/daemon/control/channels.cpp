// daemon/control/channels.cpp: see channels.hpp.
#include "daemon/control/channels.hpp"

#include <rte_lcore.h>
#include <spdlog/spdlog.h>

namespace ichannel::daemon {

std::string create_channels(const config::Config& config, const Plan& plan,
                            std::vector<std::unique_ptr<TickChannel>>& out, ChannelFiles& files) {
  out.resize(config.channels.size());
  for (std::size_t i = 0; i < config.channels.size(); ++i) {
    const config::Channel& c = config.channels[i];
    ChannelOptions opts;
    opts.dir = config.channel_dir;
    opts.hugepages = c.hugepages;
    opts.mode = c.mode;
    opts.group = c.group;
    opts.numa_node = c.numa_node;
    if (opts.numa_node < 0 && rte_socket_count() > 1) {
      // Local to the lcore that writes it (receivers should sit on the same node).
      const unsigned lcore = plan.loops[plan.channel_loop[i]].lcore;
      opts.numa_node = static_cast<int>(rte_lcore_to_socket_id(lcore));
    }
    auto created = TickChannel::create(c.name, c.capacity, opts);
    if (!created) return "channel " + c.name + ": " + created.error().message;
    out[i] = std::make_unique<TickChannel>(std::move(*created));
    if (std::string e = files.add(c.name, out[i]->path()); !e.empty()) return e;
    spdlog::info("channel {}: {} (capacity {}, epoch {}, {}{})", c.name, out[i]->path(), c.capacity,
                 out[i]->epoch(), out[i]->hugetlbfs() ? "hugetlbfs" : "shm",
                 out[i]->locked() ? ", locked" : ", NOT locked (mlock failed)");
  }
  return {};
}

}  // namespace ichannel::daemon
