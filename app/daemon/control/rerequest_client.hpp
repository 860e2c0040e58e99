// daemon/control/rerequest_client.hpp: the MoldUDP64 re-request client thread (cold path).
//
// Contract
// - Requests leave the host through the kernel, not through DPDK: one UDP socket per feed,
//   bound to the feed's local address (or any) and connect()ed to its re-request server, so the
//   kernel routes the 20-byte requests (session, first sequence, count) out of whatever
//   interface reaches the server (a management NIC, or the feed NIC's kernel side) and delivers
//   only datagrams FROM that server back: a stray packet from anyone else never reaches a feed.
//   docs/operations.md says why (no ARP/IP stack in the RX loop, works on veth and real NICs).
// - One thread serves every RX loop: it pops requests from each loop's RecoveryLink, sends
//   them, polls the sockets (1 ms timeout) and pushes each reply into the RecoveryLink of the
//   loop that owns the feed, tagged with the feed's slot. Timeouts and retries are the
//   sequencer's (it re-asks on its timer); this thread only moves bytes.
// - start() opens every socket (errors name the feed and the call) and starts the thread;
//   stop() joins. Counters, per target (feed): one writer (the thread), relaxed atomics read by
//   the statistics pass, which exports send_errors and reply_drops into the feed's FeedStats
//   (nothing is published through them).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "daemon/datapath/recovery_link.hpp"

namespace ichannel::daemon {

struct RerequestTarget {
  std::string feed;              // for error messages
  RecoveryLink* link = nullptr;  // of the RX loop that owns the feed
  std::uint16_t feed_slot = 0;   // the feed's slot in that loop
  std::uint32_t server_ip = 0;   // host order
  std::uint16_t server_port = 0;
  std::uint32_t local_ip = 0;    // 0: any
  std::uint16_t local_port = 0;  // 0: any
  std::uint32_t feed_index = 0;  // the feed's index in config.feeds (= its FeedStats row)
};

// One target's counters; writer: the client thread (relaxed), readers: statistics, tests.
struct RerequestCounters {
  std::atomic<std::uint64_t> requests{0};     // request datagrams sent
  std::atomic<std::uint64_t> send_errors{0};  // send failed (counted, retried by the sequencer)
  std::atomic<std::uint64_t> replies{0};      // reply datagrams handed to the RX loop
  std::atomic<std::uint64_t> reply_drops{0};  // reply queue full or reply too large
};

class RerequestClient {
 public:
  explicit RerequestClient(std::vector<RerequestTarget> targets);
  ~RerequestClient();
  RerequestClient(const RerequestClient&) = delete;
  RerequestClient& operator=(const RerequestClient&) = delete;

  // Opens the sockets and starts the thread. "" or an error naming the feed and the call.
  [[nodiscard]] std::string start();
  void stop() noexcept;

  [[nodiscard]] std::size_t target_count() const noexcept { return targets_.size(); }
  [[nodiscard]] const RerequestTarget& target(std::size_t i) const noexcept { return targets_[i]; }
  [[nodiscard]] const RerequestCounters& counters(std::size_t target) const noexcept {
    return counters_[target];
  }
  // Requests for a feed slot no target serves (a wiring bug; relaxed, like the counters).
  [[nodiscard]] std::uint64_t unknown_feed() const noexcept {
    return unknown_feed_.load(std::memory_order_relaxed);
  }
  // Local UDP port the feed's socket is bound to (after start(); tests bind to port 0).
  [[nodiscard]] std::uint16_t local_port(std::size_t target) const noexcept;

 private:
  void run() noexcept;
  void send_requests(RecoveryLink& link) noexcept;

  std::vector<RerequestTarget> targets_;
  std::vector<int> fds_;
  std::vector<std::uint16_t> local_ports_;
  std::vector<RecoveryLink*> links_;  // distinct links, each polled once per round
  std::thread thread_;
  std::atomic<bool> stop_{false};  // relaxed store in stop(), relaxed load in run(); join syncs
  std::unique_ptr<RerequestCounters[]> counters_;  // one per target
  std::atomic<std::uint64_t> unknown_feed_{0};
};

}  // namespace ichannel::daemon
