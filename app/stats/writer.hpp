// app/stats/writer.hpp: creates and owns the daemon's statistics segment (writer side).
//
// Contract
// - StatsWriter::create(path, init) publishes the segment with the ring's generic primitive
//   (<ichannel/segment_file.hpp>): makes the directory if needed, builds the whole segment in
//   the hidden temporary "<dir>/.<name>.<pid>.tmp" (O_EXCL, blocks reserved), stores the magic
//   last (release) and renames the file over `path`, so readers never see a partial segment and
//   a restart atomically replaces the old one. File mode 0644 (statistics are not secret). The
//   same protections as a channel: trusted directory, O_NOFOLLOW/O_EXCL temporary, every block
//   fallocated (a full /dev/shm is an error here, never a SIGBUS), and the producer lock held for
//   the writer's lifetime (a second live daemon on the same segment is refused). Cold path:
//   syscalls, allocation; errors name the path and the reason.
// - After create(), only counters and header.update_* / state change. Counter ownership (exactly
//   one writer thread each) is documented in layout.hpp; this class gives raw access, and per
//   feed with a snapshot server its SnapshotStats row (snapshot_stats(), nullptr otherwise).
// - publish(now_ns) ends a statistics pass of the main lcore: update_count, then update_ns with
//   release. set_state() stores with release. Both are noexcept and allocation-free.
// - Destruction unmaps; the file stays so tools can read the final counters after exit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <ichannel/segment_file.hpp>

#include "stats/layout.hpp"

namespace ichannel::stats {

struct StatsInit {
  struct Port {
    std::string name;
    std::uint16_t dpdk_port_id = 0;
    std::int16_t numa_socket = -1;
    std::uint32_t rx_queues = 0;
  };
  struct Books {
    std::string table;  // the book table's name
    std::uint32_t depth = 0;
    std::uint64_t max_orders = 0;
  };
  struct Snapshot {
    std::string server;  // "A.B.C.D:PORT" of the GLIMPSE server
    std::uint64_t buffer_ticks = 0;
  };
  struct Feed {
    std::string name;
    std::uint32_t line_a = 0;          // index into `lines` of line A
    std::uint32_t line_b = kNoLine;    // index into `lines` of line B, kNoLine: one line
    std::optional<Books> books;        // the feed's books (BookStats), if any
    std::optional<Snapshot> snapshot;  // the feed's snapshot server (SnapshotStats), if any
  };
  struct Line {
    std::string feed;
    char line = 'A';
    std::uint32_t port_index = 0;
    std::uint32_t group = 0;
    std::uint16_t udp_port = 0;
  };
  struct Channel {
    std::string name;
    std::uint64_t capacity = 0;
    std::int32_t numa_node = -1;
    bool hugepages = false;
    std::uint64_t epoch = 0;
  };
  struct Core {
    std::uint32_t lcore = 0;
    std::uint32_t port_index = 0;
    std::uint32_t queue = 0;
  };
  std::int32_t pid = 0;
  std::uint64_t start_ns = 0;
  std::uint32_t interval_ms = 1000;
  std::string config_path;
  std::vector<std::string> reject_reasons;  // names for PortStats/CoreStats::rejected[i]
  std::vector<Port> ports;
  std::vector<Feed> feeds;
  std::vector<Line> lines;  // LineStats::feed_index comes from `feeds`
  std::vector<Channel> channels;
  std::vector<Core> cores;
};

struct StatsWriterResult;

class StatsWriter {
 public:
  [[nodiscard]] static struct StatsWriterResult create(const std::string& path,
                                                       const StatsInit& init);

  StatsWriter(StatsWriter&&) noexcept = default;
  StatsWriter& operator=(StatsWriter&&) noexcept = default;
  StatsWriter(const StatsWriter&) = delete;
  StatsWriter& operator=(const StatsWriter&) = delete;
  ~StatsWriter() = default;  // unmaps; the file stays

  [[nodiscard]] StatsSegment& segment() noexcept { return *seg_; }

  // The SnapshotStats row of feeds[feed_index] for its snapshot thread (the row's only writer),
  // nullptr for a feed without snapshot or an index beyond the feeds.
  [[nodiscard]] SnapshotStats* snapshot_stats(std::size_t feed_index) noexcept {
    if (feed_index >= seg_->header.feed_count) return nullptr;
    SnapshotStats& row = seg_->snapshots[feed_index];
    return row.enabled != 0 ? &row : nullptr;
  }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

  void set_state(DaemonState state) noexcept {
    // Pairs with the reader's acquire load of state (reader.hpp).
    seg_->header.state.store(static_cast<std::uint32_t>(state), std::memory_order_release);
  }

  void publish(std::uint64_t now_ns) noexcept {
    seg_->header.update_count.fetch_add(1, std::memory_order_relaxed);  // gauge, no partner
    // Pairs with the reader's acquire load of update_ns: counters stored before are visible.
    seg_->header.update_ns.store(now_ns, std::memory_order_release);
  }

 private:
  StatsWriter(SegmentFile file, StatsSegment* seg, std::string path) noexcept
      : file_(std::move(file)), seg_(seg), path_(std::move(path)) {}

  SegmentFile file_;  // the mapping (committed: the file has its final name)
  StatsSegment* seg_ = nullptr;
  std::string path_;
};

struct StatsWriterResult {
  std::optional<StatsWriter> writer;
  std::string error;  // set when !writer
};

}  // namespace ichannel::stats
