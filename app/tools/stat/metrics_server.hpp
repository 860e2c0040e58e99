// stat/metrics_server.hpp: a tiny HTTP/1.0 server for Prometheus scrapes (GET /metrics).
//
// Contract
// - start(addr:port) binds a TCP socket (127.0.0.1 by default: this is not a hardened web server,
//   keep it on localhost or behind the monitoring agent) and serves from one background thread:
//   GET /metrics -> 200 with the last body given to set_body(); anything else -> 404.
// - set_body() may be called from any thread (a mutex guards the body; cold path).
// - One request per connection, 2 s receive timeout, request size capped at 8 KiB.
// - stop() (or the destructor) closes the socket and joins the thread.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

namespace ichannel::tools {

class MetricsServer {
 public:
  MetricsServer() = default;
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  ~MetricsServer() { stop(); }

  // "127.0.0.1:9108", ":9108" (= 127.0.0.1) or "0.0.0.0:9108". Returns "" or an error message.
  std::string start(const std::string& listen);
  void stop();
  void set_body(std::string body);
  int port() const noexcept { return port_; }  // bound port (useful with :0)

 private:
  void serve();
  std::mutex mu_;
  std::string body_;               // guarded by mu_
  std::atomic<bool> stop_{false};  // stop() -> serve(), relaxed: a bare request, polled every
                                   // 200 ms; join() orders everything after it
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace ichannel::tools
