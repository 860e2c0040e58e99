// app/daemon/daemon.cpp: see daemon.hpp. Cold path: setup, statistics, teardown.
#include "daemon.hpp"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eal_args.hpp"
#include "logging.hpp"
#include "ports.hpp"
#include "rx_loop.hpp"
#include "stats/aggregate.hpp"
#include "stats/atomic_file.hpp"
#include "stats/prometheus.hpp"
#include "stats/reader.hpp"
#include "stats/writer.hpp"

#ifndef ICHANNEL_VERSION
#define ICHANNEL_VERSION "dev"
#endif

namespace ichannel::daemon {
namespace {

// Set by the signal handler (async-signal-safe: lock-free store); read by the main lcore.
std::atomic<bool> g_signalled{false};
static_assert(std::atomic<bool>::is_always_lock_free);
// Set by the main lcore with release; RX loops load it with acquire in housekeeping.
std::atomic<bool> g_loops_stop{false};

extern "C" void on_stop_signal(int) {
  g_signalled.store(true, std::memory_order_relaxed);
}

void sleep_ms(unsigned ms) noexcept {
  timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1'000'000L};
  nanosleep(&ts, nullptr);  // a signal cuts it short: fine, the caller re-checks
}

using TickChannel = ProducerChannel<Tick>;

class Daemon {
 public:
  Daemon(const config::Config& c, const Plan& p) : config_(c), plan_(p) {}
  ~Daemon() { teardown(); }

  int run(const char* program) {
    spdlog::info("ichannel-feed {} starting: config {}", ICHANNEL_VERSION, config_.source);
    if (!init_eal(program) || !check_lcores() || !setup_ports() || !create_channels() ||
        !build_loops() || !create_stats()) {
      return fail();
    }
    if (g_signalled.load(std::memory_order_relaxed)) {
      spdlog::info("stop requested during start-up");
      return stop_and_report();
    }
    if (!launch_loops()) return fail();
    writer_->set_state(stats::DaemonState::kRunning);
    statistics_pass();
    const std::string ready =
        fmt::format("ichannel-feed ready: {} ports, {} feeds, {} channels, {} rx loops, stats {}",
                    config_.ports.size(), config_.feeds.size(), config_.channels.size(),
                    loops_.size(), writer_->path());
    spdlog::info("{}", ready);
    std::printf("%s\n", ready.c_str());  // on stdout too: visible whatever logging.level says
    std::fflush(stdout);
    const unsigned interval = std::max(config_.statistics.interval_ms, 1u);
    std::uint64_t next = realtime_ns() + interval * 1'000'000ULL;
    while (!g_signalled.load(std::memory_order_relaxed)) {
      sleep_ms(std::min(interval, 50u));
      if (realtime_ns() >= next) {
        statistics_pass();
        next += interval * 1'000'000ULL;
        if (next < realtime_ns()) next = realtime_ns() + interval * 1'000'000ULL;
      }
    }
    spdlog::info("stop requested (signal): stopping {} rx loops", loops_.size());
    return stop_and_report();
  }

 private:
  bool init_eal(const char* program) {
    eal_args_ = build_eal_args(config_, program);
    std::string joined;
    for (const std::string& a : eal_args_) joined += (joined.empty() ? "" : " ") + a;
    spdlog::info("EAL arguments: {}", joined);
    std::vector<char*> argv;
    for (std::string& a : eal_args_) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (rte_eal_init(static_cast<int>(argv.size() - 1), argv.data()) < 0) {
      error_ = std::string("rte_eal_init failed: ") + rte_strerror(rte_errno) +
               " (see the EAL messages above; arguments: " + joined + ")";
      return false;
    }
    eal_ready_ = true;
    start_periodic_flush();  // after EAL init: the thread inherits the main lcore's affinity
    clock_ = TscClock::calibrate(0);  // measured: rte_get_tsc_hz() is rounded
    return true;
  }

