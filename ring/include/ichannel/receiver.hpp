// ichannel/receiver.hpp: one reader of a broadcast ring, with its own private cursor.
//
// Contract
// - Any number of receivers per ring, each used by one thread at a time. A receiver keeps all
//   its state (cursor, loss counter) in itself, never writes the ring, so the ring may be a
//   read-only mapping. Copies are independent receivers that continue from the same position.
// - Receiver(ring) starts at the next message the sender will publish (StartAt::kNext), or at the
//   oldest message still intact (StartAt::kOldest). Construction scans the ring once (cold).
// - try_recv() returns at once; recv() spin-waits (idle policy from idle.hpp). Both return only
//   complete, untorn messages in strictly increasing seq order.
// - lost(): messages overwritten before this receiver read them; exact: every published seq at or
//   after the starting one is either received, counted in lost(), or not yet read.
// - A lapped receiver jumps (LapPolicy::kNewest: to the newest committed message; kOldest: to the
//   oldest still intact) and adds the skipped count to lost().
// - Zero-copy reads: try_peek()/peek() hand out a View of the slot; read fields through it, then
//   validate(view) or consume(view) tells whether everything read was intact.
// - All hot calls are inline, noexcept, allocation-free; a spinning receiver touches only the
//   cache line of the slot it waits for. The lap resync is the only cold path (scans the ring).
//
// Protocol (pairs with sender.hpp):
//   s1 = state[n].load(acquire)        pairs with the sender's C (release): payload n visible
//   words relaxed loads                may be torn if the sender is rewriting the slot
//   fence(acquire)                     pairs with the sender's F (release): if any word came from
//                                      a later send, that send's dirty mark is visible below
//   s2 = state[n].load(relaxed)        valid iff s2 == s1 == n (clean, our seq)
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <type_traits>

#include <ichannel/idle.hpp>
#include <ichannel/message.hpp>
#include <ichannel/sender.hpp>

namespace ichannel {

enum class LapPolicy : std::uint8_t { kNewest, kOldest };
enum class StartAt : std::uint8_t { kNext, kOldest };

template <class T>
struct Received {
  std::uint64_t seq;
  T value;
};

// A zero-copy window on one committed slot. Reads are relaxed word loads of the slot itself;
// they may be torn, which Receiver::validate / consume detect afterwards.
template <class T>
class View {
 public:
  [[nodiscard]] std::uint64_t seq() const noexcept { return seq_; }
  // Whole payload (word-wise copy). Validate afterwards.
  [[nodiscard]] T value() const noexcept { return slot_->load_payload(); }
  // One payload word (index < Message<T>::kWords).
  [[nodiscard]] std::uint64_t word(std::size_t i) const noexcept {
    // relaxed: pairs with the sender's payload stores; validated by Receiver::validate.
    return Message<T>::ref(slot_->words_[i]).load(std::memory_order_relaxed);
  }
  // One field by offset, e.g. view.read_at<std::int64_t>(offsetof(Tick, price)).
  template <class M>
  [[nodiscard]] M read_at(std::size_t offset) const noexcept {
    static_assert(std::is_trivially_copyable_v<M>);
    constexpr std::size_t kMax = sizeof(M) / 8 + 2;
    std::uint64_t w[kMax];
    const std::size_t first = offset / 8;
    const std::size_t last = (offset + sizeof(M) - 1) / 8;
    for (std::size_t i = first; i <= last; ++i) w[i - first] = word(i);
    M m;
    std::memcpy(&m, reinterpret_cast<const unsigned char*>(w) + (offset % 8), sizeof(M));
    return m;
  }

 private:
  friend class Receiver<T>;
  View(const Message<T>* slot, std::uint64_t seq) noexcept : slot_(slot), seq_(seq) {}
  const Message<T>* slot_;
  std::uint64_t seq_;
};

template <class T>
class Receiver {
 public:
  explicit Receiver(std::span<const Message<T>> ring, LapPolicy lap = LapPolicy::kNewest,
                    StartAt start = StartAt::kNext)
      : ring_(ring.data()), mask_(ring.size() - 1), lap_(lap) {
    detail::check_capacity(ring.size(), "ichannel::Receiver");
    const std::uint64_t newest = newest_committed();
    next_ = start == StartAt::kNext ? newest + 1 : oldest_intact(newest);
  }

