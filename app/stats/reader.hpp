// app/stats/reader.hpp: read-only access to ichannel-feed's statistics segment.
//
// Contract
// - For ichannel-stat, the daemon's exit report and Prometheus file, and tests. No DPDK; the cold
//   code is in reader.cpp. open() does syscalls and allocates an error string; snapshot()
//   allocates the vectors it returns.
// - StatsReader::open(path) opens O_RDONLY and maps PROT_READ (SegmentFile::open_read_only of
//   <ichannel/segment_file.hpp>), checks size, magic (acquire), version
//   and segment_size, and returns an error message naming the path and what differs otherwise.
//   Nothing is ever written through the mapping. Movable, not copyable; unmaps on destruction.
// - snapshot() copies the current counters into plain structs (relaxed loads; update_ns acquired
//   first). Call it as often as wanted; re-open when pid/start_ns changed (daemon restarted:
//   the file was replaced, this mapping still shows the old, now dead, segment).
// - stats_path(channel_dir, segment): where the daemon puts the segment, see layout.hpp.
//   Daemon and tools must both use it (it falls back from a hugetlbfs channel_dir).
#pragma once

#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ichannel/segment_file.hpp>

#include "stats/layout.hpp"

namespace ichannel::stats {

// True if `dir` is on a hugetlbfs mount (files there must be whole huge pages: no place for the
// small statistics segment).
bool is_hugetlbfs_dir(const std::string& dir);

// Path of the statistics segment for a config's channel_dir and statistics.segment: in
// channel_dir, unless it is empty or a hugetlbfs mount, then in kDefaultStatsDir.
std::string stats_path(std::string_view channel_dir, std::string_view segment);

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

// A feed's order books (BookStats), present only when the feed has books.
struct BooksSnapshot {
  std::string table;
  std::uint32_t depth = 0;
  std::uint64_t max_orders = 0;
#define ICHANNEL_BOOK_STATS_FIELD(name, type, help) std::uint64_t name = 0;
  ICHANNEL_BOOK_STATS(ICHANNEL_BOOK_STATS_FIELD)
#undef ICHANNEL_BOOK_STATS_FIELD
};

// A feed's GLIMPSE snapshots (SnapshotStats), present only when the feed has a snapshot server.
struct SnapshotsSnapshot {
  std::string server;  // "A.B.C.D:PORT"
  std::uint64_t buffer_ticks = 0;
#define ICHANNEL_SNAPSHOT_STATS_FIELD(name, type, help) std::uint64_t name = 0;
  ICHANNEL_SNAPSHOT_STATS(ICHANNEL_SNAPSHOT_STATS_FIELD)
#undef ICHANNEL_SNAPSHOT_STATS_FIELD
};

// SnapshotStats::state as a word: idle, retry-wait, loading, applying, handover ("?" beyond).
[[nodiscard]] const char* snapshot_state_name(std::uint64_t state) noexcept;

struct FeedSnapshot {
  std::string name;
  int line_a = -1, line_b = -1;  // index into StatsSnapshot::lines, -1: none
  std::uint64_t ticks = 0, dropped_types = 0, gaps = 0, gap_messages = 0, session_changes = 0;
  std::uint64_t holes = 0, held_now = 0, requests = 0, request_timeouts = 0, recovered = 0;
  std::uint64_t recovery_packets = 0, store_full = 0, suspect_confirmed = 0, suspect_expired = 0;
  std::uint64_t undecodable = 0, request_send_errors = 0, reply_drops = 0;
  std::array<std::uint64_t, kItchTypes> by_type{};  // decoded messages per ITCH type byte
  std::optional<BooksSnapshot> books;               // the feed's books (BookStats), if any
  std::optional<SnapshotsSnapshot> snapshots;       // its snapshot server (SnapshotStats), if any
};

struct LineSnapshot {
  std::string feed;
  char line = 'A';
  std::uint32_t port_index = 0;
  std::uint32_t group = 0;
  std::uint16_t udp_port = 0;
  std::uint32_t feed_index = 0;  // index into StatsSnapshot::feeds
  std::uint64_t packets = 0, messages = 0, gaps = 0, gap_messages = 0, duplicates = 0;
  std::uint64_t malformed = 0, unknown_type = 0, bad_length = 0;
  std::uint64_t heartbeats = 0, end_of_session = 0, stale_session = 0, next_seq = 0;
  std::uint64_t late_copies = 0, held = 0, suspect = 0, seq_zero = 0, too_large = 0;
  std::uint64_t long_messages = 0;  // known types longer than the spec (decoded, not malformed)
  std::uint64_t released = 0;       // held packets delivered from the reorder store

  // What outputs call "malformed": bad framing, unknown type and bad length together.
  [[nodiscard]] std::uint64_t malformed_total() const noexcept {
    return malformed + unknown_type + bad_length;
  }
};

struct ChannelSnapshot {
  std::string name;
  std::uint64_t capacity = 0;
  std::uint64_t published = 0, filtered = 0, rate_per_s = 0, epoch = 0;
  std::uint64_t file_state = 0;  // 0 the daemon's file, 1 replaced, 2 removed (layout.hpp)
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
  std::vector<FeedSnapshot> feeds;
  std::vector<LineSnapshot> lines;
  std::vector<ChannelSnapshot> channels;
  std::vector<CoreSnapshot> cores;

  // The feed of a line (nullptr if the segment has no feed block for it).
  [[nodiscard]] const FeedSnapshot* feed_of(const LineSnapshot& l) const noexcept {
    return l.feed_index < feeds.size() ? &feeds[l.feed_index] : nullptr;
  }
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

// Copies the counters of a mapped segment (the reader's mapping, or the daemon's own segment
// for its exit report and Prometheus file). Relaxed loads; update_ns and state acquired first.
[[nodiscard]] StatsSnapshot snapshot_of(const StatsSegment& seg);

class StatsReader {
 public:
  // Opens and validates the segment at path; see StatsOpenResult below.
  static struct StatsOpenResult open(const std::string& path);

  StatsReader(StatsReader&&) noexcept = default;
  StatsReader& operator=(StatsReader&&) noexcept = default;
  StatsReader(const StatsReader&) = delete;
  StatsReader& operator=(const StatsReader&) = delete;
  ~StatsReader() = default;  // unmaps

  // The raw mapping, for readers that want single counters without a snapshot.
  const StatsSegment& segment() const noexcept { return *seg_; }

  // Copies the current counters (allocates the vectors).
  [[nodiscard]] StatsSnapshot snapshot() const;

 private:
  explicit StatsReader(SegmentFile file) noexcept
      : file_(std::move(file)), seg_(static_cast<const StatsSegment*>(file_.data())) {}
  SegmentFile file_;  // read-only mapping of the whole file
  const StatsSegment* seg_ = nullptr;
};

struct StatsOpenResult {
  std::optional<StatsReader> reader;
  std::string error;  // set when !reader
};

}  // namespace ichannel::stats
