// daemon/control/rerequest_client.cpp: see rerequest_client.hpp.
#include "daemon/control/rerequest_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace ichannel::daemon {
namespace {

sockaddr_in address(std::uint32_t ip, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(ip);
  a.sin_port = htons(port);
  return a;
}

// The 20-byte MoldUDP64 request: session (10), first sequence (u64 BE), count (u16 BE).
std::array<std::uint8_t, 20> encode(const RecoveryRequest& r) {
  std::array<std::uint8_t, 20> b{};
  std::memcpy(b.data(), r.session.data(), 10);
  for (int i = 0; i < 8; ++i) b[10 + i] = static_cast<std::uint8_t>(r.first >> (8 * (7 - i)));
  b[18] = static_cast<std::uint8_t>(r.count >> 8);
  b[19] = static_cast<std::uint8_t>(r.count);
  return b;
}

}  // namespace

RerequestClient::RerequestClient(std::vector<RerequestTarget> targets)
    : targets_(std::move(targets)),
      counters_(std::make_unique<RerequestCounters[]>(targets_.size())) {
  for (const RerequestTarget& t : targets_) {
    if (std::find(links_.begin(), links_.end(), t.link) == links_.end()) links_.push_back(t.link);
  }
}

RerequestClient::~RerequestClient() {
  stop();
  for (int fd : fds_) ::close(fd);
}

std::string RerequestClient::start() {
  for (const RerequestTarget& t : targets_) {
    const std::string where = "feeds " + t.feed + ": recovery: ";
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return where + "socket: " + std::strerror(errno);
    fds_.push_back(fd);
    const sockaddr_in local = address(t.local_ip, t.local_port);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
      return where + "bind: " + std::strerror(errno);
    }
    const sockaddr_in server = address(t.server_ip, t.server_port);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&server), sizeof server) != 0) {
      return where + "connect to the re-request server: " + std::strerror(errno);
    }
    sockaddr_in bound{};
    socklen_t len = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
    local_ports_.push_back(ntohs(bound.sin_port));
  }
  thread_ = std::thread([this] { run(); });
  return {};
}

void RerequestClient::stop() noexcept {
  stop_.store(true, std::memory_order_relaxed);  // the join is the synchronization
  if (thread_.joinable()) thread_.join();
}

std::uint16_t RerequestClient::local_port(std::size_t target) const noexcept {
  return target < local_ports_.size() ? local_ports_[target] : 0;
}

void RerequestClient::send_requests(RecoveryLink& link) noexcept {
  constexpr auto kR = std::memory_order_relaxed;  // statistics, see the header
  RecoveryRequest r;
  while (link.next_request(r)) {
    std::size_t i = 0;
    while (i < targets_.size() &&
           !(targets_[i].link == &link && targets_[i].feed_slot == r.feed_slot))
      ++i;
    if (i == targets_.size()) {
      unknown_feed_.fetch_add(1, kR);
      continue;
    }
    const auto bytes = encode(r);
    if (::send(fds_[i], bytes.data(), bytes.size(), MSG_DONTWAIT) ==
        static_cast<ssize_t>(bytes.size())) {
      counters_[i].requests.fetch_add(1, kR);
    } else {
      counters_[i].send_errors.fetch_add(1, kR);
    }
  }
}

void RerequestClient::run() noexcept {
  constexpr auto kR = std::memory_order_relaxed;
  std::vector<pollfd> pfds(fds_.size());
  for (std::size_t i = 0; i < fds_.size(); ++i) pfds[i] = {fds_[i], POLLIN, 0};
  std::array<std::uint8_t, 65536> buf;
  while (!stop_.load(kR)) {
    for (RecoveryLink* link : links_) send_requests(*link);
    if (::poll(pfds.data(), pfds.size(), 1) <= 0) continue;
    for (std::size_t i = 0; i < pfds.size(); ++i) {
      if ((pfds[i].revents & POLLIN) == 0) continue;
      for (;;) {  // drain this socket
        const ssize_t n = ::recv(fds_[i], buf.data(), buf.size(), MSG_DONTWAIT);
        if (n < 0) break;
        const RerequestTarget& t = targets_[i];
        if (t.link->push_reply(t.feed_slot, {buf.data(), static_cast<std::size_t>(n)})) {
          counters_[i].replies.fetch_add(1, kR);
        } else {
          counters_[i].reply_drops.fetch_add(1, kR);
        }
      }
    }
  }
}

}  // namespace ichannel::daemon
