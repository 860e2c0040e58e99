// app/tools/stat/render.cpp: see render.hpp.
#include "tools/stat/render.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <functional>

#include "stats/prometheus.hpp"
#include "tools/tap/tick_text.hpp"

namespace ichannel::tools {
namespace {

std::string utc_time(std::uint64_t ns) {
  const std::time_t t = static_cast<std::time_t>(ns / 1'000'000'000ull);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

double age_s(std::uint64_t now_ns, std::uint64_t then_ns) {
  return stats::age_seconds(now_ns, then_ns);
}

std::string duration_hms(double s) {
  const auto total = static_cast<std::uint64_t>(s);
  return fmt::format("{:02}:{:02}:{:02}", total / 3600, (total / 60) % 60, total % 60);
}

std::string ipv4(std::uint32_t a) {
  return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

std::string rate_text(const std::optional<double>& r) {
  return r ? fmt::format("{:.0f}", *r) : std::string("-");
}

bool daemon_stale(const StatView& v) {
  return stats::is_stale(*v.daemon, v.now_ns, v.stale_after_s);
}

std::string label(std::string_view k, std::string_view v) {
  return stats::prometheus_label(k, v);
}

// The ITCH type byte as a JSON key / text label: the letter when printable, else 0xNN.
std::string type_name(std::size_t t) {
  if (t > 0x20 && t < 0x7f) return std::string(1, static_cast<char>(t));
  return fmt::format("0x{:02X}", t);
}

const char* kind_text(LeftoverFile::Kind k) {
  return k == LeftoverFile::Kind::kTemporary ? "temporary" : "dead";
}

std::string owner_text(const LeftoverFile& l) {
  return l.owner_name.empty() ? fmt::format("uid {}", l.owner_uid)
                              : fmt::format("{} (uid {})", l.owner_name, l.owner_uid);
}

}  // namespace

std::string render_text(const StatView& v) {
  std::string o;
  auto out = std::back_inserter(o);
  fmt::format_to(out, "ichannel-stat  {} UTC  channels in {}\n\n", utc_time(v.now_ns),
                 v.channel_dir);
  fmt::format_to(out, "{:<24} {:>8} {:>20} {:>9} {:>14} {:>11} {:>9}  {}\n", "CHANNEL", "PID",
                 "EPOCH", "HB AGE", "LAST SEQ", "RATE/s", "CAPACITY", "STATUS");
  if (v.channels.empty()) fmt::format_to(out, "  (no channels)\n");
  for (const ChannelRow& c : v.channels) {
    fmt::format_to(out, "{:<24} {:>8} {:>20} {:>8.2f}s {:>14} {:>11} {:>9}  {}\n", c.name,
                   c.producer_pid, c.epoch, c.heartbeat_age_s, c.last_seq, rate_text(c.rate_per_s),
                   c.capacity, to_string(c.status));
  }
  if (!v.leftovers.empty()) {
    fmt::format_to(out, "\nleftovers (no producer holds their lock; remove when not needed):\n");
    fmt::format_to(out, "{:<40} {:<9} {:<24} {:>14} {:>14}  {}\n", "FILE", "KIND", "OWNER", "SIZE",
                   "ALLOCATED", "OF");
    for (const LeftoverFile& l : v.leftovers) {
      const std::string of = l.kind == LeftoverFile::Kind::kTemporary
                                 ? fmt::format("{} (creator pid {})", l.name, l.pid)
                                 : l.name;
      fmt::format_to(out, "{:<40} {:<9} {:<24} {:>14} {:>14}  {}\n", l.file, kind_text(l.kind),
                     owner_text(l), l.size, l.allocated, of);
    }
  }
  o += '\n';
  if (!v.daemon) {
    fmt::format_to(out, "daemon: no statistics ({})\n",
                   v.daemon_error.empty() ? v.stats_path : v.daemon_error);
    return o;
  }
  const stats::StatsSnapshot& d = *v.daemon;
  fmt::format_to(out, "daemon pid {} {}{}, up {}, stats updated {:.1f}s ago, config {}\n", d.pid,
                 stats::to_string(d.state), daemon_stale(v) ? " (STALE)" : "",
                 duration_hms(age_s(v.now_ns, d.start_ns)), age_s(v.now_ns, d.update_ns),
                 d.config_path);
  fmt::format_to(out, "\n{:<12} {:>14} {:>16} {:>10} {:>10} {:>10} {:>10} {:>10}\n", "PORT",
                 "RX PACKETS", "RX BYTES", "IMISSED", "IERRORS", "NOMBUF", "UNROUTED", "REJECTED");
  for (const auto& p : d.ports) {
    fmt::format_to(out, "{:<12} {:>14} {:>16} {:>10} {:>10} {:>10} {:>10} {:>10}\n", p.name,
                   p.rx_packets, p.rx_bytes, p.imissed, p.ierrors, p.rx_nombuf, p.unrouted,
                   p.rejected_total);
    for (const auto& [reason, n] : p.rejected) {
      if (n != 0) fmt::format_to(out, "  rejected {:<20} {:>10}\n", reason, n);
    }
  }
  fmt::format_to(out, "\n{:<20} {:<4} {:<21} {:>12} {:>14} {:>8} {:>10} {:>10} {:>9} {:>14}\n",
                 "FEED", "LINE", "GROUP:PORT", "PACKETS", "MESSAGES", "GAPS", "GAP MSGS", "DUPS",
                 "MALFORMED", "NEXT SEQ");
  for (const auto& l : d.lines) {
    fmt::format_to(out, "{:<20} {:<4} {:<21} {:>12} {:>14} {:>8} {:>10} {:>10} {:>9} {:>14}\n",
                   l.feed, l.line, fmt::format("{}:{}", ipv4(l.group), l.udp_port), l.packets,
                   l.messages, l.gaps, l.gap_messages, l.duplicates, l.malformed_total(),
                   l.next_seq);
  }
  fmt::format_to(out, "\n{:<20} {:<4} {:>11} {:>12} {:>10} {:>10} {:>14} {:>13}\n", "FEED", "LINE",
                 "BAD FRAMING", "UNKNOWN TYPE", "BAD LENGTH", "HEARTBEATS", "END OF SESSION",
                 "STALE SESSION");
  for (const auto& l : d.lines) {
    fmt::format_to(out, "{:<20} {:<4} {:>11} {:>12} {:>10} {:>10} {:>14} {:>13}\n", l.feed, l.line,
                   l.malformed, l.unknown_type, l.bad_length, l.heartbeats, l.end_of_session,
                   l.stale_session);
  }
  fmt::format_to(out, "\n{:<20} {:<4} {:>10} {:>10} {:>11} {:>8} {:>8} {:>9} {:>13}\n", "FEED",
                 "LINE", "HELD", "RELEASED", "LATE COPIES", "SUSPECT", "SEQ 0", "TOO LARGE",
                 "LONG MESSAGES");
  for (const auto& l : d.lines) {
    fmt::format_to(out, "{:<20} {:<4} {:>10} {:>10} {:>11} {:>8} {:>8} {:>9} {:>13}\n", l.feed,
                   l.line, l.held, l.released, l.late_copies, l.suspect, l.seq_zero, l.too_large,
                   l.long_messages);
  }
  if (!d.feeds.empty()) {
    fmt::format_to(out, "\n{:<20} {:>14} {:>10} {:>12} {:>14} {:>9}  {}\n", "FEED", "TICKS",
                   "FEED GAPS", "GAP MSGS", "DROPPED TYPES", "SESSIONS", "MESSAGES BY TYPE");
    for (const auto& f : d.feeds) {
      std::string by_type;
      for (std::size_t t = 0; t < f.by_type.size(); ++t) {
        if (f.by_type[t] != 0)
          by_type += fmt::format("{}{}={}", by_type.empty() ? "" : " ", type_name(t), f.by_type[t]);
      }
      fmt::format_to(out, "{:<20} {:>14} {:>10} {:>12} {:>14} {:>9}  {}\n", f.name, f.ticks, f.gaps,
                     f.gap_messages, f.dropped_types, f.session_changes,
                     by_type.empty() ? "-" : by_type);
    }
    fmt::format_to(out, "\n{:<20} {:>10} {:>8} {:>10} {:>9} {:>11} {:>10} {:>15} {:>11} {:>12}\n",
                   "FEED", "HOLES", "HELD NOW", "REQUESTS", "TIMEOUTS", "RECOVERED", "STORE FULL",
                   "SUSPECT OK/EXP", "UNDECODABLE", "SEND/REPLY ERR");
    for (const auto& f : d.feeds) {
      fmt::format_to(out, "{:<20} {:>10} {:>8} {:>10} {:>9} {:>11} {:>10} {:>15} {:>11} {:>12}\n",
                     f.name, f.holes, f.held_now, f.requests, f.request_timeouts, f.recovered,
                     f.store_full, fmt::format("{}/{}", f.suspect_confirmed, f.suspect_expired),
                     f.undecodable, fmt::format("{}/{}", f.request_send_errors, f.reply_drops));
    }
  }
  if (std::any_of(d.feeds.begin(), d.feeds.end(), [](const auto& f) { return f.books.has_value(); })) {
    fmt::format_to(out, "\n{:<20} {:<20} {:>11} {:>10} {:>8} {:>10} {:>11} {:>8} {:>8} {:>9} {:>6}\n",
                   "FEED (books)", "TABLE", "ORDERS", "LEVELS", "INSTR", "TOB RECS", "UNKNOWN REF",
                   "DUP REF", "CROSSED", "FULL O/L", "MARK");
    for (const auto& f : d.feeds) {
      if (!f.books) continue;
      const stats::BooksSnapshot& b = *f.books;
      fmt::format_to(out, "{:<20} {:<20} {:>11} {:>10} {:>8} {:>10} {:>11} {:>8} {:>8} {:>9} {:>6}\n",
                     f.name, b.table, b.orders, b.levels, b.instruments, b.top_of_book,
                     b.unknown_refs, b.duplicate_refs, fmt::format("{}/{}", b.crossed, b.locked),
                     fmt::format("{}/{}", b.order_store_full, b.level_store_full),
                     b.marked != 0 ? "WRONG?" : "ok");
    }
  }
  if (std::any_of(d.feeds.begin(), d.feeds.end(),
                  [](const auto& f) { return f.snapshots.has_value(); })) {
    fmt::format_to(out, "\n{:<20} {:<21} {:<10} {:>8} {:>9} {:>8} {:>11} {:>11} {:>11} {:>12}\n",
                   "FEED (snapshots)", "SERVER", "STATE", "ATTEMPTS", "COMPLETED", "FAILED",
                   "LAST ORDERS", "LAST MS", "BUFFERED", "HIGH/BUFFER");
    for (const auto& f : d.feeds) {
      if (!f.snapshots) continue;
      const stats::SnapshotsSnapshot& g = *f.snapshots;
      fmt::format_to(out, "{:<20} {:<21} {:<10} {:>8} {:>9} {:>8} {:>11} {:>11.1f} {:>11} {:>12}\n",
                     f.name, g.server, stats::snapshot_state_name(g.state), g.attempts, g.completed,
                     g.failures, g.last_orders, static_cast<double>(g.last_duration_us) / 1000.0,
                     g.last_buffered, fmt::format("{}/{}", g.buffer_high_water, g.buffer_ticks));
      if (g.failures != 0) {
        fmt::format_to(out,
                       "  failed: connect {} login {} timeout {} disconnect {} malformed {} "
                       "overflow {} stale {} gap {}\n",
                       g.connect_failures, g.logins_rejected, g.server_timeouts, g.disconnects,
                       g.malformed, g.buffer_overflows, g.stale, g.gaps_during);
      }
    }
  }
  fmt::format_to(out, "\n{:<24} {:>14} {:>12} {:>11} {:>20}\n", "CHANNEL (daemon)", "PUBLISHED",
                 "FILTERED", "RATE/s", "EPOCH");
  for (const auto& c : d.channels) {
    fmt::format_to(out, "{:<24} {:>14} {:>12} {:>11} {:>20}\n", c.name, c.published, c.filtered,
                   c.rate_per_s, c.epoch);
  }
  if (!d.cores.empty()) {
    fmt::format_to(out, "\n{:<6} {:<12} {:>5} {:>14} {:>14} {:>12}\n", "LCORE", "PORT", "QUEUE",
                   "POLLS", "PACKETS", "FULL BURSTS");
    for (const auto& c : d.cores) {
      const std::string port =
          c.port_index < d.ports.size() ? d.ports[c.port_index].name : std::to_string(c.port_index);
      fmt::format_to(out, "{:<6} {:<12} {:>5} {:>14} {:>14} {:>12}\n", c.lcore, port, c.queue,
                     c.polls, c.packets, c.full_bursts);
    }
  }
  return o;
}

// A feed's "books" member: null without books, else the table and every BookStats counter.
static std::string books_json(const stats::FeedSnapshot& f) {
  if (!f.books) return "null";
  const stats::BooksSnapshot& b = *f.books;
  std::string o = fmt::format("{{\"table\":\"{}\",\"depth\":{},\"max_orders\":{}",
                              json_escape(b.table), b.depth, b.max_orders);
#define ICHANNEL_BOOK_STATS_JSON(name, type, help) o += fmt::format(",\"{}\":{}", #name, b.name);
  ICHANNEL_BOOK_STATS(ICHANNEL_BOOK_STATS_JSON)
#undef ICHANNEL_BOOK_STATS_JSON
  return o + "}";
}

// A feed's "snapshots" member: null without a snapshot server, else the server, the buffer size,
// the state's name and every SnapshotStats counter.
static std::string snapshots_json(const stats::FeedSnapshot& f) {
  if (!f.snapshots) return "null";
  const stats::SnapshotsSnapshot& g = *f.snapshots;
  std::string o =
      fmt::format("{{\"server\":\"{}\",\"buffer_ticks\":{},\"state_name\":\"{}\"",
                  json_escape(g.server), g.buffer_ticks, stats::snapshot_state_name(g.state));
#define ICHANNEL_SNAPSHOT_STATS_JSON(name, type, help) \
  o += fmt::format(",\"{}\":{}", #name, g.name);
  ICHANNEL_SNAPSHOT_STATS(ICHANNEL_SNAPSHOT_STATS_JSON)
#undef ICHANNEL_SNAPSHOT_STATS_JSON
  return o + "}";
}

std::string render_json(const StatView& v) {
  std::string o;
  auto out = std::back_inserter(o);
  fmt::format_to(out, "{{\"now_ns\":{},\"channel_dir\":\"{}\",\"channels\":[", v.now_ns,
                 json_escape(v.channel_dir));
  bool first = true;
  for (const ChannelRow& c : v.channels) {
    fmt::format_to(out,
                   "{}{{\"name\":\"{}\",\"path\":\"{}\",\"type\":\"{}\",\"payload_size\":{},"
                   "\"capacity\":{},\"epoch\":{},\"producer_pid\":{},\"heartbeat_ns\":{},"
                   "\"heartbeat_age_s\":{:.3f},\"last_seq\":{},\"rate_per_s\":{},"
                   "\"producer_alive\":{},\"status\":\"{}\"}}",
                   first ? "" : ",", json_escape(c.name), json_escape(c.path),
                   json_escape(c.type_name), c.payload_size, c.capacity, c.epoch, c.producer_pid,
                   c.heartbeat_ns, c.heartbeat_age_s, c.last_seq,
                   c.rate_per_s ? fmt::format("{:.1f}", *c.rate_per_s) : std::string("null"),
                   c.producer_alive, to_string(c.status));
    first = false;
  }
  o += "],\"leftovers\":[";
  first = true;
  for (const LeftoverFile& l : v.leftovers) {
    fmt::format_to(out,
                   "{}{{\"file\":\"{}\",\"kind\":\"{}\",\"channel\":\"{}\",\"path\":\"{}\","
                   "\"creator_pid\":{},\"owner_uid\":{},\"owner\":\"{}\",\"size_bytes\":{},"
                   "\"allocated_bytes\":{}}}",
                   first ? "" : ",", json_escape(l.file), kind_text(l.kind), json_escape(l.name),
                   json_escape(l.path), l.pid, l.owner_uid, json_escape(l.owner_name), l.size,
                   l.allocated);
    first = false;
  }
  fmt::format_to(out, "],\"stats_path\":\"{}\",\"daemon\":", json_escape(v.stats_path));
  if (!v.daemon) {
    fmt::format_to(out, "null,\"daemon_error\":\"{}\"}}", json_escape(v.daemon_error));
    return o;
  }
  const stats::StatsSnapshot& d = *v.daemon;
  fmt::format_to(out,
                 "{{\"pid\":{},\"state\":\"{}\",\"stale\":{},\"start_ns\":{},\"update_ns\":{},"
                 "\"update_count\":{},\"interval_ms\":{},\"config\":\"{}\",\"ports\":[",
                 d.pid, stats::to_string(d.state), daemon_stale(v), d.start_ns, d.update_ns,
                 d.update_count, d.interval_ms, json_escape(d.config_path));
  first = true;
  for (const auto& p : d.ports) {
    std::string rejected;
    for (const auto& [reason, n] : p.rejected) {
      rejected += fmt::format("{}\"{}\":{}", rejected.empty() ? "" : ",", json_escape(reason), n);
    }
    fmt::format_to(out,
                   "{}{{\"name\":\"{}\",\"rx_packets\":{},\"rx_bytes\":{},\"imissed\":{},"
                   "\"ierrors\":{},\"rx_nombuf\":{},\"polled\":{},\"unrouted\":{},"
                   "\"rejected_total\":{},\"rejected\":{{{}}}}}",
                   first ? "" : ",", json_escape(p.name), p.rx_packets, p.rx_bytes, p.imissed,
                   p.ierrors, p.rx_nombuf, p.polled, p.unrouted, p.rejected_total, rejected);
    first = false;
  }
  o += "],\"lines\":[";
  first = true;
  for (const auto& l : d.lines) {
    // ticks / feed_gaps / feed_gap_messages: the line's feed block (kept on every line row for
    // the readers of the version-1 output; the "feeds" array has them once per feed).
    const stats::FeedSnapshot* f = d.feed_of(l);
    fmt::format_to(out,
                   "{}{{\"feed\":\"{}\",\"line\":\"{}\",\"group\":\"{}\",\"port\":{},"
                   "\"packets\":{},\"messages\":{},\"gaps\":{},\"gap_messages\":{},"
                   "\"duplicates\":{},\"malformed\":{},\"heartbeats\":{},\"next_seq\":{},"
                   "\"ticks\":{},\"feed_gaps\":{},\"feed_gap_messages\":{},"
                   "\"bad_framing\":{},\"unknown_type\":{},\"bad_length\":{},"
                   "\"end_of_session\":{},\"stale_session\":{},\"late_copies\":{},"
                   "\"held\":{},\"suspect\":{},\"seq_zero\":{},\"too_large\":{},"
                   "\"long_messages\":{},\"released\":{}}}",
                   first ? "" : ",", json_escape(l.feed), l.line, ipv4(l.group), l.udp_port,
                   l.packets, l.messages, l.gaps, l.gap_messages, l.duplicates, l.malformed_total(),
                   l.heartbeats, l.next_seq, f ? f->ticks : 0, f ? f->gaps : 0,
                   f ? f->gap_messages : 0, l.malformed, l.unknown_type, l.bad_length,
                   l.end_of_session, l.stale_session, l.late_copies, l.held, l.suspect,
                   l.seq_zero, l.too_large, l.long_messages, l.released);
    first = false;
  }
  o += "],\"feeds\":[";
  first = true;
  for (const auto& f : d.feeds) {
    std::string by_type;
    for (std::size_t t = 0; t < f.by_type.size(); ++t) {
      if (f.by_type[t] != 0) {
        by_type += fmt::format("{}\"{}\":{}", by_type.empty() ? "" : ",", json_escape(type_name(t)),
                               f.by_type[t]);
      }
    }
    const auto line_name = [&](int i) {
      return i >= 0 && static_cast<std::size_t>(i) < d.lines.size()
                 ? fmt::format("\"{}\"", d.lines[static_cast<std::size_t>(i)].line)
                 : std::string("null");
    };
    fmt::format_to(out,
                   "{}{{\"name\":\"{}\",\"line_a\":{},\"line_b\":{},\"ticks\":{},"
                   "\"dropped_types\":{},\"gaps\":{},\"gap_messages\":{},"
                   "\"session_changes\":{},\"holes\":{},\"held_now\":{},\"requests\":{},"
                   "\"request_timeouts\":{},\"recovered\":{},\"recovery_packets\":{},"
                   "\"store_full\":{},\"suspect_confirmed\":{},\"suspect_expired\":{},"
                   "\"undecodable\":{},\"request_send_errors\":{},\"reply_drops\":{},"
                   "\"by_type\":{{{}}},\"books\":{},\"snapshots\":{}}}",
                   first ? "" : ",", json_escape(f.name), line_name(f.line_a), line_name(f.line_b),
                   f.ticks, f.dropped_types, f.gaps, f.gap_messages, f.session_changes, f.holes,
                   f.held_now, f.requests, f.request_timeouts, f.recovered, f.recovery_packets,
                   f.store_full, f.suspect_confirmed, f.suspect_expired, f.undecodable,
                   f.request_send_errors, f.reply_drops, by_type, books_json(f), snapshots_json(f));
    first = false;
  }
  o += "],\"channels\":[";
  first = true;
  for (const auto& c : d.channels) {
    fmt::format_to(out,
                   "{}{{\"name\":\"{}\",\"capacity\":{},\"published\":{},\"filtered\":{},"
                   "\"rate_per_s\":{},\"epoch\":{}}}",
                   first ? "" : ",", json_escape(c.name), c.capacity, c.published, c.filtered,
                   c.rate_per_s, c.epoch);
    first = false;
  }
  o += "],\"cores\":[";
  first = true;
  for (const auto& c : d.cores) {
    fmt::format_to(out,
                   "{}{{\"lcore\":{},\"port_index\":{},\"queue\":{},\"polls\":{},\"bursts\":{},"
                   "\"packets\":{},\"full_bursts\":{}}}",
                   first ? "" : ",", c.lcore, c.port_index, c.queue, c.polls, c.bursts, c.packets,
                   c.full_bursts);
    first = false;
  }
  o += "]}}";
  return o;
}

std::string render_prometheus(const StatView& v) {
  stats::PrometheusWriter w;
  // Channel files (read from each channel header; independent of the daemon's segment).
  using RowFn = std::function<double(const ChannelRow&)>;
  const auto channel_family = [&](std::string_view name, std::string_view type,
                                  std::string_view help, const RowFn& f) {
    if (v.channels.empty()) return;
    w.family(name, type, help);
    for (const ChannelRow& c : v.channels) w.sample(label("channel", c.name), f(c));
  };
  channel_family("ichannel_channel_heartbeat_age_seconds", "gauge",
                 "Seconds since the producer last stamped the channel heartbeat.",
                 [](const ChannelRow& c) { return c.heartbeat_age_s; });
  channel_family("ichannel_channel_last_sequence", "gauge",
                 "Sequence number of the last committed message in the channel.",
                 [](const ChannelRow& c) { return static_cast<double>(c.last_seq); });
  channel_family("ichannel_channel_epoch", "gauge",
                 "Producer epoch of the channel segment (changes on every re-create).",
                 [](const ChannelRow& c) { return static_cast<double>(c.epoch); });
  channel_family("ichannel_channel_producer_alive", "gauge",
                 "1 if a live producer holds the channel file's lock (flock).",
                 [](const ChannelRow& c) { return c.producer_alive ? 1.0 : 0.0; });
  channel_family("ichannel_channel_stale", "gauge",
                 "1 if the channel heartbeat is older than the stale threshold or the producer is "
                 "gone.",
                 [](const ChannelRow& c) { return c.status == ChannelStatus::kAlive ? 0.0 : 1.0; });
  channel_family("ichannel_channel_capacity_slots", "gauge", "Ring capacity in slots.",
                 [](const ChannelRow& c) { return static_cast<double>(c.capacity); });

  // The daemon's statistics segment: the same text ichannel-feed writes to
  // statistics.prometheus_file.
  stats::append_prometheus(w, v.daemon ? &*v.daemon : nullptr, v.now_ns, v.stale_after_s);
  return w.take();
}

}  // namespace ichannel::tools
