// app/daemon/stats_reader.hpp: read-only access to ichannel-feed's statistics segment.
//
// Contract
// - For ichannel-stat, Prometheus exporters and tests. Header-only, no DPDK. Cold path: open()
//   does syscalls and allocates an error string; snapshot() allocates the vectors it returns.
// - StatsReader::open(path) opens O_RDONLY, maps PROT_READ, checks size, magic (acquire), version
//   and segment_size, and returns an error message naming the path and what differs otherwise.
//   Nothing is ever written through the mapping. Movable, not copyable; unmaps on destruction.
// - snapshot() copies the current counters into plain structs (relaxed loads; update_ns acquired
//   first). Call it as often as wanted; re-open when pid/start_ns changed (daemon restarted:
//   the file was replaced, this mapping still shows the old, now dead, segment).
// - stats_path(channel_dir, segment): where the daemon puts the segment, see stats_layout.hpp.
//   Daemon and tools must both use it (it falls back from a hugetlbfs channel_dir).
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "stats_layout.hpp"

namespace ichannel::stats {

// True if `dir` is on a hugetlbfs mount (files there must be whole huge pages: no place for the
// small statistics segment).
inline bool is_hugetlbfs_dir(const std::string& dir) {
  struct statfs fs {};
  constexpr long kHugetlbfsMagic = 0x958458f6;
  return ::statfs(dir.c_str(), &fs) == 0 && static_cast<long>(fs.f_type) == kHugetlbfsMagic;
}

// Path of the statistics segment for a config's channel_dir and statistics.segment: in
// channel_dir, unless it is empty or a hugetlbfs mount, then in kDefaultStatsDir.
inline std::string stats_path(std::string_view channel_dir, std::string_view segment) {
  if (segment.empty()) segment = kDefaultStatsSegment;
  if (segment.front() == '/') return std::string(segment);
  std::string dir = std::string(channel_dir);
  if (dir.empty() || is_hugetlbfs_dir(dir)) dir = kDefaultStatsDir;
  if (dir.back() != '/') dir += '/';
  return dir + std::string(segment);
}

// Bounded copy of a NUL-terminated fixed-size name field.
template <std::size_t N>
inline std::string name_of(const char (&field)[N]) {
  return std::string(field, strnlen(field, N));
}

struct PortSnapshot {
  std::string name;
  std::uint16_t dpdk_port_id = 0;
  std::uint64_t rx_packets = 0, rx_bytes = 0, imissed = 0, ierrors = 0, rx_nombuf = 0;
  std::uint64_t polled = 0, unrouted = 0, rejected_total = 0;
  std::vector<std::pair<std::string, std::uint64_t>> rejected;  // (reason, count), every reason
};

struct LineSnapshot {
  std::string feed;
  char line = 'A';
  std::uint32_t port_index = 0;
  std::uint32_t group = 0;
  std::uint16_t udp_port = 0;
  std::uint64_t packets = 0, messages = 0, gaps = 0, gap_messages = 0, duplicates = 0;
  std::uint64_t malformed = 0, heartbeats = 0, next_seq = 0, ticks = 0;
  std::uint64_t feed_gaps = 0, feed_gap_messages = 0;
};

struct ChannelSnapshot {
  std::string name;
  std::uint64_t capacity = 0;
  std::uint64_t published = 0, filtered = 0, rate_per_s = 0, epoch = 0;
};

struct CoreSnapshot {
  std::uint32_t lcore = 0, port_index = 0, queue = 0;
  std::uint64_t polls = 0, bursts = 0, packets = 0, full_bursts = 0;
  std::uint64_t unrouted = 0, rejected_total = 0;
  std::vector<std::pair<std::string, std::uint64_t>> rejected;  // (reason, count), every reason
};

struct StatsSnapshot {
  std::int32_t pid = 0;
  std::uint64_t start_ns = 0;
  std::uint64_t update_ns = 0;
  std::uint64_t update_count = 0;
  std::uint32_t interval_ms = 0;
  DaemonState state = DaemonState::kStarting;
  std::string config_path;
  std::vector<PortSnapshot> ports;
  std::vector<LineSnapshot> lines;
  std::vector<ChannelSnapshot> channels;
  std::vector<CoreSnapshot> cores;
};

inline const char* to_string(DaemonState s) noexcept {
  switch (s) {
    case DaemonState::kStarting:
      return "starting";
    case DaemonState::kRunning:
      return "running";
    case DaemonState::kStopping:
      return "stopping";
    case DaemonState::kStopped:
      return "stopped";
    case DaemonState::kFailed:
      return "failed";
  }
  return "unknown";
}

class StatsReader {
 public:
  // Opens and validates the segment at path; see StatsOpenResult below.
  static struct StatsOpenResult open(const std::string& path);

