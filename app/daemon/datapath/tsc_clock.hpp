// daemon/datapath/tsc_clock.hpp: TSC -> nanoseconds since the Unix epoch for receive timestamps.
//
// Contract
// - TscClock::calibrate(0) is cold (syscalls, sleeps ~kCalibrateNs = 150 ms): it measures the TSC
//   rate against CLOCK_MONOTONIC between two (tsc, monotonic, realtime) anchors, each the tightest
//   of kSamples bracketed reads, and anchors the wall offset on CLOCK_REALTIME at the second one.
//   The daemon passes 0: rte_get_tsc_hz() is a rounded nominal rate (2.600 GHz reported vs
//   2.596 GHz measured = 1.5 ms/s of drift). calibrate(hz != 0) trusts hz (tests, fallbacks).
// - to_ns(tsc) and now_ns() are inline noexcept, no syscall, no allocation: one multiply-shift.
//   const, so any number of threads may call them on a clock nobody mutates.
// - reanchor() is cold (2 x 2 vDSO clock_gettime per sample, ~kSamples samples, ~1-2 us) and
//   MUTATES the clock: call it only from the thread that owns this copy (the RX loop calls it
//   once per kReanchorNs from its housekeeping). It re-estimates the rate over the whole span since
//   calibration against CLOCK_MONOTONIC (immune to CLOCK_REALTIME steps, follows NTP frequency
//   corrections) and removes the offset error e = to_ns(tsc) - CLOCK_REALTIME:
//     |e| <= kMaxSlewNs: slew - the clock stays continuous at the anchor and its rate is adjusted
//       so that e is gone kReanchorNs later (<= 100 ppm, so still strictly increasing);
//     |e| >  kMaxSlewNs: step to CLOCK_REALTIME (a CLOCK_REALTIME step, or a bad initial rate);
//       a step may go backwards.
//   Residual error with re-anchoring: about the anchor sampling jitter plus 1 s of NTP frequency
//   wander (sub-microsecond to a few us); without it, the calibration rate error accumulates.
// - x86-64 only (rdtsc); elsewhere read_tsc() is CLOCK_REALTIME ns (a vDSO call) and hz is 1e9.
#pragma once

#include <time.h>

#include <cstdint>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

namespace ichannel::daemon {

__extension__ typedef unsigned __int128 TscU128;
__extension__ typedef __int128 TscI128;

[[nodiscard]] inline std::uint64_t clock_ns(clockid_t id) noexcept {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

[[nodiscard]] inline std::uint64_t realtime_ns() noexcept {
  return clock_ns(CLOCK_REALTIME);
}

[[nodiscard]] inline std::uint64_t read_tsc() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  return __rdtsc();
#else
  return realtime_ns();
#endif
}

// One simultaneous reading of the three clocks.
struct ClockAnchor {
  std::uint64_t tsc = 0;
  std::uint64_t mono_ns = 0;  // CLOCK_MONOTONIC: the rate reference
  std::uint64_t real_ns = 0;  // CLOCK_REALTIME: the offset reference
};

// The tightest of `samples` bracketed reads (tsc, monotonic, realtime, tsc): a preemption or an
// interrupt between the reads only makes that sample lose. The TSC is the bracket's midpoint.
[[nodiscard]] inline ClockAnchor sample_anchor(int samples = 16) noexcept {
  ClockAnchor best{};
  std::uint64_t best_span = ~0ULL;
  for (int i = 0; i < samples; ++i) {
    const std::uint64_t t0 = read_tsc();
    const std::uint64_t mono = clock_ns(CLOCK_MONOTONIC);
    const std::uint64_t real = clock_ns(CLOCK_REALTIME);
    const std::uint64_t t1 = read_tsc();
    if (t1 - t0 < best_span) {
      best_span = t1 - t0;
      best = {t0 + (t1 - t0) / 2, mono, real};
    }
  }
  return best;
}

class TscClock {
 public:
  static constexpr std::uint64_t kCalibrateNs = 150'000'000;   // rate measurement span
  static constexpr std::uint64_t kReanchorNs = 1'000'000'000;  // re-anchor (and slew) period
  static constexpr std::uint64_t kMaxSlewNs = 100'000;         // larger offset errors are stepped
  static constexpr std::uint64_t kMinSpanNs = 50'000'000;      // shorter spans keep the old rate

