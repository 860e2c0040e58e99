// tests/bench/ring/harness.hpp: the two measurements every contender goes through.
//
// Contract
// - `run_pingpong`: the calling thread (already pinned to the "main" core) sends message i and
//   waits for its echo, `warmup + n` times; a peer (thread or forked process, pinned to the other
//   core) echoes. Returns n round-trip times in TSC ticks; one-way latency is half of each.
// - `run_throughput`: the calling thread produces n messages as fast as the contender lets it;
//   the peer consumes until it has seen the last one. Returns the elapsed ticks from the first
//   send to the last receive, the producer's own time for its n sends, and what the consumer
//   counted (received, lost).
// - The peer side gets the shared `Control` block: it sets everything up (e.g. attaches a shm
//   channel), then stores `ready` (release; pairs with the acquire spin in `wait_ready`). Only
//   after that does the main side create its own half and start sending.
// - Cold benchmark code: allocates, forks, throws on a peer that fails or never gets ready.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "tests/bench/ring/platform.hpp"

namespace ringbench {

struct Control {
  alignas(64) std::atomic<std::uint32_t> ready{0};
  alignas(64) std::uint64_t t_end = 0;  // written by the consumer before it exits (join orders it)
  std::uint64_t received = 0;
  std::uint64_t lost = 0;
  std::uint64_t checksum = 0;  // keeps the consumer's payload reads observable
  int fd = -1;                 // memfd of this block, for a peer that exec()s (iceoryx)
};
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);

struct ThroughputResult {
  std::uint64_t ticks = 0;       // first send to last receive
  std::uint64_t send_ticks = 0;  // first send to the producer's return from its last send
  std::uint64_t received = 0;
  std::uint64_t lost = 0;
};

// Polls (sleeping briefly) until the peer stored ready. If the peer ended first, joins it so
// its error surfaces; throws after ~20 s of neither.
inline void wait_ready(const Control& ctl, Peer& peer) {
  for (int i = 0; i < 200'000; ++i) {
    // Pairs with the peer's ready.store(1, release) after its setup.
    if (ctl.ready.load(std::memory_order_acquire) != 0) return;
    if (peer.finished()) {
      peer.join();  // throws the peer's error
      throw std::runtime_error("benchmark peer ended before it was ready");
    }
    usleep(100);
  }
  throw std::runtime_error("benchmark peer did not get ready within 20 s");
}

inline void signal_ready(Control& ctl) noexcept {
  // Pairs with the acquire load in wait_ready on the main side.
  ctl.ready.store(1, std::memory_order_release);
}

// echo(Control&, total): peer side; sets up, signal_ready, echoes `total` messages.
// make_pinger(): main side, called after the peer is ready; returns a callable ping(i) that
// sends message i and returns once its echo arrived.
template <class Echo, class MakePinger>
std::vector<std::uint64_t> run_pingpong(PeerKind kind, int peer_core, std::size_t warmup,
                                        std::size_t n, Echo echo, MakePinger make_pinger) {
  SharedBlock<Control> ctl;
  ctl->fd = ctl.fd();
  std::vector<std::uint64_t> rtt(n);
  Peer peer(kind, peer_core, [&] { echo(*ctl, warmup + n); });
  wait_ready(*ctl, peer);
  auto ping = make_pinger();
  for (std::size_t i = 0; i < warmup; ++i) ping(i);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t t0 = now_ticks();
    ping(warmup + i);
    rtt[i] = now_ticks() - t0;
  }
  peer.join();
  return rtt;
}

// consume(Control&, n): peer side; sets up, signal_ready, consumes until message n-1 was seen,
// then fills t_end (now_ticks() right after the last receive), received, lost.
// make_producer(): main side after ready; returns produce(n) that sends messages 0..n-1.
template <class Consume, class MakeProducer>
ThroughputResult run_throughput(PeerKind kind, int peer_core, std::size_t n, Consume consume,
                                MakeProducer make_producer) {
  SharedBlock<Control> ctl;
  ctl->fd = ctl.fd();
  Peer peer(kind, peer_core, [&] { consume(*ctl, n); });
  wait_ready(*ctl, peer);
  auto produce = make_producer();
  const std::uint64_t t0 = now_ticks();
  produce(n);
  const std::uint64_t t1 = now_ticks();
  peer.join();
  return ThroughputResult{ctl->t_end - t0, t1 - t0, ctl->received, ctl->lost};
}

}  // namespace ringbench