  StatsReader(StatsReader&& o) noexcept : seg_(std::exchange(o.seg_, nullptr)) {}
  StatsReader& operator=(StatsReader&& o) noexcept {
    if (this != &o) {
      unmap();
      seg_ = std::exchange(o.seg_, nullptr);
    }
    return *this;
  }
  StatsReader(const StatsReader&) = delete;
  StatsReader& operator=(const StatsReader&) = delete;
  ~StatsReader() { unmap(); }

  // The raw mapping, for readers that want single counters without a snapshot.
  const StatsSegment& segment() const noexcept { return *seg_; }

  StatsSnapshot snapshot() const {
    const StatsHeader& h = seg_->header;
    StatsSnapshot s;
    // Pairs with the daemon's release store of update_ns at the end of a statistics pass.
    s.update_ns = h.update_ns.load(std::memory_order_acquire);
    s.update_count = h.update_count.load(std::memory_order_relaxed);
    // Pairs with the daemon's release store of state.
    s.state = static_cast<DaemonState>(h.state.load(std::memory_order_acquire));
    s.pid = h.pid;
    s.start_ns = h.start_ns;
    s.interval_ms = h.interval_ms;
    s.config_path = name_of(h.config_path);
    constexpr auto kR = std::memory_order_relaxed;  // counters: single writer, relaxed
    const std::size_t nreasons = std::min<std::size_t>(h.reject_reason_count, kMaxRejectReasons);
    for (std::size_t i = 0; i < std::min<std::size_t>(h.port_count, kMaxPorts); ++i) {
      const PortStats& p = seg_->ports[i];
      PortSnapshot o;
      o.name = name_of(p.name);
      o.dpdk_port_id = p.dpdk_port_id;
      o.rx_packets = p.rx_packets.load(kR);
      o.rx_bytes = p.rx_bytes.load(kR);
      o.imissed = p.imissed.load(kR);
      o.ierrors = p.ierrors.load(kR);
      o.rx_nombuf = p.rx_nombuf.load(kR);
      o.polled = p.polled.load(kR);
      o.unrouted = p.unrouted.load(kR);
      o.rejected_total = p.rejected_total.load(kR);
      for (std::size_t r = 0; r < nreasons; ++r) {
        o.rejected.emplace_back(name_of(h.reject_reason_names[r]), p.rejected[r].load(kR));
      }
      s.ports.push_back(std::move(o));
    }
    for (std::size_t i = 0; i < std::min<std::size_t>(h.line_count, kMaxLines); ++i) {
      const LineStats& l = seg_->lines[i];
      LineSnapshot o;
      o.feed = name_of(l.feed);
      o.line = l.line;
      o.port_index = l.port_index;
      o.group = l.group;
      o.udp_port = l.udp_port;
      o.packets = l.packets.load(kR);
      o.messages = l.messages.load(kR);
      o.gaps = l.gaps.load(kR);
      o.gap_messages = l.gap_messages.load(kR);
      o.duplicates = l.duplicates.load(kR);
      o.malformed = l.malformed.load(kR);
      o.heartbeats = l.heartbeats.load(kR);
      o.next_seq = l.next_seq.load(kR);
      o.ticks = l.ticks.load(kR);
      o.feed_gaps = l.feed_gaps.load(kR);
      o.feed_gap_messages = l.feed_gap_messages.load(kR);
      s.lines.push_back(std::move(o));
    }
    for (std::size_t i = 0; i < std::min<std::size_t>(h.channel_count, kMaxChannels); ++i) {
      const ChannelStats& c = seg_->channels[i];
      s.channels.push_back({name_of(c.name), c.capacity, c.published.load(kR), c.filtered.load(kR),
                            c.rate_per_s.load(kR), c.epoch.load(kR)});
    }
    for (std::size_t i = 0; i < std::min<std::size_t>(h.core_count, kMaxCores); ++i) {
      const CoreStats& c = seg_->cores[i];
      CoreSnapshot o;
      o.lcore = c.lcore;
      o.port_index = c.port_index;
      o.queue = c.queue;
      o.polls = c.polls.load(kR);
      o.bursts = c.bursts.load(kR);
      o.packets = c.packets.load(kR);
      o.full_bursts = c.full_bursts.load(kR);
      o.unrouted = c.unrouted.load(kR);
      o.rejected_total = c.rejected_total.load(kR);
      for (std::size_t r = 0; r < nreasons; ++r) {
        o.rejected.emplace_back(name_of(h.reject_reason_names[r]), c.rejected[r].load(kR));
      }
      s.cores.push_back(std::move(o));
    }
    return s;
  }

