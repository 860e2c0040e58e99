// stat/render.cpp: see render.hpp.
#include "stat/render.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <functional>

#include "tap/tick_text.hpp"

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
  return now_ns > then_ns ? static_cast<double>(now_ns - then_ns) / 1e9 : 0.0;
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

// True when the daemon's last statistics pass is older than three of its intervals and older than
// the stale threshold (--stale-after).
bool daemon_stale(const StatView& v) {
  const stats::StatsSnapshot& d = *v.daemon;
  const double limit = std::max(v.stale_after_s, 3.0 * d.interval_ms / 1000.0);
  return age_s(v.now_ns, d.update_ns) > limit;
}

// Prometheus text writer: one family at a time (HELP + TYPE once, then the samples).
class PromWriter {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name,
                   type);
    name_ = name;
  }
  void sample(std::string_view labels, double value) {
    fmt::format_to(std::back_inserter(out_), "{}{}{}{} {}\n", name_, labels.empty() ? "" : "{",
                   labels, labels.empty() ? "" : "}", value);
  }
  void sample(std::string_view labels, std::uint64_t value) {
    fmt::format_to(std::back_inserter(out_), "{}{}{}{} {}\n", name_, labels.empty() ? "" : "{",
                   labels, labels.empty() ? "" : "}", value);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
  std::string name_;
};

