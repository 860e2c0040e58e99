// app/stats/prometheus.cpp: see prometheus.hpp.
#include "stats/prometheus.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace ichannel::stats {
namespace {

// The ITCH type byte as a label value: the letter when printable, else 0xNN.
std::string itch_type_name(unsigned t) {
  if (t > 0x20 && t < 0x7f) return std::string(1, static_cast<char>(t));
  return fmt::format("0x{:02X}", t);
}

}  // namespace

std::string prometheus_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string prometheus_label(std::string_view k, std::string_view v) {
  return fmt::format("{}=\"{}\"", k, prometheus_escape(v));
}

void PrometheusWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  name_ = name;
}

void PrometheusWriter::sample(std::string_view labels, double value) {
  fmt::format_to(std::back_inserter(out_), "{}{}{}{} {}\n", name_, labels.empty() ? "" : "{",
                 labels, labels.empty() ? "" : "}", value);
}

void PrometheusWriter::sample(std::string_view labels, std::uint64_t value) {
  fmt::format_to(std::back_inserter(out_), "{}{}{}{} {}\n", name_, labels.empty() ? "" : "{",
                 labels, labels.empty() ? "" : "}", value);
}

double age_seconds(std::uint64_t now_ns, std::uint64_t then_ns) noexcept {
  return now_ns > then_ns ? static_cast<double>(now_ns - then_ns) / 1e9 : 0.0;
}

bool is_stale(const StatsSnapshot& d, std::uint64_t now_ns, double stale_after_s) noexcept {
  const double limit = std::max(stale_after_s, 3.0 * d.interval_ms / 1000.0);
  return age_seconds(now_ns, d.update_ns) > limit;
}

