// daemon/control/statistics.hpp: the daemon's side of the statistics segment (main lcore).
//
// Contract
// - create() publishes the segment (stats/writer.hpp) at stats::stats_path(channel_dir,
//   statistics.segment) with the names of every row: ports (with their DPDK ids and sockets),
//   feeds and their lines in line_stats_indices order (with their books' and snapshot servers'
//   descriptions), channels (with their epochs), cores, reject reasons. Returns "" or the writer's
//   error.
// - pass() is the main lcore's periodic pass: hardware counters of every started port
//   (rte_eth_stats_get), the RX loops' per-core counters summed per port, the re-request
//   client's per-feed send errors and reply drops (set_rerequests), channel rates, then
//   publish (update_ns, release) and statistics.prometheus_file (stats/prometheus.hpp, replaced
//   atomically; a failure is logged once, not every pass). The RX loops write their own rows
//   (datapath/housekeeping.hpp).
// - set_channel_file_state() records that a channel's path was replaced or removed behind the
//   daemon's back (or is its file again).
// - set_state() changes the daemon state; finish(state) sets a final state (stopped, failed)
//   and writes the Prometheus file once more with it.
// - Main lcore only. Cold path; pass() is noexcept.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>

#include "config/config.hpp"
#include "daemon/control/channels.hpp"
#include "daemon/control/ports.hpp"
#include "daemon/control/rerequest_client.hpp"
#include "daemon/control/snapshot_thread.hpp"
#include "stats/aggregate.hpp"
#include "stats/writer.hpp"

namespace ichannel::daemon {

class DaemonStatistics {
 public:
  [[nodiscard]] std::string create(const config::Config& config, std::span<const PortRuntime> ports,
                                   const Segments& segments);

  void pass(std::span<const PortRuntime> ports) noexcept;
  // The re-request client whose per-feed counters pass() exports (nullptr: none). Main lcore.
  void set_rerequests(const RerequestClient* client) noexcept { rerequests_ = client; }
  // The snapshot threads whose counters pass() exports (empty: none). Main lcore.
  void set_snapshots(std::span<const std::unique_ptr<SnapshotThread>> threads) noexcept {
    snapshots_ = threads;
  }
  void set_state(stats::DaemonState state) noexcept;
  // ChannelStats::file_state of channels[index] (channel_files.hpp), published with the next pass.
  void set_channel_file_state(std::size_t index, std::uint32_t state) noexcept;
  void finish(stats::DaemonState state) noexcept;

  [[nodiscard]] bool created() const noexcept { return writer_.has_value(); }
  [[nodiscard]] stats::StatsSegment& segment() noexcept { return writer_->segment(); }
  // The SnapshotStats row of feeds[feed_index] (its snapshot thread writes it); nullptr for a
  // feed without snapshot or before create().
  [[nodiscard]] stats::SnapshotStats* snapshot_stats(std::size_t feed_index) noexcept {
    return writer_ ? writer_->snapshot_stats(feed_index) : nullptr;
  }
  [[nodiscard]] const std::string& path() const noexcept { return writer_->path(); }
  void close() noexcept { writer_.reset(); }

 private:
  void write_prometheus_file(std::uint64_t now) noexcept;

  std::optional<stats::StatsWriter> writer_;
  stats::ChannelRates rates_;
  std::string prometheus_file_;
  const RerequestClient* rerequests_ = nullptr;
  std::span<const std::unique_ptr<SnapshotThread>> snapshots_;
  bool prometheus_failing_ = false;  // the last write of statistics.prometheus_file failed
};

}  // namespace ichannel::daemon