std::string label(std::string_view k, std::string_view v) {
  return fmt::format("{}=\"{}\"", k, prometheus_escape(v));
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
                   l.messages, l.gaps, l.gap_messages, l.duplicates, l.malformed, l.next_seq);
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
    fmt::format_to(out,
                   "{}{{\"feed\":\"{}\",\"line\":\"{}\",\"group\":\"{}\",\"port\":{},"
                   "\"packets\":{},\"messages\":{},\"gaps\":{},\"gap_messages\":{},"
                   "\"duplicates\":{},\"malformed\":{},\"heartbeats\":{},\"next_seq\":{},"
                   "\"ticks\":{},\"feed_gaps\":{},\"feed_gap_messages\":{}}}",
                   first ? "" : ",", json_escape(l.feed), l.line, ipv4(l.group), l.udp_port,
                   l.packets, l.messages, l.gaps, l.gap_messages, l.duplicates, l.malformed,
                   l.heartbeats, l.next_seq, l.ticks, l.feed_gaps, l.feed_gap_messages);
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
  PromWriter w;
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
                 "1 if the producer process of the channel exists.",
                 [](const ChannelRow& c) { return c.producer_alive ? 1.0 : 0.0; });
  channel_family("ichannel_channel_stale", "gauge",
                 "1 if the channel heartbeat is older than the stale threshold or the producer is "
                 "gone.",
                 [](const ChannelRow& c) { return c.status == ChannelStatus::kAlive ? 0.0 : 1.0; });
  channel_family("ichannel_channel_capacity_slots", "gauge", "Ring capacity in slots.",
                 [](const ChannelRow& c) { return static_cast<double>(c.capacity); });

  // The daemon's statistics segment.
  w.family("ichannel_daemon_up", "gauge",
           "1 if the ichannel-feed statistics segment is readable, running and fresh.");
  const bool up = v.daemon && v.daemon->state == stats::DaemonState::kRunning && !daemon_stale(v);
  w.sample("", static_cast<std::uint64_t>(up ? 1 : 0));
  if (!v.daemon) return w.take();
  const stats::StatsSnapshot& d = *v.daemon;
  w.family("ichannel_daemon_info", "gauge", "Daemon identity; value is always 1.");
  w.sample(fmt::format("{},{},{}", label("pid", std::to_string(d.pid)),
                       label("state", stats::to_string(d.state)), label("config", d.config_path)),
           std::uint64_t{1});
  w.family("ichannel_daemon_start_time_seconds", "gauge", "Daemon start, Unix time in seconds.");
  w.sample("", static_cast<double>(d.start_ns) / 1e9);
  w.family("ichannel_daemon_stats_age_seconds", "gauge",
           "Seconds since the daemon last updated its statistics segment.");
  w.sample("", age_s(v.now_ns, d.update_ns));

  using PortFn = std::uint64_t (*)(const stats::PortSnapshot&);
  const auto port_family = [&](std::string_view name, std::string_view help, PortFn f) {
    if (d.ports.empty()) return;
    w.family(name, "counter", help);
    for (const auto& p : d.ports) w.sample(label("port", p.name), f(p));
  };
  port_family("ichannel_port_rx_packets_total", "Packets received by the NIC (ipackets).",
              [](const stats::PortSnapshot& p) { return p.rx_packets; });
  port_family("ichannel_port_rx_bytes_total", "Bytes received by the NIC (ibytes).",
              [](const stats::PortSnapshot& p) { return p.rx_bytes; });
  port_family("ichannel_port_imissed_total",
              "Packets dropped by the NIC because the RX ring was full (imissed).",
              [](const stats::PortSnapshot& p) { return p.imissed; });
  port_family("ichannel_port_ierrors_total", "Erroneous packets (ierrors).",
              [](const stats::PortSnapshot& p) { return p.ierrors; });
  port_family("ichannel_port_rx_nombuf_total", "RX mbuf allocation failures (rx_nombuf).",
              [](const stats::PortSnapshot& p) { return p.rx_nombuf; });
  port_family("ichannel_port_unrouted_total", "Valid UDP packets that matched no feed line.",
              [](const stats::PortSnapshot& p) { return p.unrouted; });
  if (!d.ports.empty()) {
    w.family("ichannel_port_rejected_total", "counter",
             "Packets rejected by the packet peel, by reason.");
    for (const auto& p : d.ports) {
      for (const auto& [reason, n] : p.rejected) {
        w.sample(label("port", p.name) + "," + label("reason", reason), n);
      }
    }
  }

  using LineFn = std::uint64_t (*)(const stats::LineSnapshot&);
  const auto line_family = [&](std::string_view name, std::string_view type, std::string_view help,
                               LineFn f) {
    if (d.lines.empty()) return;
    w.family(name, type, help);
    for (const auto& l : d.lines) {
      w.sample(label("feed", l.feed) + "," + label("line", std::string(1, l.line)), f(l));
    }
  };
  line_family("ichannel_feed_packets_total", "counter", "MoldUDP64 packets received on the line.",
              [](const stats::LineSnapshot& l) { return l.packets; });
  line_family("ichannel_feed_messages_total", "counter",
              "New messages decoded from the line (first copies; copies the other line already "
              "delivered count in ichannel_feed_duplicates_total).",
              [](const stats::LineSnapshot& l) { return l.messages; });
  line_family("ichannel_feed_gaps_total", "counter",
              "Sequence gaps seen on this line (its own loss, whether or not the other line "
              "filled it).",
              [](const stats::LineSnapshot& l) { return l.gaps; });
  line_family("ichannel_feed_gap_messages_total", "counter",
              "Messages missing in this line's own gaps.",
              [](const stats::LineSnapshot& l) { return l.gap_messages; });
  // Feed-wide gaps (neither line had the messages): the same value is stored on A and B, so
  // export it once per feed, from the first line of each feed.
  if (!d.lines.empty()) {
    w.family("ichannel_feed_unrecovered_gaps_total", "counter",
             "Feed gaps neither line filled, published as gap ticks (alert on any increase).");
    std::vector<std::string> seen;
    for (const auto& l : d.lines) {
      if (std::find(seen.begin(), seen.end(), l.feed) != seen.end()) continue;
      seen.push_back(l.feed);
      w.sample(label("feed", l.feed), l.feed_gaps);
    }
    w.family("ichannel_feed_unrecovered_gap_messages_total", "counter",
             "Messages lost in feed gaps neither line filled.");
    seen.clear();
    for (const auto& l : d.lines) {
      if (std::find(seen.begin(), seen.end(), l.feed) != seen.end()) continue;
      seen.push_back(l.feed);
      w.sample(label("feed", l.feed), l.feed_gap_messages);
    }
  }
  line_family("ichannel_feed_duplicates_total", "counter",
              "Messages already delivered by the other line.",
              [](const stats::LineSnapshot& l) { return l.duplicates; });
  line_family("ichannel_feed_malformed_total", "counter",
              "Malformed MoldUDP64 packets or ITCH messages (counted and skipped).",
              [](const stats::LineSnapshot& l) { return l.malformed; });
  line_family("ichannel_feed_heartbeats_total", "counter", "MoldUDP64 heartbeats.",
              [](const stats::LineSnapshot& l) { return l.heartbeats; });
  line_family("ichannel_feed_next_sequence", "gauge", "Next expected MoldUDP64 sequence number.",
              [](const stats::LineSnapshot& l) { return l.next_seq; });

  using ChanFn = std::uint64_t (*)(const stats::ChannelSnapshot&);
  const auto chan_family = [&](std::string_view name, std::string_view type, std::string_view help,
                               ChanFn f) {
    if (d.channels.empty()) return;
    w.family(name, type, help);
    for (const auto& c : d.channels) w.sample(label("channel", c.name), f(c));
  };
  chan_family("ichannel_channel_published_total", "counter", "Ticks published into the channel.",
              [](const stats::ChannelSnapshot& c) { return c.published; });
  chan_family("ichannel_channel_filtered_total", "counter",
              "Ticks dropped by the route's instrument filter.",
              [](const stats::ChannelSnapshot& c) { return c.filtered; });
  chan_family("ichannel_channel_publish_rate", "gauge",
              "Ticks per second published over the last statistics interval.",
              [](const stats::ChannelSnapshot& c) { return c.rate_per_s; });

  using CoreFn = std::uint64_t (*)(const stats::CoreSnapshot&);
  const auto core_family = [&](std::string_view name, std::string_view help, CoreFn f) {
    if (d.cores.empty()) return;
    w.family(name, "counter", help);
    for (const auto& c : d.cores) {
      const std::string port =
          c.port_index < d.ports.size() ? d.ports[c.port_index].name : std::to_string(c.port_index);
      w.sample(fmt::format("{},{},{}", label("lcore", std::to_string(c.lcore)), label("port", port),
                           label("queue", std::to_string(c.queue))),
               f(c));
    }
  };
  core_family("ichannel_core_polls_total", "rx_burst calls of the RX loop.",
              [](const stats::CoreSnapshot& c) { return c.polls; });
  core_family("ichannel_core_packets_total", "Packets received by the RX loop.",
              [](const stats::CoreSnapshot& c) { return c.packets; });
  core_family("ichannel_core_full_bursts_total",
              "rx_burst calls that returned a full burst (the loop is falling behind).",
              [](const stats::CoreSnapshot& c) { return c.full_bursts; });
  return w.take();
}

}  // namespace ichannel::tools
