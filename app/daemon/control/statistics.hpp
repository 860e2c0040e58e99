// daemon/control/statistics.hpp: the daemon's side of the statistics segment (main lcore).
//
// Contract
// - create_statistics publishes the segment (stats/writer.hpp) at stats::stats_path(channel_dir,
//   statistics.segment) with the names of every row: ports (with their DPDK ids and sockets),
//   feed lines in line_stats_indices order, channels (with their epochs), cores, reject reasons.
//   Returns "" or the writer's error. Warns once that statistics.prometheus_file is written by
//   ichannel-stat, not by the daemon.
// - statistics_pass is the main lcore's periodic pass: hardware counters of every started port
//   (rte_eth_stats_get), the RX loops' per-core counters summed per port, channel rates, then
//   publish (update_ns, release). The RX loops write their own rows (datapath/housekeeping.hpp).
// - Cold path; the pass is noexcept and allocation-free.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>

#include "config/config.hpp"
#include "daemon/control/channels.hpp"
#include "daemon/control/ports.hpp"
#include "stats/aggregate.hpp"
#include "stats/writer.hpp"

namespace ichannel::daemon {

[[nodiscard]] std::string create_statistics(const config::Config& config,
                                            std::span<const PortRuntime> ports,
                                            std::span<const std::unique_ptr<TickChannel>> channels,
                                            std::optional<stats::StatsWriter>& out);

void statistics_pass(stats::StatsWriter& writer, std::span<const PortRuntime> ports,
                     stats::ChannelRates& rates) noexcept;

}  // namespace ichannel::daemon
