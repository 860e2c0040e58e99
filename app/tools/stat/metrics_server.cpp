// stat/metrics_server.cpp: see metrics_server.hpp.
#include "tools/stat/metrics_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ichannel::tools {

std::string MetricsServer::start(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) return "--listen " + listen + ": expected ADDR:PORT";
  std::string host = listen.substr(0, colon);
  if (host.empty()) host = "127.0.0.1";
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535) return "--listen " + listen + ": bad port";
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1) {
    return "--listen " + listen + ": bad IPv4 address " + host;
  }
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return std::string("socket: ") + std::strerror(errno);
  const int one = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd_, 16) != 0) {
    const std::string err = "--listen " + listen + ": " + std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
    return err;
  }
  socklen_t len = sizeof sa;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
  port_ = ntohs(sa.sin_port);
  thread_ = std::thread([this] { serve(); });
  return {};
}

void MetricsServer::stop() {
  stop_.store(true, std::memory_order_relaxed);  // read by serve() between polls
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void MetricsServer::set_body(std::string body) {
  std::lock_guard<std::mutex> lock(mu_);
  body_ = std::move(body);
}

void MetricsServer::serve() {
  while (!stop_.load(std::memory_order_relaxed)) {  // pairs with stop()'s store
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    timeval tv{2, 0};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string req;
    char buf[1024];
    while (req.size() < 8192 && req.find("\r\n\r\n") == std::string::npos &&
           req.find("\n\n") == std::string::npos) {
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      req.append(buf, static_cast<std::size_t>(n));
    }
    std::string resp;
    if (req.rfind("GET /metrics ", 0) == 0 || req.rfind("GET /metrics?", 0) == 0) {
      std::string body;
      {
        std::lock_guard<std::mutex> lock(mu_);
        body = body_;
      }
      resp =
          "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
          "Content-Length: " +
          std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    } else {
      const std::string body = "ichannel-stat: only GET /metrics is served\n";
      resp = "HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    }
    std::size_t done = 0;
    while (done < resp.size()) {
      const ssize_t n = ::send(c, resp.data() + done, resp.size() - done, MSG_NOSIGNAL);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::close(c);
  }
}

}  // namespace ichannel::tools
