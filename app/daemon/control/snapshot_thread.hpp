// daemon/control/snapshot_thread.hpp: one feed's GLIMPSE snapshots: when to take one, fetching
// it off the RX lcore, and handing the rebuilt books to the RX lcore.
//
// Contract
// - One SnapshotThread per feed with `snapshot` (config feeds[].snapshot), started after the RX
//   loops run and stopped before they are torn down. Its std::thread is a control thread (the
//   main lcore's CPU set): kernel TCP socket, allocation, logging all fine here; the RX lcore
//   never waits on it (datapath/snapshot_port.hpp has the protocol).
// - When: once at start (on_start), and whenever the RX lcore reports the feed's books marked
//   possibly wrong (on_gap; an unrecovered gap). A failed attempt is retried after retry_ms,
//   doubling up to 30 s, while the books are still marked (or the start snapshot still due).
// - One attempt: ask the RX lcore to buffer (wait for its ack), wait up to 1 s for the first
//   live tick in the buffer (a daemon started mid-session: the snapshot must begin after the
//   first live message), fetch the snapshot (snapshot::GlimpseClient, credentials from the
//   file or the environment, never logged) into a spare FeedBooks, replay the buffer from End of
//   Snapshot's sequence (snapshot::SnapshotReplay), hand over (wait for the RX lcore's ack),
//   keep the retired books as the next spare. Every failure is one log line naming the feed,
//   the server and the reason, and counted.
// - Counters: SnapshotCounters (relaxed atomics, this thread writes them, anyone reads them);
//   the daemon's statistics copy them into the stats segment.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "book/book_limits.hpp"
#include "book/feed_books.hpp"
#include "config/config.hpp"
#include "daemon/datapath/snapshot_port.hpp"
#include "stats/layout.hpp"

namespace ichannel::daemon {

// The snapshot counters of one feed: the names and meanings of stats/layout.hpp
// ICHANNEL_SNAPSHOT_STATS (state holds a stats::SnapshotState).
struct SnapshotCounters {
#define ICHANNEL_SNAPSHOT_COUNTER(name, type, help) std::atomic<std::uint64_t> name{0};
  ICHANNEL_SNAPSHOT_STATS(ICHANNEL_SNAPSHOT_COUNTER)
#undef ICHANNEL_SNAPSHOT_COUNTER
};

class SnapshotThread {
 public:
  SnapshotThread(std::size_t feed_index, const config::Feed& feed, SnapshotPort& port,
                 const book::BookLimits& limits);
  ~SnapshotThread();
  SnapshotThread(const SnapshotThread&) = delete;
  SnapshotThread& operator=(const SnapshotThread&) = delete;

  // Starts the thread. Error text (credentials unreadable, ...) or "" on success.
  [[nodiscard]] std::string start();
  void stop() noexcept;

  [[nodiscard]] const SnapshotCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] std::size_t feed_index() const noexcept { return feed_index_; }
  [[nodiscard]] const std::string& server() const noexcept { return server_; }

 private:
  enum class Result { kDone, kFailed, kStopped };
  void run();
  Result attempt();
  bool request(std::uint64_t mode, std::uint64_t want_ack, double timeout_s);
  void set_state(stats::SnapshotState s) noexcept;
  bool sleep_for(double seconds);  // false when stopped

  std::size_t feed_index_;
  config::Feed feed_;
  config::Snapshot cfg_;
  SnapshotPort& port_;
  book::BookLimits limits_;
  std::string server_;  // "A.B.C.D:PORT"
  std::string username_, password_;
  std::unique_ptr<book::FeedBooks> spare_;
  std::uint64_t generation_ = 0;
  SnapshotCounters counters_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace ichannel::daemon
