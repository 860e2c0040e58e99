// ichannel/idle.hpp: what a receiver does between two empty polls of its slot.
//
// Contract
// - An idle policy is any callable `void()` noexcept; Receiver::recv() calls it once per empty
//   poll. It must not touch the ring.
// - BusySpin: nothing at all (lowest latency; the default for strategies on isolated cores).
//   Even `pause` is left out: on current CPUs it costs 40-140 cycles, more than a line transfer.
// - PauseSpin: the x86 `pause` hint (be kind to a hyperthread sibling).
// - SpinThenYield: spins `spins` polls, then sched_yield() each poll (tools, tests, shared cores).
// - All are stateless or carry only their own counter; no allocation.
#pragma once

#include <sched.h>

#include <cstdint>

namespace ichannel {

struct BusySpin {
  void operator()() const noexcept {}
};

struct PauseSpin {
  void operator()() const noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
};

class SpinThenYield {
 public:
  explicit SpinThenYield(std::uint32_t spins = 1024) noexcept : spins_(spins) {}
  void operator()() noexcept {
    if (count_ < spins_) {
      ++count_;
      return;
    }
    ::sched_yield();
  }
  void reset() noexcept { count_ = 0; }

 private:
  std::uint32_t spins_;
  std::uint32_t count_ = 0;
};

}  // namespace ichannel
