// app/stats/writer.cpp: see writer.hpp.
#include "stats/writer.hpp"

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

namespace ichannel::stats {
namespace {

template <std::size_t N>
void copy_name(char (&dst)[N], const std::string& src) noexcept {
  const std::size_t n = std::min(src.size(), N - 1);
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

void fill(StatsSegment& s, const StatsInit& init) {
  StatsHeader& h = s.header;
  h.version = kStatsVersion;
  h.segment_size = sizeof(StatsSegment);
  h.pid = init.pid;
  h.interval_ms = init.interval_ms;
  h.start_ns = init.start_ns;
  h.port_count = static_cast<std::uint32_t>(std::min(init.ports.size(), kMaxPorts));
  h.feed_count = static_cast<std::uint32_t>(std::min(init.feeds.size(), kMaxFeeds));
  h.line_count = static_cast<std::uint32_t>(std::min(init.lines.size(), kMaxLines));
  h.channel_count = static_cast<std::uint32_t>(std::min(init.channels.size(), kMaxChannels));
  h.core_count = static_cast<std::uint32_t>(std::min(init.cores.size(), kMaxCores));
  h.reject_reason_count =
      static_cast<std::uint32_t>(std::min(init.reject_reasons.size(), kMaxRejectReasons));
  copy_name(h.config_path, init.config_path);
  for (std::size_t i = 0; i < h.reject_reason_count; ++i) {
    copy_name(h.reject_reason_names[i], init.reject_reasons[i]);
  }
  for (std::size_t i = 0; i < h.port_count; ++i) {
    copy_name(s.ports[i].name, init.ports[i].name);
    s.ports[i].dpdk_port_id = init.ports[i].dpdk_port_id;
    s.ports[i].numa_socket = init.ports[i].numa_socket;
    s.ports[i].rx_queues = init.ports[i].rx_queues;
  }
  for (std::size_t i = 0; i < h.line_count; ++i) {
    copy_name(s.lines[i].feed, init.lines[i].feed);
    s.lines[i].line = init.lines[i].line;
    s.lines[i].port_index = init.lines[i].port_index;
    s.lines[i].group = init.lines[i].group;
    s.lines[i].udp_port = init.lines[i].udp_port;
  }
  for (std::size_t i = 0; i < h.feed_count; ++i) {
    const StatsInit::Feed& f = init.feeds[i];
    copy_name(s.feeds[i].name, f.name);
    s.feeds[i].line_a = f.line_a;
    s.feeds[i].line_b = f.line_b;
    for (const std::uint32_t l : {f.line_a, f.line_b}) {
      if (l < h.line_count) s.lines[l].feed_index = static_cast<std::uint32_t>(i);
    }
    if (f.books) {
      BookStats& b = s.books[i];
      b.enabled = 1;
      b.depth = f.books->depth;
      b.max_orders = f.books->max_orders;
      copy_name(b.table, f.books->table);
    }
    if (f.snapshot) {
      SnapshotStats& g = s.snapshots[i];
      g.enabled = 1;
      g.buffer_ticks = f.snapshot->buffer_ticks;
      copy_name(g.server, f.snapshot->server);
    }
  }
  for (std::size_t i = 0; i < h.channel_count; ++i) {
    copy_name(s.channels[i].name, init.channels[i].name);
    s.channels[i].capacity = init.channels[i].capacity;
    s.channels[i].numa_node = init.channels[i].numa_node;
    s.channels[i].hugepages = init.channels[i].hugepages ? 1 : 0;
    s.channels[i].epoch.store(init.channels[i].epoch, std::memory_order_relaxed);  // before magic
  }
  for (std::size_t i = 0; i < h.core_count; ++i) {
    s.cores[i].lcore = init.cores[i].lcore;
    s.cores[i].port_index = init.cores[i].port_index;
    s.cores[i].queue = init.cores[i].queue;
  }
  // Pairs with the reader's acquire load of state.
  h.state.store(static_cast<std::uint32_t>(DaemonState::kStarting), std::memory_order_release);
}

}  // namespace

StatsWriterResult StatsWriter::create(const std::string& path, const StatsInit& init) {
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? std::string(".")
                          : slash == 0               ? std::string("/")
                                                     : path.substr(0, slash);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  SegmentFileOptions opts;
  opts.who = "statistics segment " + path;
  opts.dir_noun = "statistics directory";
  opts.mode = 0644;  // independent of the umask: every tool may read the statistics
  auto file = SegmentFile::create(dir, name, sizeof(StatsSegment), opts);
  if (!file) return {std::nullopt, file.error().message};
  auto* seg = new (file->data()) StatsSegment();  // value-initialized: all zero
  fill(*seg, init);
  // The commit of the segment; pairs with the reader's acquire load of magic.
  seg->header.magic.store(kStatsMagic, std::memory_order_release);
  if (auto ok = file->commit(); !ok)
    return {std::nullopt, "statistics segment: " + ok.error().message};
  return {StatsWriter(std::move(*file), seg, path), {}};
}

}  // namespace ichannel::stats