  bool check_lcores() {
    for (const LoopPlan& lp : plan_.loops) {
      if (lp.lcore >= RTE_MAX_LCORE || !rte_lcore_is_enabled(lp.lcore)) {
        error_ = "cores: lcore " + std::to_string(lp.lcore) + " is not enabled in the EAL";
        return false;
      }
      if (lp.lcore == rte_get_main_lcore()) {
        error_ = "cores: lcore " + std::to_string(lp.lcore) +
                 " is the main lcore; RX loops need their own lcores";
        return false;
      }
    }
    return true;
  }

  bool setup_ports() {
    ports_.resize(config_.ports.size());
    for (std::size_t i = 0; i < config_.ports.size(); ++i) {
      if (std::string e = setup_port(config_.ports[i], i, ports_[i]); !e.empty()) {
        error_ = e;
        return false;
      }
    }
    return true;
  }

  bool create_channels() {
    channels_.resize(config_.channels.size());
    for (std::size_t i = 0; i < config_.channels.size(); ++i) {
      const config::Channel& c = config_.channels[i];
      ChannelOptions opts;
      opts.dir = config_.channel_dir;
      opts.hugepages = c.hugepages;
      opts.mode = c.mode;
      opts.group = c.group;
      opts.numa_node = c.numa_node;
      if (opts.numa_node < 0 && plan_.channel_loop[i] >= 0 && rte_socket_count() > 1) {
        // Local to the lcore that writes it (receivers should sit on the same node).
        const unsigned lcore = plan_.loops[static_cast<std::size_t>(plan_.channel_loop[i])].lcore;
        opts.numa_node = static_cast<int>(rte_lcore_to_socket_id(lcore));
      }
      auto created = TickChannel::create(c.name, c.capacity, opts);
      if (!created) {
        error_ = "channel " + c.name + ": " + created.error().message;
        return false;
      }
      channels_[i] = std::make_unique<TickChannel>(std::move(*created));
      spdlog::info("channel {}: {} (capacity {}, epoch {}, {}{})", c.name, channels_[i]->path(),
                   c.capacity, channels_[i]->epoch(),
                   channels_[i]->hugetlbfs() ? "hugetlbfs" : "shm",
                   channels_[i]->locked() ? ", locked" : ", NOT locked (mlock failed)");
    }
    return true;
  }

  bool build_loops() {
    std::vector<TickSender*> senders(channels_.size(), nullptr);
    const auto line_stats = line_stats_indices(config_);
    for (std::size_t li = 0; li < plan_.loops.size(); ++li) {
      const LoopPlan& lp = plan_.loops[li];
      auto loop = std::make_unique<RxLoop>();
      loop->lcore = lp.lcore;
      loop->stop = &g_loops_stop;
      loop->clock = clock_;
      for (const QueuePlan& q : lp.queues) {
        RxQueue rq;
        rq.port_id = ports_[q.port].port_id;
        rq.queue = static_cast<std::uint16_t>(q.queue);
        rq.port_index = static_cast<std::uint16_t>(q.port);
        rq.core_stats = q.core;
        loop->queues.push_back(rq);
      }
      std::fill(senders.begin(), senders.end(), nullptr);
      for (std::size_t ch : lp.channels) {
        senders[ch] = &channels_[ch]->sender();
        loop->channels.push_back(RxChannel{ch, channels_[ch].get()});
      }
      if (std::string e = loop->pipeline.configure(config_, plan_, li, senders, line_stats);
          !e.empty()) {
        error_ = e;
        return false;
      }
      loops_.push_back(std::move(loop));
    }
    return true;
  }

