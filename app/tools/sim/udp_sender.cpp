// tools/sim/udp_sender.cpp: multicast socket setup and paced sending, see udp_sender.hpp.
#include "tools/sim/udp_sender.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <span>
#include <stdexcept>
#include <string_view>

#include "config/ipv4.hpp"

namespace ichannel::sim {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

class Socket {
 public:
  explicit Socket(const SendOptions& o) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) fail("socket(AF_INET, SOCK_DGRAM)");
    const unsigned char ttl = static_cast<unsigned char>(o.ttl);
    if (setsockopt(fd_, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl) != 0)
      fail("setsockopt(IP_MULTICAST_TTL)");
    const unsigned char loop = o.loop ? 1 : 0;
    if (setsockopt(fd_, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof loop) != 0)
      fail("setsockopt(IP_MULTICAST_LOOP)");
    if (!o.iface.empty()) {
      ip_mreqn m{};
      if (auto addr = config::parse_ipv4(o.iface)) {
        m.imr_address.s_addr = htonl(*addr);
      } else {
        m.imr_ifindex = static_cast<int>(if_nametoindex(o.iface.c_str()));
        if (m.imr_ifindex == 0) fail("interface " + o.iface);
      }
      if (setsockopt(fd_, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof m) != 0)
        fail("setsockopt(IP_MULTICAST_IF, " + o.iface + ")");
    }
  }
  ~Socket() { ::close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  [[nodiscard]] int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000 +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

// Waits until CLOCK_MONOTONIC reaches `deadline`: sleeps (at most 50 ms at a time, so that a stop
// request is seen) for long waits, spins for the last 50 us. False if *stop became true.
bool wait_until(std::uint64_t deadline, const std::atomic<bool>* stop) {
  for (;;) {
    // Relaxed: pairs with the signal handler's relaxed store; it only ends the loop.
    if (stop != nullptr && stop->load(std::memory_order_relaxed)) return false;
    const std::uint64_t now = now_ns();
    if (now >= deadline) return true;
    if (deadline - now > 100'000) {
      const std::uint64_t until = std::min(deadline - 50'000, now + 50'000'000);
      timespec ts{static_cast<time_t>(until / 1'000'000'000),
                  static_cast<long>(until % 1'000'000'000)};
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
    }
  }
}

}  // namespace

SendResult send_emissions(const std::vector<MoldPacket>& packets,
                          const std::vector<Emission>& emissions,
                          const std::vector<LineSpec>& lines, const SendOptions& options,
                          const std::atomic<bool>* stop) {
  if (options.pace_original && !(options.speed > 0))
    throw std::invalid_argument("speed must be positive");
  Socket socket(options);
  std::vector<sockaddr_in> to(lines.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    to[i].sin_family = AF_INET;
    to[i].sin_addr.s_addr = htonl(lines[i].address.group);
    to[i].sin_port = htons(lines[i].address.port);
  }
  SendResult r;
  auto send_one = [&](std::span<const std::uint8_t> payload, std::size_t line) {
    ssize_t n = 0;
    do {
      n = ::sendto(socket.fd(), payload.data(), payload.size(), 0,
                   reinterpret_cast<const sockaddr*>(&to[line]), sizeof to[line]);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      fail("sendto " + config::format_ipv4(lines[line].address.group) + ":" +
           std::to_string(lines[line].address.port));
    }
    r.bytes += static_cast<std::uint64_t>(n);
  };
  // Heartbeat: the session header of the packets sent so far, next sequence, count 0.
  std::vector<std::uint8_t> heartbeat;
  std::uint64_t next_sequence = 0;
  const std::uint64_t heartbeat_ns = static_cast<std::uint64_t>(options.heartbeat_ms * 1e6);
  std::uint64_t last_send = 0;
  const std::uint64_t start = now_ns();
  const std::uint64_t end =
      options.duration_s > 0 ? start + static_cast<std::uint64_t>(options.duration_s * 1e9) : 0;
  const std::uint64_t first_time = emissions.empty() ? 0 : emissions.front().time_ns;
  for (const Emission& e : emissions) {
    if (stop != nullptr && stop->load(std::memory_order_relaxed)) break;  // pairs: signal handler
    if (options.max_packets != 0 && r.packets >= options.max_packets) break;
    std::uint64_t due = start;
    if (options.pace_original) {
      due +=
          static_cast<std::uint64_t>(static_cast<double>(e.time_ns - first_time) / options.speed);
    } else if (options.rate_pps > 0) {
      due += static_cast<std::uint64_t>(static_cast<double>(r.packets) * 1e9 / options.rate_pps);
    }
    if (end != 0 && due >= end) break;
    bool stopped = false;
    while (heartbeat_ns != 0 && !heartbeat.empty() && due > last_send + heartbeat_ns) {
      const std::uint64_t beat = last_send + heartbeat_ns;
      if (end != 0 && beat >= end) break;
      if (!wait_until(beat, stop)) {
        stopped = true;
        break;
      }
      for (std::size_t line = 0; line < lines.size(); ++line) send_one(heartbeat, line);
      ++r.heartbeats;
      last_send = now_ns();
    }
    if (stopped || !wait_until(due, stop)) break;
    if (end != 0 && now_ns() >= end) break;
    const MoldPacket& p = packets[e.packet];
    send_one(p.payload, e.line);
    last_send = now_ns();
    ++r.packets;
    if (p.payload.size() >= wire::kMoldHeaderSize && p.count != wire::kMoldEndOfSession &&
        p.sequence + p.count > next_sequence) {
      next_sequence = p.sequence + p.count;
      const std::string_view session(reinterpret_cast<const char*>(p.payload.data()), 10);
      heartbeat.clear();  // keeps its capacity: no allocation per packet
      wire::append_mold_header(heartbeat, session, next_sequence, 0);
      if (options.on_progress) options.on_progress(next_sequence);
    } else if (p.count == wire::kMoldEndOfSession) {
      heartbeat.clear();  // no heartbeats after the end of the session
    }
  }
  r.seconds = static_cast<double>(now_ns() - start) / 1e9;
  return r;
}

}  // namespace ichannel::sim
