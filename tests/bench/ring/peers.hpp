// tests/bench/ring/peers.hpp: in-process SPSC queues a user could pick instead of ichannel.
//
// Contract
// - boost::lockfree::spsc_queue<Tick> (runtime capacity) and moodycamel::ReaderWriterQueue<Tick>
//   (preallocated, only try_enqueue, so it never allocates while measured), both with the run's
//   capacity, driven by the same ping-pong and throughput harness as ichannel: busy spin (no
//   pause) on empty and on full, as ichannel's default BusySpin receiver does.
// - These queues are flow controlled: the throughput producer waits when the queue is full, so
//   nothing is ever lost. Threads only (neither works across processes).
#pragma once

#include <readerwriterqueue.h>
#include <boost/lockfree/spsc_queue.hpp>

#include <cstdint>
#include <memory>

#include "tests/bench/ring/contender.hpp"
#include "tests/bench/ring/producers.hpp"

namespace ringbench {

// Adapters: push spins while full, pop spins while empty.
struct BoostQueue {
  explicit BoostQueue(std::size_t cap) : q(cap) {}
  void push(const ichannel::Tick& t) noexcept {
    while (!q.push(t)) {
    }
  }
  ichannel::Tick pop() noexcept {
    ichannel::Tick t;
    while (!q.pop(t)) {
    }
    return t;
  }
  boost::lockfree::spsc_queue<ichannel::Tick> q;
};

struct MoodycamelQueue {
  explicit MoodycamelQueue(std::size_t cap) : q(cap) {}
  void push(const ichannel::Tick& t) noexcept {
    while (!q.try_enqueue(t)) {
    }
  }
  ichannel::Tick pop() noexcept {
    ichannel::Tick t;
    while (!q.try_dequeue(t)) {
    }
    return t;
  }
  moodycamel::ReaderWriterQueue<ichannel::Tick> q;
};

template <class Queue>
Contender queue_peer(const char* name) {
  Contender c{name, Role::kPeer, false, {}, {}};
  c.pingpong = [name](const Params& p) {
    auto fwd = std::make_unique<Queue>(p.capacity);
    auto bwd = std::make_unique<Queue>(p.capacity);
    return run_pingpong(
        PeerKind::kThread, p.core_peer, p.warmup, p.lat_msgs,
        [&](Control& ctl, std::size_t total) {
          signal_ready(ctl);
          for (std::size_t k = 0; k < total; ++k) bwd->push(fwd->pop());
        },
        [&] {
          return [&, name](std::uint64_t i) {
            fwd->push(make_tick(i));
            check_seq(name, i, bwd->pop().seq);
          };
        });
  };
  c.throughput = [name](const Params& p) {
    auto q = std::make_unique<Queue>(p.capacity);
    return run_throughput(
        PeerKind::kThread, p.core_peer, p.thr_msgs,
        [&, name](Control& ctl, std::size_t n) {
          signal_ready(ctl);
          std::uint64_t sum = 0;
          for (std::size_t k = 0; k < n; ++k) {
            const ichannel::Tick t = q->pop();
            sum += t.price;
            if (k + 1 == n) check_seq(name, k, t.seq);
          }
          ctl.t_end = now_ticks();
          ctl.received = n;
          ctl.checksum = sum;
        },
        [&] {
          return [&q = *q, src = TickSource(p.producer)](std::size_t n) {
            src.run(n, [&q](const ichannel::Tick& t) { q.push(t); });
          };
        });
  };
  return c;
}

}  // namespace ringbench
