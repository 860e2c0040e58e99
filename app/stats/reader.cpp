// app/stats/reader.cpp: see reader.hpp (cold: open, checks, snapshot copies).
#include "stats/reader.hpp"

#include <sys/statfs.h>

#include <algorithm>
#include <cstring>
#include <iterator>

namespace ichannel::stats {

// True if `dir` is on a hugetlbfs mount (files there must be whole huge pages: no place for the
// small statistics segment).
bool is_hugetlbfs_dir(const std::string& dir) {
  struct statfs fs {};
  constexpr long kHugetlbfsMagic = 0x958458f6;
  return ::statfs(dir.c_str(), &fs) == 0 && static_cast<long>(fs.f_type) == kHugetlbfsMagic;
}

// Path of the statistics segment for a config's channel_dir and statistics.segment: in
// channel_dir, unless it is empty or a hugetlbfs mount, then in kDefaultStatsDir.
std::string stats_path(std::string_view channel_dir, std::string_view segment) {
  if (segment.empty()) segment = kDefaultStatsSegment;
  if (segment.front() == '/') return std::string(segment);
  std::string dir = std::string(channel_dir);
  if (dir.empty() || is_hugetlbfs_dir(dir)) dir = kDefaultStatsDir;
  if (dir.back() != '/') dir += '/';
  return dir + std::string(segment);
}

const char* snapshot_state_name(std::uint64_t state) noexcept {
  // Indexed by SnapshotState (layout.hpp).
  static constexpr const char* kNames[] = {"idle", "retry-wait", "loading", "applying", "handover"};
  static_assert(std::size(kNames) == static_cast<std::size_t>(SnapshotState::kHandover) + 1);
  return state < std::size(kNames) ? kNames[state] : "?";
}

StatsSnapshot StatsReader::snapshot() const {
  return snapshot_of(*seg_);
}

StatsSnapshot snapshot_of(const StatsSegment& seg) {
  const StatsSegment* seg_ = &seg;
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
  const std::size_t nlines = std::min<std::size_t>(h.line_count, kMaxLines);
  const auto line_of = [nlines](std::uint32_t l) { return l < nlines ? static_cast<int>(l) : -1; };
  for (std::size_t i = 0; i < std::min<std::size_t>(h.feed_count, kMaxFeeds); ++i) {
    const FeedStats& f = seg_->feeds[i];
    FeedSnapshot o;
    o.name = name_of(f.name);
    o.line_a = line_of(f.line_a);
    o.line_b = line_of(f.line_b);
    o.ticks = f.ticks.load(kR);
    o.dropped_types = f.dropped_types.load(kR);
    o.gaps = f.gaps.load(kR);
    o.gap_messages = f.gap_messages.load(kR);
    o.session_changes = f.session_changes.load(kR);
    o.holes = f.holes.load(kR);
    o.held_now = f.held_now.load(kR);
    o.requests = f.requests.load(kR);
    o.request_timeouts = f.request_timeouts.load(kR);
    o.recovered = f.recovered.load(kR);
    o.recovery_packets = f.recovery_packets.load(kR);
    o.store_full = f.store_full.load(kR);
    o.suspect_confirmed = f.suspect_confirmed.load(kR);
    o.suspect_expired = f.suspect_expired.load(kR);
    o.undecodable = f.undecodable.load(kR);
    o.request_send_errors = f.request_send_errors.load(kR);
    o.reply_drops = f.reply_drops.load(kR);
    for (std::size_t t = 0; t < kItchTypes; ++t) o.by_type[t] = f.by_type[t].load(kR);
    if (const BookStats& b = seg_->books[i]; b.enabled != 0) {
      BooksSnapshot& ob = o.books.emplace();
      ob.table = name_of(b.table);
      ob.depth = b.depth;
      ob.max_orders = b.max_orders;
#define ICHANNEL_BOOK_STATS_LOAD(name, type, help) ob.name = b.name.load(kR);
      ICHANNEL_BOOK_STATS(ICHANNEL_BOOK_STATS_LOAD)
#undef ICHANNEL_BOOK_STATS_LOAD
    }
    if (const SnapshotStats& g = seg_->snapshots[i]; g.enabled != 0) {
      SnapshotsSnapshot& og = o.snapshots.emplace();
      og.server = name_of(g.server);
      og.buffer_ticks = g.buffer_ticks;
#define ICHANNEL_SNAPSHOT_STATS_LOAD(name, type, help) og.name = g.name.load(kR);
      ICHANNEL_SNAPSHOT_STATS(ICHANNEL_SNAPSHOT_STATS_LOAD)
#undef ICHANNEL_SNAPSHOT_STATS_LOAD
    }
    s.feeds.push_back(std::move(o));
  }
  for (std::size_t i = 0; i < nlines; ++i) {
    const LineStats& l = seg_->lines[i];
    LineSnapshot o;
    o.feed = name_of(l.feed);
    o.line = l.line;
    o.port_index = l.port_index;
    o.group = l.group;
    o.udp_port = l.udp_port;
    o.feed_index = l.feed_index;
    o.packets = l.packets.load(kR);
    o.messages = l.messages.load(kR);
    o.gaps = l.gaps.load(kR);
    o.gap_messages = l.gap_messages.load(kR);
    o.duplicates = l.duplicates.load(kR);
    o.malformed = l.malformed.load(kR);
    o.unknown_type = l.unknown_type.load(kR);
    o.bad_length = l.bad_length.load(kR);
    o.heartbeats = l.heartbeats.load(kR);
    o.end_of_session = l.end_of_session.load(kR);
    o.stale_session = l.stale_session.load(kR);
    o.next_seq = l.next_seq.load(kR);
    o.late_copies = l.late_copies.load(kR);
    o.held = l.held.load(kR);
    o.suspect = l.suspect.load(kR);
    o.seq_zero = l.seq_zero.load(kR);
    o.too_large = l.too_large.load(kR);
    o.long_messages = l.long_messages.load(kR);
    o.released = l.released.load(kR);
    s.lines.push_back(std::move(o));
  }
  for (std::size_t i = 0; i < std::min<std::size_t>(h.channel_count, kMaxChannels); ++i) {
    const ChannelStats& c = seg_->channels[i];
    s.channels.push_back({name_of(c.name), c.capacity, c.published.load(kR), c.filtered.load(kR),
                          c.rate_per_s.load(kR), c.epoch.load(kR), c.file_state.load(kR)});
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

StatsOpenResult StatsReader::open(const std::string& path) {
  // Verified like a channel receiver: regular file, owner/mode/directory, fully allocated.
  auto opened = SegmentFile::open_read_only(path, sizeof(StatsSegment));
  if (!opened.file) {
    const OpenFailure& why = opened.failure;
    const std::string who = "statistics segment " + path + ": ";
    switch (why.step) {
      case OpenFailure::Step::kOpen:
        return {std::nullopt, who + std::strerror(why.err) + " (is ichannel-feed running?)"};
      case OpenFailure::Step::kStat:
        return {std::nullopt, who + "fstat: " + std::strerror(why.err)};
      case OpenFailure::Step::kNotRegular:
      case OpenFailure::Step::kUntrusted:
      case OpenFailure::Step::kSparse:
        return {std::nullopt, who + "refused: " + why.text};
      case OpenFailure::Step::kTooSmall:
        return {std::nullopt, who + "size " + std::to_string(why.size) + " bytes, expected " +
                                  std::to_string(sizeof(StatsSegment))};
      case OpenFailure::Step::kMap:
        return {std::nullopt, who + "mmap: " + std::strerror(why.err)};
    }
  }
  if (opened.file->size() != opened.file->size_for(sizeof(StatsSegment))) {
    return {std::nullopt, "statistics segment " + path + ": refused: size " +
                              std::to_string(opened.file->size()) + " bytes, expected exactly " +
                              std::to_string(opened.file->size_for(sizeof(StatsSegment)))};
  }
  StatsReader r(std::move(*opened.file));
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