void append_prometheus(PrometheusWriter& w, const StatsSnapshot* snap, std::uint64_t now_ns,
                       double stale_after_s) {
  // The daemon's statistics segment.
  w.family("ichannel_daemon_up", "gauge",
           "1 if the ichannel-feed statistics segment is readable, running and fresh.");
  const bool up = snap != nullptr && snap->state == DaemonState::kRunning &&
                  !is_stale(*snap, now_ns, stale_after_s);
  w.sample("", static_cast<std::uint64_t>(up ? 1 : 0));
  if (snap == nullptr) return;
  const StatsSnapshot& d = *snap;
  w.family("ichannel_daemon_info", "gauge", "Daemon identity; value is always 1.");
  w.sample(fmt::format("{},{},{}", prometheus_label("pid", std::to_string(d.pid)),
                       prometheus_label("state", to_string(d.state)),
                       prometheus_label("config", d.config_path)),
           std::uint64_t{1});
  w.family("ichannel_daemon_start_time_seconds", "gauge", "Daemon start, Unix time in seconds.");
  w.sample("", static_cast<double>(d.start_ns) / 1e9);
  w.family("ichannel_daemon_stats_age_seconds", "gauge",
           "Seconds since the daemon last updated its statistics segment.");
  w.sample("", age_seconds(now_ns, d.update_ns));

  using PortFn = std::uint64_t (*)(const PortSnapshot&);
  const auto port_family = [&](std::string_view name, std::string_view help, PortFn f) {
    if (d.ports.empty()) return;
    w.family(name, "counter", help);
    for (const auto& p : d.ports) w.sample(prometheus_label("port", p.name), f(p));
  };
  port_family("ichannel_port_rx_packets_total", "Packets received by the NIC (ipackets).",
              [](const PortSnapshot& p) { return p.rx_packets; });
  port_family("ichannel_port_rx_bytes_total", "Bytes received by the NIC (ibytes).",
              [](const PortSnapshot& p) { return p.rx_bytes; });
  port_family("ichannel_port_imissed_total",
              "Packets dropped by the NIC because the RX ring was full (imissed).",
              [](const PortSnapshot& p) { return p.imissed; });
  port_family("ichannel_port_ierrors_total", "Erroneous packets (ierrors).",
              [](const PortSnapshot& p) { return p.ierrors; });
  port_family("ichannel_port_rx_nombuf_total", "RX mbuf allocation failures (rx_nombuf).",
              [](const PortSnapshot& p) { return p.rx_nombuf; });
  port_family("ichannel_port_unrouted_total", "Valid UDP packets that matched no feed line.",
              [](const PortSnapshot& p) { return p.unrouted; });
  if (!d.ports.empty()) {
    w.family("ichannel_port_rejected_total", "counter",
             "Packets rejected by the packet peel, by reason.");
    for (const auto& p : d.ports) {
      for (const auto& [reason, n] : p.rejected) {
        w.sample(prometheus_label("port", p.name) + "," + prometheus_label("reason", reason), n);
      }
    }
  }

  using LineFn = std::uint64_t (*)(const LineSnapshot&);
  const auto line_family = [&](std::string_view name, std::string_view type, std::string_view help,
                               LineFn f) {
    if (d.lines.empty()) return;
    w.family(name, type, help);
    for (const auto& l : d.lines) {
      w.sample(
          prometheus_label("feed", l.feed) + "," + prometheus_label("line", std::string(1, l.line)),
          f(l));
    }
  };
  line_family("ichannel_feed_packets_total", "counter", "MoldUDP64 packets received on the line.",
              [](const LineSnapshot& l) { return l.packets; });
  line_family("ichannel_feed_messages_total", "counter",
              "New messages decoded from the line (first copies; copies the other line already "
              "delivered count in ichannel_feed_duplicates_total).",
              [](const LineSnapshot& l) { return l.messages; });
  line_family("ichannel_feed_gaps_total", "counter",
              "Sequence gaps seen on this line (its own loss, whether or not the other line "
              "filled it).",
              [](const LineSnapshot& l) { return l.gaps; });
  line_family("ichannel_feed_gap_messages_total", "counter",
              "Messages missing in this line's own gaps.",
              [](const LineSnapshot& l) { return l.gap_messages; });
  // Feed-wide counters: one sample per feed, from the feed's block.
  using FeedFn = std::uint64_t (*)(const FeedSnapshot&);
  const auto feed_family = [&](std::string_view name, std::string_view help, FeedFn f) {
    if (d.feeds.empty()) return;
    w.family(name, "counter", help);
    for (const auto& fs : d.feeds) w.sample(prometheus_label("feed", fs.name), f(fs));
  };
  feed_family("ichannel_feed_unrecovered_gaps_total",
              "Feed gaps neither line filled, published as gap ticks (alert on any increase).",
              [](const FeedSnapshot& f) { return f.gaps; });
  feed_family("ichannel_feed_unrecovered_gap_messages_total",
              "Messages lost in feed gaps neither line filled.",
              [](const FeedSnapshot& f) { return f.gap_messages; });
  feed_family("ichannel_feed_ticks_total",
              "Ticks the feed handed to its channels (gap and status records too).",
              [](const FeedSnapshot& f) { return f.ticks; });
  feed_family("ichannel_feed_dropped_types_total",
              "Decoded messages whose ITCH type carries no tick.",
              [](const FeedSnapshot& f) { return f.dropped_types; });
  feed_family("ichannel_feed_session_changes_total",
              "MoldUDP64 sessions adopted after the first one.",
              [](const FeedSnapshot& f) { return f.session_changes; });
  feed_family("ichannel_feed_holes_total",
              "Holes opened at the expected sequence (most are filled inside the reorder window).",
              [](const FeedSnapshot& f) { return f.holes; });
  feed_family("ichannel_feed_rerequests_total", "MoldUDP64 re-requests sent (retries included).",
              [](const FeedSnapshot& f) { return f.requests; });
  feed_family("ichannel_feed_rerequest_timeouts_total", "MoldUDP64 re-requests that timed out.",
              [](const FeedSnapshot& f) { return f.request_timeouts; });
  feed_family("ichannel_feed_recovered_messages_total",
              "Messages delivered from re-request replies.",
              [](const FeedSnapshot& f) { return f.recovered; });
  feed_family("ichannel_feed_rerequest_replies_total", "Re-request reply packets received.",
              [](const FeedSnapshot& f) { return f.recovery_packets; });
  feed_family("ichannel_feed_store_full_total",
              "Holes declared early because the reorder store was full.",
              [](const FeedSnapshot& f) { return f.store_full; });
  feed_family("ichannel_feed_suspect_confirmed_total",
              "Sequence jumps beyond max_jump confirmed by a consistent packet.",
              [](const FeedSnapshot& f) { return f.suspect_confirmed; });
  feed_family("ichannel_feed_suspect_expired_total",
              "Unconfirmed sequence jumps dropped (a stray or corrupted packet).",
              [](const FeedSnapshot& f) { return f.suspect_expired; });
  feed_family("ichannel_feed_undecodable_total",
              "Messages that could not be decoded (unknown type, short, empty), published as "
              "undecodable records.",
              [](const FeedSnapshot& f) { return f.undecodable; });
  feed_family("ichannel_feed_rerequest_send_errors_total",
              "Re-requests the kernel refused to send (the sequencer asks again on its timer).",
              [](const FeedSnapshot& f) { return f.request_send_errors; });
  feed_family("ichannel_feed_rerequest_reply_drops_total",
              "Re-request replies dropped because the RX loop's reply queue was full.",
              [](const FeedSnapshot& f) { return f.reply_drops; });
  // A per-feed block present only on some feeds (books, snapshots): PREFIX<name>, "_total" for
  // counters, one sample per feed that has the block; no family when no feed has it.
  const auto block_family = [&](auto block, std::string_view prefix) {
    const bool any = std::any_of(d.feeds.begin(), d.feeds.end(),
                                 [&](const FeedSnapshot& f) { return (f.*block).has_value(); });
    return [&, any, block, prefix](std::string_view name, std::string_view type,
                                   std::string_view help, auto value) {
      if (!any) return;
      w.family(std::string(prefix) + std::string(name) + (type == "counter" ? "_total" : ""), type,
               help);
      for (const auto& fs : d.feeds) {
        if (fs.*block) w.sample(prometheus_label("feed", fs.name), value(*(fs.*block)));
      }
    };
  };
  // Order books (feeds with books only): ichannel_book_<name>[_total]{feed}.
  const auto book_family = block_family(&FeedSnapshot::books, "ichannel_book_");
#define ICHANNEL_BOOK_STATS_FAMILY(name, type, help) \
  book_family(#name, #type, help, [](const BooksSnapshot& b) { return b.name; });
  ICHANNEL_BOOK_STATS(ICHANNEL_BOOK_STATS_FAMILY)
#undef ICHANNEL_BOOK_STATS_FAMILY
  book_family("max_orders", "gauge", "feeds[].books.max_orders: live orders the books hold",
              [](const BooksSnapshot& b) { return b.max_orders; });
  // GLIMPSE snapshots (feeds with a snapshot server only): ichannel_snapshot_<name>[_total]{feed}.
  const auto snapshot_family = block_family(&FeedSnapshot::snapshots, "ichannel_snapshot_");
#define ICHANNEL_SNAPSHOT_STATS_FAMILY(name, type, help) \
  snapshot_family(#name, #type, help, [](const SnapshotsSnapshot& g) { return g.name; });
  ICHANNEL_SNAPSHOT_STATS(ICHANNEL_SNAPSHOT_STATS_FAMILY)
#undef ICHANNEL_SNAPSHOT_STATS_FAMILY
  snapshot_family("buffer_ticks", "gauge",
                  "feeds[].snapshot.buffer_ticks: live ticks the buffer holds during a snapshot",
                  [](const SnapshotsSnapshot& g) { return g.buffer_ticks; });
  const bool any_snapshots = std::any_of(d.feeds.begin(), d.feeds.end(), [](const FeedSnapshot& f) {
    return f.snapshots.has_value();
  });
  if (any_snapshots) {
    w.family("ichannel_snapshot_info", "gauge",
             "The feed's GLIMPSE snapshot server (feeds[].snapshot.server); value is always 1.");
    for (const auto& fs : d.feeds) {
      if (!fs.snapshots) continue;
      w.sample(prometheus_label("feed", fs.name) + "," +
                   prometheus_label("server", fs.snapshots->server),
               std::uint64_t{1});
    }
  }
  if (!d.feeds.empty()) {
    w.family("ichannel_feed_held_packets", "gauge", "Packets waiting in the reorder store now.");
    for (const auto& fs : d.feeds) w.sample(prometheus_label("feed", fs.name), fs.held_now);
  }
  if (!d.feeds.empty()) {
    w.family("ichannel_feed_messages_by_type_total", "counter",
             "Decoded messages per ITCH message type (types seen so far).");
    for (const auto& fs : d.feeds) {
      for (std::size_t t = 0; t < fs.by_type.size(); ++t) {
        if (fs.by_type[t] == 0) continue;
        w.sample(prometheus_label("feed", fs.name) + "," +
                     prometheus_label("type", itch_type_name(static_cast<unsigned>(t))),
                 fs.by_type[t]);
      }
    }
  }
  line_family("ichannel_feed_duplicates_total", "counter",
              "Messages already delivered by the other line.",
              [](const LineSnapshot& l) { return l.duplicates; });
  line_family("ichannel_feed_malformed_total", "counter",
              "Malformed MoldUDP64 packets or ITCH messages (counted and skipped): the sum of "
              "ichannel_feed_bad_framing_total, _unknown_type_total and _bad_length_total.",
              [](const LineSnapshot& l) { return l.malformed_total(); });
  line_family("ichannel_feed_bad_framing_total", "counter",
              "MoldUDP64 packets with bad framing (skipped).",
              [](const LineSnapshot& l) { return l.malformed; });
  line_family("ichannel_feed_unknown_type_total", "counter",
              "ITCH messages with an unknown type byte (skipped).",
              [](const LineSnapshot& l) { return l.unknown_type; });
  line_family("ichannel_feed_bad_length_total", "counter",
              "ITCH messages whose length does not match their type (skipped).",
              [](const LineSnapshot& l) { return l.bad_length; });
  line_family("ichannel_feed_heartbeats_total", "counter", "MoldUDP64 heartbeats.",
              [](const LineSnapshot& l) { return l.heartbeats; });
  line_family("ichannel_feed_end_of_session_total", "counter", "MoldUDP64 end-of-session packets.",
              [](const LineSnapshot& l) { return l.end_of_session; });
  line_family("ichannel_feed_stale_session_total", "counter",
              "Packets of another MoldUDP64 session, dropped (a session is adopted only on evidence).",
              [](const LineSnapshot& l) { return l.stale_session; });
  line_family("ichannel_feed_late_copies_total", "counter",
              "Messages that arrived after their gap was declared (widen the reorder window?).",
              [](const LineSnapshot& l) { return l.late_copies; });
  line_family("ichannel_feed_held_total", "counter",
              "Packets that waited in the reorder store for a hole before them to fill.",
              [](const LineSnapshot& l) { return l.held; });
  line_family("ichannel_feed_released_total", "counter",
              "Held packets delivered from the reorder store once the hole before them filled.",
              [](const LineSnapshot& l) { return l.released; });
  line_family("ichannel_feed_suspect_sequence_total", "counter",
              "Packets set aside as an unconfirmed sequence jump.",
              [](const LineSnapshot& l) { return l.suspect; });
  line_family("ichannel_feed_sequence_zero_total", "counter",
              "Packets with MoldUDP64 sequence number 0, dropped.",
              [](const LineSnapshot& l) { return l.seq_zero; });
  line_family("ichannel_feed_too_large_to_hold_total", "counter",
              "Packets ahead of the sequence too large for a reorder store slot (treated as lost).",
              [](const LineSnapshot& l) { return l.too_large; });
  line_family("ichannel_feed_long_messages_total", "counter",
              "Known ITCH types longer than their spec length (known prefix decoded and published).",
              [](const LineSnapshot& l) { return l.long_messages; });
  line_family("ichannel_feed_next_sequence", "gauge", "Next expected MoldUDP64 sequence number.",
              [](const LineSnapshot& l) { return l.next_seq; });

  using ChanFn = std::uint64_t (*)(const ChannelSnapshot&);
  const auto chan_family = [&](std::string_view name, std::string_view type, std::string_view help,
                               ChanFn f) {
    if (d.channels.empty()) return;
    w.family(name, type, help);
    for (const auto& c : d.channels) w.sample(prometheus_label("channel", c.name), f(c));
  };
  chan_family("ichannel_channel_published_total", "counter", "Ticks published into the channel.",
              [](const ChannelSnapshot& c) { return c.published; });
  chan_family("ichannel_channel_filtered_total", "counter",
              "Ticks dropped by the route's instrument filter.",
              [](const ChannelSnapshot& c) { return c.filtered; });
  chan_family("ichannel_channel_publish_rate", "gauge",
              "Ticks per second published over the last statistics interval.",
              [](const ChannelSnapshot& c) { return c.rate_per_s; });
  chan_family("ichannel_channel_file_state", "gauge",
              "The channel's path: 0 still the daemon's file, 1 replaced by another file, "
              "2 removed.",
              [](const ChannelSnapshot& c) { return c.file_state; });

  using CoreFn = std::uint64_t (*)(const CoreSnapshot&);
  const auto core_family = [&](std::string_view name, std::string_view help, CoreFn f) {
    if (d.cores.empty()) return;
    w.family(name, "counter", help);
    for (const auto& c : d.cores) {
      const std::string port =
          c.port_index < d.ports.size() ? d.ports[c.port_index].name : std::to_string(c.port_index);
      w.sample(fmt::format("{},{},{}", prometheus_label("lcore", std::to_string(c.lcore)),
                           prometheus_label("port", port),
                           prometheus_label("queue", std::to_string(c.queue))),
               f(c));
    }
  };
  core_family("ichannel_core_polls_total", "rx_burst calls of the RX loop.",
              [](const CoreSnapshot& c) { return c.polls; });
  core_family("ichannel_core_packets_total", "Packets received by the RX loop.",
              [](const CoreSnapshot& c) { return c.packets; });
  core_family("ichannel_core_full_bursts_total",
              "rx_burst calls that returned a full burst (the loop is falling behind).",
              [](const CoreSnapshot& c) { return c.full_bursts; });
}

std::string render_prometheus(const StatsSnapshot& d, std::uint64_t now_ns, double stale_after_s) {
  PrometheusWriter w;
  append_prometheus(w, &d, now_ns, stale_after_s);
  return w.take();
}

}  // namespace ichannel::stats
