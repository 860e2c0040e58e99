// tests/deploy/metric_names.cpp: ichannel-metric-names, prints the Prometheus text that
// ichannel-stat serves (tools::render_prometheus: the channel-file families, then the daemon
// families of stats::append_prometheus) for a synthetic view in which every family is present:
// a channel row, a port with every reject reason the daemon knows, an A and a B line, a feed with
// books, a snapshot server and every ITCH type it counts, a channel, an RX core.
// metric_names_test.py compares the names the alert rules, recording rules and the Grafana
// dashboard use against this output, so a renamed or removed metric fails the tests instead of
// silently breaking an alert.
#include <cstdio>

#include "daemon/datapath/rx_counters.hpp"
#include "tools/stat/render.hpp"
#include "tools/stat/stat_view.hpp"

int main() {
  using namespace ichannel;
  constexpr std::uint64_t kNow = 1'764'000'000'000'000'000ull;
  tools::StatView v;
  v.now_ns = kNow;
  v.channel_dir = "/dev/shm/ichannel";
  tools::ChannelRow row;
  row.name = "itch.all";
  row.capacity = 65536;
  row.producer_alive = true;
  row.status = tools::ChannelStatus::kAlive;
  v.channels = {row};

  stats::StatsSnapshot d;
  d.pid = 1;
  d.start_ns = kNow - 1'000'000'000;
  d.update_ns = kNow;
  d.interval_ms = 1000;
  d.state = stats::DaemonState::kRunning;
  d.config_path = "/etc/ichannel/feed.yaml";
  stats::PortSnapshot port;
  port.name = "p0";
  for (const std::string& reason : daemon::reject_reason_names()) port.rejected.emplace_back(reason, 1);
  d.ports = {port};
  stats::LineSnapshot a;
  a.feed = "nasdaq.itch";
  a.line = 'A';
  stats::LineSnapshot b = a;
  b.line = 'B';
  d.lines = {a, b};
  stats::FeedSnapshot feed;
  feed.name = "nasdaq.itch";
  feed.line_a = 0;
  feed.line_b = 1;
  feed.by_type['A'] = 1;
  feed.books = stats::BooksSnapshot{};
  feed.books->table = "nasdaq.books";
  feed.snapshots = stats::SnapshotsSnapshot{};
  feed.snapshots->server = "10.1.9.20:26600";
  d.feeds = {feed};
  stats::ChannelSnapshot channel;
  channel.name = "itch.all";
  d.channels = {channel};
  d.cores = {stats::CoreSnapshot{}};
  v.daemon = d;

  const std::string text = tools::render_prometheus(v);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}
