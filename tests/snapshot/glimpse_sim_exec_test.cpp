// tests/snapshot/glimpse_sim_exec_test.cpp: `ichannel-sim send --glimpse-port` as a process: the
// client takes snapshots while the simulator is sending its live multicast, and each snapshot
// is the session's state at the message its End of Snapshot names (the reference: the same
// generated session in std containers).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "snapshot/glimpse_client.hpp"
#include "tests/snapshot/reference_orders.hpp"
#include "tools/sim/session.hpp"

namespace {

using namespace ichannel;

std::uint16_t free_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  (void)::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(GlimpseSimExec, SnapshotsDuringALiveSendAreTheStateAtTheirEndOfSnapshot) {
  const std::uint16_t port = free_tcp_port();
  const std::string summary = "/tmp/ichannel-glimpse-exec-" + std::to_string(::getpid()) + ".json";
  const std::vector<std::string> args{ICHANNEL_SIM_EXE,
                                      "send",
                                      "--generate",
                                      "--messages",
                                      "30000",
                                      "--symbols",
                                      "20",
                                      "--seed",
                                      "7",
                                      "--rate",
                                      "300",
                                      "--group",
                                      "239.255.0.1",
                                      "--port",
                                      "40123",
                                      "--iface",
                                      "127.0.0.1",
                                      "--glimpse-port",
                                      std::to_string(port),
                                      "--glimpse-bind",
                                      "127.0.0.1",
                                      "--glimpse-linger",
                                      "0",
                                      "--quiet",
                                      "--summary",
                                      summary};
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  sim::GeneratorConfig g;
  g.messages = 30'000;
  g.symbols = 20;
  g.seed = 7;
  std::vector<Tick> expected;
  const sim::Session session = sim::pack_generated(g, {}, &expected);
  const std::uint64_t total = session.summary.next_sequence;

  snapshot::GlimpseClientOptions o;
  o.port = port;
  o.credentials = {"ichsim", "glimpse"};
  o.total_timeout_s = 10;
  std::uint64_t previous = 0;
  int taken = 0;
  const auto start = std::chrono::steady_clock::now();
  while (taken < 2 && std::chrono::steady_clock::now() - start < std::chrono::seconds(8)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    snapshot::GlimpseClient client(o);
    std::map<std::uint64_t, std::uint32_t> got;
    const auto r = client.run([&](const Tick& t) {
      if (t.action == Action::kAdd) got[t.order_id] = t.qty;
    });
    if (r.error == snapshot::SnapshotError::kConnect) continue;  // not listening yet
    ASSERT_TRUE(r.ok()) << r.message;
    ASSERT_GE(r.next_sequence, previous);
    previous = r.next_sequence;
    if (r.next_sequence <= 1 || r.next_sequence >= total) continue;  // not mid-session
    const auto ref = test::reference_orders(expected, r.next_sequence);
    ASSERT_EQ(got.size(), ref.size()) << "at " << r.next_sequence;
    for (const auto& [id, o2] : ref) EXPECT_EQ(got[id], o2.qty) << "order " << id;
    ++taken;
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(taken, 2) << "no two snapshots mid-session";
  std::ifstream in(summary);
  std::stringstream text;
  text << in.rdbuf();
  ::unlink(summary.c_str());
  EXPECT_NE(text.str().find("\"glimpse\": {\"port\": " + std::to_string(port)), std::string::npos)
      << text.str();
}

}  // namespace
