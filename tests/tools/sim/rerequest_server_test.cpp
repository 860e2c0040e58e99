// tests/sim/rerequest_server_test.cpp: the simulator's MoldUDP64 re-request server, over
// loopback UDP (answers built from the history, limits, faults, bad requests).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "tools/sim/rerequest_server.hpp"

namespace ichannel::sim {
namespace {

using Bytes = std::vector<std::uint8_t>;

std::uint64_t be(const std::uint8_t* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

// Message i of the test history: type 'X' padded to 23 bytes, byte 1..8 = the sequence (BE).
Bytes message_for(std::uint64_t seq) {
  Bytes m(23, 0);
  m[0] = 'X';
  for (int i = 0; i < 8; ++i) m[1 + i] = static_cast<std::uint8_t>(seq >> (8 * (7 - i)));
  return m;
}

MessageHistory make_history(std::uint64_t messages) {
  MessageHistory h("TESTSESS", 1);
  for (std::uint64_t s = 1; s <= messages; ++s) h.add(message_for(s));
  return h;
}

Bytes request(const std::string& session, std::uint64_t first, std::uint16_t count) {
  Bytes r;
  std::string s = session;
  s.resize(10, ' ');
  r.insert(r.end(), s.begin(), s.end());
  for (int i = 7; i >= 0; --i) r.push_back(static_cast<std::uint8_t>(first >> (8 * i)));
  r.push_back(static_cast<std::uint8_t>(count >> 8));
  r.push_back(static_cast<std::uint8_t>(count));
  return r;
}

// Checks the packet is a valid MoldUDP64 packet of TESTSESS whose messages are first.. in order.
void expect_messages(const Bytes& pkt, std::uint64_t first, std::uint64_t count) {
  ASSERT_GE(pkt.size(), 20u);
  EXPECT_EQ(std::string(pkt.begin(), pkt.begin() + 10), "TESTSESS  ");
  EXPECT_EQ(be(pkt.data() + 10, 8), first);
  ASSERT_EQ(be(pkt.data() + 18, 2), count);
  std::size_t off = 20;
  for (std::uint64_t i = 0; i < count; ++i) {
    ASSERT_LE(off + 2, pkt.size());
    const std::size_t len = be(pkt.data() + off, 2);
    ASSERT_EQ(len, 23u);
    EXPECT_EQ(Bytes(pkt.begin() + off + 2, pkt.begin() + off + 2 + len), message_for(first + i));
    off += 2 + len;
  }
  EXPECT_EQ(off, pkt.size());
}

class Client {
 public:
  Client() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  ~Client() { ::close(fd_); }
  void send(const Bytes& b, std::uint16_t port) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(port);
    ASSERT_EQ(::sendto(fd_, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
              static_cast<ssize_t>(b.size()));
  }
  // Next datagram within timeout_ms, or empty.
  Bytes receive(int timeout_ms = 500) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return {};
    Bytes b(65536);
    const ssize_t n = ::recv(fd_, b.data(), b.size(), 0);
    b.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return b;
  }

 private:
  int fd_ = -1;
};

// The server thread counts asynchronously: wait (bounded) until it has seen `n` datagrams.
void wait_for_datagrams(const RerequestServer& server, std::uint64_t n) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < until) {
    const RerequestStats st = server.stats();
    if (st.requests + st.bad_requests >= n) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

RerequestOptions loopback() {
  RerequestOptions o;
  o.bind = "127.0.0.1";
  o.port = 0;
  return o;
}

TEST(RerequestAnswer, HoldsTheRequestedMessagesInOrderFromTheFirst) {
  const MessageHistory h = make_history(100);
  const auto pkts = build_answer(h, 10, 5, ~0ULL, loopback());
  ASSERT_EQ(pkts.size(), 1u);
  expect_messages(pkts[0], 10, 5);
}

TEST(RerequestAnswer, StopsAtWhatFitsInOnePacket) {
  const MessageHistory h = make_history(1000);
  const auto pkts = build_answer(h, 1, 1000, ~0ULL, loopback());
  ASSERT_EQ(pkts.size(), 1u);
  // (1400 - 20) / (2 + 23) = 55 messages fit in 1400 bytes.
  expect_messages(pkts[0], 1, 55);
  EXPECT_LE(pkts[0].size(), kNassauMaxPayload);
}

TEST(RerequestAnswer, SpreadsOverMaxPacketsWhenAllowed) {
  const MessageHistory h = make_history(1000);
  RerequestOptions o = loopback();
  o.max_packets = 3;
  const auto pkts = build_answer(h, 1, 120, ~0ULL, o);
  ASSERT_EQ(pkts.size(), 3u);
  expect_messages(pkts[0], 1, 55);
  expect_messages(pkts[1], 56, 55);
  expect_messages(pkts[2], 111, 10);
}

TEST(RerequestAnswer, AnswersOnlyHistoryAlreadySent) {
  const MessageHistory h = make_history(100);
  EXPECT_TRUE(build_answer(h, 50, 10, 50, loopback()).empty());  // 50 not sent yet
  const auto pkts = build_answer(h, 45, 10, 50, loopback());
  ASSERT_EQ(pkts.size(), 1u);
  expect_messages(pkts[0], 45, 5);
  EXPECT_TRUE(build_answer(h, 101, 1, ~0ULL, loopback()).empty());  // past the session
  EXPECT_TRUE(build_answer(h, 0, 1, ~0ULL, loopback()).empty());    // sequence 0
}

TEST(RerequestAnswer, PartialFaultAnswersHalf) {
  const MessageHistory h = make_history(100);
  RerequestOptions o = loopback();
  o.faults.partial = true;
  const auto pkts = build_answer(h, 1, 20, ~0ULL, o);
  ASSERT_EQ(pkts.size(), 1u);
  expect_messages(pkts[0], 1, 10);
}

TEST(MessageHistory, IndexesTheBlocksOfMoldPacketsAndSkipsControlPackets) {
  MessageHistory h("TESTSESS", 7);
  Bytes pkt = request("TESTSESS", 7, 2);  // the same 20-byte header layout
  for (std::uint64_t s : {7u, 8u}) {
    const Bytes m = message_for(s);
    pkt.push_back(0);
    pkt.push_back(static_cast<std::uint8_t>(m.size()));
    pkt.insert(pkt.end(), m.begin(), m.end());
  }
  h.add_packet(pkt);
  h.add_packet(request("TESTSESS", 9, 0));       // heartbeat
  h.add_packet(request("TESTSESS", 9, 0xFFFF));  // end of session
  EXPECT_EQ(h.first_sequence(), 7u);
  EXPECT_EQ(h.next_sequence(), 9u);
  EXPECT_EQ(Bytes(h.message(8).begin(), h.message(8).end()), message_for(8));
  EXPECT_TRUE(h.message(9).empty());
  Bytes cut = pkt;
  cut.pop_back();
  EXPECT_THROW(h.add_packet(cut), std::invalid_argument);
}

TEST(RerequestServer, AnswersAUnicastRequestToItsSender) {
  const MessageHistory h = make_history(200);
  RerequestServer server(h, loopback());
  server.start();
  Client c;
  c.send(request("TESTSESS", 20, 3), server.port());
  const Bytes reply = c.receive();
  expect_messages(reply, 20, 3);
  server.stop();
  const RerequestStats st = server.stats();
  EXPECT_EQ(st.requests, 1u);
  EXPECT_EQ(st.answered, 1u);
  EXPECT_EQ(st.messages, 3u);
  EXPECT_EQ(st.packets, 1u);
}

TEST(RerequestServer, IgnoresOtherSessionsWrongLengthsAndSequenceZero) {
  const MessageHistory h = make_history(200);
  RerequestServer server(h, loopback());
  server.start();
  Client c;
  c.send(request("OTHERSESS", 20, 3), server.port());
  c.send(request("TESTSESS", 0, 3), server.port());
  Bytes long_request = request("TESTSESS", 20, 3);
  long_request.push_back(0);
  c.send(long_request, server.port());
  wait_for_datagrams(server, 3);
  EXPECT_TRUE(c.receive(100).empty());
  server.stop();
  EXPECT_EQ(server.stats().bad_requests, 3u);
  EXPECT_EQ(server.stats().requests, 0u);
}

TEST(RerequestServer, DownServerReadsButNeverAnswers) {
  const MessageHistory h = make_history(200);
  RerequestOptions o = loopback();
  o.faults.down = true;
  RerequestServer server(h, o);
  server.start();
  Client c;
  c.send(request("TESTSESS", 20, 3), server.port());
  wait_for_datagrams(server, 1);
  EXPECT_TRUE(c.receive(100).empty());
  server.stop();
  EXPECT_EQ(server.stats().requests, 1u);
  EXPECT_EQ(server.stats().ignored, 1u);
}

TEST(RerequestServer, SlowServerAnswersAfterItsDelay) {
  const MessageHistory h = make_history(200);
  RerequestOptions o = loopback();
  o.faults.delay_ms = 150;
  RerequestServer server(h, o);
  server.start();
  Client c;
  const auto t0 = std::chrono::steady_clock::now();
  c.send(request("TESTSESS", 5, 2), server.port());
  const Bytes reply = c.receive(2000);
  const auto waited = std::chrono::steady_clock::now() - t0;
  expect_messages(reply, 5, 2);
  EXPECT_GE(waited, std::chrono::milliseconds(140));
  server.stop();
}

TEST(RerequestServer, AnswersNothingBeyondWhatTheSenderReported) {
  const MessageHistory h = make_history(200);
  RerequestServer server(h, loopback());
  server.set_available(0);
  server.start();
  Client c;
  c.send(request("TESTSESS", 5, 2), server.port());
  wait_for_datagrams(server, 1);
  EXPECT_TRUE(c.receive(100).empty());
  server.set_available(7);
  c.send(request("TESTSESS", 5, 4), server.port());
  expect_messages(c.receive(), 5, 2);
  server.stop();
}

}  // namespace
}  // namespace ichannel::sim
