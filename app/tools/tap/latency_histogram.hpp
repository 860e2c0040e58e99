// tap/latency_histogram.hpp: a fixed-size log-linear histogram of nanosecond latencies.
//
// Contract
// - record() is inline, noexcept and allocation-free (the buckets are a std::array member), so a
//   receiver loop may call it per message. Not thread-safe: one owner thread.
// - Bucket precision: values below 2^kSubBits ns are exact; above, each power of two is split into
//   2^kSubBits linear sub-buckets (relative error < 1/2^kSubBits, about 1.6%). Values at or above
//   2^kMaxExp ns (~18 minutes) land in the last bucket; max() stays exact.
// - percentile(q) returns the upper edge of the bucket holding the q-quantile (never
// under-reports),
//   clamped to the exact max().
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace ichannel::tools {

class LatencyHistogram {
 public:
  static constexpr unsigned kSubBits = 6;  // 64 sub-buckets per power of two
  static constexpr unsigned kMaxExp = 40;  // 2^40 ns ~ 1100 s
  static constexpr std::size_t kSub = std::size_t{1} << kSubBits;
  static constexpr std::size_t kBuckets = (kMaxExp - kSubBits + 1) * kSub;

  void record(std::uint64_t ns) noexcept {
    ++buckets_[index_of(ns)];
    ++count_;
    sum_ += ns;
    max_ = std::max(max_, ns);
    min_ = std::min(min_, ns);
  }

  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t max() const noexcept { return count_ == 0 ? 0 : max_; }
  std::uint64_t min() const noexcept { return count_ == 0 ? 0 : min_; }
  double mean() const noexcept {
    return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
  }

  // q in [0, 1]; 0 when empty.
  std::uint64_t percentile(double q) const noexcept {
    if (count_ == 0) return 0;
    q = std::clamp(q, 0.0, 1.0);
    // Rank of the q-quantile, 1-based: the smallest value with at least ceil(q*n) samples <= it.
    auto rank = static_cast<std::uint64_t>(q * static_cast<double>(count_) + 0.999999999);
    rank = std::clamp<std::uint64_t>(rank, 1, count_);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += buckets_[i];
      if (seen >= rank) return std::min(upper_edge(i), max_);
    }
    return max_;
  }

  void merge(const LatencyHistogram& o) noexcept {
    for (std::size_t i = 0; i < kBuckets; ++i) buckets_[i] += o.buckets_[i];
    count_ += o.count_;
    sum_ += o.sum_;
    max_ = std::max(max_, o.max_);
    min_ = std::min(min_, o.min_);
  }

  void reset() noexcept { *this = LatencyHistogram{}; }

  static constexpr std::size_t index_of(std::uint64_t ns) noexcept {
    if (ns < kSub) return static_cast<std::size_t>(ns);
    const unsigned exp = 63u - static_cast<unsigned>(std::countl_zero(ns));  // >= kSubBits
    if (exp >= kMaxExp) return kBuckets - 1;
    const std::uint64_t sub = (ns >> (exp - kSubBits)) - kSub;  // 0 .. kSub-1
    return static_cast<std::size_t>((exp - kSubBits + 1) * kSub + sub);
  }

  // Largest value that maps to bucket i.
  static constexpr std::uint64_t upper_edge(std::size_t i) noexcept {
    if (i < kSub) return i;
    if (i == kBuckets - 1) return std::numeric_limits<std::uint64_t>::max();
    const std::size_t block = i / kSub;  // >= 1
    const unsigned exp = static_cast<unsigned>(block) + kSubBits - 1;
    const std::uint64_t sub = i % kSub;
    const std::uint64_t width = std::uint64_t{1} << (exp - kSubBits);
    return ((kSub + sub) << (exp - kSubBits)) + width - 1;
  }

 private:
  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t max_ = 0;
  std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
};

}  // namespace ichannel::tools