 private:
  explicit StatsReader(const StatsSegment* seg) noexcept : seg_(seg) {}
  void unmap() noexcept {
    if (seg_ != nullptr) {
      ::munmap(const_cast<StatsSegment*>(seg_), sizeof(StatsSegment));
      seg_ = nullptr;
    }
  }
  const StatsSegment* seg_ = nullptr;
};

struct StatsOpenResult {
  std::optional<StatsReader> reader;
  std::string error;  // set when !reader
};

inline StatsOpenResult StatsReader::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return {std::nullopt, "statistics segment " + path + ": " + std::strerror(errno) +
                              " (is ichannel-feed running?)"};
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return {std::nullopt, "statistics segment " + path + ": fstat: " + std::strerror(err)};
  }
  if (static_cast<std::uint64_t>(st.st_size) < sizeof(StatsSegment)) {
    ::close(fd);
    return {std::nullopt, "statistics segment " + path + ": size " + std::to_string(st.st_size) +
                              " bytes, expected " + std::to_string(sizeof(StatsSegment))};
  }
  void* p = ::mmap(nullptr, sizeof(StatsSegment), PROT_READ, MAP_SHARED, fd, 0);
  const int err = errno;
  ::close(fd);
  if (p == MAP_FAILED) {
    return {std::nullopt, "statistics segment " + path + ": mmap: " + std::strerror(err)};
  }
  StatsReader r(static_cast<const StatsSegment*>(p));
  const StatsHeader& h = r.seg_->header;
  // Pairs with the daemon's release store of magic after the header was written.
  const std::uint64_t magic = h.magic.load(std::memory_order_acquire);
  if (magic != kStatsMagic) {
    return {std::nullopt, "statistics segment " + path +
                              ": bad magic (not an ichannel-feed statistics segment, or "
                              "still being created)"};
  }
  if (h.version != kStatsVersion || h.segment_size != sizeof(StatsSegment)) {
    return {std::nullopt,
            "statistics segment " + path + ": layout version " + std::to_string(h.version) +
                " size " + std::to_string(h.segment_size) + ", this reader expects version " +
                std::to_string(kStatsVersion) + " size " + std::to_string(sizeof(StatsSegment))};
  }
  return {std::move(r), {}};
}

}  // namespace ichannel::stats
