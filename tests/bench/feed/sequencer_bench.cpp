// ichannel-sequencer-bench: what mold::Sequencer costs on in-order traffic against the old
// SequenceTracker path of the feed handler (line admit + feed classify + advance), measured side
// by side in one run on one pinned core: one line, and A + B (every packet twice). First
// sequencing alone (the sequencer validates block framing, so it reads every packet byte while
// the old path reads the header only: with a stream larger than the caches that is a cache miss
// per line moved earlier), then both followed by the block walk every consumer does anyway
// (the fair figure: what arbitration adds). Also the idle on_timer() call and the software
// IPv4 + UDP checksum per 1500-byte frame (issue 9 item 4). --messages 10000 keeps it in cache.
// Prints min / median / p99 / max of ns per packet over the passes, and ns per message.
#include <sched.h>
#include <time.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "feed/checksum.hpp"
#include "feed/moldudp64.hpp"
#include "feed/moldudp64_sequencer.hpp"
#include "tests/bench/feed/feed_bench.hpp"
#include "wire/frame.hpp"

namespace {

using namespace ichannel;
using bench::Bytes;
using bench::Stats;
using bench::stats;
using bench::thread_ns;



// What every consumer does next: walk the new message blocks (the decoder reads them all), here
// summing their type bytes. Both paths pay it, so the difference is the sequencing alone.
inline std::uint64_t walk(std::span<const std::uint8_t> p, std::uint64_t skip,
                          std::uint64_t count) noexcept {
  feed::mold::BlockReader r(p);
  std::span<const std::uint8_t> m;
  std::uint64_t s = 0;
  for (std::uint64_t i = 0; i < skip + count && r.next(m) == feed::mold::BlockStatus::kMessage;
       ++i) {
    if (i >= skip && !m.empty()) s += m[0];
  }
  return s;
}

// Sums what a real Out would use so that nothing is optimised away; walk_: also walk the blocks.
struct SumOut {
  std::uint64_t* sum;
  bool walk_ = false;
  void deliver(std::span<const std::uint8_t> p, std::uint64_t first, std::uint32_t skip,
               std::uint32_t count, feed::mold::DeliveryFlags) noexcept {
    *sum += first + skip + count + p.size();
    if (walk_) *sum += walk(p, skip, count);
  }
  void gap(std::uint64_t, std::uint64_t) noexcept { ++*sum; }
  void request(const feed::mold::Session&, std::uint64_t, std::uint16_t) noexcept {}
  void session_changed(const feed::mold::Session&, const feed::mold::Session&) noexcept {}
  void end_of_session(std::uint64_t) noexcept {}
};

// The feed handler's sequencing today (feed_handler.hpp): per-line admit, feed-wide classify,
// advance past the packet.
struct OldPath {
  feed::mold::SequenceTracker feed_seq;
  feed::mold::SequenceTracker line_seq[2];
  std::uint64_t* sum;
  bool walk_ = false;
  void on_datagram(int line, std::span<const std::uint8_t> p) noexcept {
    feed::mold::Header h;
    if (!feed::mold::parse_header(p, h)) return;
    const std::uint64_t count = h.count == feed::mold::kEndOfSessionCount ? 0 : h.count;
    const feed::mold::Admission own = line_seq[line].admit(h.sequence, count);
    *sum += own.gap_count;
    const feed::mold::Admission a = feed_seq.classify(h.sequence, count);
    if (count != 0 && a.duplicates == count) return;
    *sum += a.gap_count + a.duplicates + h.sequence;
    if (walk_) *sum += walk(p, a.duplicates, count - a.duplicates);
    feed_seq.advance_to(h.sequence + count);
  }
};

template <class Pass>
std::vector<double> run(std::vector<Bytes>& packets, std::uint64_t messages, int passes,
                        Pass&& pass) {
  std::vector<double> ns_per_packet;
  for (int i = 0; i < passes + 1; ++i) {  // pass 0 warms caches and branch predictors
    bench::restamp(packets, 1 + static_cast<std::uint64_t>(i) * messages);
    const double t0 = thread_ns();
    pass();
    const double t1 = thread_ns();
    if (i > 0) ns_per_packet.push_back((t1 - t0) / static_cast<double>(packets.size()));
  }
  return ns_per_packet;
}

void print(const char* name, const Stats& s, double per_packet) {
  std::printf("| %-34s | %6.2f | %6.2f | %6.2f | %6.2f | %7.3f |\n", name, s.min, s.median, s.p99,
              s.max, s.median / per_packet);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ichannel-sequencer-bench: MoldUDP64 sequencer cost on in-order traffic"};
  std::uint64_t messages = 1'000'000;
  unsigned per_packet = 38;
  int passes = 30;
  int cpu = 1;
  app.add_option("--messages", messages, "messages per pass")->capture_default_str();
  app.add_option("--per-packet", per_packet, "ITCH messages per MoldUDP64 packet")
      ->capture_default_str();
  app.add_option("--passes", passes, "timed passes per variant")->capture_default_str();
  app.add_option("--cpu", cpu, "pin to this CPU (-1: no pinning)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  bench::pin_to_cpu(cpu);
  std::uint64_t types[256] = {};
  auto packets = bench::build_packets(messages, per_packet, 1, types);
  const double mpp = static_cast<double>(messages) / static_cast<double>(packets.size());
  std::printf(
      "stream: %llu messages in %zu packets (%.1f per packet), pinned cpu %d, passes %d\n\n",
      static_cast<unsigned long long>(messages), packets.size(), mpp, cpu, passes);

  std::uint64_t sum = 0;
  OldPath old1{{}, {}, &sum};
  auto old_one = run(packets, messages, passes, [&] {
    for (const auto& p : packets) old1.on_datagram(0, p);
  });
  OldPath old2{{}, {}, &sum};
  auto old_two = run(packets, messages, passes, [&] {
    for (const auto& p : packets) {
      old2.on_datagram(0, p);
      old2.on_datagram(1, p);
    }
  });

  using Seq = feed::mold::Sequencer<SumOut>;
  auto seq1 = std::make_unique<Seq>(SumOut{&sum});
  std::uint64_t now = 1;
  auto new_one = run(packets, messages, passes, [&] {
    for (const auto& p : packets) seq1->on_packet(feed::mold::Source::kA, p, ++now);
  });
  auto seq2 = std::make_unique<Seq>(SumOut{&sum});
  auto new_two = run(packets, messages, passes, [&] {
    for (const auto& p : packets) {
      seq2->on_packet(feed::mold::Source::kA, p, ++now);
      seq2->on_packet(feed::mold::Source::kB, p, ++now);
    }
  });
  auto seq3 = std::make_unique<Seq>(SumOut{&sum});
  auto new_timer = run(packets, messages, passes, [&] {
    for (const auto& p : packets) {
      seq3->on_packet(feed::mold::Source::kA, p, ++now);
      seq3->on_timer(++now);
    }
  });

  // The same, followed by what the consumer does anyway: walking the delivered blocks.
  OldPath old_w{{}, {}, &sum, true};
  auto old_walk = run(packets, messages, passes, [&] {
    for (const auto& p : packets) old_w.on_datagram(0, p);
  });
  OldPath old_w2{{}, {}, &sum, true};
  auto old_walk2 = run(packets, messages, passes, [&] {
    for (const auto& p : packets) {
      old_w2.on_datagram(0, p);
      old_w2.on_datagram(1, p);
    }
  });
  auto seq_w = std::make_unique<Seq>(SumOut{&sum, true});
  auto new_walk = run(packets, messages, passes, [&] {
    for (const auto& p : packets) seq_w->on_packet(feed::mold::Source::kA, p, ++now);
  });
  auto seq_w2 = std::make_unique<Seq>(SumOut{&sum, true});
  auto new_walk2 = run(packets, messages, passes, [&] {
    for (const auto& p : packets) {
      seq_w2->on_packet(feed::mold::Source::kA, p, ++now);
      seq_w2->on_packet(feed::mold::Source::kB, p, ++now);
      seq_w2->on_timer(now);
    }
  });

  // Software checksums: a full 1500-byte frame (1472-byte UDP payload) with both checksums set.
  Bytes payload(1472);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<std::uint8_t>(i * 7);
  ::ichannel::wire::UdpFrameSpec spec;  // UDP checksum computed by the encoder
  spec.destination = 0xE9360C01;
  spec.destination_port = 26400;
  Bytes frame = ::ichannel::wire::udp_frame(spec, payload);
  if (feed::verify_checksums(frame) != feed::ChecksumResult::kOk) {
    std::fprintf(stderr, "bench frame does not verify\n");
    return 1;
  }
  std::vector<double> csum;
  constexpr int kFrames = 100'000;
  for (int i = 0; i < passes + 1; ++i) {
    std::uint64_t ok = 0;
    const double t0 = thread_ns();
    for (int f = 0; f < kFrames; ++f) {
      frame[60] = static_cast<std::uint8_t>(f);  // payload changes: no hoisting
      ok += static_cast<std::uint64_t>(feed::verify_checksums(frame));
    }
    const double t1 = thread_ns();
    sum += ok;
    if (i > 0) csum.push_back((t1 - t0) / kFrames);
  }

  std::printf("ns per packet of thread CPU time (median over passes); last column ns/message\n");
  std::printf("| %-34s | %6s | %6s | %6s | %6s | %7s |\n", "variant", "min", "median", "p99", "max",
              "ns/msg");
  std::printf("|%s|-------:|-------:|-------:|-------:|--------:|\n", std::string(36, '-').c_str());
  const Stats o1 = stats(old_one), o2 = stats(old_two), n1 = stats(new_one), n2 = stats(new_two),
              nt = stats(new_timer), cs = stats(csum);
  print("old SequenceTracker, one line", o1, mpp);
  print("Sequencer, one line", n1, mpp);
  print("old SequenceTracker, A + B", o2, mpp);
  print("Sequencer, A + B", n2, mpp);
  print("Sequencer + on_timer per packet", nt, mpp);
  const Stats ow = stats(old_walk), ow2 = stats(old_walk2), nw = stats(new_walk),
              nw2 = stats(new_walk2);
  print("old + block walk, one line", ow, mpp);
  print("Sequencer + block walk, one line", nw, mpp);
  print("old + block walk, A + B", ow2, mpp);
  print("Sequencer + walk, A + B + on_timer", nw2, mpp);
  std::printf("| %-34s | %6.2f | %6.2f | %6.2f | %6.2f | %7s |\n",
              "IPv4 + UDP checksum, 1500 B frame", cs.min, cs.median, cs.p99, cs.max, "-");
  std::printf(
      "\nsequencer - old, median: one line %+.2f ns/packet (%+.3f ns/msg), A + B %+.2f "
      "ns/packet pair\n",
      n1.median - o1.median, (n1.median - o1.median) / mpp, n2.median - o2.median);
  std::printf(
      "with the block walk both pay anyway: one line %+.2f ns/packet (%+.3f ns/msg), "
      "A + B %+.2f ns/packet pair (%+.3f ns/msg)\n",
      nw.median - ow.median, (nw.median - ow.median) / mpp, nw2.median - ow2.median,
      (nw2.median - ow2.median) / mpp);
  const auto& c = seq2->counters();
  std::printf("checks: gaps %llu, holes %llu, B duplicates %llu, expected %llu (sum %llu)\n",
              static_cast<unsigned long long>(c.gaps), static_cast<unsigned long long>(c.holes),
              static_cast<unsigned long long>(c.line[1].duplicates),
              static_cast<unsigned long long>(seq2->expected()),
              static_cast<unsigned long long>(sum & 0xFFFF));
  return c.gaps == 0 && c.holes == 0 && seq1->counters().gaps == 0 && seq_w2->counters().gaps == 0
             ? 0
             : 1;
}
