// tests/app/tsc_clock_test.cpp: TSC -> wall-clock nanoseconds.
#include "tsc_clock.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

namespace ichannel::daemon {
namespace {

TEST(TscClock, MeasuredClockTracksRealtimeWithinAMillisecond) {
  const TscClock clock = TscClock::calibrate(0);
  EXPECT_GT(clock.hz(), 100'000'000u);  // any x86 TSC runs faster than 100 MHz
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const std::uint64_t wall = realtime_ns();
    const std::uint64_t tsc_ns = clock.now_ns();
    const std::int64_t diff = static_cast<std::int64_t>(tsc_ns - wall);
    EXPECT_LT(std::llabs(diff), 1'000'000) << "tsc " << tsc_ns << " wall " << wall;
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

}  // namespace
}  // namespace ichannel::daemon
