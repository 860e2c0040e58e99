// daemon/datapath/recovery_link.hpp: the RX loop's half of MoldUDP64 gap recovery.
//
// Contract
// - One RecoveryLink per RX loop: two single-producer single-consumer queues between that RX
//   loop and the re-request client thread (control/rerequest_client.hpp), which owns the kernel
//   UDP sockets. The RX loop never blocks, never makes a syscall for recovery: it pushes
//   requests (request(): false when the queue is full - the sequencer retries on its timer) and
//   takes replies (poll_replies(): at most `max` packets per call, each handed to a callable
//   with the feed slot and the MoldUDP64 packet bytes).
// - The control thread pops requests (next_request()) and pushes replies (push_reply(): false
//   when full or too large; it counts that, the sequencer's retry covers it).
// - Capacities are fixed at compile time; the object is large (kReplyCapacity x 2 KiB): create
//   it on the heap at start-up. Wait-free on both sides (boost::lockfree::spsc_queue, whose
//   push/pop pair release/acquire on the queue indices: a popped element is complete).
#pragma once

#include <boost/lockfree/spsc_queue.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace ichannel::daemon {

inline constexpr std::size_t kRequestCapacity = 256;
inline constexpr std::size_t kReplyCapacity = 512;
inline constexpr std::size_t kMaxReplyBytes = 2048;  // a MoldUDP64 packet over a standard MTU

struct RecoveryRequest {
  std::uint16_t feed_slot = 0;  // index of the feed in the RX loop's pipeline
  std::array<char, 10> session{};
  std::uint64_t first = 0;
  std::uint16_t count = 0;
};

struct RecoveryReply {
  std::uint16_t feed_slot = 0;
  std::uint16_t length = 0;
  std::array<std::uint8_t, kMaxReplyBytes> bytes;  // deliberately not value-initialized

  [[nodiscard]] std::span<const std::uint8_t> packet() const noexcept {
    return {bytes.data(), length};
  }
};

class RecoveryLink {
 public:
  // RX lcore.
  [[nodiscard]] bool request(const RecoveryRequest& r) noexcept { return requests_.push(r); }

  // RX lcore. f(feed_slot, packet) for at most `max` queued replies; returns how many.
  template <class F>
  std::size_t poll_replies(F&& f, std::size_t max = 8) noexcept {
    std::size_t n = 0;
    while (n < max &&
           replies_.consume_one([&](const RecoveryReply& r) { f(r.feed_slot, r.packet()); })) {
      ++n;
    }
    return n;
  }

  // Control thread.
  [[nodiscard]] bool next_request(RecoveryRequest& out) noexcept { return requests_.pop(out); }

  // Control thread. False when the queue is full or the packet longer than kMaxReplyBytes.
  [[nodiscard]] bool push_reply(std::uint16_t feed_slot,
                                std::span<const std::uint8_t> packet) noexcept {
    if (packet.size() > kMaxReplyBytes || replies_.write_available() == 0) return false;
    scratch_.feed_slot = feed_slot;
    scratch_.length = static_cast<std::uint16_t>(packet.size());
    std::memcpy(scratch_.bytes.data(), packet.data(), packet.size());
    return replies_.push(scratch_);
  }

 private:
  boost::lockfree::spsc_queue<RecoveryRequest, boost::lockfree::capacity<kRequestCapacity>>
      requests_;
  boost::lockfree::spsc_queue<RecoveryReply, boost::lockfree::capacity<kReplyCapacity>> replies_;
  RecoveryReply scratch_;  // control thread only
};

}  // namespace ichannel::daemon
