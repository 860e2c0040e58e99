// latency_histogram_test.cpp: tools/tap/latency_histogram.hpp, bucket mapping and percentiles.
#include "tools/tap/latency_histogram.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace ichannel::tools {
namespace {

TEST(LatencyHistogram, EmptyReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(0.5), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.min(), 0u);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (std::uint64_t v = 0; v < 64; ++v) h.record(v);
  EXPECT_EQ(h.percentile(0.5), 31u);  // rank 32 of 0..63
  EXPECT_EQ(h.percentile(1.0), 63u);
  EXPECT_EQ(h.min(), 0u);
}

TEST(LatencyHistogram, EveryValueMapsToABucketWhoseUpperEdgeBoundsIt) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    const std::uint64_t v = rng() >> (rng() % 64);
    const std::size_t b = LatencyHistogram::index_of(v);
    ASSERT_LT(b, LatencyHistogram::kBuckets);
    if (b + 1 < LatencyHistogram::kBuckets) {
      EXPECT_GE(LatencyHistogram::upper_edge(b), v);
      // Relative error bounded by one sub-bucket.
      EXPECT_LE(static_cast<double>(LatencyHistogram::upper_edge(b) - v),
                static_cast<double>(v) / 64.0 + 1.0);
      if (b > 0) {
        EXPECT_LT(LatencyHistogram::upper_edge(b - 1), v);
      }
    }
  }
}

TEST(LatencyHistogram, PercentilesOfAUniformRangeAreWithinBucketPrecision) {
  LatencyHistogram h;
  for (std::uint64_t v = 1; v <= 100000; ++v) h.record(v);
  const auto near = [](std::uint64_t got, double want) {
    return std::abs(static_cast<double>(got) - want) <= want / 50.0;
  };
  EXPECT_TRUE(near(h.percentile(0.5), 50000)) << h.percentile(0.5);
  EXPECT_TRUE(near(h.percentile(0.99), 99000)) << h.percentile(0.99);
  EXPECT_TRUE(near(h.percentile(0.999), 99900)) << h.percentile(0.999);
  EXPECT_EQ(h.max(), 100000u);
  EXPECT_EQ(h.percentile(1.0), 100000u);  // clamped to the exact max
  EXPECT_DOUBLE_EQ(h.mean(), 50000.5);
}

TEST(LatencyHistogram, OutlierShowsInMaxAndTailNotInMedian) {
  LatencyHistogram h;
  for (int i = 0; i < 999; ++i) h.record(500);
  h.record(7'000'000);
  EXPECT_LE(h.percentile(0.5), 507u);
  EXPECT_GE(h.percentile(0.5), 500u);
  EXPECT_EQ(h.max(), 7'000'000u);
  EXPECT_GE(h.percentile(0.9999), 7'000'000u);
}

TEST(LatencyHistogram, HugeValuesLandInTheLastBucketWithExactMax) {
  LatencyHistogram h;
  h.record(~0ull);
  EXPECT_EQ(LatencyHistogram::index_of(~0ull), LatencyHistogram::kBuckets - 1);
  EXPECT_EQ(h.max(), ~0ull);
  EXPECT_EQ(h.percentile(0.5), ~0ull);
}

TEST(LatencyHistogram, MergeEqualsRecordingEverythingInOne) {
  LatencyHistogram a, b, all;
  for (std::uint64_t v = 0; v < 5000; v += 3) {
    (v % 2 ? a : b).record(v * 17);
    all.record(v * 17);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  for (double q : {0.1, 0.5, 0.9, 0.99}) EXPECT_EQ(a.percentile(q), all.percentile(q));
  EXPECT_EQ(a.max(), all.max());
}

}  // namespace
}  // namespace ichannel::tools
