// tools/sim/line_schedule.hpp: what one feed line (A or B) puts on the wire, with injected faults.
//
// Contract
// - schedule_line() turns the session's MoldUDP64 packets into the ordered list of emissions of
//   one line: each packet is independently lost (probability loss), held back behind the next
//   packet (reorder) or sent twice in a row (dup). Deterministic for (seed, line index): every
//   packet consumes exactly three random draws, whatever the outcome.
// - A drop range (LineFaults::drop_first / drop_count, sequence numbers) drops every packet with
//   a message in it, after the draws (so the random faults of the other packets do not move);
//   given to both lines it makes a hole neither line fills. Control packets are never in it.
// - Emission times are the packet's ITCH time plus the line's delay, made non-decreasing in
//   emission order (a late packet goes out 1 ns after the one it was held behind).
// - merge_lines() interleaves several lines by time (ties: lower line index first).
// - LineAddress is a line's addressing; frame_spec() turns it into app/wire's frame description.
// - Cold-path tool code; allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "wire/frame.hpp"
#include "wire/moldudp64_encode.hpp"

namespace ichannel::sim {

using wire::MoldPacket;

// Where a line's frames go: Ethernet/IPv4/UDP addressing of one multicast line.
struct LineAddress {
  std::uint32_t group = 0;            // IPv4 multicast destination, host order
  std::uint16_t port = 0;             // UDP destination port
  std::uint32_t source = 0x0A000001;  // 10.0.0.1
  std::uint16_t source_port = 40000;
  std::optional<std::uint16_t> vlan;  // one 802.1Q tag (PCP 0, VID 1..4094)
  std::uint8_t ttl = 32;
};

// The wire frame of a line (DF set, valid IPv4 and UDP checksums); identification 0.
inline wire::UdpFrameSpec frame_spec(const LineAddress& a) {
  wire::UdpFrameSpec s;
  s.source = a.source;
  s.destination = a.group;
  s.source_port = a.source_port;
  s.destination_port = a.port;
  if (a.vlan)
    s.vlan_tags.push_back({wire::kTpidDot1q, static_cast<std::uint16_t>(*a.vlan & 0x0FFF)});
  s.ttl = a.ttl;
  return s;
}

struct LineFaults {
  double loss = 0;     // probability a packet is not sent
  double dup = 0;      // probability a packet is sent twice
  double reorder = 0;  // probability a packet is sent after its successor
  // Every packet with a message whose sequence is in [drop_first, drop_first + drop_count) is
  // not sent (drop_count 0: none).
  std::uint64_t drop_first = 0;
  std::uint64_t drop_count = 0;
};

// Whether packet `p` carries a message of the faults' drop range.
inline bool in_drop_range(const MoldPacket& p, const LineFaults& f) {
  const std::uint64_t n = p.messages();
  return f.drop_count != 0 && n != 0 && p.sequence < f.drop_first + f.drop_count &&
         p.sequence + n > f.drop_first;
}

struct LineSpec {
  std::string name;  // "a" or "b"
  LineAddress address;
  LineFaults faults;
  std::uint64_t delay_ns = 0;  // added to every emission (B lines run slightly later)
};

struct LineStats {
  std::uint64_t packets_sent = 0;   // emissions, duplicates included
  std::uint64_t messages_sent = 0;  // ITCH messages in those emissions
  std::uint64_t dropped_packets = 0;
  std::uint64_t dropped_messages = 0;
  std::uint64_t range_dropped_packets = 0;   // of dropped_packets: by the drop range
  std::uint64_t range_dropped_messages = 0;  // of dropped_messages: by the drop range
  std::uint64_t duplicated_packets = 0;
  std::uint64_t reordered_packets = 0;
  std::vector<std::size_t> dropped;  // indices of the dropped packets, ascending
};

struct Emission {
  std::size_t packet = 0;     // index into the session's packets
  std::size_t line = 0;       // index into the line list
  std::uint64_t time_ns = 0;  // ITCH time (ns after midnight) of the emission
};

std::vector<Emission> schedule_line(const std::vector<MoldPacket>& packets, const LineSpec& line,
                                    std::size_t line_index, std::uint64_t seed, LineStats& stats);

std::vector<Emission> merge_lines(const std::vector<std::vector<Emission>>& lines);

}  // namespace ichannel::sim