  bool create_stats() {
    stats::StatsInit init;
    init.pid = static_cast<std::int32_t>(::getpid());
    init.start_ns = realtime_ns();
    init.interval_ms = config_.statistics.interval_ms;
    init.config_path = config_.source;
    init.reject_reasons = reject_reason_names();
    for (std::size_t i = 0; i < config_.ports.size(); ++i) {
      init.ports.push_back({config_.ports[i].name, ports_[i].port_id,
                            static_cast<std::int16_t>(ports_[i].socket),
                            config_.ports[i].rx_queues});
    }
    const auto port_of = [&](const std::string& name) {
      for (std::size_t i = 0; i < config_.ports.size(); ++i) {
        if (config_.ports[i].name == name) return static_cast<std::uint32_t>(i);
      }
      return 0u;
    };
    for (const config::Feed& f : config_.feeds) {
      stats::StatsInit::Feed feed{f.name, static_cast<std::uint32_t>(init.lines.size()),
                                  stats::kNoLine};
      init.lines.push_back({f.name, 'A', port_of(f.a.port_name), f.a.group, f.a.port});
      if (f.b) {
        feed.line_b = static_cast<std::uint32_t>(init.lines.size());
        init.lines.push_back({f.name, 'B', port_of(f.b->port_name), f.b->group, f.b->port});
      }
      init.feeds.push_back(std::move(feed));
    }
    for (std::size_t i = 0; i < config_.channels.size(); ++i) {
      const config::Channel& c = config_.channels[i];
      init.channels.push_back(
          {c.name, c.capacity, c.numa_node, channels_[i]->hugetlbfs(), channels_[i]->epoch()});
    }
    for (const config::Core& c : config_.cores) {
      init.cores.push_back({c.lcore, port_of(c.port), c.queue});
    }
    const std::string path = stats::stats_path(config_.channel_dir, config_.statistics.segment);
    auto created = stats::StatsWriter::create(path, init);
    if (!created.writer) {
      error_ = created.error;
      return false;
    }
    writer_.emplace(std::move(*created.writer));
    for (auto& loop : loops_) loop->stats = &writer_->segment();
    spdlog::info("statistics: {} (every {} ms)", writer_->path(), config_.statistics.interval_ms);
    if (!config_.statistics.prometheus_file.empty()) {
      spdlog::info("statistics: Prometheus textfile {} (every {} ms)",
                   config_.statistics.prometheus_file, config_.statistics.interval_ms);
    }
    return true;
  }

  bool launch_loops() {
    for (auto& loop : loops_) {
      if (int ret = rte_eal_remote_launch(rx_loop_main, loop.get(), loop->lcore); ret != 0) {
        error_ = "rte_eal_remote_launch(lcore " + std::to_string(loop->lcore) +
                 "): " + rte_strerror(-ret);
        return false;
      }
      launched_ = true;
      spdlog::info("rx loop on lcore {}: {} queues, {} feeds, {} channels", loop->lcore,
                   loop->queues.size(), loop->pipeline.feed_count(), loop->channels.size());
    }
    return true;
  }

  // Main lcore: hardware port counters, per-port sums, rates, heartbeat of idle channels.
  void statistics_pass() noexcept {
    if (!writer_) return;
    stats::StatsSegment& s = writer_->segment();
    constexpr auto kR = std::memory_order_relaxed;  // single writer (this thread) per counter
    for (std::size_t i = 0; i < ports_.size() && i < stats::kMaxPorts; ++i) {
      rte_eth_stats st{};
      if (!ports_[i].started || rte_eth_stats_get(ports_[i].port_id, &st) != 0) continue;
      s.ports[i].rx_packets.store(st.ipackets, kR);
      s.ports[i].rx_bytes.store(st.ibytes, kR);
      s.ports[i].imissed.store(st.imissed, kR);
      s.ports[i].ierrors.store(st.ierrors, kR);
      s.ports[i].rx_nombuf.store(st.rx_nombuf, kR);
    }
    stats::sum_cores_into_ports(s);
    const std::uint64_t now = realtime_ns();
    for (std::size_t i = 0; i < channels_.size(); ++i) {
      if (plan_.channel_loop[i] < 0 && channels_[i]) channels_[i]->heartbeat(now);
    }
    rates_.update(s, now);
    writer_->publish(now);
    write_prometheus_file(now);
  }

