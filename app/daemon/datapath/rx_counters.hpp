// daemon/datapath/rx_counters.hpp: what an RX loop counts per polled queue, and why frames are
// rejected.
//
// Contract
// - RxCounters are private to the RX loop that polls the queue (plain integers, one writer);
//   housekeeping.hpp copies them into the statistics segment's CoreStats.
// - Reject reasons: PeelResult r (r != kOk) counts at index r - 1 (kBadChecksum: the IPv4 header
//   checksum, verified by the NIC or in software); frames DPDK delivers in more than one mbuf
//   segment (jumbo frames; never market data) at kRejectMultiSegment; a wrong non-zero UDP
//   checksum at kRejectBadUdpChecksum. Dropped frames are filled in by the other line or a
//   re-request.
//   reject_reason_names() (cold, allocates) gives their names in that order, for the statistics
//   segment header.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "feed/packet.hpp"
#include "stats/layout.hpp"

namespace ichannel::daemon {

inline constexpr std::size_t kRejectBadIpv4Checksum =
    static_cast<std::size_t>(feed::PeelResult::kBadChecksum) - 1;
inline constexpr std::size_t kRejectMultiSegment = feed::kPeelResultCount - 1;
inline constexpr std::size_t kRejectBadUdpChecksum = kRejectMultiSegment + 1;
inline constexpr std::size_t kRejectReasonCount = kRejectBadUdpChecksum + 1;
static_assert(kRejectReasonCount <= stats::kMaxRejectReasons);

[[nodiscard]] inline std::vector<std::string> reject_reason_names() {
  std::vector<std::string> names;
  for (std::size_t r = 1; r < feed::kPeelResultCount; ++r) {
    names.emplace_back(feed::to_string(static_cast<feed::PeelResult>(r)));
  }
  names.emplace_back("multi_segment");
  names.emplace_back("bad_udp_checksum");
  return names;
}

struct RxCounters {
  std::uint64_t polls = 0;
  std::uint64_t bursts = 0;
  std::uint64_t packets = 0;
  std::uint64_t full_bursts = 0;
  std::uint64_t unrouted = 0;
  std::uint64_t rejected_total = 0;
  std::array<std::uint64_t, kRejectReasonCount> rejected{};

  void reject(std::size_t reason) noexcept {
    ++rejected[reason];
    ++rejected_total;
  }
};

}  // namespace ichannel::daemon
