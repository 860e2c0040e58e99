// tests/daemon/datapath/tsc_clock_test.cpp: TSC -> wall-clock nanoseconds, calibration and
// re-anchoring.
#include "daemon/datapath/tsc_clock.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace ichannel::daemon {
namespace {

// clock - CLOCK_REALTIME at one tightly bracketed instant.
std::int64_t error_vs_realtime(const TscClock& clock) {
  const ClockAnchor a = sample_anchor();
  return static_cast<std::int64_t>(clock.to_ns(a.tsc) - a.real_ns);
}

// An independent, long (600 ms) measurement of the TSC rate against CLOCK_MONOTONIC.
double reference_hz() {
  const ClockAnchor a = sample_anchor(64);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  const ClockAnchor b = sample_anchor(64);
  return static_cast<double>(b.tsc - a.tsc) * 1e9 / static_cast<double>(b.mono_ns - a.mono_ns);
}

TEST(TscClock, MeasuredRateIsWithinFiveHundredPpmOfALongMeasurement) {
  const TscClock clock = TscClock::calibrate(0);
  const double ref = reference_hz();
  const double ppm = (static_cast<double>(clock.hz()) - ref) / ref * 1e6;
  std::printf("calibrate(0): %llu Hz, reference %.0f Hz, %+.3f ppm\n",
              static_cast<unsigned long long>(clock.hz()), ref, ppm);
  EXPECT_GT(clock.hz(), 100'000'000u);  // any x86 TSC runs faster than 100 MHz
  EXPECT_LT(std::abs(ppm), 500.0);      // 0.05 %
}

TEST(TscClock, MeasuredClockTracksRealtimeWithinAMillisecond) {
  const TscClock clock = TscClock::calibrate(0);
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const std::int64_t diff = error_vs_realtime(clock);
    EXPECT_LT(std::abs(diff), 1'000'000) << "error " << diff << " ns";
  }
}

