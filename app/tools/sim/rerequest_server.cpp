// sim/rerequest_server.cpp: see rerequest_server.hpp.
#include "tools/sim/rerequest_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <stdexcept>

#include "tools/sim/rng.hpp"

namespace ichannel::sim {
namespace {

constexpr std::size_t kHeader = 20;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("re-request server: " + what + ": " + std::strerror(errno));
}

std::uint64_t load_be(const std::uint8_t* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

void put_be(std::vector<std::uint8_t>& b, std::uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

std::string padded(const std::string& session) {
  std::string s = session.substr(0, 10);
  s.resize(10, ' ');
  return s;
}

std::uint64_t monotonic_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

}  // namespace

MessageHistory::MessageHistory(std::string session, std::uint64_t first_sequence)
    : session_(padded(session)), first_(first_sequence) {}

void MessageHistory::add(std::span<const std::uint8_t> message) {
  if (message.size() > 0xFFFF) throw std::invalid_argument("message longer than 65535 bytes");
  offsets_.push_back(bytes_.size());
  lengths_.push_back(static_cast<std::uint16_t>(message.size()));
  bytes_.insert(bytes_.end(), message.begin(), message.end());
}

void MessageHistory::add_packet(std::span<const std::uint8_t> packet) {
  if (packet.size() < kHeader) throw std::invalid_argument("MoldUDP64 packet under 20 bytes");
  const auto count = static_cast<std::uint16_t>(load_be(packet.data() + 18, 2));
  if (count == 0 || count == 0xFFFF) return;
  std::size_t off = kHeader;
  for (std::uint16_t i = 0; i < count; ++i) {
    if (off + 2 > packet.size()) throw std::invalid_argument("MoldUDP64 block truncated");
    const std::size_t len = load_be(packet.data() + off, 2);
    if (off + 2 + len > packet.size()) throw std::invalid_argument("MoldUDP64 block truncated");
    add(packet.subspan(off + 2, len));
    off += 2 + len;
  }
}

std::span<const std::uint8_t> MessageHistory::message(std::uint64_t seq) const {
  if (seq < first_ || seq >= next_sequence()) return {};
  const std::size_t i = seq - first_;
  return {bytes_.data() + offsets_[i], lengths_[i]};
}

std::vector<std::vector<std::uint8_t>> build_answer(const MessageHistory& history,
                                                    std::uint64_t first, std::uint64_t count,
                                                    std::uint64_t available,
                                                    const RerequestOptions& options) {
  std::vector<std::vector<std::uint8_t>> out;
  const std::uint64_t limit = std::min(available, history.next_sequence());
  if (first < history.first_sequence() || count == 0 || first >= limit) return out;
  std::uint64_t end = std::min(limit, first + count);
  if (options.faults.partial && end - first > 1) end = first + (end - first) / 2;
  std::uint64_t seq = first;
  for (unsigned p = 0; p < options.max_packets && seq < end; ++p) {
    std::vector<std::uint8_t> pkt;
    pkt.reserve(options.max_payload);
    pkt.insert(pkt.end(), history.session().begin(), history.session().end());
    put_be(pkt, seq, 8);
    put_be(pkt, 0, 2);  // count, patched below
    std::uint16_t n = 0;
    while (seq < end && n < 0xFFFE) {
      const auto msg = history.message(seq);
      if (pkt.size() + 2 + msg.size() > options.max_payload && n > 0) break;
      put_be(pkt, msg.size(), 2);
      pkt.insert(pkt.end(), msg.begin(), msg.end());
      ++n;
      ++seq;
    }
    pkt[18] = static_cast<std::uint8_t>(n >> 8);
    pkt[19] = static_cast<std::uint8_t>(n);
    out.push_back(std::move(pkt));
  }
  return out;
}

RerequestServer::RerequestServer(const MessageHistory& history, RerequestOptions options)
    : history_(history), options_(std::move(options)), available_(~std::uint64_t{0}) {}

RerequestServer::~RerequestServer() {
  stop();
}

void RerequestServer::start() {
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) fail("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(options_.port);
  if (inet_pton(AF_INET, options_.bind.c_str(), &addr.sin_addr) != 1) {
    errno = EINVAL;
    fail("bind address " + options_.bind);
  }
  if (::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    fail("bind " + options_.bind + ":" + std::to_string(options_.port));
  }
  socklen_t len = sizeof addr;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) fail("getsockname");
  bound_port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

void RerequestServer::stop() {
  stop_.store(true, std::memory_order_relaxed);  // the join below is the synchronization
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

RerequestStats RerequestServer::stats() const noexcept {
  constexpr auto kR = std::memory_order_relaxed;  // statistics only, see the contract
  return {counters_.requests.load(kR), counters_.answered.load(kR),
          counters_.messages.load(kR), counters_.packets.load(kR),
          counters_.ignored.load(kR),  counters_.bad_requests.load(kR)};
}

void RerequestServer::serve() {
  struct Pending {
    std::uint64_t due_ns;
    sockaddr_in to;
    std::vector<std::vector<std::uint8_t>> packets;
  };
  std::deque<Pending> pending;  // due times are non-decreasing: the delay is constant
  Rng rng(options_.faults.seed);
  const auto delay_ns = static_cast<std::uint64_t>(options_.faults.delay_ms * 1e6);
  constexpr auto kR = std::memory_order_relaxed;
  auto send_all = [&](const Pending& p) {
    for (const auto& pkt : p.packets) {
      if (::sendto(fd_, pkt.data(), pkt.size(), 0, reinterpret_cast<const sockaddr*>(&p.to),
                   sizeof p.to) >= 0) {
        counters_.packets.fetch_add(1, kR);
      }
    }
  };
  while (!stop_.load(kR)) {
    int timeout_ms = 50;
    if (!pending.empty()) {
      const std::uint64_t now = monotonic_ns();
      const std::uint64_t due = pending.front().due_ns;
      timeout_ms = due <= now
                       ? 0
                       : static_cast<int>(std::min<std::uint64_t>(50, (due - now) / 1'000'000 + 1));
    }
    pollfd pfd{fd_, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, timeout_ms);
    while (!pending.empty() && pending.front().due_ns <= monotonic_ns()) {
      send_all(pending.front());
      pending.pop_front();
    }
    if (ready <= 0 || (pfd.revents & POLLIN) == 0) continue;
    std::uint8_t buf[64];
    sockaddr_in from{};
    socklen_t from_len = sizeof from;
    const ssize_t n = ::recvfrom(fd_, buf, sizeof buf, MSG_DONTWAIT,
                                 reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) continue;
    const std::uint64_t first = n >= 20 ? load_be(buf + 10, 8) : 0;
    if (static_cast<std::size_t>(n) != kRerequestLength || first == 0 ||
        std::memcmp(buf, history_.session().data(), 10) != 0) {
      counters_.bad_requests.fetch_add(1, kR);
      continue;
    }
    counters_.requests.fetch_add(1, kR);
    const std::uint64_t count = load_be(buf + 18, 2);
    if (options_.faults.down || rng.chance(options_.faults.drop)) {
      counters_.ignored.fetch_add(1, kR);
      continue;
    }
    Pending p{monotonic_ns() + delay_ns, from,
              build_answer(history_, first, count, available_.load(kR), options_)};
    if (p.packets.empty()) {
      counters_.ignored.fetch_add(1, kR);
      continue;
    }
    counters_.answered.fetch_add(1, kR);
    for (const auto& pkt : p.packets) counters_.messages.fetch_add(load_be(pkt.data() + 18, 2), kR);
    if (delay_ns == 0) {
      send_all(p);
    } else {
      pending.push_back(std::move(p));
    }
  }
}

}  // namespace ichannel::sim
