// tools/sim/line_schedule.cpp: fault injection and A/B interleaving, see line_schedule.hpp.
#include "tools/sim/line_schedule.hpp"

#include <algorithm>

#include "tools/sim/rng.hpp"

namespace ichannel::sim {

std::vector<Emission> schedule_line(const std::vector<MoldPacket>& packets, const LineSpec& line,
                                    std::size_t line_index, std::uint64_t seed, LineStats& stats) {
  Rng rng(seed ^ (0xA5A5'0000'0000'0000ULL + 0x9E37'79B9ULL * (line_index + 1)));
  std::vector<Emission> out;
  out.reserve(packets.size() + packets.size() / 16);
  std::uint64_t last = 0;
  auto emit = [&](std::size_t i) {
    last = std::max(last, packets[i].time_ns + line.delay_ns);
    out.push_back({i, line_index, last});
    ++stats.packets_sent;
    stats.messages_sent += packets[i].messages();
  };
  constexpr std::size_t kNone = ~std::size_t{0};
  std::size_t held = kNone;  // packet waiting to go out after its successor
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const bool lose = rng.chance(line.faults.loss);
    const bool hold = rng.chance(line.faults.reorder);
    const bool dup = rng.chance(line.faults.dup);
    const bool in_range = in_drop_range(packets[i], line.faults);
    if (in_range) {
      ++stats.range_dropped_packets;
      stats.range_dropped_messages += packets[i].messages();
    }
    if (lose || in_range) {
      ++stats.dropped_packets;
      stats.dropped_messages += packets[i].messages();
      stats.dropped.push_back(i);
      continue;
    }
    if (hold && held == kNone && i + 1 < packets.size()) {
      held = i;
      ++stats.reordered_packets;
      continue;
    }
    emit(i);
    if (dup) {
      emit(i);
      ++stats.duplicated_packets;
    }
    if (held != kNone) {
      emit(held);
      held = kNone;
    }
  }
  if (held != kNone) emit(held);  // its successor was lost or it was the last one: send it now
  return out;
}

std::vector<Emission> merge_lines(const std::vector<std::vector<Emission>>& lines) {
  std::vector<Emission> out;
  for (const auto& l : lines) out.insert(out.end(), l.begin(), l.end());
  std::stable_sort(out.begin(), out.end(), [](const Emission& x, const Emission& y) {
    return x.time_ns != y.time_ns ? x.time_ns < y.time_ns : x.line < y.line;
  });
  return out;
}

}  // namespace ichannel::sim
