// ichannel-decode-bench: MoldUDP64 + ITCH 5.0 decode + normalize throughput on one pinned core,
// alone (counting sink) and publishing into an in-process ichannel ring (Sender<Tick> over a
// std::vector<Message<Tick>>), measured side by side in one run. Also the bare ITCH dispatch
// (decode only, no MoldUDP64, no normalize) as a floor, and the daemon's sink: the feed's Fanout
// into one channel, into two (one route filtered to 50 symbols), into two unfiltered ones and
// into one filtered channel. Prints median / p99 / max of the per-pass ns/msg, msgs/s, and the
// publish overhead. See docs/benchmarks.md. The stream is the simulator's generated session
// (app/tools/sim: a real day's mix with valid book events, 500 symbols), framed by app/wire's
// MoldUDP64 encoder, --per-packet per packet.
#include <sched.h>
#include <time.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <ichannel/ichannel.hpp>
#include <string>
#include <vector>

#include "feed/fanout.hpp"
#include "feed/itch_feed.hpp"
#include "tests/bench/feed/feed_bench.hpp"

namespace {

using namespace ichannel;

using bench::build_packets;
using bench::Bytes;
using bench::restamp;
using bench::Stats;
using bench::stats;
using bench::thread_ns;

struct CountingSink {
  std::uint64_t* qty_sum;
  void operator()(const Tick& t) noexcept { *qty_sum += t.qty + t.order_id; }
};

struct RingSink {
  Sender<Tick>* tx;
  void operator()(const Tick& t) noexcept { tx->send(t); }
};

template <class Pass>
std::vector<double> run(std::vector<Bytes>& packets, std::uint64_t messages, int passes,
                        Pass&& pass) {
  std::vector<double> ns_per_msg;
  for (int i = 0; i < passes + 1; ++i) {  // pass 0 warms caches and branch predictors
    restamp(packets, 1 + static_cast<std::uint64_t>(i) * messages);
    const double t0 = thread_ns();
    pass();
    const double t1 = thread_ns();
    if (i > 0) ns_per_msg.push_back((t1 - t0) / static_cast<double>(messages));
  }
  return ns_per_msg;
}

void print(const char* name, const Stats& s) {
  std::printf("| %-38s | %6.2f | %6.2f | %6.2f | %6.2f | %6.1f |\n", name, s.min, s.median, s.p99,
              s.max, 1e3 / s.median);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ichannel-decode-bench: MoldUDP64/ITCH 5.0 decode + normalize throughput"};
  std::uint64_t messages = 1'000'000;
  unsigned per_packet = 38;
  int passes = 30;
  int cpu = 1;
  std::uint64_t seed = 1;
  app.add_option("--messages", messages, "messages per pass")->capture_default_str();
  app.add_option("--per-packet", per_packet, "ITCH messages per MoldUDP64 packet")
      ->capture_default_str();
  app.add_option("--passes", passes, "timed passes per variant")->capture_default_str();
  app.add_option("--cpu", cpu, "pin to this CPU (-1: no pinning)")->capture_default_str();
  app.add_option("--seed", seed, "stream generator seed")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  bench::pin_to_cpu(cpu);
  std::uint64_t types[256] = {};
  auto packets = build_packets(messages, per_packet, seed, types);
  messages = 0;
  for (std::uint64_t n : types) messages += n;  // the session's total (at least its framing)
  std::size_t bytes = 0;
  for (const auto& p : packets) bytes += p.size();
  std::printf("stream: %llu messages in %zu packets (%.1f per packet, %.1f bytes/packet), mix:",
              static_cast<unsigned long long>(messages), packets.size(),
              static_cast<double>(messages) / static_cast<double>(packets.size()),
              static_cast<double>(bytes) / static_cast<double>(packets.size()));
  for (int t = 0; t < 256; ++t) {
    if (types[t] != 0) std::printf(" %c %.1f%%", t, 100.0 * types[t] / messages);
  }
  std::printf("\npinned cpu: %d, passes: %d\n\n", cpu, passes);

  // 1. Bare ITCH dispatch: type switch + length check + memcpy/bswap into the struct.
  std::uint64_t sink_sum = 0;
  auto bare = run(packets, messages, passes, [&] {
    for (const auto& p : packets) {
      feed::mold::BlockReader r(p);
      std::span<const std::uint8_t> m;
      auto visit = [&](const auto& msg) noexcept { sink_sum += msg.timestamp; };
      while (r.next(m) == feed::mold::BlockStatus::kMessage) (void)feed::itch::dispatch(m, visit);
    }
  });

  // 2. Full ItchFeed (MoldUDP64 sequence, decode, symbols, normalize) into a counting sink.
  auto counting = std::make_unique<feed::ItchFeed<CountingSink>>(CountingSink{&sink_sum});
  auto alone = run(packets, messages, passes, [&] {
    for (const auto& p : packets) counting->on_datagram(0, p, 1);
  });

  // 3. The same, publishing every tick into an ichannel ring (no receiver attached).
  std::vector<Message<Tick>> ring(65536);
  auto tx = Sender<Tick>::with_init(ring);
  auto publishing = std::make_unique<feed::ItchFeed<RingSink>>(RingSink{&tx});
  auto ringed = run(packets, messages, passes, [&] {
    for (const auto& p : packets) publishing->on_datagram(0, p, 1);
  });

  // 3b. The daemon's sink: the feed's Fanout with one unfiltered output (a route to one channel).
  std::vector<Message<Tick>> fan_ring(65536);
  auto fan_tx = Sender<Tick>::with_init(fan_ring);
  auto fanned = std::make_unique<feed::ItchFeed<feed::Fanout<Sender<Tick>>>>();
  (void)fanned->sink().add_output(fan_tx, 0, fanned->symbols(), {});
  auto fanout = run(packets, messages, passes, [&] {
    for (const auto& p : packets) fanned->on_datagram(0, p, 1);
  });

  // 3c. Fanout with two outputs: all symbols, and a route filtered to 50 of the 500.
  std::vector<Message<Tick>> all_ring(65536);
  std::vector<Message<Tick>> some_ring(65536);
  auto all_tx = Sender<Tick>::with_init(all_ring);
  auto some_tx = Sender<Tick>::with_init(some_ring);
  auto fanned2 = std::make_unique<feed::ItchFeed<feed::Fanout<Sender<Tick>>>>();
  const std::vector<std::string> some_symbols = bench::some_symbols(50, seed);
  (void)fanned2->sink().add_output(all_tx, 0, fanned2->symbols(), {});
  (void)fanned2->sink().add_output(some_tx, 1, fanned2->symbols(), some_symbols);
  auto fanout2 = run(packets, messages, passes, [&] {
    for (const auto& p : packets) fanned2->on_datagram(0, p, 1);
  });

  // 3d. Fanout with two unfiltered outputs (a feed routed to two channels).
  std::vector<Message<Tick>> two_a_ring(65536);
  std::vector<Message<Tick>> two_b_ring(65536);
  auto two_a_tx = Sender<Tick>::with_init(two_a_ring);
  auto two_b_tx = Sender<Tick>::with_init(two_b_ring);
  auto fanned_two = std::make_unique<feed::ItchFeed<feed::Fanout<Sender<Tick>>>>();
  (void)fanned_two->sink().add_output(two_a_tx, 0, fanned_two->symbols(), {});
  (void)fanned_two->sink().add_output(two_b_tx, 1, fanned_two->symbols(), {});
  auto fanout_two = run(packets, messages, passes, [&] {
    for (const auto& p : packets) fanned_two->on_datagram(0, p, 1);
  });

  // 3e. Fanout with one output, filtered to 50 of the 500 symbols.
  std::vector<Message<Tick>> one_f_ring(65536);
  auto one_f_tx = Sender<Tick>::with_init(one_f_ring);
  auto fanned_f = std::make_unique<feed::ItchFeed<feed::Fanout<Sender<Tick>>>>();
  (void)fanned_f->sink().add_output(one_f_tx, 0, fanned_f->symbols(), some_symbols);
  auto fanout_f = run(packets, messages, passes, [&] {
    for (const auto& p : packets) fanned_f->on_datagram(0, p, 1);
  });

  // 4. Ring alone: send the same number of ticks (the publish cost by itself).
  Tick t{};
  auto send_only = run(packets, messages, passes, [&] {
    for (std::uint64_t i = 0; i < messages; ++i) {
      t.seq = i;
      tx.send(t);
    }
  });

  const Stats b = stats(bare), a = stats(alone), r = stats(ringed), s = stats(send_only);
  const Stats f = stats(fanout), f2 = stats(fanout2);
  const Stats f2u = stats(fanout_two), f1f = stats(fanout_f);
  std::printf("ns/msg of thread CPU time per pass\n");
  std::printf("| %-38s | %6s | %6s | %6s | %6s | %6s |\n", "variant", "min", "median", "p99", "max",
              "Mmsg/s");
  std::printf("|%s|-------:|-------:|-------:|-------:|-------:|\n", std::string(40, '-').c_str());
  print("ITCH dispatch only (floor)", b);
  print("FeedHandler -> counting sink", a);
  print("FeedHandler -> ichannel Sender<Tick>", r);
  print("FeedHandler -> Fanout, 1 channel", f);
  print("FeedHandler -> Fanout, 2 (1 filtered)", f2);
  print("FeedHandler -> Fanout, 2 channels", f2u);
  print("FeedHandler -> Fanout, 1 filtered channel", f1f);
  print("Sender<Tick>::send alone", s);
  std::printf("\npublish overhead (ring - counting): median %.2f ns/msg, min %.2f ns/msg\n",
              r.median - a.median, r.min - a.min);
  std::printf("checks: ticks %llu / %llu / %llu / %llu, gaps %llu, ring next seq %llu (sum %llu)\n",
              static_cast<unsigned long long>(counting->counters().ticks),
              static_cast<unsigned long long>(publishing->counters().ticks),
              static_cast<unsigned long long>(fan_tx.next_seq() - 1),
              static_cast<unsigned long long>(all_tx.next_seq() - 1),
              static_cast<unsigned long long>(counting->counters().gaps),
              static_cast<unsigned long long>(tx.next_seq()),
              static_cast<unsigned long long>(sink_sum & 0xFFFF));
  std::printf("filtered route: %llu of %llu ticks published, %llu filtered\n",
              static_cast<unsigned long long>(fanned2->sink().published(1)),
              static_cast<unsigned long long>(fanned2->sink().published(0)),
              static_cast<unsigned long long>(fanned2->sink().filtered(1)));
  return counting->counters().gaps == 0 && publishing->counters().gaps == 0 &&
                 fanned->counters().gaps == 0 && fanned2->counters().gaps == 0 &&
                 fanned_two->counters().gaps == 0 && fanned_f->counters().gaps == 0 &&
                 two_b_tx.next_seq() == all_tx.next_seq() &&
                 one_f_tx.next_seq() == some_tx.next_seq()
             ? 0
             : 1;
}
