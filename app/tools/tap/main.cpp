// ichannel-tap: attach read-only to a tick or top-of-book channel and print or count what
// arrives (the payload is read from the channel's header: ichannel::Tick or
// ichannel::TopOfBook).
//
// Usage
//   ichannel-tap CHANNEL [--dir DIR] [--json | --count | --quiet] [--cpu N] [--busy]
//                [--duration S] [--messages N] [--idle-exit S] [--wait S] [--from-oldest]
//                [--progress S] [--stale-after S]
//   (default) one text line per tick (or top-of-book record) on stdout; --json one JSON object;
//   --count prints nothing per tick (counts, checksum, latency only).
//   At exit one JSON summary line (keys in tap/tap_summary.hpp): on stdout with --count/--quiet,
//   on stderr otherwise (so a JSON-lines consumer of stdout sees only ticks).
//   Producer restart (new epoch): noted on stderr, the tap re-attaches and keeps receiving.
//   Stops at --messages / --duration / --idle-exit (no tick for S seconds), SIGINT or SIGTERM.
//   Exit status: 0 done, 1 attach failure or the channel vanished, 2 bad arguments.
//
// Latency is wall_clock_ns() at receipt minus Tick::recv_ns (the daemon's per-burst receive
// timestamp), i.e. "wire to tap" including the daemon's decode and publish.
#include <pthread.h>
#include <sched.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>

#include <ichannel/channel.hpp>
#include <ichannel/ichannel.hpp>
#include <ichannel/tick.hpp>
#include <ichannel/top_of_book.hpp>

#include "tap/latency_histogram.hpp"
#include "tap/tap_summary.hpp"
#include "tap/tick_digest.hpp"
#include "tap/tick_text.hpp"
#include "tap/top_text.hpp"

