// tests/tools/sim/udp_sender_test.cpp: a live send to a multicast group on loopback is received, in
// order and byte for byte, by a socket of this host that joined the group on 127.0.0.1.
// Skips (with the reason) where the kernel refuses multicast on lo.
#include "tools/sim/udp_sender.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>

#include "tools/sim/session.hpp"

namespace ichannel::sim {
namespace {

class Receiver {
 public:
  Receiver(std::uint32_t group, std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
      error_ = std::string("socket: ") + std::strerror(errno);
      return;
    }
    const int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const int buf = 4 << 20;
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(group);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      error_ = std::string("bind: ") + std::strerror(errno);
      return;
    }
    ip_mreq m{};
    m.imr_multiaddr.s_addr = htonl(group);
    m.imr_interface.s_addr = htonl(INADDR_LOOPBACK);
    if (setsockopt(fd_, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof m) != 0)
      error_ = std::string("IP_ADD_MEMBERSHIP on 127.0.0.1: ") + std::strerror(errno);
  }
  ~Receiver() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] const std::string& error() const { return error_; }
  // One datagram, or empty after timeout_ms.
  std::vector<std::uint8_t> receive(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return {};
    std::vector<std::uint8_t> b(65536);
    const ssize_t n = ::recv(fd_, b.data(), b.size(), 0);
    b.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return b;
  }

 private:
  int fd_ = -1;
  std::string error_;
};

TEST(UdpSender, SendsPacketsToAMulticastGroupOnLoopback) {
  const std::uint16_t port = static_cast<std::uint16_t>(20000 + ::getpid() % 20000);
  const std::uint32_t group = 0xEFFF0000u | (::getpid() & 0xFFFF);  // 239.255.x.y
  Receiver rx(group, port);
  if (!rx.error().empty()) GTEST_SKIP() << "multicast on lo not possible here: " << rx.error();

  GeneratorConfig g;
  g.messages = 400;
  g.symbols = 5;
  const Session s = pack_generated(g, PackOptions{});
  ASSERT_GE(s.packets.size(), 10u);
  LineSpec line;
  line.name = "a";
  line.address.group = group;
  line.address.port = port;
  LineResult r;
  r.emissions = schedule_line(s.packets, line, 0, 1, r.stats);
  SendOptions o;
  o.iface = "127.0.0.1";
  o.loop = true;
  o.rate_pps = 20'000;
  o.max_packets = 10;
  const auto start = std::chrono::steady_clock::now();
  const SendResult sent = send_emissions(s.packets, r.emissions, {line}, o);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(sent.packets, 10u);
  EXPECT_GE(took, 9 / 20'000.0);  // paced: 10 packets at 20k pps take at least 450 us

  std::vector<std::uint8_t> first = rx.receive(1000);
  if (first.empty())
    GTEST_SKIP() << "multicast on lo: nothing delivered (no route for 239/8 on lo?)";
  EXPECT_EQ(first, s.packets[0].payload);
  for (std::size_t i = 1; i < 10; ++i) EXPECT_EQ(rx.receive(1000), s.packets[i].payload) << i;
  EXPECT_TRUE(rx.receive(50).empty()) << "more than max_packets were sent";
}

TEST(UdpSender, PacesByOriginalTimestampsAndStopsAtTheDuration) {
  const std::uint16_t port = static_cast<std::uint16_t>(20000 + (::getpid() + 1) % 20000);
  std::vector<MoldPacket> packets(3);
  for (std::size_t i = 0; i < 3; ++i) {
    packets[i].payload = std::vector<std::uint8_t>(20, static_cast<std::uint8_t>(i));
    packets[i].time_ns = 1'000'000'000 + i * 100'000'000;  // 100 ms apart
  }
  LineSpec line;
  line.address.group = 0xEFFF0101;
  line.address.port = port;
  LineStats st;
  auto e = schedule_line(packets, line, 0, 1, st);
  SendOptions o;
  o.iface = "127.0.0.1";
  o.pace_original = true;
  o.speed = 2.0;  // 50 ms apart
  auto start = std::chrono::steady_clock::now();
  SendResult r = send_emissions(packets, e, {line}, o);
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.packets, 3u);
  EXPECT_GE(took, 0.095);
  EXPECT_LT(took, 2.0);

  packets[2].time_ns = 30'000'000'000;  // due 14.5 s after the start: beyond the duration
  e = schedule_line(packets, line, 0, 1, st);
  o.duration_s = 1.0;
  start = std::chrono::steady_clock::now();
  r = send_emissions(packets, e, {line}, o);
  took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.packets, 2u);
  EXPECT_LT(took, 0.9) << "a packet due after the duration is not waited for";
}

