// daemon/control/supervisor.cpp: see supervisor.hpp. Cold path: start-up order, the main-lcore
// loop, the exit report and teardown.
#include "daemon/control/supervisor.hpp"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/control/channel_files.hpp"
#include "daemon/control/channels.hpp"
#include "daemon/control/eal.hpp"
#include "daemon/control/logging.hpp"
#include "daemon/control/ports.hpp"
#include "daemon/control/rerequest_client.hpp"
#include "daemon/control/snapshot_thread.hpp"
#include "daemon/control/statistics.hpp"
#include "daemon/control/wiring.hpp"
#include "daemon/datapath/rx_loop.hpp"
#include "stats/reader.hpp"

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

// How often the supervisor checks that the channel paths are still its files.
constexpr std::uint64_t kFileCheckNs = 1'000'000'000ULL;

void sleep_ms(unsigned ms) noexcept {
  timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1'000'000L};
  nanosleep(&ts, nullptr);  // a signal cuts it short: fine, the caller re-checks
}

// Everything the daemon created, torn down in reverse order whatever happened.
class Supervisor {
 public:
  Supervisor(const config::Config& c, const Plan& p) : config_(c), plan_(p) {}
  ~Supervisor() { teardown(); }

  int run(const char* program) {
    spdlog::info("ichannel-feed {} starting: config {}", ICHANNEL_VERSION, config_.source);
    if (error_ = start(program); !error_.empty()) return fail();
    if (g_signalled.load(std::memory_order_relaxed)) {
      spdlog::info("stop requested during start-up");
      return stop_and_report();
    }
    if (error_ = launch_loops(); !error_.empty()) return fail();
    if (error_ = start_snapshots(); !error_.empty()) return fail();
    stats_.set_state(stats::DaemonState::kRunning);
    stats_.pass(ports_);
    const std::string ready =
        fmt::format("ichannel-feed ready: {} ports, {} feeds, {} channels, {} rx loops, stats {}",
                    config_.ports.size(), config_.feeds.size(), config_.channels.size(),
                    loops_.size(), stats_.path());
    spdlog::info("{}", ready);
    std::printf("%s\n", ready.c_str());  // on stdout too: visible whatever logging.level says
    std::fflush(stdout);
    const unsigned interval = std::max(config_.statistics.interval_ms, 1u);
    std::uint64_t next = realtime_ns() + interval * 1'000'000ULL;
    std::uint64_t next_file_check = realtime_ns() + kFileCheckNs;
    while (!g_signalled.load(std::memory_order_relaxed)) {
      sleep_ms(std::min(interval, 50u));
      if (realtime_ns() >= next_file_check) {
        check_channel_files();
        next_file_check = realtime_ns() + kFileCheckNs;
      }
      if (realtime_ns() >= next) {
        stats_.pass(ports_);
        next += interval * 1'000'000ULL;
        if (next < realtime_ns()) next = realtime_ns() + interval * 1'000'000ULL;
      }
    }
    spdlog::info("stop requested (signal): stopping {} rx loops", loops_.size());
    return stop_and_report();
  }

 private:
  std::string start(const char* program) {
    if (std::string e = init_eal(config_, program, eal_args_); !e.empty()) return e;
    eal_ready_ = true;
    start_periodic_flush();  // after EAL init: the thread inherits the main lcore's affinity
    const TscClock clock = TscClock::calibrate(0);  // measured: rte_get_tsc_hz() is rounded
    if (std::string e = check_lcores(plan_); !e.empty()) return e;
    ports_.resize(config_.ports.size());
    std::vector<std::uint16_t> port_ids(config_.ports.size());
    for (std::size_t i = 0; i < config_.ports.size(); ++i) {
      if (std::string e = setup_port(config_.ports[i], i, ports_[i]); !e.empty()) return e;
      port_ids[i] = ports_[i].port_id;
    }
    if (std::string e = create_segments(config_, plan_, segments_, channel_files_); !e.empty()) {
      return e;
    }
    if (std::string e =
            build_loops(config_, plan_, port_ids, segments_, clock, &g_loops_stop, loops_);
        !e.empty()) {
      return e;
    }
    if (std::string e = stats_.create(config_, ports_, segments_); !e.empty()) return e;
    for (auto& loop : loops_) loop->stats = &stats_.segment();
    if (auto targets = rerequest_targets(config_, plan_, loops_); !targets.empty()) {
      const std::size_t n = targets.size();
      rerequests_ = std::make_unique<RerequestClient>(std::move(targets));
      if (std::string e = rerequests_->start(); !e.empty()) return e;
      stats_.set_rerequests(rerequests_.get());
      spdlog::info("re-request client: {} feed(s), kernel UDP sockets on the main lcore's CPU", n);
    }
    return {};
  }