  [[nodiscard]] std::optional<Received<T>> try_recv() noexcept {
    for (;;) {
      const Message<T>& m = ring_[next_ & mask_];
      // acquire: pairs with the sender's release store C of this slot's clean state.
      const std::uint64_t s1 = Message<T>::ref(m.state_).load(std::memory_order_acquire);
      if (s1 != next_) [[unlikely]] {
        if ((s1 & kSeqMask) <= next_) return std::nullopt;  // not yet published (or being written)
        resync();                                           // lapped: slot holds a newer message
        continue;
      }
      T v = m.load_payload();
      // acquire fence: pairs with the sender's release fence F (see protocol above).
      detail::fence_acquire();
      // relaxed: ordered after the payload loads by the fence above; pairs with the sender's D.
      const std::uint64_t s2 = Message<T>::ref(m.state_).load(std::memory_order_relaxed);
      if (s2 != s1) [[unlikely]] {
        resync();  // overwritten while we copied: message lost, counted
        continue;
      }
      ++next_;
      return Received<T>{s1, v};
    }
  }

  template <class Idle = BusySpin>
  [[nodiscard]] Received<T> recv(Idle idle = Idle{}) noexcept {
    for (;;) {
      if (auto r = try_recv()) return *r;
      idle();
    }
  }

  // Zero-copy: a view of the next committed message, or nullopt if none yet. Does not advance.
  [[nodiscard]] std::optional<View<T>> try_peek() noexcept {
    for (;;) {
      const Message<T>& m = ring_[next_ & mask_];
      // acquire: pairs with the sender's release store C of this slot's clean state.
      const std::uint64_t s1 = Message<T>::ref(m.state_).load(std::memory_order_acquire);
      if (s1 == next_) [[likely]]
        return View<T>(&m, s1);
      if ((s1 & kSeqMask) <= next_) return std::nullopt;
      resync();
    }
  }

  template <class Idle = BusySpin>
  [[nodiscard]] View<T> peek(Idle idle = Idle{}) noexcept {
    for (;;) {
      if (auto v = try_peek()) return *v;
      idle();
    }
  }

  // True iff everything read through `view` so far came from message view.seq() intact.
  [[nodiscard]] bool validate(const View<T>& view) const noexcept {
    // acquire fence: pairs with the sender's release fence F; orders the view's loads before
    // the state reload below.
    detail::fence_acquire();
    // relaxed: ordered by the fence above; pairs with the sender's D of a later send.
    return Message<T>::ref(view.slot_->state_).load(std::memory_order_relaxed) == view.seq_;
  }

  // validate(view) and, if intact, advance past it. If not, the message is lost: the next
  // try_recv/try_peek sees the newer message in the slot, resyncs and counts it in lost().
  [[nodiscard]] bool consume(const View<T>& view) noexcept {
    if (!validate(view)) return false;
    next_ = view.seq_ + 1;
    return true;
  }

  [[nodiscard]] std::uint64_t lost() const noexcept { return lost_; }
  [[nodiscard]] std::uint64_t next_seq() const noexcept { return next_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return mask_ + 1; }
  [[nodiscard]] LapPolicy lap_policy() const noexcept { return lap_; }

 private:
  // Newest committed seq (0: none) from one scan of the ring. Cold.
  [[gnu::noinline]] std::uint64_t newest_committed() const noexcept {
    std::uint64_t max_seq = 0;
    bool max_dirty = false;
    for (std::uint64_t i = 0; i <= mask_; ++i) {
      // relaxed: a snapshot is enough; a racing send only makes the answer slightly old, which
      // the next poll detects as a lap (and counts).
      const std::uint64_t s = Message<T>::ref(ring_[i].state_).load(std::memory_order_relaxed);
      if ((s & kSeqMask) > max_seq) {
        max_seq = s & kSeqMask;
        max_dirty = (s & kDirtyBit) != 0;
      }
    }
    return max_dirty ? max_seq - 1 : max_seq;
  }

  // Oldest seq still intact when `newest` is the newest committed one: the slot after newest is
  // (or is about to be) dirty, the other capacity-1 slots hold newest-capacity+2 .. newest.
  std::uint64_t oldest_intact(std::uint64_t newest) const noexcept {
    const std::uint64_t keep = mask_;  // capacity - 1
    return newest >= keep ? newest - keep + 1 : 1;
  }

  [[gnu::noinline, gnu::cold]] void resync() noexcept {
    const std::uint64_t newest = newest_committed();
    std::uint64_t target = lap_ == LapPolicy::kNewest ? newest : oldest_intact(newest);
    if (target < next_ + 1) target = next_ + 1;  // we were lapped: next_ itself is gone
    lost_ += target - next_;
    next_ = target;
  }

  const Message<T>* ring_;
  std::uint64_t mask_;
  std::uint64_t next_ = 1;
  std::uint64_t lost_ = 0;
  LapPolicy lap_;
};

}  // namespace ichannel
