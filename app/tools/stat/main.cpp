// ichannel-stat: channels and daemon counters at a glance, like `top`; Prometheus export.
//
// Usage
//   ichannel-stat [--dir DIR] [--stats PATH | --segment NAME] [--config FILE]
//                 [--once] [--json] [--interval S] [--count N] [--stale-after S]
//                 [--prometheus-file PATH] [--listen ADDR:PORT] [--quiet]
//   Every interval: lists the channel files in DIR (producer pid, epoch, heartbeat age, last seq,
//   rate over the interval, alive/stale/dead), the leftovers nobody holds the lock of (hidden
//   temporaries of crashed creators, dead channel files: owner, size) and the daemon's
//   statistics segment (ports, feed
//   lines, channels, cores). --once prints one screen (rates measured over a 250 ms sample) and
//   exits. --json prints one JSON object per refresh instead of the screen. --config takes the
//   channel dir, the statistics segment and statistics.prometheus_file from a daemon config.
//   --prometheus-file writes node_exporter textfile format atomically every interval;
//   --listen serves the same text at http://ADDR:PORT/metrics (localhost only by default).
//   --quiet: no screen output (exporter mode). Exit status: 0, 1 runtime error, 2 bad arguments.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <thread>

#include <ichannel/channel.hpp>
#include <ichannel/segment_file.hpp>

#include "config/load.hpp"
#include "stats/atomic_file.hpp"
#include "tools/stat/metrics_server.hpp"
#include "tools/stat/render.hpp"
#include "tools/stat/stat_view.hpp"

namespace {

std::atomic<bool> g_stop{false};  // set by the signal handler, polled by the refresh loop (relaxed)
extern "C" void on_signal(int) {
  g_stop.store(true, std::memory_order_relaxed);
}

bool sleep_interruptible(std::chrono::milliseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
    if (g_stop.load(std::memory_order_relaxed)) return false;  // pairs with on_signal
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return !g_stop.load(std::memory_order_relaxed);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ichannel;
  using namespace ichannel::tools;
  std::string dir, stats_file, segment = stats::kDefaultStatsSegment, config_file, prom_file,
                               listen;
  bool once = false, json = false, quiet = false;
  double interval_s = 1.0, stale_after_s = stats::kDefaultStaleAfterS;
  std::uint64_t count = 0;
  CLI::App app{"ichannel-stat: channels and ichannel-feed counters; Prometheus export"};
  app.add_option("--dir", dir, "channel directory (default: the ring's default directory)");
  app.add_option("--stats", stats_file, "statistics segment path (default: DIR/ichannel-stats)");
  app.add_option("--segment", segment, "statistics segment name in the channel directory");
  app.add_option("--config", config_file,
                 "ichannel-feed config: take channel_dir and statistics.* from it")
      ->check(CLI::ExistingFile);
  app.add_flag("--once", once, "print once and exit");
  app.add_flag("--json", json, "JSON output (one object per refresh)");
  app.add_option("--interval", interval_s, "refresh interval in seconds")
      ->check(CLI::Range(0.05, 3600.0));
  app.add_option("--count", count, "stop after N refreshes");
  app.add_option("--stale-after", stale_after_s, "heartbeat age (s) that marks a channel stale")
      ->check(CLI::PositiveNumber);
  app.add_option("--prometheus-file", prom_file,
                 "write Prometheus textfile-collector format here every interval (atomic)");
  app.add_option("--listen", listen, "serve GET /metrics on ADDR:PORT (e.g. 127.0.0.1:9108)");
  app.add_flag("--quiet", quiet, "no screen output (exporter mode)");
  CLI11_PARSE(app, argc, argv);

  std::string stats_dir = dir;
  if (!config_file.empty()) {
    const config::LoadResult loaded = config::load_file(config_file);
    if (!loaded.ok()) {
      for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.message().c_str());
      return 2;
    }
    const config::Config& c = *loaded.config;
    if (dir.empty()) dir = stats_dir = c.channel_dir;
    if (app.count("--segment") == 0) segment = c.statistics.segment;
    if (prom_file.empty()) prom_file = c.statistics.prometheus_file;
  }
  if (stats_file.empty()) stats_file = stats::stats_path(stats_dir, segment);
  if (dir.empty()) dir = default_channel_dir();
  const std::string segment_name = stats_file.substr(stats_file.rfind('/') + 1);

