// daemon/control/statistics.cpp: see statistics.hpp.
#include "daemon/control/statistics.hpp"

#include <rte_ethdev.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "daemon/datapath/rx_counters.hpp"
#include "daemon/datapath/tsc_clock.hpp"
#include "stats/reader.hpp"

namespace ichannel::daemon {

std::string create_statistics(const config::Config& config, std::span<const PortRuntime> ports,
                              std::span<const std::unique_ptr<TickChannel>> channels,
                              std::optional<stats::StatsWriter>& out) {
  stats::StatsInit init;
  init.pid = static_cast<std::int32_t>(::getpid());
  init.start_ns = realtime_ns();
  init.interval_ms = config.statistics.interval_ms;
  init.config_path = config.source;
  init.reject_reasons = reject_reason_names();
  for (std::size_t i = 0; i < config.ports.size(); ++i) {
    init.ports.push_back({config.ports[i].name, ports[i].port_id,
                          static_cast<std::int16_t>(ports[i].socket), config.ports[i].rx_queues});
  }
  const auto port_of = [](const auto& item) { return static_cast<std::uint32_t>(item.port_index); };
  for (const config::Feed& f : config.feeds) {
    init.lines.push_back({f.name, 'A', port_of(f.a), f.a.group, f.a.port});
    if (f.b) init.lines.push_back({f.name, 'B', port_of(*f.b), f.b->group, f.b->port});
  }
  for (std::size_t i = 0; i < config.channels.size(); ++i) {
    const config::Channel& c = config.channels[i];
    init.channels.push_back(
        {c.name, c.capacity, c.numa_node, channels[i]->hugetlbfs(), channels[i]->epoch()});
  }
  for (const config::Core& c : config.cores) {
    init.cores.push_back({c.lcore, port_of(c), c.queue});
  }
  const std::string path = stats::stats_path(config.channel_dir, config.statistics.segment);
  auto created = stats::StatsWriter::create(path, init);
  if (!created.writer) return created.error;
  out.emplace(std::move(*created.writer));
  spdlog::info("statistics: {} (every {} ms)", out->path(), config.statistics.interval_ms);
  if (!config.statistics.prometheus_file.empty()) {
    spdlog::warn(
        "statistics.prometheus_file {}: written by `ichannel-stat --prometheus-file`, "
        "not by ichannel-feed; run it beside the daemon (e.g. a systemd timer)",
        config.statistics.prometheus_file);
  }
  return {};
}

void statistics_pass(stats::StatsWriter& writer, std::span<const PortRuntime> ports,
                     stats::ChannelRates& rates) noexcept {
  stats::StatsSegment& s = writer.segment();
  constexpr auto kR = std::memory_order_relaxed;  // single writer (this thread) per counter
  for (std::size_t i = 0; i < ports.size() && i < stats::kMaxPorts; ++i) {
    rte_eth_stats st{};
    if (!ports[i].started || rte_eth_stats_get(ports[i].port_id, &st) != 0) continue;
    s.ports[i].rx_packets.store(st.ipackets, kR);
    s.ports[i].rx_bytes.store(st.ibytes, kR);
    s.ports[i].imissed.store(st.imissed, kR);
    s.ports[i].ierrors.store(st.ierrors, kR);
    s.ports[i].rx_nombuf.store(st.rx_nombuf, kR);
  }
  stats::sum_cores_into_ports(s);
  const std::uint64_t now = realtime_ns();
  rates.update(s, now);
  writer.publish(now);
}

}  // namespace ichannel::daemon
