// app/stats/prometheus.hpp: the daemon's statistics as Prometheus text exposition format
// (version 0.0.4), for node_exporter's textfile collector or a /metrics endpoint.
//
// Contract
// - One renderer for both writers of that text: ichannel-feed writes it to
//   statistics.prometheus_file every statistics pass (from its own segment), and ichannel-stat
//   (--prometheus-file, --listen) appends it after its channel-file families. The same snapshot
//   at the same time gives the same text.
// - Pure functions of a StatsSnapshot and a time (no clock, no I/O): tests feed synthetic
//   snapshots. Cold path; allocates.
// - Metric names are a stable interface, documented in docs/operations.md; counters end in
//   _total, ages are seconds, every family has # HELP and # TYPE once, label values are escaped.
//   ichannel_daemon_up is always present (0 when there is no snapshot).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "stats/reader.hpp"

namespace ichannel::stats {

// Heartbeat / statistics age above which a channel or the daemon counts as stale.
inline constexpr double kDefaultStaleAfterS = 2.0;

// Escapes a Prometheus label value: backslash, double quote and newline.
[[nodiscard]] std::string prometheus_escape(std::string_view s);
// k="escaped v"
[[nodiscard]] std::string prometheus_label(std::string_view k, std::string_view v);

// Writes one family at a time: HELP and TYPE once, then its samples.
class PrometheusWriter {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view labels, double value);
  void sample(std::string_view labels, std::uint64_t value);
  [[nodiscard]] std::string take() { return std::move(out_); }

 private:
  std::string out_;
  std::string name_;
};

// Seconds from then_ns to now_ns (0 if then is later).
[[nodiscard]] double age_seconds(std::uint64_t now_ns, std::uint64_t then_ns) noexcept;

// True when the daemon's last statistics pass is older than three of its intervals and older
// than stale_after_s.
[[nodiscard]] bool is_stale(const StatsSnapshot& d, std::uint64_t now_ns,
                            double stale_after_s) noexcept;

// Appends the daemon families (ichannel_daemon_*, _port_*, _feed_*, _book_* and _snapshot_* of
// the feeds with books / a snapshot server, _channel_published/filtered/publish_rate/file_state,
// _core_*); d == nullptr: only ichannel_daemon_up 0.
void append_prometheus(PrometheusWriter& w, const StatsSnapshot* d, std::uint64_t now_ns,
                       double stale_after_s);

// The daemon families alone, as ichannel-feed writes them to statistics.prometheus_file.
[[nodiscard]] std::string render_prometheus(const StatsSnapshot& d, std::uint64_t now_ns,
                                            double stale_after_s = kDefaultStaleAfterS);

}  // namespace ichannel::stats
