// ichannel-datapath-bench: the daemon's own per-message rate. The code ichannel-feed runs on an RX
// lcore - daemon::Pipeline<Sender<Tick>>::on_frame (peel, checksums, route) -> ItchFeed ->
// FeedSink -> feed::Fanout::Burst -> Sender<Tick> - driven the way rx_loop.hpp drives it (bursts
// of 32 frames, one TscClock timestamp per burst, the next frame prefetched), without DPDK: the
// frames are in memory (the simulator's session as MoldUDP64 packets in Ethernet/IPv4/UDP frames,
// as a capture of line A would hold them). In the same run, round by round in rotated order:
//
//   feed -> counting sink               ItchFeed<CountingSink>::on_datagram over the same packets:
//                                       the feed bench's counting-sink row (decode + normalize, no
//                                       framing, no publish)
//   datapath, no receiver               Pipeline::on_frame into one channel nobody reads
//   datapath -> receiver                the same, a Receiver<Tick> spinning on the other core
//   datapath -> receiver, sw checksums  the same with the IPv4/UDP checksums verified in software
//                                       (net_pcap / af_packet ports; NICs with offload skip this)
//   feed -> FeedSink -> receiver        ItchFeed<FeedSink> over the packets (no frames, no router)
//   limit: ring-shaped                  the ring bench's limit (tests/bench/ring/limits.hpp): the
//                                       same number of messages, one 64-byte line each
// and diagnostic rows (not the daemon's code) that locate the cost with a receiver: the packet's
// ticks staged and sent together (StagingSink; staged 2 KiB from, or 4K-aliasing, the slots in
// flight), and fixed ticks through a SenderBurst without and with 22 private stores per message
// (StoreHeavy). --rx-pauses slows the receivers' polling.
//
// ns/msg = wall time (TSC) of the producer's pass, or first frame to the receiver's last message
// for the receiver rows, per delivered message. Per round the ratios are taken within the round;
// the table prints medians over the rounds and each ratio's min/max. See docs/benchmarks.md
// (section 1, "Issue 10", 8). Benchmark code: allocates, pins, never run by the test suite.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <ichannel/ichannel.hpp>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "daemon/control/wiring.hpp"
#include "daemon/datapath/loop_state.hpp"
#include "daemon/datapath/pipeline.hpp"
#include "daemon/datapath/tsc_clock.hpp"
#include "feed/itch_feed.hpp"
#include "tests/bench/feed/feed_bench.hpp"
#include "tests/bench/ring/limits.hpp"
#include "tests/bench/ring/stats.hpp"
#include "wire/frame.hpp"

namespace {

using namespace ichannel;
using bench::Bytes;
using ringbench::median;
using ringbench::now_ticks;

constexpr std::uint32_t kGroup = 0xE9360C01;  // 233.54.12.1, line A of the test configs
constexpr std::uint16_t kPort = 26400;
constexpr std::size_t kRxBurst = 32;  // rx_loop.hpp's kRxBurst

struct CountingSink {
  std::uint64_t* sum;
  void operator()(const Tick& t) noexcept { *sum += t.qty + t.order_id; }
};

// Diagnostic sink (not the daemon's): ItchFeed's ticks of one packet go into a staging buffer
// and are published through a SenderBurst when the packet ends (or 64 ticks are staged), so the
// decode's loads and stores never sit between the slot stores. The tick for ring slot s is staged
// in a 64-byte line of a 4 KiB-aligned buffer at page offset (line of slot s + shift) mod 64
// lines: with shift -2 the publish loop's loads of each staged tick have the page offset of a slot
// stored two sends earlier (still in flight when the receiver holds its line: a 4K alias of every
// load), with shift 32 they are 2 KiB away from every slot in flight. Tells whether the
// receiver-attached cost is the interleaving, and whether it is 4K aliasing (docs/benchmarks.md).
struct StagingSink {
  static constexpr std::size_t kLines = 64;  // one page of 64-byte lines
  Sender<Tick>* tx = nullptr;
  std::uintptr_t ring_line0 = 0;  // page line offset of the ring's slot 0
  std::uint64_t mask = 0;
  int shift = 32;
  std::unique_ptr<unsigned char[]> raw = std::make_unique<unsigned char[]>(2 * 4096);
  unsigned char* page =
      raw.get() + (4096 - reinterpret_cast<std::uintptr_t>(raw.get()) % 4096) % 4096;

