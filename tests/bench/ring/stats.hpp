// tests/bench/ring/stats.hpp: latency distributions and medians over rounds.
//
// Contract
// - `summarize_one_way` turns round-trip TSC ticks into a one-way distribution in nanoseconds
//   (round trip / 2): p50, p90, p99, p99.9, max, and `mid`, the mean of the middle half (the
//   samples from p25 to p75): the TSC here reads in steps of ~26 ticks (5 ns one-way), so p50
//   moves in 5 ns steps and a ratio of two p50s cannot resolve 5 %; `mid` can. It sorts its
//   argument in place.
// - `median` of a small vector of doubles (NaN entries are ignored; NaN when none remain).
// - Cold benchmark code; allocates.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace ringbench {

struct Latency {
  double p50 = 0, p90 = 0, p99 = 0, p999 = 0, max = 0;  // one-way, ns
  double mid = 0;  // mean of the middle half (p25 .. p75), one-way ns
};

inline double percentile_sorted(const std::vector<std::uint64_t>& v, double q) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  const auto idx = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return static_cast<double>(v[std::min(idx, v.size() - 1)]);
}

inline Latency summarize_one_way(std::vector<std::uint64_t>& rtt_ticks, double ticks_per_ns) {
  std::sort(rtt_ticks.begin(), rtt_ticks.end());
  const double k = 0.5 / ticks_per_ns;  // round trip ticks -> one-way ns
  double mid = std::numeric_limits<double>::quiet_NaN();
  const std::size_t lo = rtt_ticks.size() / 4, hi = rtt_ticks.size() - rtt_ticks.size() / 4;
  if (hi > lo) {
    double sum = 0;
    for (std::size_t i = lo; i < hi; ++i) sum += static_cast<double>(rtt_ticks[i]);
    mid = sum / static_cast<double>(hi - lo) * k;
  }
  return Latency{percentile_sorted(rtt_ticks, 0.50) * k, percentile_sorted(rtt_ticks, 0.90) * k,
                 percentile_sorted(rtt_ticks, 0.99) * k, percentile_sorted(rtt_ticks, 0.999) * k,
                 percentile_sorted(rtt_ticks, 1.0) * k, mid};
}

inline double median(std::vector<double> v) {
  std::erase_if(v, [](double x) { return std::isnan(x); });
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 != 0 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

}  // namespace ringbench