namespace {

std::atomic<bool> g_stop{false};  // set by the signal handler; relaxed loads in the loop (no data
                                  // is published through it)

extern "C" void on_signal(int) {
  g_stop.store(true, std::memory_order_relaxed);
}

enum class Mode { kText, kJson, kCount };

struct Options {
  std::string channel;
  std::string dir;
  Mode mode = Mode::kText;
  bool quiet = false;
  int cpu = -1;
  bool busy = false;
  double duration_s = 0;
  std::uint64_t messages = 0;
  double idle_exit_s = 0;
  double wait_s = 0;
  bool from_oldest = false;
  double progress_s = 0;
  double stale_after_s = 2.0;
};

bool pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

std::uint64_t to_ns(double s) {
  return static_cast<std::uint64_t>(s * 1e9);
}

// What the loop does with each record of a tick channel.
struct TickOps {
  ichannel::tools::TickDigest digest;
  ichannel::tools::SymbolBook symbols;
  void add(const ichannel::Tick& t) noexcept { digest.add(t); }
  [[nodiscard]] std::uint64_t total() const noexcept { return digest.total(); }
  std::string line(const ichannel::Tick& t, std::int64_t lat, bool json) {
    symbols.learn(t);
    return json ? ichannel::tools::format_tick_json(t, symbols.symbol(t.instrument), lat)
                : ichannel::tools::format_tick_text(t, symbols.symbol(t.instrument), lat);
  }
  void into(ichannel::tools::TapSummary& s) const noexcept { s.digest = &digest; }
};

// ... of a top-of-book channel.
struct TopOps {
  ichannel::tools::TopDigest digest;
  void add(const ichannel::TopOfBook& r) noexcept { digest.add(r); }
  [[nodiscard]] std::uint64_t total() const noexcept { return digest.total(); }
  std::string line(const ichannel::TopOfBook& r, std::int64_t lat, bool json) {
    return json ? ichannel::tools::format_top_json(r, lat)
                : ichannel::tools::format_top_text(r, lat);
  }
  void into(ichannel::tools::TapSummary& s) const noexcept { s.tops = &digest; }
};

// The channel's payload type from its header, waiting up to `wait` for it to appear; "" when
// it does not (attach then reports why).
std::string payload_type(const std::string& name, const std::string& dir,
                         std::chrono::milliseconds wait) {
  const auto until = std::chrono::steady_clock::now() + wait;
  for (;;) {
    if (auto info = ichannel::inspect_channel(name, dir)) return info->type_name;
    if (std::chrono::steady_clock::now() >= until) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

template <class T, class Ops>
int follow(const Options& o, Ops& ops);

}  // namespace

int main(int argc, char** argv) {
  using namespace ichannel;
  using namespace ichannel::tools;
  Options o;
  CLI::App app{"ichannel-tap: read a tick or top-of-book channel (read-only) and print or count it"};
  app.add_option("channel", o.channel, "channel name")->required();
  app.add_option("--dir", o.dir, "channel directory (default: the ring's default directory)");
  bool json = false, count = false;
  auto* json_opt = app.add_flag("--json", json, "one JSON object per tick");
  app.add_flag("--count", count, "count only: per action, checksum, latency")->excludes(json_opt);
  app.add_flag("--quiet", o.quiet, "like --count; also no progress output");
  app.add_option("--cpu", o.cpu, "pin to this CPU")->check(CLI::NonNegativeNumber);
  app.add_flag("--busy", o.busy, "busy-spin when idle (default: spin, then yield, then sleep)");
  app.add_option("--duration", o.duration_s, "stop after S seconds")->check(CLI::PositiveNumber);
  app.add_option("--messages", o.messages, "stop after N ticks");
  app.add_option("--idle-exit", o.idle_exit_s, "stop after S seconds without a tick")
      ->check(CLI::PositiveNumber);
  app.add_option("--wait", o.wait_s, "wait up to S seconds for the channel to appear")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--from-oldest", o.from_oldest,
               "start at the oldest tick still in the ring (default: the next new tick)");
  app.add_option("--progress", o.progress_s, "print a progress line to stderr every S seconds")
      ->check(CLI::PositiveNumber);
  app.add_option("--stale-after", o.stale_after_s, "heartbeat age that counts as stale (s)")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  o.mode = json ? Mode::kJson : (count || o.quiet) ? Mode::kCount : Mode::kText;

  if (o.cpu >= 0 && !pin_to_cpu(o.cpu)) {
    std::fprintf(stderr, "ichannel-tap: cannot pin to cpu %d\n", o.cpu);
    return 2;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  const auto wait = std::chrono::milliseconds(static_cast<std::int64_t>(o.wait_s * 1000));
  if (payload_type(o.channel, o.dir, wait) == PayloadTypeName<TopOfBook>::value) {
    TopOps ops;
    return follow<TopOfBook>(o, ops);
  }
  TickOps ops;
  return follow<Tick>(o, ops);
}

namespace {

template <class T, class Ops>
int follow(const Options& o, Ops& ops) {
  using namespace ichannel;
  using namespace ichannel::tools;
  AttachOptions ao;
  ao.dir = o.dir;
  ao.wait = std::chrono::milliseconds(static_cast<std::int64_t>(o.wait_s * 1000));
  ao.start_at_oldest = o.from_oldest;
  auto attached = ReceiverChannel<T>::attach(o.channel, ao);
  if (!attached) {
    std::fprintf(stderr, "ichannel-tap: %s\n", attached.error().message.c_str());
    return 1;
  }
  ReceiverChannel<T> channel = std::move(*attached);

  LatencyHistogram latency;
  TapSummary summary;
  summary.channel = o.channel;
  ops.into(summary);
  summary.latency = &latency;

  const std::uint64_t start_ns = wall_clock_ns();
  const std::uint64_t deadline_ns = o.duration_s > 0 ? start_ns + to_ns(o.duration_s) : 0;
  const std::uint64_t idle_limit_ns = o.idle_exit_s > 0 ? to_ns(o.idle_exit_s) : 0;
  const std::uint64_t progress_ns = o.progress_s > 0 ? to_ns(o.progress_s) : 0;
  const auto stale_after = std::chrono::nanoseconds(to_ns(o.stale_after_s));
  std::uint64_t last_data_ns = start_ns;
  std::uint64_t last_check_ns = start_ns;
  std::uint64_t last_progress_ns = start_ns;
  std::uint64_t progress_msgs = 0;
  std::uint32_t empty_polls = 0;
  std::string exit_reason = "signal";
  const bool print = o.mode != Mode::kCount;

  for (;;) {
    Receiver<T>& rx = channel.receiver();
    if (auto r = rx.try_recv()) {
      const std::uint64_t now = wall_clock_ns();
      const T& t = r->value;
      const std::int64_t lat = static_cast<std::int64_t>(now - t.recv_ns);
      latency.record(lat > 0 ? static_cast<std::uint64_t>(lat) : 0);
      ops.add(t);
      empty_polls = 0;
      last_data_ns = now;
      if (print) {
        const std::string line = ops.line(t, lat, o.mode == Mode::kJson);
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fputc('\n', stdout);
      }
      if (o.messages != 0 && ops.total() >= o.messages) {
        exit_reason = "messages";
        break;
      }
      if ((ops.total() & 0xffff) != 0) continue;  // housekeeping every 64K records under load
    } else {
      ++empty_polls;
      if (o.busy || empty_polls < 1024) {
        PauseSpin{}();
        if ((empty_polls & 1023) != 0) continue;  // housekeeping every 1024 empty polls
      } else if (empty_polls < 4096) {
        ::sched_yield();
        if ((empty_polls & 63) != 0) continue;
      } else {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    }

    // Housekeeping: clock, stop conditions, producer checks, progress.
    const std::uint64_t now = wall_clock_ns();
    if (g_stop.load(std::memory_order_relaxed)) break;  // pairs with on_signal's store
    if (deadline_ns != 0 && now >= deadline_ns) {
      exit_reason = "duration";
      break;
    }
    if (idle_limit_ns != 0 && now - last_data_ns >= idle_limit_ns) {
      exit_reason = "idle";
      break;
    }
    if (progress_ns != 0 && now - last_progress_ns >= progress_ns) {
      summary.messages = ops.total();
      summary.lost = channel.receiver().lost() + channel.receiver().skipped();
      const double rate = static_cast<double>(ops.total() - progress_msgs) * 1e9 /
                          static_cast<double>(now - last_progress_ns);
      const std::string line = render_progress_line(summary, rate);
      std::fprintf(stderr, "%s\n", line.c_str());
      last_progress_ns = now;
      progress_msgs = ops.total();
    }
    if (now - last_check_ns >= 50'000'000ull) {  // 50 ms
      last_check_ns = now;
      const std::uint64_t epoch_before = channel.epoch();
      // poll_producer: liveness from the producer's lock, staleness from the monotonic
      // heartbeat; a replaced file is drained to its end first (lost()/skipped() cumulative).
      const ProducerChange change = channel.poll_producer(stale_after);
      if (change.changed()) {
        const char* name = o.channel.c_str();
        switch (change.to) {
          case ProducerState::kSame:  // == kAlive
            std::fprintf(stderr, "ichannel-tap: %s: producer alive\n", name);
            break;
          case ProducerState::kStale:
            ++summary.stale_events;
            std::fprintf(stderr, "ichannel-tap: %s: producer heartbeat stale\n", name);
            break;
          case ProducerState::kDead:
            ++summary.dead_events;
            std::fprintf(stderr, "ichannel-tap: %s: producer dead (its lock is free)\n", name);
            break;
          case ProducerState::kDraining:
            std::fprintf(stderr, "ichannel-tap: %s: new producer; reading the old epoch to its end\n",
                         name);
            break;
          case ProducerState::kRestarted:
            break;  // below: reported on every switch, even two in a row
          case ProducerState::kGone:
            ++summary.gone_events;
            std::fprintf(stderr, "ichannel-tap: %s: channel file removed; waiting for it\n", name);
            break;
        }
      }
      if (change.to == ProducerState::kRestarted) {
        ++summary.restarts;
        std::fprintf(stderr, "ichannel-tap: %s: producer restarted (epoch %llu -> %llu)\n",
                     o.channel.c_str(), static_cast<unsigned long long>(epoch_before),
                     static_cast<unsigned long long>(channel.epoch()));
      }
    }
  }

  summary.messages = ops.total();
  summary.lost = channel.receiver().lost() + channel.receiver().skipped();
  summary.epoch = channel.epoch();
  summary.duration_s = static_cast<double>(wall_clock_ns() - start_ns) / 1e9;
  summary.exit_reason = exit_reason;
  std::fflush(stdout);
  const std::string s = render_summary_json(summary);
  std::fprintf(o.mode == Mode::kCount ? stdout : stderr, "%s\n", s.c_str());
  return 0;
}

}  // namespace
