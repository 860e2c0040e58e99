// sim/line_schedule.hpp: what one feed line (A or B) puts on the wire, with injected faults.
//
// Contract
// - schedule_line() turns the session's MoldUDP64 packets into the ordered list of emissions of
//   one line: each packet is independently lost (probability loss), held back behind the next
//   packet (reorder) or sent twice in a row (dup). Deterministic for (seed, line index): every
//   packet consumes exactly three random draws, whatever the outcome.
// - Emission times are the packet's ITCH time plus the line's delay, made non-decreasing in
//   emission order (a late packet goes out 1 ns after the one it was held behind).
// - merge_lines() interleaves several lines by time (ties: lower line index first).
// - Cold-path tool code; allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "frame.hpp"
#include "moldudp64_pack.hpp"

namespace ichannel::sim {

struct LineFaults {
  double loss = 0;     // probability a packet is not sent
  double dup = 0;      // probability a packet is sent twice
  double reorder = 0;  // probability a packet is sent after its successor
};

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
