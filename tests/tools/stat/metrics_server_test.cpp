// tests/tools/stat/metrics_server_test.cpp: GET /metrics over a real localhost TCP connection.
#include "tools/stat/metrics_server.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace ichannel::tools {
namespace {

std::string http_get(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return "connect failed";
  }
  (void)::send(fd, request.data(), request.size(), 0);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

TEST(MetricsServer, ServesTheLatestBodyOnGetMetrics) {
  MetricsServer s;
  ASSERT_EQ(s.start("127.0.0.1:0"), "");
  ASSERT_GT(s.port(), 0);
  s.set_body("ichannel_daemon_up 1\n");
  std::string r = http_get(s.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("Content-Type: text/plain; version=0.0.4"), std::string::npos) << r;
  EXPECT_NE(r.find("Content-Length: 21\r\n"), std::string::npos) << r;
  EXPECT_EQ(r.substr(r.size() - 21), "ichannel_daemon_up 1\n");
  s.set_body("ichannel_daemon_up 0\n");
  r = http_get(s.port(), "GET /metrics HTTP/1.0\r\n\r\n");
  EXPECT_EQ(r.substr(r.size() - 21), "ichannel_daemon_up 0\n");
}

TEST(MetricsServer, AnswersOtherPathsWith404) {
  MetricsServer s;
  ASSERT_EQ(s.start(":0"), "");
  const std::string r = http_get(s.port(), "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.0 404 Not Found", 0), 0u) << r;
}

TEST(MetricsServer, RejectsBadListenAddresses) {
  MetricsServer s;
  EXPECT_NE(s.start("localhost"), "");
  EXPECT_NE(s.start("300.1.1.1:9108"), "");
  EXPECT_NE(s.start("127.0.0.1:70000"), "");
}

}  // namespace
}  // namespace ichannel::tools
