// app/daemon/tsc_clock.hpp: TSC -> nanoseconds since the Unix epoch for receive timestamps.
//
// Contract
// - TscClock::calibrate(tsc_hz) is cold (syscalls, may sleep ~20 ms when tsc_hz is 0 to measure
//   the TSC rate): it pairs one TSC reading with CLOCK_REALTIME (the tightest of a few samples).
//   Pass rte_get_tsc_hz() from the daemon; tests pass 0 to measure.
// - to_ns(tsc) and now_ns() are inline noexcept, no syscall, no allocation: one multiply-shift.
//   Read-only after calibration, so any number of threads may call them.
// - Accuracy: the wall offset is fixed at calibration; drift against NTP-adjusted CLOCK_REALTIME
//   is not corrected (re-calibrate on restart). x86-64 only (rdtsc); elsewhere falls back to
//   CLOCK_REALTIME (a vDSO call) for now_ns.
#pragma once

#include <time.h>

#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace ichannel::daemon {

__extension__ typedef unsigned __int128 TscU128;

[[nodiscard]] inline std::uint64_t realtime_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

[[nodiscard]] inline std::uint64_t read_tsc() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  return __rdtsc();
#else
  return realtime_ns();
#endif
}

class TscClock {
 public:
  // tsc_hz == 0: measure the TSC rate against CLOCK_MONOTONIC over ~20 ms.
  static TscClock calibrate(std::uint64_t tsc_hz) noexcept {
#if !(defined(__x86_64__) || defined(__i386__))
    tsc_hz = 1'000'000'000ULL;  // read_tsc() is already ns
#endif
    if (tsc_hz == 0) tsc_hz = measure_hz();
    TscClock c;
    c.hz_ = tsc_hz;
    c.mult_ =
        static_cast<std::uint64_t>((static_cast<TscU128>(1'000'000'000ULL) << kShift) / tsc_hz);
    std::uint64_t best_span = ~0ULL;
    for (int i = 0; i < 8; ++i) {
      const std::uint64_t t0 = read_tsc();
      const std::uint64_t ns = realtime_ns();
      const std::uint64_t t1 = read_tsc();
      if (t1 - t0 < best_span) {
        best_span = t1 - t0;
        c.base_tsc_ = t0 + (t1 - t0) / 2;
        c.base_ns_ = ns;
      }
    }
    return c;
  }

  // floor(base_ns + (tsc - base_tsc) * 1e9 / hz) on both sides of the calibration point.
  [[nodiscard]] std::uint64_t to_ns(std::uint64_t tsc) const noexcept {
    const std::int64_t delta = static_cast<std::int64_t>(tsc - base_tsc_);
    if (delta >= 0) {
      const TscU128 p = static_cast<TscU128>(static_cast<std::uint64_t>(delta)) * mult_;
      return base_ns_ + static_cast<std::uint64_t>(p >> kShift);
    }
    const TscU128 p = static_cast<TscU128>(static_cast<std::uint64_t>(-delta)) * mult_;
    const TscU128 mask = (static_cast<TscU128>(1) << kShift) - 1;
    return base_ns_ - static_cast<std::uint64_t>((p >> kShift) + ((p & mask) != 0 ? 1 : 0));
  }

  [[nodiscard]] std::uint64_t now_ns() const noexcept {
    return to_ns(read_tsc());
  }
  [[nodiscard]] std::uint64_t hz() const noexcept {
    return hz_;
  }
  // TSC ticks in `ns` nanoseconds (for housekeeping deadlines).
  [[nodiscard]] std::uint64_t ticks(std::uint64_t ns) const noexcept {
    return static_cast<std::uint64_t>(static_cast<TscU128>(ns) * hz_ / 1'000'000'000ULL);
  }

 private:
  static constexpr unsigned kShift = 32;

  static std::uint64_t monotonic_ns() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
           static_cast<std::uint64_t>(ts.tv_nsec);
  }

  // One (tsc, monotonic ns) pair: the tightest of a few samples, so a preemption between the
  // two reads cannot skew it.
  static void sample(std::uint64_t& tsc, std::uint64_t& ns) noexcept {
    std::uint64_t best = ~0ULL;
    for (int i = 0; i < 8; ++i) {
      const std::uint64_t t0 = read_tsc();
      const std::uint64_t n = monotonic_ns();
      const std::uint64_t t1 = read_tsc();
      if (t1 - t0 < best) {
        best = t1 - t0;
        tsc = t0 + (t1 - t0) / 2;
        ns = n;
      }
    }
  }

  static std::uint64_t measure_hz() noexcept {
    std::uint64_t t0 = 0, ns0 = 0, t1 = 0, ns1 = 0;
    sample(t0, ns0);
    timespec req{0, 20'000'000};
    nanosleep(&req, nullptr);
    sample(t1, ns1);
    const std::uint64_t dns = ns1 > ns0 ? ns1 - ns0 : 1;
    return static_cast<std::uint64_t>(static_cast<TscU128>(t1 - t0) * 1'000'000'000ULL / dns);
  }

  std::uint64_t hz_ = 1'000'000'000ULL;
  std::uint64_t mult_ = 1ULL << kShift;
  std::uint64_t base_tsc_ = 0;
  std::uint64_t base_ns_ = 0;
};

}  // namespace ichannel::daemon
