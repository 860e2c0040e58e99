// daemon/control/channels.hpp: creation of the configured channels (cold path, main lcore).
//
// Contract
// - create_channels(config, plan, out) creates one ProducerChannel<Tick> per Config::channels
//   entry, in order (out[i] is channels[i]), with the entry's directory, hugepages, mode, group
//   and NUMA node; numa_node -1 on a multi-socket host means the node of the lcore that writes
//   the channel (plan.channel_loop). Each channel is logged with its path, capacity and epoch.
// - Records each published file in `files` (channel_files.hpp: the replaced/removed watch and
//   the failed-start cleanup).
// - Returns "" or "channel NAME: reason" for the first one that fails (the ones created so far
//   stay in `out` and `files`: the supervisor removes their files when the start fails; after a
//   start that succeeded they stay on disk after exit, like every channel).
// - Calls rte_socket_count / rte_lcore_to_socket_id: after rte_eal_init.
#pragma once

#include <ichannel/channel.hpp>
#include <ichannel/tick.hpp>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "daemon/control/channel_files.hpp"
#include "daemon/control/plan.hpp"

namespace ichannel::daemon {

using TickChannel = ProducerChannel<Tick>;

[[nodiscard]] std::string create_channels(const config::Config& config, const Plan& plan,
                                          std::vector<std::unique_ptr<TickChannel>>& out,
                                          ChannelFiles& files);

}  // namespace ichannel::daemon