  // One snapshot thread per feed with feeds[].snapshot (after the loops run: they ack its
  // requests in their housekeeping).
  std::string start_snapshots() {
    for (auto& loop : loops_) {
      for (std::size_t s = 0; s < loop->pipeline.feed_count(); ++s) {
        const RxPipeline::Feed& feed = loop->pipeline.feed(s);
        auto* books = feed.handler->sink().books();
        if (books == nullptr || books->snapshot_port() == nullptr) continue;
        const std::size_t f = feed.handler->feed_id();
        const config::Feed& cf = config_.feeds[f];
        snapshots_.push_back(std::make_unique<SnapshotThread>(f, cf, *books->snapshot_port(),
                                                              book_limits(*cf.books)));
        if (std::string e = snapshots_.back()->start(); !e.empty()) return e;
        spdlog::info("feed {}: snapshots from {} (on start: {}, after a gap: {}, buffer {} ticks)",
                     cf.name, snapshots_.back()->server(), cf.snapshot->on_start,
                     cf.snapshot->on_gap, cf.snapshot->buffer_ticks);
      }
    }
    stats_.set_snapshots(snapshots_);
    return {};
  }

  std::string launch_loops() {
    for (auto& loop : loops_) {
      if (int ret = rte_eal_remote_launch(rx_loop_main, loop.get(), loop->lcore); ret != 0) {
        return "rte_eal_remote_launch(lcore " + std::to_string(loop->lcore) +
               "): " + rte_strerror(-ret);
      }
      launched_ = true;
      spdlog::info("rx loop on lcore {}: {} queues, {} feeds, {} channels", loop->lcore,
                   loop->queues.size(), loop->pipeline.feed_count(), loop->channels.size());
    }
    return {};
  }

  // Once a second: is each channel path still the file this daemon publishes into? A replaced
  // path means receivers now follow another file (a second producer, an operator, a forgery);
  // a removed one that new receivers cannot attach. Each change is logged once and shown in the
  // statistics (ChannelStats::file_state); the daemon keeps publishing into its own file.
  void check_channel_files() noexcept {
    try {
      for (const ChannelFiles::Change& c : channel_files_.check()) {
        const ChannelFiles::Entry& e = channel_files_.entries()[c.index];
        if (c.index < config_.channels.size()) {  // then the book tables (no ChannelStats row)
          stats_.set_channel_file_state(c.index, static_cast<std::uint32_t>(c.state));
        }
        if (c.state == ChannelFileState::kPublished) {
          spdlog::info("channel {}: {} is this daemon's file again", e.name, e.path);
        } else {
          spdlog::warn(
              "channel {}: {} was {} behind this daemon's back; receivers no longer see its "
              "ticks (restart ichannel-feed to publish it again)",
              e.name, e.path, to_string(c.state));
        }
      }
    } catch (const std::exception& e) {  // allocation failure: try again next time
      spdlog::warn("channel file check: {}", e.what());
    }
  }

  int stop_and_report() {
    stats_.set_state(stats::DaemonState::kStopping);
    stop_loops();
    stats_.pass(ports_);
    stats_.finish(stats::DaemonState::kStopped);
    report();
    return 0;
  }

  void stop_loops() noexcept {
    for (auto& s : snapshots_) s->stop();  // first: a hand-over waits for the loops
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
    // A failed start leaves no dead channels published: remove the files this run created
    // (never one another producer holds, never a file that replaced ours).
    for (const std::string& line : channel_files_.remove_published()) spdlog::info("{}", line);
    if (stats_.created()) {
      stats_.pass(ports_);
      stats_.finish(stats::DaemonState::kFailed);
    }
    return 1;
  }

  // The exit report: one line from the final statistics, on stdout and in the log.
  void report() {
    if (!stats_.created()) return;
    auto opened = stats::StatsReader::open(stats_.path());
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
    stats_.set_snapshots({});
    snapshots_.clear();
    stats_.set_rerequests(nullptr);
    if (rerequests_) rerequests_->stop();  // before the loops' links go away
    rerequests_.reset();
    loops_.clear();
    for (PortRuntime& p : ports_) stop_port(p);
    segments_.clear();  // unmaps; the files stay for receivers and tools
    stats_.close();
    if (eal_ready_) {
      (void)rte_eal_cleanup();
      eal_ready_ = false;
    }
  }

  const config::Config& config_;
  const Plan& plan_;
  std::vector<std::string> eal_args_;  // rte_eal_init's argv points into these
  bool eal_ready_ = false;
  bool launched_ = false;
  std::vector<PortRuntime> ports_;
  Segments segments_;           // channels and book tables
  ChannelFiles channel_files_;  // what segments_ published: watched, removed on a failed start
  std::vector<std::unique_ptr<RxLoop>> loops_;
  std::unique_ptr<RerequestClient> rerequests_;  // only when a feed has a re-request server
  std::vector<std::unique_ptr<SnapshotThread>> snapshots_;  // one per feed with a snapshot
  DaemonStatistics stats_;
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
  Supervisor supervisor(config, plan);
  return supervisor.run(program);
}

}  // namespace ichannel::daemon
