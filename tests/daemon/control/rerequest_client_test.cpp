// tests/daemon/control/rerequest_client_test.cpp: the daemon's re-request client thread against
// the simulator's re-request server over loopback: requests from the RX loop's link go out as
// 20-byte MoldUDP64 requests, answers come back into the link tagged with the feed, datagrams
// from anyone but the server never do.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "daemon/control/rerequest_client.hpp"
#include "tools/sim/rerequest_server.hpp"

namespace ichannel::daemon {
namespace {

constexpr std::uint32_t kLoopback = 0x7F000001;

std::vector<std::uint8_t> message_for(std::uint64_t seq) {
  std::vector<std::uint8_t> m(19, 0);  // an ITCH 'D' is 19 bytes
  m[0] = 'D';
  m[11] = static_cast<std::uint8_t>(seq);
  return m;
}

RecoveryRequest request(std::uint16_t slot, std::uint64_t first, std::uint16_t count) {
  RecoveryRequest r;
  r.feed_slot = slot;
  const char* s = "RECOVERY  ";
  std::copy(s, s + 10, r.session.begin());
  r.first = first;
  r.count = count;
  return r;
}

struct Reply {
  std::uint16_t slot = 0;
  std::vector<std::uint8_t> packet;
};

// Polls the link like the RX loop does, for at most `ms`.
std::vector<Reply> collect(RecoveryLink& link, std::size_t want, int ms = 2000) {
  std::vector<Reply> out;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (out.size() < want && std::chrono::steady_clock::now() < until) {
    link.poll_replies([&](std::uint16_t slot, std::span<const std::uint8_t> p) {
      out.push_back({slot, {p.begin(), p.end()}});
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return out;
}

class RerequestClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (std::uint64_t s = 1; s <= 100; ++s) history_.add(message_for(s));
    sim::RerequestOptions o;
    o.bind = "127.0.0.1";
    server_ = std::make_unique<sim::RerequestServer>(history_, o);
    server_->start();
  }

  sim::MessageHistory history_{"RECOVERY", 1};
  std::unique_ptr<sim::RerequestServer> server_;
  std::unique_ptr<RecoveryLink> link_ = std::make_unique<RecoveryLink>();
};

TEST_F(RerequestClientTest, RequestFromTheLinkIsAnsweredIntoTheLinkTaggedWithTheFeed) {
  RerequestClient client({{"itch", link_.get(), 3, kLoopback, server_->port(), kLoopback, 0}});
  ASSERT_EQ(client.start(), "");
  ASSERT_TRUE(link_->request(request(3, 40, 2)));
  const auto replies = collect(*link_, 1);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].slot, 3);
  const auto& p = replies[0].packet;
  ASSERT_EQ(p.size(), 20u + 2 * (2 + 19));
  EXPECT_EQ(std::string(p.begin(), p.begin() + 10), "RECOVERY  ");
  EXPECT_EQ(p[17], 40);  // first sequence
  EXPECT_EQ(p[19], 2);   // count
  EXPECT_EQ(p[20 + 2 + 11], 40);
  EXPECT_EQ(p[20 + 21 + 2 + 11], 41);
  client.stop();
  EXPECT_EQ(client.counters(0).requests.load(), 1u);
  EXPECT_EQ(client.counters(0).replies.load(), 1u);
}

TEST_F(RerequestClientTest, DatagramsFromAnyoneButTheServerNeverReachTheFeed) {
  RerequestClient client({{"itch", link_.get(), 0, kLoopback, server_->port(), kLoopback, 0}});
  ASSERT_EQ(client.start(), "");
  const int rogue = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(kLoopback);
  to.sin_port = htons(client.local_port(0));
  const std::vector<std::uint8_t> forged(40, 'F');
  ASSERT_EQ(
      ::sendto(rogue, forged.data(), forged.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
      40);
  ::close(rogue);
  EXPECT_TRUE(collect(*link_, 1, 200).empty());
  client.stop();
  EXPECT_EQ(client.counters(0).replies.load(), 0u);
}

TEST_F(RerequestClientTest, RequestForAFeedNoTargetServesIsCountedNotSent) {
  RerequestClient client({{"itch", link_.get(), 0, kLoopback, server_->port(), kLoopback, 0}});
  ASSERT_EQ(client.start(), "");
  ASSERT_TRUE(link_->request(request(9, 1, 1)));
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (client.unknown_feed() == 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  client.stop();
  EXPECT_EQ(client.unknown_feed(), 1u);
  EXPECT_EQ(client.counters(0).requests.load(), 0u);
}

TEST(RecoveryLink, QueuesAreBoundedAndNeverBlock) {
  auto link = std::make_unique<RecoveryLink>();
  std::size_t pushed = 0;
  while (link->request(request(0, 1, 1))) ++pushed;
  EXPECT_GE(pushed, kRequestCapacity - 1);
  const std::vector<std::uint8_t> pkt(100, 1);
  std::size_t replies = 0;
  while (link->push_reply(0, pkt)) ++replies;
  EXPECT_GE(replies, kReplyCapacity - 1);
  const std::vector<std::uint8_t> huge(kMaxReplyBytes + 1, 1);
  auto empty = std::make_unique<RecoveryLink>();
  EXPECT_FALSE(empty->push_reply(0, huge));
  EXPECT_EQ(link->poll_replies([](std::uint16_t, std::span<const std::uint8_t>) {}, 4), 4u);
}

TEST(RerequestClientStart, UnreachableAddressNamesTheFeed) {
  auto link = std::make_unique<RecoveryLink>();
  // 203.0.113.1 (TEST-NET-3) is never a local address: bind fails, nothing is sent.
  RerequestClient client({{"itch-nasdaq", link.get(), 0, kLoopback, 9, 0xCB007101, 0}});
  const std::string e = client.start();
  EXPECT_NE(e.find("feeds itch-nasdaq: recovery: bind"), std::string::npos) << e;
}

}  // namespace
}  // namespace ichannel::daemon
