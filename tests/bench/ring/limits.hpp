// tests/bench/ring/limits.hpp: the two physical limits every ring is measured against.
//
// Contract
// - Bare line: both cores hand one 64-byte line back and forth through a single atomic word
//   (ping-pong on the same line). One-way = one cache-line transfer: the floor of any hand-off.
//   Its "throughput" is a one-slot queue on that line (each message waits for the previous ack;
//   at most 200000 messages per round).
// - Ring-shaped line: `capacity` lines per direction; message i writes a whole line (seven
//   payload words, then the sequence word with release) into slot i % capacity, and the reader
//   spins on that slot's sequence word. A ring cannot beat this: every message lands on a line
//   the reader has not touched recently. Throughput: the writer never waits; a lapped reader
//   jumps to the slot's newer message and counts what it skipped (like a broadcast ring).
//   Three writers are tried each round, plain and "pre-owning" the line one or two slots ahead
//   (see limit_send); the limit is the best of them, since a ring may legitimately use any.
// - Threads only (the hardware limit does not depend on thread vs process). Benchmark code.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "tests/bench/ring/contender.hpp"

namespace ringbench {

struct alignas(64) BareLine {
  std::atomic<std::uint64_t> word{0};
};

struct alignas(64) LimitSlot {
  std::atomic<std::uint64_t> seq{0};  // 0: never written; message i is stored with seq i + 1
  std::uint64_t words[7] = {};        // accessed through atomic_ref only
};
static_assert(sizeof(LimitSlot) == 64);

inline void limit_write(LimitSlot& s, std::uint64_t seq, std::uint64_t i) noexcept {
  for (int j = 0; j < 7; ++j) {
    std::atomic_ref<std::uint64_t>(s.words[j])
        .store(i + static_cast<std::uint64_t>(j), std::memory_order_relaxed);
  }
  // Pairs with the acquire load of seq in limit_read / the throughput reader.
  s.seq.store(seq, std::memory_order_release);
}

// Waits for seq `seq` in slot s and returns the sum of its payload words.
inline std::uint64_t limit_read(LimitSlot& s, std::uint64_t seq) noexcept {
  // Pairs with the release store of seq in limit_write.
  while (s.seq.load(std::memory_order_acquire) != seq) {
  }
  std::uint64_t sum = 0;
  for (int j = 0; j < 7; ++j) {
    sum += std::atomic_ref<std::uint64_t>(s.words[j]).load(std::memory_order_relaxed);
  }
  return sum;
}

inline Contender bare_line_limit() {
  Contender c{"limit: bare line", Role::kBareLimit, false, {}, {}};
  // Odd values travel main -> peer, even values peer -> main; the word never goes backwards.
  c.pingpong = [](const Params& p) {
    auto line = std::make_unique<BareLine>();
    return run_pingpong(
        PeerKind::kThread, p.core_peer, p.warmup, p.lat_msgs,
        [&](Control& ctl, std::size_t total) {
          signal_ready(ctl);
          for (std::uint64_t k = 0; k < total; ++k) {
            // Pairs with the main side's release store of 2k+1.
            while (line->word.load(std::memory_order_acquire) != 2 * k + 1) {
            }
            // Pairs with the main side's acquire spin for 2k+2.
            line->word.store(2 * k + 2, std::memory_order_release);
          }
        },
        [&] {
          return [&](std::uint64_t i) {
            line->word.store(2 * i + 1, std::memory_order_release);  // pairs: peer acquire spin
            while (line->word.load(std::memory_order_acquire) != 2 * i + 2) {  // pairs: peer store
            }
          };
        });
  };
  c.throughput = [](const Params& p) {
    auto line = std::make_unique<BareLine>();
    // Each hand-off is a full round trip: cap the count so this row does not dominate the run.
    return run_throughput(
        PeerKind::kThread, p.core_peer, std::min<std::size_t>(p.thr_msgs, 200'000),
        [&](Control& ctl, std::size_t n) {
          signal_ready(ctl);
          for (std::uint64_t k = 0; k < n; ++k) {
            while (line->word.load(std::memory_order_acquire) != 2 * k + 1) {  // pairs: producer
            }
            line->word.store(2 * k + 2, std::memory_order_release);  // ack; pairs: producer spin
          }
          ctl.t_end = now_ticks();
          ctl.received = n;
        },
        [&] {
          return [&](std::size_t n) {
            for (std::uint64_t i = 0; i < n; ++i) {
              while (line->word.load(std::memory_order_acquire) != 2 * i) {  // pairs: consumer ack
              }
              line->word.store(2 * i + 1, std::memory_order_release);  // pairs: consumer spin
            }
          };
        });
  };
  return c;
}

// Writes message i into slot i; with kAhead = k > 0, then stores the value slot i + k already
// holds back into its seq word: a blind store that changes nothing a reader can see but takes
// that line into this core's cache ahead of time (the trick a ring's dirty mark plays: ichannel
// marks the slot two ahead, sender.hpp).
// On a ring of mask + 1 slots at `ring` (any mapping: mapping_floor.cpp writes through a file's).
template <unsigned kAhead>
inline void limit_send(LimitSlot* ring, std::size_t mask, std::uint64_t i) noexcept {
  const std::uint64_t cap = mask + 1;
  limit_write(ring[i & mask], i + 1, i);
  if constexpr (kAhead > 0) {
    const std::uint64_t held = i + kAhead + 1 > cap ? i + kAhead + 1 - cap : 0;  // seq held now
    // relaxed: same value as before, publishes nothing; pairs with no load.
    ring[(i + kAhead) & mask].seq.store(held, std::memory_order_relaxed);
  }
}

template <unsigned kAhead>
inline void limit_send(std::vector<LimitSlot>& ring, std::uint64_t i) noexcept {
  limit_send<kAhead>(ring.data(), ring.size() - 1, i);
}

template <unsigned kAhead>
std::vector<std::uint64_t> ring_limit_pingpong(const Params& p) {
  std::vector<LimitSlot> fwd(p.capacity), bwd(p.capacity);
  const std::size_t mask = p.capacity - 1;
  return run_pingpong(
      PeerKind::kThread, p.core_peer, p.warmup, p.lat_msgs,
      [&](Control& ctl, std::size_t total) {
        signal_ready(ctl);
        for (std::uint64_t k = 0; k < total; ++k) {
          check_seq("ring-shaped limit", 7 * k + 21, limit_read(fwd[k & mask], k + 1));
          limit_send<kAhead>(bwd, k);
        }
      },
      [&] {
        return [&](std::uint64_t i) {
          limit_send<kAhead>(fwd, i);
          check_seq("ring-shaped limit", 7 * i + 21, limit_read(bwd[i & mask], i + 1));
        };
      });
}

template <unsigned kAhead>
ThroughputResult ring_limit_throughput(const Params& p) {
  std::vector<LimitSlot> ring(p.capacity);
  const std::size_t mask = p.capacity - 1;
  return run_throughput(
      PeerKind::kThread, p.core_peer, p.thr_msgs,
      [&](Control& ctl, std::size_t n) {
        signal_ready(ctl);
        std::uint64_t next = 1, received = 0, lost = 0, sum = 0;  // next: seq expected
        while (next <= n) {
          LimitSlot& s = ring[(next - 1) & mask];
          // Pairs with the release store of seq in limit_write.
          const std::uint64_t seq = s.seq.load(std::memory_order_acquire);
          if (seq < next) continue;
          for (int j = 0; j < 7; ++j) {
            sum += std::atomic_ref<std::uint64_t>(s.words[j]).load(std::memory_order_relaxed);
          }
          lost += seq - next;  // lapped: the slot already holds a later message
          ++received;
          next = seq + 1;
        }
        ctl.t_end = now_ticks();
        ctl.received = received;
        ctl.lost = lost;
        ctl.checksum = sum;
      },
      [&] {
        return [&](std::size_t n) {
          for (std::uint64_t i = 0; i < n; ++i) limit_send<kAhead>(ring, i);
        };
      });
}

inline double median_ticks(std::vector<std::uint64_t> v) {
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return static_cast<double>(v[v.size() / 2]);
}

// The ring-shaped limit is the best of the plain writer and the two pre-owning ones, per round
// and per measurement (the lowest median round trip; the highest delivered rate).
inline Contender ring_line_limit() {
  Contender c{"limit: ring-shaped", Role::kRingLimit, false, {}, {}};
  c.pingpong = [](const Params& p) {
    std::vector<std::uint64_t> best = ring_limit_pingpong<0>(p);
    for (auto t : {ring_limit_pingpong<1>(p), ring_limit_pingpong<2>(p)}) {
      if (median_ticks(t) < median_ticks(best)) best = t;
    }
    return best;
  };
  c.throughput = [](const Params& p) {
    const auto rate = [](const ThroughputResult& t) {
      return static_cast<double>(t.received) / static_cast<double>(t.ticks);
    };
    ThroughputResult best = ring_limit_throughput<0>(p);
    for (const ThroughputResult& t : {ring_limit_throughput<1>(p), ring_limit_throughput<2>(p)}) {
      if (rate(t) > rate(best)) best = t;
    }
    return best;
  };
  return c;
}

}  // namespace ringbench
