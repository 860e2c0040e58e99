// sim/glimpse_server.hpp: the simulator's GLIMPSE 5.0 server (snapshots over SoupBinTCP 3.0).
//
// Contract
// - SnapshotBuilder keeps the state a snapshot needs by applying the session's ITCH messages in
//   sequence order (apply()): every System Event, per locate the last Stock Directory, Trading
//   Action and Reg SHO message, and every resting order (A/F; E/C/X reduce it, D/full execution
//   remove it, U replaces it by the new reference at the new price and size, same side and
//   locate, the queue priority of the replace). messages(next) renders the snapshot: the System
//   Events in order, R, H, Y by locate, the resting orders in queue priority (the sequence of
//   the message that added or replaced them) as A (F when added with an MPID and never replaced)
//   with their remaining shares, then End of Snapshot 'G' carrying `next`.
// - GlimpseServer serves the session of a MessageHistory (rerequest_server.hpp) over a kernel
//   TCP socket, one poll loop thread, any number of connections. Per connection: the first
//   packet must be a login request (username/password compared with the options; a wrong one,
//   or faults.refuse_logins, gets 'J' 'A'; a requested session other than blank or ours gets
//   'J' 'S'; then the connection closes); a login accepted ('A', our session, sequence 1) is
//   followed by the snapshot as sequenced packets, one message each. The snapshot is the state
//   at available() (the live sender raises it after every packet, as for the re-request
//   server: the state after every message below it, and 'G' = that sequence = the next message
//   the sender sends, never below the history's first sequence).
//   The state only moves forward (the sender's progress only rises): a login after a lower
//   set_available() than an earlier login's gets the earlier, later state.
// - Heartbeats: 'H' after heartbeat_s without sending; a client silent for idle_timeout_s is
//   dropped (counted). A client logout 'O' closes the connection. Malformed client input
//   (SoupBinTCP framing) closes it and is counted.
// - Fault knobs (GlimpseFaults): refuse_logins; bytes_per_s (cap of the snapshot's send rate);
//   delay_ms (between two snapshot messages); drop_after N (close the connection after N
//   snapshot messages); stall_after N (after N snapshot messages send nothing more, not even
//   heartbeats, and keep the connection open: a silent server). -1: off.
// - start() binds and listens, then serves on its own thread; stop() (or the destructor) joins.
//   Counters are relaxed atomics (statistics). set_available() is a relaxed store read relaxed
//   by the server thread: the history is immutable while the server runs, so a login racing it
//   gets the state at either value, both message boundaries.
// - Cold-path tool code: sockets, a thread, allocation. Errors throw std::runtime_error.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "tools/sim/rerequest_server.hpp"

namespace ichannel::sim {

class SnapshotBuilder {
 public:
  // Applies one ITCH message (its bytes, type first). Unknown or short messages are ignored.
  void apply(std::span<const std::uint8_t> message, std::uint64_t sequence);
  // The snapshot's messages (their bytes), End of Snapshot last with `next_sequence`.
  [[nodiscard]] std::vector<std::vector<std::uint8_t>> messages(std::uint64_t next_sequence) const;
  [[nodiscard]] std::size_t live_orders() const noexcept { return orders_.size(); }

 private:
  struct Order {
    std::uint64_t priority;  // sequence of the message that added or replaced it
    std::uint64_t timestamp;
    std::uint32_t shares;
    std::uint32_t price;
    std::uint16_t locate;
    std::uint16_t tracking;
    char side;
    bool mpid;
    std::array<char, 4> attribution;
    std::array<char, 8> stock;
  };
  void reduce(std::uint64_t ref, std::uint32_t shares);

  std::vector<std::vector<std::uint8_t>> system_events_;
  std::map<std::uint16_t, std::vector<std::uint8_t>> directory_, trading_, reg_sho_;
  std::unordered_map<std::uint64_t, Order> orders_;
};

struct GlimpseFaults {
  bool refuse_logins = false;
  double bytes_per_s = 0;         // > 0: snapshot send rate cap
  double delay_ms = 0;            // > 0: pause between two snapshot messages
  std::int64_t drop_after = -1;   // >= 0: close after that many snapshot messages
  std::int64_t stall_after = -1;  // >= 0: go silent after that many snapshot messages
};

struct GlimpseOptions {
  std::string bind = "0.0.0.0";
  std::uint16_t port = 0;  // 0: any (port() tells which)
  std::string username = "ichsim";
  std::string password = "glimpse";
  std::string session;  // SoupBinTCP session; empty: the history's (MoldUDP64) session
  double heartbeat_s = 1;
  double idle_timeout_s = 15;
  GlimpseFaults faults;
};

struct GlimpseStats {
  std::uint64_t connections = 0;
  std::uint64_t logins = 0;  // accepted
  std::uint64_t logins_rejected = 0;
  std::uint64_t snapshots = 0;  // End of Snapshot sent
  std::uint64_t messages = 0;   // snapshot messages sent
  std::uint64_t bytes = 0;
  std::uint64_t heartbeats_sent = 0;
  std::uint64_t heartbeats_received = 0;
  std::uint64_t logouts = 0;
  std::uint64_t idle_timeouts = 0;  // clients dropped for silence
  std::uint64_t dropped = 0;        // connections closed by drop_after
  std::uint64_t bad_packets = 0;    // malformed client input, or no login first
};

class GlimpseServer {
 public:
  GlimpseServer(const MessageHistory& history, GlimpseOptions options);
  ~GlimpseServer();
  GlimpseServer(const GlimpseServer&) = delete;
  GlimpseServer& operator=(const GlimpseServer&) = delete;

  void start();
  void stop();
  [[nodiscard]] std::uint16_t port() const noexcept { return bound_port_; }
  void set_available(std::uint64_t next_sequence) noexcept {
    available_.store(next_sequence, std::memory_order_relaxed);  // see the contract
  }
  [[nodiscard]] GlimpseStats stats() const noexcept;

 private:
  struct Connection;
  void serve();
  void advance(std::uint64_t next);  // applies history up to next (server thread)

  const MessageHistory& history_;
  GlimpseOptions options_;
  SnapshotBuilder builder_;
  std::uint64_t applied_;  // next sequence to apply to builder_ (server thread only)
  int fd_ = -1;
  std::uint16_t bound_port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};  // relaxed store by stop(); relaxed load in serve(), join syncs
  std::atomic<std::uint64_t> available_;
  struct Counters {
    std::atomic<std::uint64_t> connections{0}, logins{0}, logins_rejected{0}, snapshots{0},
        messages{0}, bytes{0}, heartbeats_sent{0}, heartbeats_received{0}, logouts{0},
        idle_timeouts{0}, dropped{0}, bad_packets{0};
  } counters_;
};

}  // namespace ichannel::sim
