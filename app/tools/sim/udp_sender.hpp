// tools/sim/udp_sender.hpp: live multicast send of a session's line emissions through a UDP socket.
//
// Contract
// - One UDP socket for all lines; IP_MULTICAST_TTL, IP_MULTICAST_LOOP and IP_MULTICAST_IF
//   (interface given as a local IPv4 address or an interface name) set once at open.
// - send_emissions() sends the emissions in order to each line's group:port, paced either at a
//   fixed packet rate (all lines together), by the emissions' original ITCH times (scaled by
//   speed), or as fast as possible. It stops by itself at the end, after duration_s, after
//   max_packets, or when *stop becomes true (checked between packets; relaxed load, it pairs
//   with the relaxed store of the signal handler, nothing else is published through it).
// - With heartbeat_ms > 0, an idle stretch longer than that between two packets is filled with
//   MoldUDP64 heartbeats (session of the last packet, next expected sequence, count 0) on every
//   line, as a real server does; none before the first packet or after an end of session.
// - options.on_progress (if set) is called on the sending thread after each session packet.
// - Cold-path tool code: blocking sends, sleeps. Errors throw std::runtime_error with the reason.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tools/sim/line_schedule.hpp"
#include "wire/moldudp64_encode.hpp"

namespace ichannel::sim {

struct SendOptions {
  std::string iface;  // IPv4 address or interface name for IP_MULTICAST_IF; empty: route
  int ttl = 1;
  bool loop = false;              // IP_MULTICAST_LOOP: deliver to sockets of this host too
  double rate_pps = 0;            // > 0: fixed packet rate
  bool pace_original = false;     // pace by the emissions' ITCH timestamps
  double speed = 1.0;             // pace_original: 2.0 replays twice as fast
  double duration_s = 0;          // > 0: stop after this many seconds
  std::uint64_t max_packets = 0;  // > 0: stop after this many packets
  double heartbeat_ms = 0;        // > 0: MoldUDP64 heartbeat on every line when idle this long
  // Called after every session packet sent, with one past the highest sequence number sent so
  // far on any line (the re-request server answers only that history).
  std::function<void(std::uint64_t next_sequence)> on_progress;
};

struct SendResult {
  std::uint64_t packets = 0;     // session packets sent (heartbeats not included)
  std::uint64_t heartbeats = 0;  // heartbeat rounds (one packet per line each)
  std::uint64_t bytes = 0;       // UDP payload bytes, heartbeats included
  double seconds = 0;
};

SendResult send_emissions(const std::vector<MoldPacket>& packets,
                          const std::vector<Emission>& emissions,
                          const std::vector<LineSpec>& lines, const SendOptions& options,
                          const std::atomic<bool>* stop = nullptr);

}  // namespace ichannel::sim
