// tests/bench/ring/contender.hpp: what the round loop knows about each thing it measures.
//
// Contract
// - A Contender has a name, a role (one of the two physical limits, a peer, or ichannel), says
//   whether its peer side runs in another process, and provides the two measurements of
//   harness.hpp bound to the run's Params. Either measurement may be empty (not applicable).
// - `make_tick(i)` is the 56-byte payload every ping-pong carries for message i (the throughput
//   producers build theirs as Params::producer says, producers.hpp); `check_seq`
//   aborts the run (cold) when an echo carries the wrong message: a broken contender must not
//   produce numbers.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include <ichannel/tick.hpp>
#include "tests/bench/ring/harness.hpp"

namespace ringbench {

// How the throughput producers build each Tick (producers.hpp).
enum class Producer {
  kNormalizer,
  kNormalizerLocalSender,
  kNormalizerBurst,
  kNormalizerInMemory,
  kFields,
  // Through a real feed::Fanout<Sender<Tick>> (producers.hpp): a Burst per 32 ticks, or
  // publish() per tick; one output, two, or two with the second filtered.
  kFanout1,
  kFanout2,
  kFanout2Filtered,
  kFanout1Publish,
  kFanout2Publish,
  kFanout2FilteredPublish,
  // Through the daemon's sink, daemon::FeedSink<Sender<Tick>> without books (ItchFeed's Sink):
  // a FeedSink::Burst per 32 ticks, one output.
  kSink1
};

struct Params {
  std::size_t capacity = 4096;  // slots per ring / queue
  std::size_t warmup = 2000;    // ping-pongs before timing starts, per round
  std::size_t lat_msgs = 20000;
  std::size_t thr_msgs = 2'000'000;
  int core_main = 0;
  int core_peer = 1;
  std::string shm_dir;  // directory of the process channels; empty: ichannel's default
  Producer producer = Producer::kNormalizer;  // throughput producers only; ping-pong: make_tick
};

enum class Role { kBareLimit, kRingLimit, kPeer, kIchannel };

struct Contender {
  std::string name;
  Role role;
  bool process = false;
  std::function<std::vector<std::uint64_t>(const Params&)> pingpong;
  std::function<ThroughputResult(const Params&)> throughput;
};

inline ichannel::Tick make_tick(std::uint64_t i) noexcept {
  ichannel::Tick t{};
  t.recv_ns = i;
  t.exch_ns = i + 1;
  t.seq = i;
  t.order_id = i * 3;
  t.aux = i ^ 0x5a5a;
  t.price = static_cast<std::int64_t>(i) * 100;
  t.qty = static_cast<std::uint32_t>(i);
  t.instrument = static_cast<std::uint16_t>(i);
  t.action = ichannel::Action::kAdd;
  t.side = ichannel::Side::kBuy;
  return t;
}

[[gnu::cold, noreturn]] inline void wrong_message(const char* who, std::uint64_t want,
                                                  std::uint64_t got) {
  std::fprintf(stderr, "ringbench: %s delivered message %llu where %llu was expected\n", who,
               static_cast<unsigned long long>(got), static_cast<unsigned long long>(want));
  std::fflush(stderr);
  std::abort();
}

inline void check_seq(const char* who, std::uint64_t want, std::uint64_t got) noexcept {
  if (got != want) [[unlikely]]
    wrong_message(who, want, got);
}

}  // namespace ringbench
