// tests/snapshot/glimpse_loopback_test.cpp: the GLIMPSE client (app/snapshot) against the
// simulator's GLIMPSE server (app/tools/sim) over loopback TCP: the snapshot of a generated
// session at a random message equals the generator's own order set at that point (a reference
// in std containers, from the generator's expected ticks), and every fault ends in its typed
// failure: slow server, refused login, drop midway, silent server, malformed stream.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <thread>
#include <tuple>
#include <vector>

#include "feed/soupbintcp.hpp"
#include "snapshot/glimpse_client.hpp"
#include "tests/snapshot/reference_orders.hpp"
#include "tools/sim/glimpse_server.hpp"
#include "tools/sim/session.hpp"
#include "wire/soupbintcp_encode.hpp"

namespace {

using namespace ichannel;
using snapshot::GlimpseClient;
using snapshot::GlimpseClientOptions;
using snapshot::SnapshotError;
using test::reference_orders;
using test::RefOrder;

struct Fixture {
  Fixture() {
    sim::GeneratorConfig g;
    g.messages = 30'000;
    g.symbols = 20;
    g.seed = 7;
    session = sim::pack_generated(g, {}, &expected);
    history.emplace(session.options.session, 1);
    for (const auto& p : session.packets) history->add_packet(p.payload);
  }
  sim::Session session;
  std::vector<Tick> expected;  // one per message, seq filled in
  std::optional<sim::MessageHistory> history;
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

sim::GlimpseOptions local_server() {
  sim::GlimpseOptions o;
  o.bind = "127.0.0.1";
  return o;
}

GlimpseClientOptions client_options(std::uint16_t port) {
  GlimpseClientOptions o;
  o.port = port;
  o.credentials = {"ichsim", "glimpse"};
  o.connect_timeout_s = 2;
  o.server_timeout_s = 5;
  o.total_timeout_s = 15;
  return o;
}

TEST(GlimpseLoopback, SnapshotAtARandomMessageEqualsTheGeneratorsOrderSet) {
  Fixture& f = fixture();
  std::mt19937_64 rng(12345);
  const std::uint64_t total = f.history->next_sequence();
  sim::GlimpseServer server(*f.history, local_server());
  server.start();
  // Two random messages and the end, in increasing order: the server's state only moves
  // forward, as the sender's does.
  std::vector<std::uint64_t> points{1 + rng() % (total - 1), 1 + rng() % (total - 1), total};
  std::sort(points.begin(), points.end());
  for (const std::uint64_t next : points) {
    server.set_available(next);
    GlimpseClient client(client_options(server.port()));
    std::vector<Tick> ticks;
    const auto r = client.run([&](const Tick& t) { ticks.push_back(t); });
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.next_sequence, next);
    ASSERT_FALSE(ticks.empty());
    EXPECT_EQ(ticks.back().action, Action::kStatus);
    EXPECT_EQ(ticks.back().order_id, next);
    EXPECT_EQ(r.messages, ticks.size());

    const auto ref = reference_orders(f.expected, next);
    std::map<std::uint64_t, RefOrder> got;
    std::vector<std::uint64_t> got_order;  // refs in snapshot order
    std::size_t directory = 0;
    for (const Tick& t : ticks) {
      if (t.action == Action::kDirectory) ++directory;
      if (t.action != Action::kAdd) continue;
      got[t.order_id] = {0, t.instrument, t.side, t.price, t.qty};
      got_order.push_back(t.order_id);
    }
    EXPECT_LE(directory, 20u);
    if (next == total) {
      EXPECT_EQ(directory, 20u);
    }
    for (const auto& [id, o] : got)
      if (!ref.count(id)) ADD_FAILURE() << "extra order " << id << " at " << next;
    ASSERT_EQ(got.size(), ref.size()) << "at message " << next;
    EXPECT_EQ(r.orders, ref.size());
    for (const auto& [id, o] : ref) {
      auto it = got.find(id);
      ASSERT_NE(it, got.end()) << "order " << id << " missing at " << next;
      EXPECT_EQ(std::tie(it->second.instrument, it->second.side, it->second.price, it->second.qty),
                std::tie(o.instrument, o.side, o.price, o.qty))
          << "order " << id;
    }
    // Queue priority: the snapshot lists the orders by the sequence that gave them their place.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> by_priority;
    for (const auto& [id, o] : ref) by_priority.emplace_back(o.priority, id);
    std::sort(by_priority.begin(), by_priority.end());
    std::vector<std::uint64_t> want_order;
    for (const auto& [p, id] : by_priority) want_order.push_back(id);
    EXPECT_EQ(got_order, want_order);
  }
  server.stop();
  EXPECT_EQ(server.stats().snapshots, 3u);
  EXPECT_EQ(server.stats().logouts, 3u);
}

TEST(GlimpseLoopback, SlowServerStillDeliversTheWholeSnapshot) {
  Fixture& f = fixture();
  sim::GlimpseOptions o = local_server();
  o.faults.bytes_per_s = 10'000;
  sim::GlimpseServer server(*f.history, o);
  server.start();  // the whole session: its end state
  GlimpseClient client(client_options(server.port()));
  std::uint64_t n = 0;
  const auto r = client.run([&](const Tick&) { ++n; });
  ASSERT_TRUE(r.ok()) << r.message;
  const double bytes = static_cast<double>(client.counters().bytes.load());
  EXPECT_GT(bytes, 2'000);
  EXPECT_GT(r.seconds, 0.7 * bytes / 10'000) << bytes << " bytes";
  EXPECT_EQ(n, r.messages);
}

TEST(GlimpseLoopback, ServerPausingBetweenMessagesStillDeliversTheWholeSnapshot) {
  Fixture& f = fixture();
  sim::GlimpseOptions o = local_server();
  o.faults.delay_ms = 2;
  sim::GlimpseServer server(*f.history, o);
  server.set_available(100);
  server.start();
  GlimpseClient client(client_options(server.port()));
  std::vector<Tick> ticks;
  const auto r = client.run([&](const Tick& t) { ticks.push_back(t); });
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.next_sequence, 100u);
  EXPECT_GE(r.seconds, 0.002 * static_cast<double>(r.messages - 1) * 0.8);
  EXPECT_EQ(test::reference_orders(f.expected, 100).size(), r.orders);
}

TEST(GlimpseLoopback, RefusedLoginReportsTheServersReason) {
  Fixture& f = fixture();
  sim::GlimpseOptions o = local_server();
  o.faults.refuse_logins = true;
  sim::GlimpseServer server(*f.history, o);
  server.start();
  GlimpseClient client(client_options(server.port()));
  const auto r = client.run({});
  EXPECT_EQ(r.error, SnapshotError::kLoginRejected) << r.message;
  EXPECT_EQ(r.reject_reason, 'A');
  EXPECT_NE(r.message.find("not authorized"), std::string::npos);
  EXPECT_EQ(client.counters().logins_rejected.load(), 1u);
}

TEST(GlimpseLoopback, WrongPasswordIsRejectedAndNeverShown) {
  Fixture& f = fixture();
  sim::GlimpseServer server(*f.history, local_server());
  server.start();
  auto opts = client_options(server.port());
  opts.credentials.password = "wrongpass";
  GlimpseClient client(opts);
  const auto r = client.run({});
  EXPECT_EQ(r.error, SnapshotError::kLoginRejected) << r.message;
  EXPECT_EQ(r.message.find("wrongpass"), std::string::npos);
  opts.credentials.password = "glimpse";
  opts.session = "OTHER";
  GlimpseClient other(opts);
  const auto s = other.run({});
  EXPECT_EQ(s.error, SnapshotError::kLoginRejected);
  EXPECT_EQ(s.reject_reason, 'S');
  server.stop();
  EXPECT_EQ(server.stats().logins_rejected, 2u);
}

TEST(GlimpseLoopback, DropMidwayIsReportedWithTheMessagesReceived) {
  Fixture& f = fixture();
  sim::GlimpseOptions o = local_server();
  o.faults.drop_after = 100;
  sim::GlimpseServer server(*f.history, o);
  server.set_available(f.history->next_sequence() / 2);
  server.start();
  GlimpseClient client(client_options(server.port()));
  const auto r = client.run({});
  EXPECT_EQ(r.error, SnapshotError::kDisconnected) << r.message;
  EXPECT_EQ(r.messages, 100u);
  EXPECT_NE(r.message.find("after 100 messages"), std::string::npos) << r.message;
  EXPECT_EQ(client.counters().disconnects.load(), 1u);
}

TEST(GlimpseLoopback, SilentServerIsDroppedByTheHeartbeatTimeout) {
  Fixture& f = fixture();
  sim::GlimpseOptions o = local_server();
  o.faults.stall_after = 10;
  sim::GlimpseServer server(*f.history, o);
  server.set_available(f.history->next_sequence() / 2);
  server.start();
  auto opts = client_options(server.port());
  opts.heartbeat_interval_s = 0.1;
  opts.server_timeout_s = 0.5;
  GlimpseClient client(opts);
  const auto r = client.run({});
  EXPECT_EQ(r.error, SnapshotError::kServerTimeout) << r.message;
  EXPECT_EQ(r.messages, 10u);
  EXPECT_GE(r.seconds, 0.5);
  EXPECT_LT(r.seconds, 3.0);
  EXPECT_GE(client.counters().heartbeats_sent.load(), 2u);
  server.stop();
  EXPECT_GE(server.stats().heartbeats_received, 2u);
}

// A raw SoupBinTCP client: the server's own heartbeats and its idle timeout.
TEST(GlimpseLoopback, ServerHeartbeatsAndDropsASilentClient) {
  Fixture& f = fixture();
  sim::GlimpseOptions o = local_server();
  o.heartbeat_s = 0.05;
  o.idle_timeout_s = 0.4;
  sim::GlimpseServer server(*f.history, o);
  server.set_available(10);
  server.start();
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(server.port());
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  std::vector<std::uint8_t> login;
  wire::soup::append_login_request(login, "ichsim", "glimpse", "", 1);
  ASSERT_EQ(::send(fd, login.data(), login.size(), 0), static_cast<ssize_t>(login.size()));
  feed::soup::StreamDecoder d(feed::soup::Direction::kFromServer);
  int heartbeats = 0, data = 0;
  std::uint8_t buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;  // the server closed: idle timeout
    d.feed(std::span<const std::uint8_t>(buf, static_cast<std::size_t>(n)),
           [&](const feed::soup::Packet& p) {
             heartbeats += p.type == 'H';
             data += p.type == 'S';
           });
  }
  ::close(fd);
  EXPECT_EQ(d.error(), feed::soup::StreamError::kNone);
  EXPECT_GE(heartbeats, 3);
  EXPECT_GT(data, 0);
  server.stop();
  EXPECT_EQ(server.stats().idle_timeouts, 1u);
}

// A fake server that answers the login with bytes that are no SoupBinTCP packet.
TEST(GlimpseLoopback, MalformedStreamIsATypedFailure) {
  const int ls = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(ls, 1), 0);
  socklen_t len = sizeof a;
  ::getsockname(ls, reinterpret_cast<sockaddr*>(&a), &len);
  std::thread fake([ls] {
    const int c = ::accept(ls, nullptr, nullptr);
    std::uint8_t buf[64];
    (void)::recv(c, buf, sizeof buf, 0);
    std::vector<std::uint8_t> b;
    wire::soup::append_login_accepted(b, "X", 1);
    b.insert(b.end(), {0, 1, 'Q'});
    (void)::send(c, b.data(), b.size(), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ::close(c);
  });
  GlimpseClient client(client_options(ntohs(a.sin_port)));
  const auto r = client.run({});
  fake.join();
  ::close(ls);
  EXPECT_EQ(r.error, SnapshotError::kMalformed) << r.message;
  EXPECT_NE(r.message.find("unknown packet type"), std::string::npos) << r.message;
  EXPECT_EQ(client.counters().malformed.load(), 1u);
}

}  // namespace
