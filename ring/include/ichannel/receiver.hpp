// ichannel/receiver.hpp: one reader of a broadcast ring, with its own private cursor.
//
// Contract
// - Any number of receivers per ring, each used by one thread at a time. A receiver keeps all
//   its state (cursor, counters) in itself, never writes the ring, so the ring may be a
//   read-only mapping. Copies are independent receivers that continue from the same position.
// - Receiver(ring) starts at the next message the sender will publish (StartAt::kNext), or at the
//   oldest message still intact (StartAt::kOldest). Construction finds the newest committed seq
//   with a bounded search of the slot states (O(log capacity) slot loads, no ring scan).
// - try_recv() returns at once; recv() spin-waits (idle policy from idle.hpp); recv_until(deadline)
//   / recv_for(timeout) spin like recv() but give up at a steady_clock deadline (the clock is read
//   once per kPollsPerClockCheck polls). All return only complete, untorn messages in strictly
//   increasing seq order.
// - Counters, exact: every published seq at or after the starting one is exactly one of
//   received, lost(), skipped() or not yet read (seq >= next_seq()).
//     lost():    overwritten (or being overwritten) before this receiver read it.
//     skipped(): still intact when the receiver deliberately passed it: a LapPolicy::kNewest jump
//                over the intact part of the ring, or skip_to_end().
// - Buffering: a ring of capacity N >= 4 holds N-2 unread messages intact (N-1 while a
//   SenderBurst is open; N = 2: 1). Sender::send marks the slots of the next dirty_ahead(N) seqs
//   dirty (sender.hpp, D: two on N >= 4) right after publishing, so the oldest of N-1 unread
//   messages is already "being overwritten" once the newest is sent. oldest_intact() checks
//   those doubted slots rather than assuming they are gone.
// - A lapped receiver resyncs in O(log capacity) slot loads: it starts from the seq found in its
//   own slot, gallops forward and bisects for the newest committed message (bounded probe count;
//   a moving sender only makes the answer slightly old, which the next read detects).
//   LapPolicy::kNewest jumps to the newest committed message (the intact ones it jumps over are
//   skipped(), the overwritten ones lost()); kOldest jumps to the oldest still intact (all of
//   the gap is lost()).
// - Zero-copy reads: try_peek()/peek() hand out a View of the slot; read fields through it, then
//   validate(view) or consume(view) tells whether everything read was intact. consume() of a view
//   that is not at the cursor (older: already consumed; newer: from a copy) returns false and
//   never moves the cursor.
// - rebind(ring) continues on another ring whose seqs start at 1 (a restarted producer's new
//   segment) with cumulative counters; skip_to_end() abandons what is unread (counted).
// - All hot calls are inline, noexcept, allocation-free; a spinning receiver touches only the
//   cache line of the slot it waits for.
//
// Protocol (pairs with sender.hpp):
//   s1 = state[n].load(acquire)        pairs with the sender's C (release): payload n visible
//   words relaxed loads                may be torn if the sender is rewriting the slot
//   fence(acquire)                     pairs with the sender's F (release): if any word came from
//                                      a later send, that send's dirty mark is visible below
//   s2 = state[n].load(relaxed)        valid iff s2 == s1 == n (clean, our seq)
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
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
  // recv_until/recv_for read the clock once per this many polls (the hot loop stays recv()'s).
  static constexpr unsigned kPollsPerClockCheck = 128;

  explicit Receiver(std::span<const Message<T>> ring, LapPolicy lap = LapPolicy::kNewest,
                    StartAt start = StartAt::kNext)
      : ring_(ring.data()), mask_(ring.size() - 1), ahead_(dirty_ahead(ring.size())), lap_(lap) {
    detail::check_capacity(ring.size(), "ichannel::Receiver");
    const std::uint64_t newest = find_newest(0);
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

  // recv() with a deadline: the next message, or nullopt once `deadline` has passed. The clock
  // is read once per kPollsPerClockCheck polls, so the overshoot is at most that many polls.
  template <class Idle = BusySpin>
  [[nodiscard]] std::optional<Received<T>> recv_until(std::chrono::steady_clock::time_point deadline,
                                                      Idle idle = Idle{}) noexcept {
    for (;;) {
      for (unsigned i = 0; i < kPollsPerClockCheck; ++i) {
        if (auto r = try_recv()) return r;
        idle();
      }
      if (std::chrono::steady_clock::now() >= deadline) return try_recv();
    }
  }

  // recv() with a timeout (a message already there is returned without reading the clock).
  template <class Rep, class Period, class Idle = BusySpin>
  [[nodiscard]] std::optional<Received<T>> recv_for(std::chrono::duration<Rep, Period> timeout,
                                                    Idle idle = Idle{}) noexcept {
    if (auto r = try_recv()) return r;
    return recv_until(deadline_after(timeout), idle);
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

  // If `view` is of the message at the cursor and still intact: advance past it, true.
  // Otherwise false and the cursor does not move: a view older than the cursor (consumed
  // already, or taken before a try_recv moved on) or newer (taken by a copy of this receiver)
  // is refused; an overwritten one is lost: the next try_recv/try_peek sees the newer message in
  // the slot, resyncs and counts it in lost().
  [[nodiscard]] bool consume(const View<T>& view) noexcept {
    if (view.seq_ != next_) return false;
    if (!validate(view)) return false;
    next_ = view.seq_ + 1;
    return true;
  }

  // True when nothing is readable now: the cursor's slot holds neither the next message nor a
  // newer one (try_recv would return nullopt without a resync). One state load.
  [[nodiscard]] bool caught_up() const noexcept {
    const std::uint64_t s = state(next_);
    return s != next_ && (s & kSeqMask) <= next_;
  }

  // Passes everything published so far without reading it: the intact messages are added to
  // skipped(), the overwritten ones to lost(). Returns the number of seqs passed. Cold.
  [[gnu::noinline]] std::uint64_t skip_to_end() noexcept {
    const std::uint64_t newest = find_newest(next_ - 1);
    if (newest < next_) return 0;
    pass_to(newest + 1, oldest_intact(newest));
    const std::uint64_t n = newest + 1 - next_;
    next_ = newest + 1;
    return n;
  }

  // Continues on `ring`, whose seqs start at 1 (the new segment of a restarted producer), at its
  // oldest intact message; seqs before it were overwritten before this receiver got there and
  // are added to lost(). lost()/skipped() stay cumulative; the lap policy is kept. Account for
  // what is unread on the old ring first (skip_to_end(), or read it). Cold.
  void rebind(std::span<const Message<T>> ring) {
    detail::check_capacity(ring.size(), "ichannel::Receiver::rebind");
    ring_ = ring.data();
    mask_ = ring.size() - 1;
    ahead_ = dirty_ahead(ring.size());
    next_ = oldest_intact(find_newest(0));
    lost_ += next_ - 1;
  }

  [[nodiscard]] std::uint64_t lost() const noexcept { return lost_; }
  [[nodiscard]] std::uint64_t skipped() const noexcept { return skipped_; }
  [[nodiscard]] std::uint64_t next_seq() const noexcept { return next_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return mask_ + 1; }
  [[nodiscard]] LapPolicy lap_policy() const noexcept { return lap_; }

 private:
  static constexpr int kMaxProbes = 256;  // resync search bound (~2 log2(capacity) needed)

  // relaxed: a snapshot is enough for the cold searches; a racing send only makes an answer
  // slightly old, which the next read detects as a lap (and counts).
  std::uint64_t state(std::uint64_t seq) const noexcept {
    return Message<T>::ref(ring_[seq & mask_].state_).load(std::memory_order_relaxed);
  }

  template <class Rep, class Period>
  static std::chrono::steady_clock::time_point deadline_after(
      std::chrono::duration<Rep, Period> timeout) noexcept {
    using D = std::chrono::steady_clock::duration;
    constexpr auto kMax = std::chrono::hours(24 * 365 * 100);  // "forever", without overflow
    const auto now = std::chrono::steady_clock::now();
    if (timeout <= timeout.zero()) return now;
    if (timeout >= kMax) return now + std::chrono::duration_cast<D>(kMax);
    return now + std::chrono::ceil<D>(timeout);
  }

  // The newest committed seq (0: none), given `lo`, a seq known committed (0: nothing known).
  // With a = dirty_ahead(capacity) (the mark of seq q is made once q - a or a later seq is
  // committed: by send(q - 2), send(q - 1) in a burst, or a burst's end), the slot states obey,
  // for every c >= 1 at any instant (a slot's seq only grows):
  //   seq(state[c]) <  c          -> c is not committed yet: newest < c
  //   state[c] == c | dirty       -> c is marked, not committed: c - a <= newest < c
  //   seq(state[c]) >= c, clean   -> newest >= seq(state[c]) (the slot may hold a later lap)
  //   seq(state[c]) >  c, dirty   -> newest >= seq(state[c]) - a
  // so "state[c] holds c clean or a later seq" is true up to newest and false beyond: gallop from
  // lo (taking every bound a slot reveals), then bisect. O(log capacity) loads, bounded.
  [[gnu::noinline, gnu::cold]] std::uint64_t find_newest(std::uint64_t lo) const noexcept {
    constexpr std::uint64_t kUnknown = ~std::uint64_t{0};
    std::uint64_t hi = kUnknown;  // newest < hi
    std::uint64_t step = 1;
    for (int probes = 0; probes < kMaxProbes; ++probes) {
      std::uint64_t c;
      if (hi == kUnknown) {
        c = lo + step;
        step = std::min<std::uint64_t>(step * 2, mask_ + 1);
      } else if (hi - lo > 1) {
        c = lo + (hi - lo) / 2;
      } else {
        return lo;
      }
      const std::uint64_t s = state(c);
      const std::uint64_t q = s & kSeqMask;
      const bool dirty = (s & kDirtyBit) != 0;
      if (q < c || (dirty && q == c)) {
        hi = c;
        if (q == c && c > ahead_ && c - ahead_ > lo) lo = c - ahead_;  // marked by send(c - a)
        continue;
      }
      const std::uint64_t bound = dirty ? q - ahead_ : q;
      if (bound > lo) lo = bound;
      if (hi != kUnknown && lo >= hi) {  // the sender moved past hi meanwhile: gallop again
        hi = kUnknown;
        step = 1;
      }
    }
    return lo;
  }

  // Oldest seq still intact when `newest` is the newest committed one: newest-capacity+a+1 ..
  // newest surely are; the a seqs before them (in the slots of newest+1 .. newest+a) are too
  // unless the sender has marked them dirty already (normally it has: D follows C at once).
  // Checks those a slots, oldest first (marks are made in seq order).
  std::uint64_t oldest_intact(std::uint64_t newest) const noexcept {
    const std::uint64_t cap = mask_ + 1;
    if (newest + ahead_ <= cap) return 1;  // no seq >= 1 overwritten or marked yet
    const std::uint64_t sure = newest + ahead_ + 1 - cap;
    for (std::uint64_t d = newest >= cap ? newest + 1 - cap : 1; d < sure; ++d) {
      if (state(d) == d) return d;
    }
    return sure;
  }

  // Accounts for moving the cursor from next_ to target (> next_): seqs below `oldest` were
  // overwritten (lost), the rest were intact (skipped). next_ itself is gone when resyncing.
  void pass_to(std::uint64_t target, std::uint64_t oldest) noexcept {
    const std::uint64_t gone_end = std::min(target, std::max(oldest, next_));
    lost_ += gone_end - next_;
    skipped_ += target - gone_end;
  }

  [[gnu::noinline, gnu::cold]] void resync() noexcept {
    // The cursor's slot holds a newer message (or was rewritten while we copied it): its seq is
    // a lower bound of the newest one, so the search starts there.
    const std::uint64_t s = state(next_);
    const std::uint64_t q = s & kSeqMask;
    std::uint64_t lo = next_ - 1;
    if (q > next_) lo = std::max(lo, (s & kDirtyBit) != 0 ? q - ahead_ : q);
    const std::uint64_t newest = find_newest(lo);
    const std::uint64_t oldest = std::max(oldest_intact(newest), next_ + 1);  // next_ is gone
    std::uint64_t target = lap_ == LapPolicy::kNewest ? newest : oldest;
    if (target < next_ + 1) target = next_ + 1;
    pass_to(target, oldest);
    next_ = target;
  }

  const Message<T>* ring_;
  std::uint64_t mask_;
  std::uint64_t ahead_;  // dirty_ahead(capacity): how far ahead the sender marks slots dirty
  std::uint64_t next_ = 1;
  std::uint64_t lost_ = 0;
  std::uint64_t skipped_ = 0;
  LapPolicy lap_;
};

}  // namespace ichannel
