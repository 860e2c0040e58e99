// sim/rerequest_server.hpp: the simulator's MoldUDP64 re-request server (the exchange side of
// gap recovery).
//
// Contract
// - A request is one UDP datagram of exactly 20 bytes: session (10 ASCII), first sequence (u64
//   BE), message count (u16 BE). The answer is ordinary MoldUDP64 downstream packets of that
//   session, sent unicast to the request's source address and port, holding the requested
//   messages from `first` on: as many as fit in max_payload bytes (Nassau: 1400), in at most
//   max_packets packets per request. Clients ask again for the rest (DESIGN.md section 8).
// - Only history is answered: messages below available() (the live sender raises it as it
//   sends, set_available(); everything when nothing calls it). A request for another session,
//   for sequence 0, for nothing yet sent or of the wrong length is counted and not answered.
// - Fault knobs (RerequestFaults): down (requests are read and ignored), delay_ms (every answer
//   goes out that much later; requests keep being read meanwhile), partial (answer only the
//   first half of what would fit), drop (probability of ignoring a request, seeded).
// - start() binds and runs one thread; stop() (or the destructor) joins it. Counters are
//   atomics written by the server thread (relaxed) and read by anyone (relaxed): they are
//   statistics, nothing is published through them. set_available() is a relaxed store read
//   relaxed by the server thread: a request racing it is answered from either value.
// - Cold-path tool code: sockets, a thread, allocation. Errors throw std::runtime_error.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <thread>
#include <vector>

namespace ichannel::sim {

inline constexpr std::size_t kRerequestLength = 20;
inline constexpr std::size_t kNassauMaxPayload = 1400;

struct RerequestFaults {
  bool down = false;       // read requests, never answer
  double delay_ms = 0;     // > 0: answer this much later
  bool partial = false;    // answer only half of what fits
  double drop = 0;         // probability of ignoring a request
  std::uint64_t seed = 1;  // for drop
};

struct RerequestOptions {
  std::string bind = "0.0.0.0";                 // local IPv4 address to listen on
  std::uint16_t port = 0;                       // UDP port; 0: any (port() tells which)
  std::size_t max_payload = kNassauMaxPayload;  // UDP payload bytes per answer packet
  unsigned max_packets = 1;                     // answer packets per request
  RerequestFaults faults;
};

struct RerequestStats {
  std::uint64_t requests = 0;      // well-formed requests received
  std::uint64_t answered = 0;      // requests answered with at least one message
  std::uint64_t messages = 0;      // messages sent in answers
  std::uint64_t packets = 0;       // answer packets sent
  std::uint64_t ignored = 0;       // not answered: down, dropped, nothing available
  std::uint64_t bad_requests = 0;  // wrong length, other session, sequence 0
};

// The messages of one session, indexed by sequence number (first_sequence .. next_sequence-1).
class MessageHistory {
 public:
  // `session`: up to 10 characters (space padded on the wire).
  MessageHistory(std::string session, std::uint64_t first_sequence);
  // Appends the next message (its bytes, type first).
  void add(std::span<const std::uint8_t> message);
  // Appends every message block of a MoldUDP64 packet (heartbeats and end of session add none).
  void add_packet(std::span<const std::uint8_t> moldudp64_packet);

  [[nodiscard]] const std::string& session() const noexcept { return session_; }
  [[nodiscard]] std::uint64_t first_sequence() const noexcept { return first_; }
  [[nodiscard]] std::uint64_t next_sequence() const noexcept { return first_ + offsets_.size(); }
  [[nodiscard]] std::span<const std::uint8_t> message(std::uint64_t seq) const;

 private:
  std::string session_;
  std::uint64_t first_;
  std::vector<std::uint8_t> bytes_;
  std::vector<std::size_t> offsets_;  // start of message i in bytes_; length in the next
  std::vector<std::uint16_t> lengths_;
};

// Builds the answer packets for a request [first, first + count) from `history`, limited to
// messages below `available`. Pure: the server and the tests use it.
std::vector<std::vector<std::uint8_t>> build_answer(const MessageHistory& history,
                                                    std::uint64_t first, std::uint64_t count,
                                                    std::uint64_t available,
                                                    const RerequestOptions& options);

class RerequestServer {
 public:
  RerequestServer(const MessageHistory& history, RerequestOptions options);
  ~RerequestServer();
  RerequestServer(const RerequestServer&) = delete;
  RerequestServer& operator=(const RerequestServer&) = delete;

  void start();  // binds, then serves on its own thread
  void stop();
  [[nodiscard]] std::uint16_t port() const noexcept { return bound_port_; }

  void set_available(std::uint64_t next_sequence) noexcept {
    available_.store(next_sequence, std::memory_order_relaxed);  // see the contract
  }
  [[nodiscard]] RerequestStats stats() const noexcept;

 private:
  void serve();

  const MessageHistory& history_;
  RerequestOptions options_;
  int fd_ = -1;
  std::uint16_t bound_port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};  // relaxed store by stop(); relaxed load in serve(), join syncs
  std::atomic<std::uint64_t> available_;
  struct Counters {
    std::atomic<std::uint64_t> requests{0}, answered{0}, messages{0}, packets{0}, ignored{0},
        bad_requests{0};
  } counters_;
};

}  // namespace ichannel::sim