TEST(UdpSender, IdleStretchIsFilledWithHeartbeatsCarryingTheNextSequence) {
  const std::uint16_t port = static_cast<std::uint16_t>(20000 + (::getpid() + 3) % 20000);
  const std::uint32_t group = 0xEFFE0000u | (::getpid() & 0xFFFF);  // 239.254.x.y
  Receiver rx(group, port);
  if (!rx.error().empty()) GTEST_SKIP() << "multicast on lo not possible here: " << rx.error();
  wire::MoldPacker packer("HBTEST", 1450, 1);
  std::vector<MoldPacket> packets;
  packer.add(std::vector<std::uint8_t>(19, 'D'), 0, packets);
  packer.add(std::vector<std::uint8_t>(19, 'D'), 0, packets);
  packer.flush(packets);
  packer.add(std::vector<std::uint8_t>(19, 'D'), 250'000'000, packets);  // 250 ms later
  packer.flush(packets);
  ASSERT_EQ(packets.size(), 2u);
  LineSpec line;
  line.address.group = group;
  line.address.port = port;
  LineStats st;
  const auto e = schedule_line(packets, line, 0, 1, st);
  SendOptions o;
  o.iface = "127.0.0.1";
  o.loop = true;
  o.pace_original = true;
  o.heartbeat_ms = 100;
  const SendResult r = send_emissions(packets, e, {line}, o);
  EXPECT_EQ(r.packets, 2u);
  // At 100 and 200 ms; a heavily loaded machine may wake so late that only one fits.
  EXPECT_GE(r.heartbeats, 1u);
  EXPECT_LE(r.heartbeats, 2u);
  EXPECT_EQ(rx.receive(1000), packets[0].payload);
  for (std::uint64_t i = 0; i < r.heartbeats; ++i) {
    const std::vector<std::uint8_t> hb = rx.receive(1000);
    ASSERT_EQ(hb.size(), wire::kMoldHeaderSize) << "heartbeat " << i;
    EXPECT_EQ(std::string(hb.begin(), hb.begin() + 10), "HBTEST    ");
    std::uint64_t seq = 0;
    for (int k = 10; k < 18; ++k) seq = (seq << 8) | hb[k];
    EXPECT_EQ(seq, 3u);  // next expected after messages 1 and 2
    EXPECT_EQ(hb[18] | hb[19], 0);
  }
  EXPECT_EQ(rx.receive(1000), packets[1].payload);
}

TEST(UdpSender, StopFlagEndsTheSendBeforeTheNextPacket) {
  std::vector<MoldPacket> packets(2);
  packets[0].payload = std::vector<std::uint8_t>(20, 1);
  packets[1].payload = std::vector<std::uint8_t>(20, 2);
  packets[1].time_ns = 10'000'000'000;  // 10 s later
  LineSpec line;
  line.address.group = 0xEFFF0101;
  line.address.port = static_cast<std::uint16_t>(20000 + (::getpid() + 2) % 20000);
  LineStats st;
  const auto e = schedule_line(packets, line, 0, 1, st);
  SendOptions o;
  o.iface = "127.0.0.1";
  o.pace_original = true;
  std::atomic<bool> stop{true};
  EXPECT_EQ(send_emissions(packets, e, {line}, o, &stop).packets, 0u);
}

TEST(UdpSender, UnknownInterfaceIsAClearError) {
  LineSpec line;
  line.address.group = 0xEFFF0101;
  line.address.port = 1;
  SendOptions o;
  o.iface = "no-such-if0";
  try {
    (void)send_emissions({}, {}, {line}, o);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-if0"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ichannel::sim