  // statistics.prometheus_file: the daemon families of app/stats/prometheus.hpp (the same text
  // as ichannel-stat's), replaced atomically. A failure is logged once, not every pass.
  void write_prometheus_file(std::uint64_t now) noexcept {
    const std::string& path = config_.statistics.prometheus_file;
    if (path.empty() || !writer_) return;
    try {
      const stats::StatsSnapshot snap = stats::snapshot_of(writer_->segment());
      const std::string err =
          stats::write_file_atomically(path, stats::render_prometheus(snap, now));
      if (!err.empty() && !prometheus_failing_) {
        spdlog::warn("statistics.prometheus_file: {}", err);
      } else if (err.empty() && prometheus_failing_) {
        spdlog::info("statistics.prometheus_file {}: written again", path);
      }
      prometheus_failing_ = !err.empty();
    } catch (const std::exception& e) {  // allocation failure: skip this pass
      if (!prometheus_failing_) spdlog::warn("statistics.prometheus_file {}: {}", path, e.what());
      prometheus_failing_ = true;
    }
  }

  int stop_and_report() {
    if (writer_) writer_->set_state(stats::DaemonState::kStopping);
    stop_loops();
    statistics_pass();
    if (writer_) {
      writer_->set_state(stats::DaemonState::kStopped);
      write_prometheus_file(realtime_ns());  // the final state, daemon_up 0
    }
    report();
    return 0;
  }

  void stop_loops() noexcept {
    // Pairs with the acquire load in rx_loop_main's housekeeping.
    g_loops_stop.store(true, std::memory_order_release);
    if (launched_) {
      rte_eal_mp_wait_lcore();
      launched_ = false;
    }
  }

  int fail() {
    spdlog::error("ichannel-feed: error: {}", error_);
    if (!config_.logging.file.empty()) {  // the log is in a file: say it on stderr too
      std::fprintf(stderr, "ichannel-feed: error: %s\n", error_.c_str());
    }
    stop_loops();
    if (writer_) {
      statistics_pass();
      writer_->set_state(stats::DaemonState::kFailed);
      write_prometheus_file(realtime_ns());
    }
    return 1;
  }

  void report() {
    if (!writer_) return;
    auto opened = stats::StatsReader::open(writer_->path());
    if (!opened.reader) return;
    const stats::StatsSnapshot s = opened.reader->snapshot();
    std::uint64_t packets = 0, unrouted = 0, rejected = 0, messages = 0, ticks = 0, gaps = 0;
    std::uint64_t duplicates = 0, malformed = 0;
    for (const auto& p : s.ports) {
      packets += p.polled;
      unrouted += p.unrouted;
      rejected += p.rejected_total;
    }
    for (const auto& l : s.lines) {
      messages += l.messages;
      duplicates += l.duplicates;
      malformed += l.malformed_total();
    }
    for (const auto& f : s.feeds) {
      ticks += f.ticks;
      gaps += f.gaps;
    }
    const double secs = static_cast<double>(realtime_ns() - s.start_ns) / 1e9;
    const std::string line = fmt::format(
        "ichannel-feed stopped after {:.1f} s: packets {}, messages {}, ticks {}, gaps {}, "
        "duplicates {}, malformed {}, unrouted {}, rejected {}",
        secs, packets, messages, ticks, gaps, duplicates, malformed, unrouted, rejected);
    spdlog::info("{}", line);
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  }

  void teardown() noexcept {
    stop_loops();
    loops_.clear();
    for (PortRuntime& p : ports_) stop_port(p);
    channels_.clear();  // unmaps; the files stay for receivers and tools
    writer_.reset();
    if (eal_ready_) {
      (void)rte_eal_cleanup();
      eal_ready_ = false;
    }
  }

  const config::Config& config_;
  const Plan& plan_;
  std::vector<std::string> eal_args_;
  bool eal_ready_ = false;
  bool launched_ = false;
  TscClock clock_;
  std::vector<PortRuntime> ports_;
  std::vector<std::unique_ptr<TickChannel>> channels_;
  std::vector<std::unique_ptr<RxLoop>> loops_;
  std::optional<stats::StatsWriter> writer_;
  stats::ChannelRates rates_;
  bool prometheus_failing_ = false;  // the last write of statistics.prometheus_file failed
  std::string error_;
};

}  // namespace

void install_stop_signals() noexcept {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int run_daemon(const config::Config& config, const Plan& plan, const char* program) {
  Daemon daemon(config, plan);
  return daemon.run(program);
}

}  // namespace ichannel::daemon
