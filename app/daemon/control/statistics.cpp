// daemon/control/statistics.cpp: see statistics.hpp.
#include "daemon/control/statistics.hpp"

#include <rte_ethdev.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "config/ipv4.hpp"
#include "daemon/datapath/rx_counters.hpp"
#include "daemon/datapath/tsc_clock.hpp"
#include "stats/atomic_file.hpp"
#include "stats/prometheus.hpp"
#include "stats/reader.hpp"

namespace ichannel::daemon {

std::string DaemonStatistics::create(const config::Config& config,
                                     std::span<const PortRuntime> ports,
                                     const Segments& segments) {
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
    stats::StatsInit::Feed feed{f.name, static_cast<std::uint32_t>(init.lines.size()),
                                stats::kNoLine, std::nullopt, std::nullopt};
    init.lines.push_back({f.name, 'A', port_of(f.a), f.a.group, f.a.port});
    if (f.b) {
      feed.line_b = static_cast<std::uint32_t>(init.lines.size());
      init.lines.push_back({f.name, 'B', port_of(*f.b), f.b->group, f.b->port});
    }
    if (f.books) feed.books = stats::StatsInit::Books{f.books->table, f.books->depth,
                                                      f.books->max_orders};
    if (f.snapshot) {
      feed.snapshot = stats::StatsInit::Snapshot{
          config::format_ipv4(f.snapshot->server) + ":" + std::to_string(f.snapshot->server_port),
          f.snapshot->buffer_ticks};
    }
    init.feeds.push_back(std::move(feed));
  }
  for (std::size_t i = 0; i < config.channels.size(); ++i) {
    const config::Channel& c = config.channels[i];
    init.channels.push_back(
        {c.name, c.capacity, c.numa_node, segments.hugetlbfs(i), segments.epoch(i)});
  }
  for (const config::Core& c : config.cores) {
    init.cores.push_back({c.lcore, port_of(c), c.queue});
  }
  const std::string path = stats::stats_path(config.channel_dir, config.statistics.segment);
  auto created = stats::StatsWriter::create(path, init);
  if (!created.writer) return created.error;
  writer_.emplace(std::move(*created.writer));
  prometheus_file_ = config.statistics.prometheus_file;
  spdlog::info("statistics: {} (every {} ms)", writer_->path(), config.statistics.interval_ms);
  if (!prometheus_file_.empty()) {
    spdlog::info("statistics: Prometheus textfile {} (every {} ms)", prometheus_file_,
                 config.statistics.interval_ms);
  }
  return {};
}

void DaemonStatistics::pass(std::span<const PortRuntime> ports) noexcept {
  if (!writer_) return;
  stats::StatsSegment& s = writer_->segment();
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
  if (rerequests_ != nullptr) {
    for (std::size_t t = 0; t < rerequests_->target_count(); ++t) {
      const RerequestCounters& c = rerequests_->counters(t);
      stats::FeedStats& f = s.feeds[rerequests_->target(t).feed_index];
      f.request_send_errors.store(c.send_errors.load(kR), kR);
      f.reply_drops.store(c.reply_drops.load(kR), kR);
    }
  }
  for (const auto& t : snapshots_) {
    stats::SnapshotStats* g = writer_->snapshot_stats(t->feed_index());
    if (g == nullptr) continue;
    const SnapshotCounters& c = t->counters();
#define ICHANNEL_SNAPSHOT_COPY(name, type, help) g->name.store(c.name.load(kR), kR);
    ICHANNEL_SNAPSHOT_STATS(ICHANNEL_SNAPSHOT_COPY)
#undef ICHANNEL_SNAPSHOT_COPY
  }
  const std::uint64_t now = realtime_ns();
  rates_.update(s, now);
  writer_->publish(now);
  write_prometheus_file(now);
}

void DaemonStatistics::set_state(stats::DaemonState state) noexcept {
  if (writer_) writer_->set_state(state);
}

void DaemonStatistics::set_channel_file_state(std::size_t index, std::uint32_t state) noexcept {
  if (!writer_ || index >= stats::kMaxChannels) return;
  // relaxed: a gauge with one writer (this thread); readers see it after the next publish.
  writer_->segment().channels[index].file_state.store(state, std::memory_order_relaxed);
}

void DaemonStatistics::finish(stats::DaemonState state) noexcept {
  if (!writer_) return;
  writer_->set_state(state);
  write_prometheus_file(realtime_ns());  // the final state, daemon_up 0
}

// The daemon families of app/stats/prometheus.hpp (the same text as ichannel-stat's).
void DaemonStatistics::write_prometheus_file(std::uint64_t now) noexcept {
  if (prometheus_file_.empty() || !writer_) return;
  try {
    const stats::StatsSnapshot snap = stats::snapshot_of(writer_->segment());
    const std::string err =
        stats::write_file_atomically(prometheus_file_, stats::render_prometheus(snap, now));
    if (!err.empty() && !prometheus_failing_) {
      spdlog::warn("statistics.prometheus_file: {}", err);
    } else if (err.empty() && prometheus_failing_) {
      spdlog::info("statistics.prometheus_file {}: written again", prometheus_file_);
    }
    prometheus_failing_ = !err.empty();
  } catch (const std::exception& e) {  // allocation failure: skip this pass
    if (!prometheus_failing_) {
      spdlog::warn("statistics.prometheus_file {}: {}", prometheus_file_, e.what());
    }
    prometheus_failing_ = true;
  }
}

}  // namespace ichannel::daemon