  MetricsServer server;
  if (!listen.empty()) {
    if (std::string err = server.start(listen); !err.empty()) {
      std::fprintf(stderr, "ichannel-stat: %s\n", err.c_str());
      return 1;
    }
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  const bool tty = ::isatty(STDOUT_FILENO) != 0;
  RateTracker rates;
  const auto read_view = [&] {
    StatView v;
    v.now_ns = wall_clock_ns();
    v.channel_dir = dir;
    v.stats_path = stats_file;
    v.stale_after_s = stale_after_s;
    for (const ChannelInfo& ci : list_channels(dir)) {
      if (ci.name == segment_name) continue;
      ChannelRow r;
      r.name = ci.name;
      r.path = ci.path;
      r.type_name = ci.type_name;
      r.payload_size = ci.payload_size;
      r.capacity = ci.capacity;
      r.epoch = ci.epoch;
      r.producer_pid = ci.producer_pid;
      r.heartbeat_ns = ci.heartbeat_ns;
      // Age from the monotonic heartbeat (a wall-clock step cannot fake or hide staleness);
      // producers that predate it have only the wall-clock one.
      const std::uint64_t mono_now = static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(
              std::chrono::steady_clock::now().time_since_epoch())
              .count());
      const std::uint64_t beat = ci.heartbeat_mono_ns != 0 ? ci.heartbeat_mono_ns : ci.heartbeat_ns;
      const std::uint64_t now = ci.heartbeat_mono_ns != 0 ? mono_now : v.now_ns;
      r.heartbeat_age_s = now > beat ? static_cast<double>(now - beat) / 1e9 : 0;
      r.last_seq = ci.last_seq;
      r.producer_alive = ci.producer_alive;
      r.rate_per_s = rates.update(ci.name, ci.epoch, ci.last_seq, v.now_ns);
      r.status = classify(ci.producer_alive, r.heartbeat_age_s, stale_after_s);
      v.channels.push_back(std::move(r));
    }
    v.leftovers = list_leftover_files(dir);
    auto opened = stats::StatsReader::open(stats_file);
    if (opened.reader) {
      v.daemon = opened.reader->snapshot();
    } else {
      v.daemon_error = opened.error;
    }
    return v;
  };

  if (once) {  // two readings so the rates have an interval
    (void)read_view();
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  int status = 0;
  for (std::uint64_t n = 1;; ++n) {
    const StatView v = read_view();
    if (!prom_file.empty() || !listen.empty()) {
      std::string prom = render_prometheus(v);
      if (!prom_file.empty()) {
        if (std::string err = stats::write_file_atomically(prom_file, prom); !err.empty()) {
          std::fprintf(stderr, "ichannel-stat: %s\n", err.c_str());
          status = 1;
          if (once) break;
        }
      }
      if (!listen.empty()) server.set_body(std::move(prom));
    }
    if (!quiet) {
      const std::string screen = json ? render_json(v) + "\n" : render_text(v);
      if (tty && !once && !json) std::fputs("\x1b[H\x1b[2J", stdout);
      std::fputs(screen.c_str(), stdout);
      if (!tty && !once && !json) std::fputs("\n", stdout);
      std::fflush(stdout);
    }
    if (once || (count != 0 && n >= count)) break;
    if (!sleep_interruptible(std::chrono::milliseconds(static_cast<long>(interval_s * 1000)))) {
      break;
    }
  }
  return status;
}