  void bind(Sender<Tick>& s, const std::vector<Message<Tick>>& ring, int line_shift) noexcept {
    tx = &s;
    ring_line0 = (reinterpret_cast<std::uintptr_t>(ring.data()) >> 6) & (kLines - 1);
    mask = ring.size() - 1;
    shift = line_shift;
  }
  [[nodiscard]] unsigned char* line_for(std::uint64_t seq) const noexcept {
    const std::uint64_t line =
        (ring_line0 + (seq & mask) + static_cast<std::uint64_t>(shift)) & (kLines - 1);
    return page + 64 * line;
  }
  void publish(const Tick& t) noexcept { (void)tx->send(t); }
  class Burst {
   public:
    explicit Burst(StagingSink& s) noexcept : s_(s), first_(s.tx->next_seq()) {}
    Burst(const Burst&) = delete;
    Burst& operator=(const Burst&) = delete;
    void publish(const Tick& t) noexcept {
      std::memcpy(s_.line_for(first_ + n_), &t, sizeof t);
      if (++n_ == kLines) flush();
    }
    ~Burst() { flush(); }

   private:
    void flush() noexcept {
      SenderBurst<Tick> out(*s_.tx);
      for (std::size_t i = 0; i < n_; ++i) {
        Tick t;
        std::memcpy(&t, s_.line_for(first_ + i), sizeof t);
        (void)out.send(t);
      }
      first_ += n_;
      n_ = 0;
    }
    StagingSink& s_;
    std::uint64_t first_;
    std::size_t n_ = 0;
  };
};

// Diagnostic producer (not the daemon's): n ticks through a SenderBurst, each followed by `extra`
// stores to a private, cache-resident buffer (volatile: every one is executed). Tells whether the
// datapath's rate with a receiver follows its stores per message, not its work (docs).
struct StoreHeavy {
  std::vector<Message<Tick>> ring;
  Sender<Tick> tx;
  int extra;
  std::uint64_t sent = 0;  // sequence numbers continue over the passes
  std::vector<std::uint64_t> scratch = std::vector<std::uint64_t>(8 * 64);
  StoreHeavy(std::size_t capacity, int extra_stores)
      : ring(capacity), tx(Sender<Tick>::with_init(ring)), extra(extra_stores) {}
  [[gnu::noinline]] void run(std::uint64_t n) noexcept {
    SenderBurst<Tick> out(tx);
    volatile std::uint64_t* v = scratch.data();
    Tick t{};
    for (std::uint64_t i = 0; i < n; ++i) {
      t.seq = sent + i + 1;
      t.price = static_cast<std::int64_t>(i);
      (void)out.send(t);
      for (int k = 0; k < extra; ++k) v[8 * k] = i;
    }
    sent += n;
  }
};

// The input of every row: the MoldUDP64 packets, and the same packets in frames. Each row's
// feed sees its own passes as one session continuing (a row counts its passes in `passes`).
struct Stream {
  std::vector<Bytes> packets;
  std::vector<Bytes> frames;
  std::uint64_t messages = 0;  // per pass (each message is one tick)

  // Stamps pass `passes` of a row (sequence numbers continue after its previous pass), rebuilds
  // the frames (valid checksums) and returns the pass's last sequence number.
  std::uint64_t next_pass(std::uint64_t& passes) {
    bench::restamp(packets, 1 + passes * messages);
    wire::UdpFrameSpec spec;
    spec.destination = kGroup;
    spec.destination_port = kPort;
    for (std::size_t i = 0; i < packets.size(); ++i)
      wire::build_udp_frame(spec, packets[i], frames[i]);
    return ++passes * messages;
  }
};

// The daemon's pipeline of one RX loop with one feed, line A routed, one channel (the ring).
struct Datapath {
  std::vector<Message<Tick>> ring;
  Sender<Tick> tx;
  std::unique_ptr<daemon::RxPipeline> pipeline = std::make_unique<daemon::RxPipeline>();
  daemon::RxCounters counters;
  daemon::TscClock clock;
  std::uint64_t passes = 0;