  // tsc_hz == 0: measure the TSC rate against CLOCK_MONOTONIC over kCalibrateNs.
  static TscClock calibrate(std::uint64_t tsc_hz) noexcept {
#if !(defined(__x86_64__) || defined(__i386__))
    tsc_hz = 1'000'000'000ULL;  // read_tsc() is already ns
#endif
    if (tsc_hz != 0) return from_anchor(tsc_hz, sample_anchor());
    const ClockAnchor a = sample_anchor();
    timespec req{0, static_cast<long>(kCalibrateNs)};
    nanosleep(&req, nullptr);
    const ClockAnchor b = sample_anchor();
    TscClock c = from_anchor(1'000'000'000ULL, a);  // origin a, then rate a -> b, anchored at b
    c.set_rate(b, span_mult(a, b), true);
    c.base_ns_ = b.real_ns;
    return c;
  }

  // A clock that ticks at tsc_hz and reads a.real_ns at a.tsc; `a` is the origin of the span
  // reanchor() measures the rate over (tests build simulated anchors with this).
  static TscClock from_anchor(std::uint64_t tsc_hz, const ClockAnchor& a) noexcept {
    TscClock c;
    c.origin_ = a;
    c.hz_ = tsc_hz != 0 ? tsc_hz : 1;
    c.mult_ =
        static_cast<std::uint64_t>((static_cast<TscU128>(1'000'000'000ULL) << kShift) / c.hz_);
    c.unslewed_mult_ = c.mult_;
    c.base_tsc_ = a.tsc;
    c.base_ns_ = a.real_ns;
    return c;
  }

  // Re-anchor on a fresh sample (cold; owner thread only, see the contract).
  void reanchor() noexcept {
    reanchor(sample_anchor());
  }

  // Re-anchor on `now`: rate from origin -> now (CLOCK_MONOTONIC), offset slewed or stepped.
  void reanchor(const ClockAnchor& now) noexcept {
    const std::int64_t err =
        static_cast<std::int64_t>(to_ns(now.tsc) - now.real_ns);  // + : clock ahead of wall
    std::uint64_t mult = unslewed_mult_;
    const bool measured = now.tsc > origin_.tsc && now.mono_ns >= origin_.mono_ns + kMinSpanNs;
    if (measured) mult = span_mult(origin_, now);
    const std::uint64_t abs_err = static_cast<std::uint64_t>(err < 0 ? -err : err);
    if (abs_err > kMaxSlewNs) {
      set_rate(now, mult, measured);
      base_ns_ = now.real_ns;  // step
      return;
    }
    // Over the next kReanchorNs of wall time the clock advances kReanchorNs - err.
    const TscI128 slewed = static_cast<TscI128>(mult) * (static_cast<TscI128>(kReanchorNs) - err) /
                           static_cast<TscI128>(kReanchorNs);
    set_rate(now, static_cast<std::uint64_t>(slewed), measured);
    unslewed_mult_ = mult;
  }

  // floor(base_ns + (tsc - base_tsc) * mult / 2^32) on both sides of the anchor.
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
  // The TSC rate the clock currently assumes (measured over the span, without the slew).
  [[nodiscard]] std::uint64_t hz() const noexcept {
    return hz_;
  }
  // TSC ticks in `ns` nanoseconds (for housekeeping deadlines).
  [[nodiscard]] std::uint64_t ticks(std::uint64_t ns) const noexcept {
    return static_cast<std::uint64_t>(static_cast<TscU128>(ns) * hz_ / 1'000'000'000ULL);
  }

 private:
  static constexpr unsigned kShift = 32;

  // ns-per-tick << kShift measured between two anchors on CLOCK_MONOTONIC (b after a).
  static std::uint64_t span_mult(const ClockAnchor& a, const ClockAnchor& b) noexcept {
    const std::uint64_t dt = b.tsc > a.tsc ? b.tsc - a.tsc : 1;
    const std::uint64_t dm = b.mono_ns > a.mono_ns ? b.mono_ns - a.mono_ns : 1;
    return static_cast<std::uint64_t>((static_cast<TscU128>(dm) << kShift) / dt);
  }

  // New rate from the anchor `at` on, continuous there (base_ns = the old reading at at.tsc);
  // `measured`: at is far enough from the origin for hz_ to be re-estimated.
  void set_rate(const ClockAnchor& at, std::uint64_t mult, bool measured) noexcept {
    base_ns_ = to_ns(at.tsc);
    base_tsc_ = at.tsc;
    mult_ = mult != 0 ? mult : 1;
    unslewed_mult_ = mult_;
    if (measured) {
      hz_ = static_cast<std::uint64_t>(static_cast<TscU128>(at.tsc - origin_.tsc) *
                                       1'000'000'000ULL / (at.mono_ns - origin_.mono_ns));
    }
  }

  ClockAnchor origin_{};  // start of the rate-measurement span
  std::uint64_t hz_ = 1'000'000'000ULL;
  std::uint64_t mult_ = 1ULL << kShift;           // ns per tick << kShift, including the slew
  std::uint64_t unslewed_mult_ = 1ULL << kShift;  // the rate estimate alone
  std::uint64_t base_tsc_ = 0;
  std::uint64_t base_ns_ = 0;
};

}  // namespace ichannel::daemon