TEST(TscClock, ConversionIsMonotonicAndLinear) {
  const TscClock clock = TscClock::calibrate(2'000'000'000ULL);  // a 2 GHz TSC
  const std::uint64_t t = read_tsc();
  EXPECT_EQ(clock.to_ns(t + 2'000'000'000ULL) - clock.to_ns(t), 1'000'000'000u);
  EXPECT_EQ(clock.to_ns(t + 2000) - clock.to_ns(t), 1000u);
  EXPECT_EQ(clock.to_ns(t) - clock.to_ns(t - 2000), 1000u);  // before the calibration point
  for (std::uint64_t d = 0; d < 4000; ++d) {  // across the calibration point, odd offsets too
    ASSERT_LE(clock.to_ns(t - d - 1), clock.to_ns(t - d));
    ASSERT_EQ(clock.to_ns(t - d + 2) - clock.to_ns(t - d), 1u);
  }
  EXPECT_EQ(clock.ticks(1'000'000), 2'000'000u);
  // A day later still converts without overflow.
  const std::uint64_t day = 86'400ULL * 2'000'000'000ULL;
  EXPECT_EQ(clock.to_ns(t + day) - clock.to_ns(t), 86'400'000'000'000ULL);
}

// A simulated machine: the TSC runs at true_hz; CLOCK_MONOTONIC and CLOCK_REALTIME advance at
// (1 + ppm * 1e-6) ns per true ns (an NTP frequency correction), CLOCK_REALTIME may step.
struct SimClocks {
  double true_hz = 2'596'000'000.0;
  double ppm = 0;
  std::uint64_t tsc0 = 1'000'000'000'000ULL;
  double mono = 5e12;    // ns
  double real = 1.7e15;  // ns since the epoch (small enough for exact doubles)
  double t = 0;          // true seconds since the start

  ClockAnchor at() const {
    return {tsc0 + static_cast<std::uint64_t>(t * true_hz), static_cast<std::uint64_t>(mono),
            static_cast<std::uint64_t>(real)};
  }
  void advance(double seconds) {
    t += seconds;
    mono += seconds * 1e9 * (1 + ppm * 1e-6);
    real += seconds * 1e9 * (1 + ppm * 1e-6);
  }
  std::int64_t error(const TscClock& c) const {
    const ClockAnchor a = at();
    return static_cast<std::int64_t>(c.to_ns(a.tsc) - a.real_ns);
  }
};

// Runs `seconds` of simulated time in 10 ms housekeeping steps, re-anchoring once a second when
// `reanchor`; returns the largest |error| seen at or after `from_s`. Checks monotonicity.
std::int64_t run(SimClocks& s, TscClock& c, double seconds, bool reanchor, double from_s) {
  std::int64_t worst = 0;
  std::uint64_t last_ns = 0;
  const int steps = static_cast<int>(seconds * 100 + 0.5);
  for (int i = 1; i <= steps; ++i) {
    s.advance(0.01);
    if (reanchor && i % 100 == 0) c.reanchor(s.at());
    const std::uint64_t ns = c.to_ns(s.at().tsc);
    EXPECT_GT(ns, last_ns) << "clock went backwards at t=" << s.t;
    last_ns = ns;
    if (s.t + 1e-9 >= from_s) worst = std::max(worst, std::abs(s.error(c)));
  }
  return worst;
}

TEST(TscClock, WithoutReanchoringARoundedRateDriftsWithoutBound) {
  SimClocks s;  // DPDK's rounded 2.600 GHz vs a true 2.596 GHz
  TscClock c = TscClock::from_anchor(2'600'000'000ULL, s.at());
  run(s, c, 10, false, 0);
  const std::int64_t err = s.error(c);
  std::printf("rounded rate, no re-anchoring: error after 10 s %lld ns\n",
              static_cast<long long>(err));
  EXPECT_LT(err, -15'000'000);  // ~1.54 ms per second behind
}

TEST(TscClock, ReanchoringBoundsTheErrorOfAWrongInitialRate) {
  SimClocks s;
  // 0.2 % too fast an assumed rate: the clock falls behind by 2 ms per second.
  TscClock c = TscClock::from_anchor(static_cast<std::uint64_t>(s.true_hz * 1.002), s.at());
  run(s, c, 1, true, 0);  // first re-anchor at 1 s steps the 2 ms away
  EXPECT_LT(std::abs(s.error(c)), 50'000);
  const std::int64_t worst = run(s, c, 60, true, 0);
  std::printf("0.2%% wrong rate, re-anchored once a second: worst error 1..61 s %lld ns\n",
              static_cast<long long>(worst));
  EXPECT_LT(worst, 50'000);
  EXPECT_LT(run(s, c, 10, true, 0), 1'000);  // not growing: converged to below a microsecond
  EXPECT_NEAR(static_cast<double>(c.hz()), s.true_hz, s.true_hz * 1e-7);
}

TEST(TscClock, ReanchoringSlewsAFrequencyChangeAndStepsARealtimeStep) {
  SimClocks s;
  TscClock c = TscClock::from_anchor(static_cast<std::uint64_t>(s.true_hz), s.at());
  run(s, c, 5, true, 0);
  s.ppm = 20;  // NTP changes the frequency by 20 ppm: 20 us per second to slew away
  const std::int64_t slewed = run(s, c, 30, true, 0);
  EXPECT_LT(slewed, 50'000);
  EXPECT_LT(run(s, c, 30, true, 0), 50'000);  // bounded, not growing
  s.real += 5e6;                              // settimeofday: +5 ms
  s.advance(0.5);
  c.reanchor(s.at());
  EXPECT_LT(std::abs(s.error(c)), 1'000);  // stepped to the new wall time
  EXPECT_LT(run(s, c, 20, true, 0), 50'000);
}

TEST(TscClock, ReanchoringAWrongRateOnTheRealClocks) {
  // Real TSC and clocks: start 0.2 % off, re-anchor after ~1 s, then stay within 50 us.
  const TscClock measured = TscClock::calibrate(0);
  TscClock c =
      TscClock::from_anchor(static_cast<std::uint64_t>(measured.hz() * 1.002), sample_anchor());
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const std::int64_t before = error_vs_realtime(c);
  std::printf("real clocks, 0.2%% wrong rate: error after 1 s without re-anchoring %lld ns\n",
              static_cast<long long>(before));
  EXPECT_GT(std::abs(before), 1'000'000);
  c.reanchor();
  std::int64_t worst = 0;
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    worst = std::max(worst, std::abs(error_vs_realtime(c)));
  }
  c.reanchor();  // a second re-anchor (after 0.6 s) slews the residual
  for (int i = 0; i < 4; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    worst = std::max(worst, std::abs(error_vs_realtime(c)));
  }
  std::printf("real clocks, after re-anchoring: worst error %lld ns\n",
              static_cast<long long>(worst));
  EXPECT_LT(worst, 50'000);
}

}  // namespace
}  // namespace ichannel::daemon
