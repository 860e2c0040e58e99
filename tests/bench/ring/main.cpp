// ichannel-ring-bench: ichannel against the physical limits and its peers, interleaved in rounds.
//
// Each round runs every contender once (in a rotated order): a ping-pong of --lat-msgs messages
// (one-way latency = round trip / 2) and a stream of --thr-msgs 56-byte messages (throughput),
// with the main side pinned to the first of --cores and the peer side (thread or forked process)
// pinned to the second. Absolute times drift between vCPU placements, so per round each contender's
// median latency is divided by the two limits' and by the best peer's of the same round, and the
// report shows the median of each figure and ratio over all rounds. See docs/benchmarks.md.
#include <sched.h>
#include <sys/utsname.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/bench/ring/contender.hpp"
#include "tests/bench/ring/ichannel_contenders.hpp"
#include "tests/bench/ring/limits.hpp"
#include "tests/bench/ring/peers.hpp"
#include "tests/bench/ring/producers.hpp"
#include "tests/bench/ring/stats.hpp"
#ifdef RINGBENCH_HAVE_ICEORYX
#include "tests/bench/ring/iceoryx_contender.hpp"
#endif

namespace ringbench {
namespace {

struct RoundResult {
  Latency lat;
  double msgs_per_s = std::nan("");  // delivered to the receiver
  double send_per_s = std::nan("");  // the producer's own rate
  double lost_fraction = 0;
  // Ratios within the round (NaN when not applicable).
  double to_bare = std::nan(""), to_ring = std::nan(""), peer_speedup = std::nan("");
  double thr_to_peer = std::nan("");
};

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown CPU";
}

void print_machine(const Params& p, double ticks_per_ns) {
  utsname u{};
  uname(&u);
  std::printf("machine: %s, %u online CPUs, kernel %s %s; TSC %.3f GHz\n", cpu_model().c_str(),
              std::thread::hardware_concurrency(), u.sysname, u.release, ticks_per_ns);
  std::printf(
      "cores: main %d, peer %d; capacity %zu slots; %zu ping-pongs (+%zu warm-up) and %zu "
      "streamed messages per contender per round\n",
      p.core_main, p.core_peer, p.capacity, p.lat_msgs, p.warmup, p.thr_msgs);
  std::printf("throughput producer: %s\n", producer_name(p.producer));
  std::printf("scheduling: %s\n",
              sched_getscheduler(0) == SCHED_FIFO ? "SCHED_FIFO" : "normal (no --fifo)");
}

void compute_ratios(const std::vector<Contender>& cs, std::vector<RoundResult>& rr) {
  double bare = std::nan(""), ring = std::nan(""), best_peer = INFINITY, best_thr = 0;
  for (std::size_t i = 0; i < cs.size(); ++i) {
    if (cs[i].role == Role::kBareLimit) bare = rr[i].lat.p50;
    if (cs[i].role == Role::kRingLimit) ring = rr[i].lat.p50;
    if (cs[i].role == Role::kPeer) {
      best_peer = std::min(best_peer, rr[i].lat.p50);
      if (!std::isnan(rr[i].msgs_per_s)) best_thr = std::max(best_thr, rr[i].msgs_per_s);
    }
  }
  for (auto& r : rr) {
    r.to_bare = r.lat.p50 / bare;
    r.to_ring = r.lat.p50 / ring;
    if (std::isfinite(best_peer)) r.peer_speedup = best_peer / r.lat.p50;
    if (best_thr > 0) r.thr_to_peer = r.msgs_per_s / best_thr;
  }
}

template <class F>
double med(const std::vector<std::vector<RoundResult>>& rounds, std::size_t i, F f) {
  std::vector<double> v;
  for (const auto& r : rounds) v.push_back(f(r[i]));
  return median(std::move(v));
}

void print_report(const std::vector<Contender>& cs,
                  const std::vector<std::vector<RoundResult>>& rounds) {
  std::printf(
      "\nMedians over %zu rounds. Latency: one-way (round trip / 2), ns. x bare, x ring: p50 / "
      "that limit's p50 in the same round. peer/x: best peer's p50 (lowest of all peers) / this "
      "p50. rx: messages delivered to the receiver per second; x peer: rx / best peer's rx; "
      "lost: overwritten before read (broadcast rings never wait); tx: the sender's own rate.\n\n",
      rounds.size());
  std::printf("| %-24s | %7s | %7s | %7s | %7s | %8s | %6s | %6s | %6s | %8s | %6s | %6s | %8s |\n",
              "contender", "p50", "p90", "p99", "p99.9", "max", "x bare", "x ring", "peer/x",
              "rx M/s", "x peer", "lost%", "tx M/s");
  std::printf("|%s|", std::string(26, '-').c_str());
  for (int w : {9, 9, 9, 9, 10, 8, 8, 8, 10, 8, 8, 10})
    std::printf("%s:|", std::string(w - 1, '-').c_str());
  std::printf("\n");
  for (std::size_t i = 0; i < cs.size(); ++i) {
    std::printf(
        "| %-24s | %7.1f | %7.1f | %7.1f | %7.1f | %8.0f | %6.2f | %6.2f | %6.2f | %8.2f | %6.2f | "
        "%6.2f | %8.2f |\n",
        cs[i].name.c_str(), med(rounds, i, [](auto& r) { return r.lat.p50; }),
        med(rounds, i, [](auto& r) { return r.lat.p90; }),
        med(rounds, i, [](auto& r) { return r.lat.p99; }),
        med(rounds, i, [](auto& r) { return r.lat.p999; }),
        med(rounds, i, [](auto& r) { return r.lat.max; }),
        med(rounds, i, [](auto& r) { return r.to_bare; }),
        med(rounds, i, [](auto& r) { return r.to_ring; }),
        med(rounds, i, [](auto& r) { return r.peer_speedup; }),
        med(rounds, i, [](auto& r) { return r.msgs_per_s / 1e6; }),
        med(rounds, i, [](auto& r) { return r.thr_to_peer; }),
        med(rounds, i, [](auto& r) { return 100.0 * r.lost_fraction; }),
        med(rounds, i, [](auto& r) { return r.send_per_s / 1e6; }));
  }
  // Per-round spread of the ichannel ratios: the targets must hold in every placement.
  for (std::size_t i = 0; i < cs.size(); ++i) {
    if (cs[i].role != Role::kIchannel) continue;
    std::vector<double> ring, peer;
    for (const auto& r : rounds) {
      ring.push_back(r[i].to_ring);
      peer.push_back(r[i].peer_speedup);
    }
    std::printf("\n%s per round: x ring min %.2f max %.2f; peer speedup min %.2f max %.2f",
                cs[i].name.c_str(), *std::min_element(ring.begin(), ring.end()),
                *std::max_element(ring.begin(), ring.end()),
                *std::min_element(peer.begin(), peer.end()),
                *std::max_element(peer.begin(), peer.end()));
  }
  // Across processes against in process, per round, by p50 (5 ns steps) and by the mean of the
  // middle half (stats.hpp: resolves what the steps cannot).
  std::size_t threads = cs.size(), procs = cs.size();
  for (std::size_t i = 0; i < cs.size(); ++i) {
    if (cs[i].name == "ichannel (threads)") threads = i;
    if (cs[i].name == "ichannel (processes)") procs = i;
  }
  if (threads < cs.size() && procs < cs.size()) {
    std::vector<double> by_p50, by_mid;
    for (const auto& r : rounds) {
      by_p50.push_back(r[procs].lat.p50 / r[threads].lat.p50);
      by_mid.push_back(r[procs].lat.mid / r[threads].lat.mid);
    }
    std::printf(
        "\nichannel processes / threads per round: p50 median %.3f [%.3f-%.3f]; mean of the "
        "middle half median %.3f [%.3f-%.3f]",
        median(by_p50), *std::min_element(by_p50.begin(), by_p50.end()),
        *std::max_element(by_p50.begin(), by_p50.end()), median(by_mid),
        *std::min_element(by_mid.begin(), by_mid.end()),
        *std::max_element(by_mid.begin(), by_mid.end()));
  }
  std::printf("\n");
}

int run(int argc, char** argv) {
  CLI::App app{"ichannel-ring-bench: ichannel vs. physical limits and peers (pinned, interleaved)"};
  Params p;
  std::size_t rounds = 15;
  std::vector<int> cores{0, 1};
  bool no_process = false, no_iceoryx = false, verbose = false;
  int fifo = 0;
  std::string only;
  app.add_option("-r,--rounds", rounds, "Interleaved rounds (medians are taken over them)")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("-l,--lat-msgs", p.lat_msgs, "Timed ping-pongs per contender per round")
      ->check(CLI::Range(10, 100'000'000))
      ->capture_default_str();
  app.add_option("-w,--warmup", p.warmup, "Untimed ping-pongs before each timed run")
      ->capture_default_str();
  app.add_option("-t,--thr-msgs", p.thr_msgs, "Streamed messages per contender per round")
      ->check(CLI::Range(1000, 1'000'000'000))
      ->capture_default_str();
  app.add_option("-c,--capacity", p.capacity, "Slots per ring / queue (power of two >= 2)")
      ->check([](const std::string& s) -> std::string {
        std::size_t v = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        const bool ok =
            ec == std::errc{} && end == s.data() + s.size() && v >= 2 && (v & (v - 1)) == 0;
        return ok ? "" : "capacity must be a power of two >= 2, got '" + s + "'";
      })
      ->capture_default_str();
  app.add_option("--cores", cores, "Two cores: main side, peer side")
      ->expected(2)
      ->capture_default_str();
  app.add_option(
      "--shm-dir", p.shm_dir,
      "Directory for the process channels (default: ichannel's, i.e. $ICHANNEL_DIR, else "
      "/dev/hugepages/ichannel on hugetlbfs, else /dev/shm/ichannel)");
  std::string producer = "normalizer";
  app.add_option("--producer", producer,
                 "How throughput producers build each Tick: normalizer (as the feed daemon: "
                 "feed::normalize of a precomputed ITCH message, 8-byte word stores, inlined: the "
                 "tick stays in registers), normalizer-local (the same, ichannel's Sender moved "
                 "into a local for the loop), normalizer-burst (by reference, a SenderBurst per "
                 "32 ticks), normalizer-mem (built out of line: the tick "
                 "goes through the stack), fields (field-by-field, narrow stores in the last "
                 "word), or through a real feed::Fanout (ichannel rows; peers as normalizer): "
                 "fanout-1, fanout-2, fanout-2f (one output; two; two, the second filtered; a "
                 "Fanout::Burst per 32 ticks, as ItchFeed per packet), fanout-1-publish, "
                 "fanout-2-publish, fanout-2f-publish (the same routes, publish() per tick), sink-1 "
                 "(the daemon's daemon::FeedSink without books, one output, a FeedSink::Burst "
                 "per 32 ticks)")
      ->check(CLI::IsMember({"normalizer", "normalizer-local", "normalizer-burst", "normalizer-mem",
                             "fields", "fanout-1", "fanout-2", "fanout-2f", "fanout-1-publish",
                             "fanout-2-publish", "fanout-2f-publish", "sink-1"}))
      ->capture_default_str();
  app.add_flag("--no-process", no_process, "Skip the contenders that need a second process");
  app.add_flag("--no-iceoryx", no_iceoryx, "Skip iceoryx (it starts its own iox-roudi)");
  app.add_option("--fifo", fifo,
                 "Run the measuring threads/processes SCHED_FIFO at this priority (1-99; needs "
                 "CAP_SYS_NICE): other load on the two cores can then not preempt them")
      ->check(CLI::Range(0, 99));
  app.add_option("--only", only,
                 "Measure only the contenders whose name contains this text (plus the limits)");
  app.add_flag("-v,--verbose", verbose, "Print every round's p50 latencies");
  CLI11_PARSE(app, argc, argv);
  p.producer = producer == "sink-1"              ? Producer::kSink1
               : producer == "fanout-1"          ? Producer::kFanout1
               : producer == "fanout-2"          ? Producer::kFanout2
               : producer == "fanout-2f"         ? Producer::kFanout2Filtered
               : producer == "fanout-1-publish"  ? Producer::kFanout1Publish
               : producer == "fanout-2-publish"  ? Producer::kFanout2Publish
               : producer == "fanout-2f-publish" ? Producer::kFanout2FilteredPublish
               : producer == "fields"            ? Producer::kFields
               : producer == "normalizer-mem"    ? Producer::kNormalizerInMemory
               : producer == "normalizer-local"  ? Producer::kNormalizerLocalSender
               : producer == "normalizer-burst"  ? Producer::kNormalizerBurst
                                                 : Producer::kNormalizer;
  p.core_main = cores[0];
  p.core_peer = cores[1];
  if (p.core_main == p.core_peer) {
    std::fprintf(stderr, "error: --cores needs two different cores (got %d twice)\n", cores[0]);
    return 2;
  }

  const bool want_iceoryx =
      !no_process && !no_iceoryx &&
      (only.empty() || std::string("iceoryx 2.0 (processes)").find(only) != std::string::npos);
  auto bench = [&]() -> int {
    try {
      pin_to_core(p.core_main);
      if (fifo > 0) set_fifo(fifo);  // inherited by the peer threads and forked processes
      const double ticks_per_ns = calibrate_ticks_per_ns();
      print_machine(p, ticks_per_ns);
      std::printf("%s\n", resolve_channel_dir(p).c_str());

      std::vector<Contender> cs;
      cs.push_back(bare_line_limit());
      cs.push_back(ring_line_limit());
      cs.push_back(queue_peer<BoostQueue>("boost::lockfree::spsc"));
      cs.push_back(queue_peer<MoodycamelQueue>("moodycamel::RWQueue"));
      add_ichannel_contenders(cs, !no_process);
#ifdef RINGBENCH_HAVE_ICEORYX
      std::unique_ptr<IceoryxSession> iox;
      if (want_iceoryx) {
        iox = std::make_unique<IceoryxSession>("/proc/self/exe");
        cs.push_back(iceoryx_contender(*iox));
      }
#else
      if (want_iceoryx) std::printf("iceoryx: not built (iceoryx_posh not found)\n");
#endif

      if (!only.empty()) {
        std::erase_if(cs, [&](const Contender& c) {
          return c.role != Role::kBareLimit && c.role != Role::kRingLimit &&
                 c.name.find(only) == std::string::npos;
        });
      }
      std::vector<std::vector<RoundResult>> results;
      for (std::size_t r = 0; r < rounds; ++r) {
        std::vector<RoundResult> rr(cs.size());
        for (std::size_t k = 0; k < cs.size(); ++k) {
          const std::size_t i = (k + r) % cs.size();  // rotate the order every round
          if (cs[i].pingpong) {
            auto rtt = cs[i].pingpong(p);
            rr[i].lat = summarize_one_way(rtt, ticks_per_ns);
          }
          if (cs[i].throughput) {
            const ThroughputResult t = cs[i].throughput(p);
            const double seconds = static_cast<double>(t.ticks) / ticks_per_ns * 1e-9;
            rr[i].msgs_per_s = static_cast<double>(t.received) / seconds;
            rr[i].send_per_s = static_cast<double>(t.received + t.lost) /
                               (static_cast<double>(t.send_ticks) / ticks_per_ns * 1e-9);
            rr[i].lost_fraction =
                static_cast<double>(t.lost) / static_cast<double>(t.received + t.lost);
          }
        }
        compute_ratios(cs, rr);
        if (verbose) {
          std::printf("round %zu p50 ns:", r);
          for (std::size_t i = 0; i < cs.size(); ++i) {
            std::printf(" %s=%.1f (mid %.1f)", cs[i].name.c_str(), rr[i].lat.p50, rr[i].lat.mid);
          }
          std::printf("\n");
        }
        results.push_back(std::move(rr));
      }
      print_report(cs, results);
      if (!process_channel_note().empty()) {
        std::printf("shm channels: %s\n", process_channel_note().c_str());
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "error: %s\n", e.what());
      return 1;
    }
    return 0;
  };
#ifdef RINGBENCH_HAVE_ICEORYX
  if (want_iceoryx) {
    try {
      return with_roudi(bench);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "error: %s (--no-iceoryx skips iceoryx)\n", e.what());
      return 1;
    }
  }
#endif
  return bench();
}

}  // namespace
}  // namespace ringbench

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines appear even if a run is killed
#ifdef RINGBENCH_HAVE_ICEORYX
  if (argc >= 2 && std::string(argv[1]) == ringbench::kIceoryxEchoCommand) {
    return ringbench::iceoryx_echo_main(argc, argv);
  }
#endif
  return ringbench::run(argc, argv);
}
