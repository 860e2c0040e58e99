// tests/bench/feed/feed_bench.hpp: what the feed benchmarks share: their input, the simulator's
// generated session
// (app/tools/sim: a real day's mix with valid book events, 500 symbols) framed as MoldUDP64
// packets by app/wire, and the measurement helpers (thread CPU time, distribution, pinning). Cold
// code, runs before timing; allocates.
#pragma once

#include <sched.h>
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "tools/sim/generator.hpp"
#include "wire/moldudp64_encode.hpp"

namespace ichannel::bench {

using Bytes = std::vector<std::uint8_t>;

// The generator's session (preamble of S/R/H messages, body in the day's mix, postamble) as
// MoldUDP64 packets of `per_packet` messages each; sequence numbers from 1. `messages` counts the
// whole session (body = messages - 2 * symbols - 6).
inline std::vector<Bytes> build_packets(std::uint64_t messages, unsigned per_packet, std::uint64_t seed,
                                 std::uint64_t type_count[256]) {
  sim::GeneratorConfig config;
  config.symbols = 500;
  config.seed = seed;
  const std::uint64_t framing = 2ULL * config.symbols + 6;
  config.messages = messages > framing ? messages - framing : 0;
  sim::Generator gen(config);
  std::vector<Bytes> packets;
  std::vector<Bytes> batch;
  Bytes m;
  std::uint64_t time = 0;
  std::uint64_t seq = 1;
  while (gen.next(m, time, nullptr)) {
    ++type_count[m[0]];
    batch.push_back(m);
    if (batch.size() == per_packet) {
      packets.push_back(wire::mold_packet("BENCH00001", seq, batch));
      seq += batch.size();
      batch.clear();
    }
  }
  if (!batch.empty()) packets.push_back(wire::mold_packet("BENCH00001", seq, batch));
  return packets;
}

// n of the stream's symbols (every (500 / n)-th locate): a filtered route's list.
inline std::vector<std::string> some_symbols(std::size_t n, std::uint64_t seed) {
  sim::GeneratorConfig config;
  config.symbols = 500;
  config.seed = seed;
  config.messages = 0;
  const sim::Generator gen(config);
  std::vector<std::string> out;
  const std::size_t step = n == 0 ? 1 : std::max<std::size_t>(1, gen.symbols().size() / n);
  for (std::size_t i = 0; i < gen.symbols().size() && out.size() < n; i += step) {
    std::string s = gen.symbols()[i];
    while (!s.empty() && s.back() == ' ') s.pop_back();
    out.push_back(s);
  }
  return out;
}

// Rewrites the sequence numbers so that the stream continues after `base` (re-used each pass).
inline void restamp(std::vector<Bytes>& packets, std::uint64_t base) {
  std::uint64_t seq = base;
  for (Bytes& p : packets) {
    for (int i = 0; i < 8; ++i) p[10 + i] = static_cast<std::uint8_t>(seq >> (8 * (7 - i)));
    seq += (std::uint64_t{p[18]} << 8) | p[19];
  }
}


// Thread CPU time: on this shared 2-vCPU machine other builds preempt the benchmark, and wall
// time would count their slices. CPU time still includes the cache damage they do.
inline double thread_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

struct Stats {
  double min, median, p99, max;
};
inline Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const auto at = [&](double q) { return v[static_cast<std::size_t>(q * (v.size() - 1))]; };
  return {v.front(), at(0.5), at(0.99), v.back()};
}

// Pins the calling thread to `cpu` (-1: leaves it where it is); says so on failure.
inline void pin_to_cpu(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) std::perror("sched_setaffinity");
}

}  // namespace ichannel::bench
