// daemon/datapath/snapshot_port.hpp: what a feed's snapshot thread (control side) and its RX
// lcore share while the feed's books are rebuilt from a GLIMPSE snapshot.
//
// Contract
// - One SnapshotPort per feed with `snapshot` (config feeds[].snapshot), created on the cold
//   path before the loop runs and outliving it. The protocol (docs/operations.md "Snapshots"):
//   1. the thread asks for buffering: request = (generation, kBuffer); the RX lcore, in its
//      housekeeping, starts copying every tick the feed publishes into the buffer (a private
//      ichannel ring: the RX lcore never waits; a lap is the thread's overflow) and acks
//      (generation, kAckBuffering);
//   2. the thread fetches the snapshot into its own FeedBooks and drains the buffer with a
//      SnapshotReplay (receiver, replay, incoming are the thread's while the request is kBuffer);
//   3. the thread hands over: request = (generation, kHandover) with `incoming` (the rebuilt
//      books), `receiver` and `replay` in place; from that release on they belong to the RX
//      lcore, which (housekeeping) stops buffering, drains the rest, swaps the books, rewrites
//      the book table, publishes the snapshot records, puts the retired books into `incoming`
//      and acks (generation, kAckDone) or, when the rest does not fit, (generation,
//      kAckFailed); from that release on they are the thread's again.
//   4. request = (generation, kIdle): the RX lcore stops buffering and acks kAckIdle.
// - request pairs: the thread's release store with the RX lcore's acquire load in its
//   housekeeping; ack pairs: the RX lcore's release store with the thread's acquire load.
//   marked and buffered are relaxed gauges the RX lcore writes in its housekeeping (the books'
//   possibly-wrong mark; ticks buffered in the current generation), read by the thread.
// - Per tick the RX lcore pays one predictable branch on its own copy of "buffering"
//   (book_stage.hpp); everything else happens in its housekeeping (about every 10 ms).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include <ichannel/message.hpp>
#include <ichannel/receiver.hpp>
#include <ichannel/sender.hpp>
#include <ichannel/tick.hpp>

#include "book/feed_books.hpp"
#include "snapshot/snapshot_replay.hpp"

namespace ichannel::daemon {

class SnapshotPort {
 public:
  enum Mode : std::uint64_t { kIdle = 0, kBuffer = 1, kHandover = 2 };
  enum Ack : std::uint64_t { kAckIdle = 0, kAckBuffering = 1, kAckDone = 2, kAckFailed = 3 };

  [[nodiscard]] static constexpr std::uint64_t word(std::uint64_t generation,
                                                    std::uint64_t v) noexcept {
    return generation << 2 | v;
  }
  [[nodiscard]] static constexpr std::uint64_t generation_of(std::uint64_t w) noexcept {
    return w >> 2;
  }
  [[nodiscard]] static constexpr std::uint64_t value_of(std::uint64_t w) noexcept { return w & 3; }

  // Cold: the buffer of `capacity` ticks (a power of two), every slot initialized (touched).
  explicit SnapshotPort(std::uint64_t capacity)
      : ring_(std::make_unique<Message<Tick>[]>(capacity)),
        capacity_(capacity),
        sender_(Sender<Tick>::with_init(std::span<Message<Tick>>(ring_.get(), capacity))) {}

  SnapshotPort(const SnapshotPort&) = delete;
  SnapshotPort& operator=(const SnapshotPort&) = delete;

  [[nodiscard]] std::uint64_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::span<const Message<Tick>> ring() const noexcept {
    return {ring_.get(), capacity_};
  }

  // The RX lcore's side of the buffer (only it sends).
  [[nodiscard]] Sender<Tick>& sender() noexcept { return sender_; }

  // Control -> RX (release by the thread, acquire in the RX housekeeping).
  alignas(64) std::atomic<std::uint64_t> request{0};
  // RX -> control (release by the RX housekeeping, acquire by the thread).
  alignas(64) std::atomic<std::uint64_t> ack{0};
  std::atomic<std::uint64_t> marked{0};    // relaxed gauge: the live books' feed mark
  std::atomic<std::uint64_t> buffered{0};  // relaxed gauge: ticks buffered this generation

  // Owned as the protocol above says (thread while kBuffer, RX lcore during kHandover).
  std::optional<Receiver<Tick>> receiver;
  std::optional<snapshot::SnapshotReplay> replay;
  std::unique_ptr<book::FeedBooks> incoming;
  // Written by the RX lcore before kAckDone / kAckFailed: why the rest did not fit, what it
  // applied, the books' last sequence, the records it published.
  snapshot::ReplayFailure handover_failure = snapshot::ReplayFailure::kNone;
  bool handover_overflow = false;
  std::uint64_t handover_applied = 0;
  std::uint64_t handover_last_seq = 0;
  std::uint64_t handover_orders = 0;

 private:
  std::unique_ptr<Message<Tick>[]> ring_;
  std::uint64_t capacity_;
  Sender<Tick> sender_;
};

}  // namespace ichannel::daemon