  Datapath(std::size_t capacity, const daemon::TscClock& c)
      : ring(capacity), tx(Sender<Tick>::with_init(ring)), clock(c) {
    auto& feed = pipeline->add_feed({-1, -1}, -1, daemon::sequencer_config(config::Feed{}));
    (void)feed.handler->sink().ticks().add_output(tx, 0, feed.handler->symbols(), {});
    daemon::RouteKey key;
    key.udp_port = kPort;
    key.group = kGroup;
    (void)pipeline->add_line(key, 0, 0);
  }

  // rx_poll_queue without rte_eth_rx_burst: bursts of 32 frames, one timestamp per burst.
  [[gnu::noinline]] void run(const std::vector<Bytes>& frames, bool verified) noexcept {
    const std::size_t n = frames.size();
    for (std::size_t first = 0; first < n; first += kRxBurst) {
      const std::size_t end = std::min(n, first + kRxBurst);
      const std::uint64_t recv_ns = clock.now_ns();
      for (std::size_t i = first; i < end; ++i) {
        if (i + 1 < end) __builtin_prefetch(frames[i + 1].data());
        pipeline->on_frame(frames[i], 0, recv_ns, counters, verified);
      }
    }
  }
  [[nodiscard]] const feed::FeedCounters counters_of_feed() const {
    return pipeline->feed(0).handler->counters();
  }
};

struct Sample {
  double ns_per_msg = 0;
  std::uint64_t lost = 0;
};

double ns_of(std::uint64_t ticks, double ticks_per_ns) {
  return static_cast<double>(ticks) / ticks_per_ns;
}

// The receivers' idle step when nothing is new: `pauses` x86 pause hints (0: busy spin, the
// default of ichannel and of the ring bench).
struct Idle {
  int pauses = 0;
  void operator()() const noexcept {
    for (int i = 0; i < pauses; ++i) PauseSpin{}();
  }
};

// One pass of `produce` (up to sequence number `last`) into `ring` with a receiver on
// `peer_core`; ns per delivered message, first frame to the receiver's last message.
template <class Produce>
Sample with_receiver(const std::vector<Message<Tick>>& ring, std::uint64_t last, int peer_core,
                     Idle idle, double tpn, Produce&& produce) {
  const ringbench::ThroughputResult r = ringbench::run_throughput(
      ringbench::PeerKind::kThread, peer_core, 0,
      [&](ringbench::Control& ctl, std::size_t) {
        Receiver<Tick> rx(std::span<const Message<Tick>>(ring.data(), ring.size()));
        ringbench::signal_ready(ctl);
        std::uint64_t received = 0, sum = 0;
        for (;;) {
          const auto m = rx.recv(idle);
          ++received;
          sum += static_cast<std::uint64_t>(m.value.price);
          if (m.value.seq == last) break;
        }
        ctl.t_end = now_ticks();
        ctl.received = received;
        ctl.lost = rx.lost();
        ctl.checksum = sum;
      },
      [&] { return [&](std::size_t) { produce(); }; });
  return {ns_of(r.ticks, tpn) / static_cast<double>(r.received), r.lost};
}

Sample with_receiver(Datapath& d, Stream& s, int peer_core, bool verified, Idle idle, double tpn) {
  const std::uint64_t last = s.next_pass(d.passes);
  return with_receiver(d.ring, last, peer_core, idle, tpn, [&] { d.run(s.frames, verified); });
}

// An ItchFeed over the packets (no frames) into its own ring, for the feed-level rows.
template <class Sink>
struct FeedRow {
  std::vector<Message<Tick>> ring;
  Sender<Tick> tx;
  std::unique_ptr<feed::ItchFeed<Sink>> feed;
  std::uint64_t passes = 0;
  explicit FeedRow(std::size_t capacity)
      : ring(capacity),
        tx(Sender<Tick>::with_init(ring)),
        feed(std::make_unique<feed::ItchFeed<Sink>>()) {}
  Sample run(Stream& s, int peer_core, Idle idle, double tpn) {
    const std::uint64_t last = s.next_pass(passes);
    return with_receiver(ring, last, peer_core, idle, tpn, [&] {
      for (const auto& p : s.packets) feed->on_datagram(0, p, 1);
    });
  }
};

template <class Fn>
Sample timed(Stream& s, std::uint64_t& passes, double tpn, Fn&& fn) {
  (void)s.next_pass(passes);
  const std::uint64_t t0 = now_ticks();
  fn();
  const std::uint64_t t1 = now_ticks();
  return {ns_of(t1 - t0, tpn) / static_cast<double>(s.messages), 0};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ichannel-datapath-bench: ichannel-feed's datapath per message, without DPDK"};
  std::uint64_t messages = 1'000'000;
  unsigned per_packet = 38;
  int rounds = 7;
  std::size_t capacity = 4096;
  std::vector<int> cores{0, 1};
  int fifo = 0;
  std::uint64_t seed = 1;
  Idle idle;
  app.add_option("--messages", messages, "messages per pass")->capture_default_str();
  app.add_option("--per-packet", per_packet, "ITCH messages per MoldUDP64 packet")
      ->capture_default_str();
  app.add_option("-r,--rounds", rounds, "rounds (each row once per round)")->capture_default_str();
  app.add_option("-c,--capacity", capacity, "ring slots (power of two)")->capture_default_str();
  app.add_option("--cores", cores, "MAIN PEER: the datapath's core and the receiver's")
      ->expected(2)
      ->capture_default_str();
  app.add_option("--fifo", fifo, "SCHED_FIFO priority for both sides (0: off; needs root)");
  app.add_option("--seed", seed, "stream generator seed")->capture_default_str();
  app.add_option("--rx-pauses", idle.pauses,
                 "pause hints per empty poll of the datapath's receiver (0: busy spin)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  ringbench::pin_to_core(cores[0]);
  if (fifo > 0) ringbench::set_fifo(fifo);  // inherited by the receiver threads
  const double tpn = ringbench::calibrate_ticks_per_ns();
  const daemon::TscClock clock = daemon::TscClock::calibrate(static_cast<std::uint64_t>(tpn * 1e9));

  Stream s;
  std::uint64_t types[256] = {};
  s.packets = bench::build_packets(messages, per_packet, seed, types);
  for (std::uint64_t n : types) s.messages += n;
  s.frames.resize(s.packets.size());
  std::size_t bytes = 0;
  for (const auto& p : s.packets) bytes += p.size() + 42;
  std::printf(
      "stream: %llu messages in %zu frames (%.1f bytes/frame, %.1f MB), capacity %zu, "
      "cores %d -> %d, %s, TSC %.3f GHz\n",
      static_cast<unsigned long long>(s.messages), s.frames.size(),
      static_cast<double>(bytes) / static_cast<double>(s.frames.size()), bytes / 1e6, capacity,
      cores[0], cores[1], fifo > 0 ? "SCHED_FIFO" : "SCHED_OTHER", tpn);

  std::uint64_t sum = 0;
  std::uint64_t counting_passes = 0;
  auto counting = std::make_unique<feed::ItchFeed<CountingSink>>(CountingSink{&sum});
  Datapath alone(capacity, clock), received(capacity, clock), software(capacity, clock);
  ringbench::Params lp;
  lp.capacity = capacity;
  lp.thr_msgs = s.messages;
  lp.core_main = cores[0];
  lp.core_peer = cores[1];
  const ringbench::Contender limit = ringbench::ring_line_limit();

  FeedRow<daemon::RxPipeline::Sink> sinked(capacity);  // ItchFeed -> FeedSink, as the daemon's
  (void)sinked.feed->sink().ticks().add_output(sinked.tx, 0, sinked.feed->symbols(), {});
  FeedRow<StagingSink> staged_far(capacity), staged_alias(capacity);
  staged_far.feed->sink().bind(staged_far.tx, staged_far.ring, 32);
  staged_alias.feed->sink().bind(staged_alias.tx, staged_alias.ring, -2);

  StoreHeavy light(capacity, 0), heavy(capacity, 22);
  const auto store_row = [&](StoreHeavy& h) {
    const std::uint64_t last = h.sent + s.messages;
    return with_receiver(h.ring, last, cores[1], idle, tpn, [&] { h.run(s.messages); });
  };

  enum Row {
    kCounting,
    kAlone,
    kReceiver,
    kSoftware,
    kFeedSink,
    kStagedFar,
    kStagedAlias,
    kStoresLight,
    kStoresHeavy,
    kLimit,
    kRows
  };
  const char* names[kRows] = {"feed -> counting sink",
                              "datapath, no receiver",
                              "datapath -> receiver",
                              "datapath -> receiver, sw checksums",
                              "feed -> FeedSink -> receiver (no frames)",
                              "feed -> staged per packet -> receiver (diagnostic)",
                              "the same, staged ticks 4K-aliasing in-flight slots (diagnostic)",
                              "fixed ticks -> receiver (diagnostic)",
                              "fixed ticks + 22 private stores each -> receiver (diagnostic)",
                              "limit: ring-shaped"};
  const std::vector<std::function<Sample()>> row = {
      [&] {
        return timed(s, counting_passes, tpn, [&] {
          for (const auto& p : s.packets) counting->on_datagram(0, p, 1);
        });
      },
      [&] { return timed(s, alone.passes, tpn, [&] { alone.run(s.frames, true); }); },
      [&] { return with_receiver(received, s, cores[1], true, idle, tpn); },
      [&] { return with_receiver(software, s, cores[1], false, idle, tpn); },
      [&] { return sinked.run(s, cores[1], idle, tpn); },
      [&] { return staged_far.run(s, cores[1], idle, tpn); },
      [&] { return staged_alias.run(s, cores[1], idle, tpn); },
      [&] { return store_row(light); },
      [&] { return store_row(heavy); },
      [&] {
        const ringbench::ThroughputResult r = limit.throughput(lp);
        return Sample{ns_of(r.ticks, tpn) / static_cast<double>(r.received), r.lost};
      },
  };
  // Warm-up: every row once (caches, branch predictors, the feeds' symbol tables).
  for (int k = 0; k < kRows; ++k) (void)row[k]();

  std::vector<double> ns[kRows];
  std::uint64_t lost[kRows] = {};
  std::vector<double> x_counting, x_alone, x_limit, x_sw;  // per round
  for (int r = 0; r < rounds; ++r) {
    Sample got[kRows];
    for (int k = 0; k < kRows; ++k) {
      const int i = (k + r) % kRows;  // rotated order
      got[i] = row[i]();
      ns[i].push_back(got[i].ns_per_msg);
      lost[i] += got[i].lost;
    }
    x_counting.push_back(got[kReceiver].ns_per_msg / got[kCounting].ns_per_msg);
    x_alone.push_back(got[kReceiver].ns_per_msg / got[kAlone].ns_per_msg);
    x_limit.push_back(got[kLimit].ns_per_msg / got[kReceiver].ns_per_msg);
    x_sw.push_back(got[kSoftware].ns_per_msg / got[kReceiver].ns_per_msg);
  }

  std::printf(
      "\n| row | ns/msg median | min | max | M msg/s | lost |\n|---|--:|--:|--:|--:|--:|\n");
  for (int k = 0; k < kRows; ++k) {
    const double m = median(ns[k]);
    std::printf("| %s | %.2f | %.2f | %.2f | %.1f | %llu |\n", names[k], m,
                *std::min_element(ns[k].begin(), ns[k].end()),
                *std::max_element(ns[k].begin(), ns[k].end()), 1e3 / m,
                static_cast<unsigned long long>(lost[k]));
  }
  const auto range = [](const char* what, std::vector<double> v) {
    std::printf("%s: median %.2f, min %.2f, max %.2f\n", what, median(v),
                *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end()));
  };
  std::printf("\nper round (%d rounds):\n", rounds);
  range("datapath -> receiver / feed -> counting sink (ns ratio)", x_counting);
  range("datapath -> receiver / datapath, no receiver (ns ratio)", x_alone);
  range("datapath -> receiver, x the ring-shaped limit (rate ratio)", x_limit);
  range("sw checksums / offloaded (ns ratio)", x_sw);

  const feed::FeedCounters fc = received.counters_of_feed();
  const bool ok = fc.gaps == 0 && alone.counters_of_feed().gaps == 0 &&
                  software.counters_of_feed().gaps == 0 && counting->counters().gaps == 0 &&
                  received.counters.unrouted == 0 && software.counters.unrouted == 0;
  std::printf("checks: ticks %llu, gaps %llu, unrouted %llu, rejected %llu (sum %llu): %s\n",
              static_cast<unsigned long long>(fc.ticks), static_cast<unsigned long long>(fc.gaps),
              static_cast<unsigned long long>(received.counters.unrouted),
              static_cast<unsigned long long>(software.counters.rejected_total),
              static_cast<unsigned long long>(sum & 0xFFFF), ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
