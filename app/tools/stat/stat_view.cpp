// stat/stat_view.cpp: see stat_view.hpp.
#include "tools/stat/stat_view.hpp"

namespace ichannel::tools {

const char* to_string(ChannelStatus s) noexcept {
  switch (s) {
    case ChannelStatus::kAlive:
      return "alive";
    case ChannelStatus::kStale:
      return "stale";
    case ChannelStatus::kDead:
      return "dead";
  }
  return "unknown";
}

ChannelStatus classify(bool producer_alive, double heartbeat_age_s, double stale_after_s) noexcept {
  if (!producer_alive) return ChannelStatus::kDead;
  return heartbeat_age_s > stale_after_s ? ChannelStatus::kStale : ChannelStatus::kAlive;
}

std::optional<double> RateTracker::update(const std::string& name, std::uint64_t epoch,
                                          std::uint64_t last_seq, std::uint64_t now_ns) {
  auto [it, inserted] = last_.try_emplace(name, Last{epoch, last_seq, now_ns});
  if (inserted) return std::nullopt;
  Last& l = it->second;
  std::optional<double> rate;
  if (l.epoch == epoch && now_ns > l.ns && last_seq >= l.seq) {
    rate = static_cast<double>(last_seq - l.seq) * 1e9 / static_cast<double>(now_ns - l.ns);
  }
  l = Last{epoch, last_seq, now_ns};
  return rate;
}

}  // namespace ichannel::tools
