// tests/bench/feed/day_stream.hpp: the feed benchmarks' input: the simulator's generated session
// (app/tools/sim: a real day's mix with valid book events, 500 symbols) framed as MoldUDP64
// packets by app/wire. Cold code, runs before timing; allocates.
#pragma once

#include <cstdint>
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

// Rewrites the sequence numbers so that the stream continues after `base` (re-used each pass).
inline void restamp(std::vector<Bytes>& packets, std::uint64_t base) {
  std::uint64_t seq = base;
  for (Bytes& p : packets) {
    for (int i = 0; i < 8; ++i) p[10 + i] = static_cast<std::uint8_t>(seq >> (8 * (7 - i)));
    seq += (std::uint64_t{p[18]} << 8) | p[19];
  }
}

}  // namespace ichannel::bench
