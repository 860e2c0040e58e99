// ichannel/sender.hpp: the single producer of a broadcast ring.
//
// Contract
// - Exactly one Sender per ring, used by one thread at a time. It never waits for receivers and
//   never reads a line a receiver spins on: its cursor lives in this object (private memory).
// - with_init(ring) initializes every slot and returns the Sender; capacity must be a power of
//   two >= 2, otherwise std::invalid_argument (cold, construction only).
// - send(v) / send_with(fill) publish one message and return its sequence number (1, 2, ...).
//   They are inline (always_inline), noexcept, allocation-free, lock-free and syscall-free.
// - SenderBurst(sender): a run of sends with the ring pointer, mask and cursor in registers
//   (a local), written back when it ends; the Sender is not used while it is open (below).
//
// Protocol (Boehm's seqlock recipe, with the dirty mark hoisted into an earlier send):
//   send(n):  fence(release)                            F  orders dirty(n) before payload(n)
//             payload(n) word stores, relaxed           P
//             state[n] = n (clean), release             C  publishes the payload
//             state[n+a] = (n+a) | dirty, relaxed       D  mark for a later send
// a = dirty_ahead(capacity) (message.hpp) for Sender::send: 2 on rings of 4 slots or more, 1 on a
// ring of 2. Inside a SenderBurst a = 1, and the burst's end marks next+1 as well (E below), so
// between bursts and sends the slots of next .. next+dirty_ahead-1 are always marked. Either way
// slot n was marked dirty by an earlier send (or E, or with_init) before send(n), so it is dirty
// before any of its payload words change, and F (sequenced between that D and P) makes a
// receiver that read any word of P also see the dirty mark when it re-reads the state after its
// acquire fence (receiver.hpp). A mark is never more than dirty_ahead slots ahead, which is all
// a receiver assumes. After Sender::send(n) (or a burst that ended at n) the slots of n+1 and n+2
// are dirty on rings of 4 or more, inside a burst only n+1's: such a ring holds N-2 intact unread
// messages (N-1 while a burst is open).
// SenderBurst::~SenderBurst (when active and dirty_ahead == 2):
//             state[next+1] = (next+1) | dirty, relaxed E  the mark the burst's sends did not make
// Why this order: on x86 stores leave the store buffer in program order, so the message's own
// line (which a caught-up receiver is spinning on) is written first and the receiver is released
// by C after a single ownership transfer; D, which needs another line, goes after C and so
// never delays the message. D takes that line early, so a later send finds it owned; two slots
// ahead it is a line no caught-up receiver polls yet (one ahead, the receiver polls it right
// after reading n, and through a read-only mapping that cost 10-15 % per hand-off: message.hpp).
// A burst streams: one ahead, D and the next message's payload go to the same line one after the
// other, so the store buffer switches lines once per message instead of twice (two ahead halved
// the streaming rate; docs/benchmarks.md). Between C and D fewer slots are dirty: harmless
// (readers only rely on "a slot is dirty before its payload changes", which D/F guarantee).
#pragma once

#include <atomic>
#include <bit>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

#include <ichannel/message.hpp>

namespace ichannel {

namespace detail {
// Cold: validates a capacity; throws std::invalid_argument naming the problem.
inline void check_capacity(std::size_t capacity, const char* who) {
  if (capacity < 2 || !std::has_single_bit(capacity)) {
    throw std::invalid_argument(std::string(who) +
                                ": ring capacity must be a power of two >= 2, got " +
                                std::to_string(capacity));
  }
}
}  // namespace detail

template <class T>
class SenderBurst;

template <class T>
class Sender {
 public:
  // Move-only: two senders on one ring would break the single-producer protocol.
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;
  Sender(Sender&&) noexcept = default;
  Sender& operator=(Sender&&) noexcept = default;

  // Initializes every slot (all "never written", the slots of seqs 1 .. dirty_ahead marked
  // dirty, as the D stores of the sends before 1 would have) and returns the
  // sender. Must not race with receivers reading the same ring (it runs before publishing it).
  static Sender with_init(std::span<Message<T>> ring) {
    detail::check_capacity(ring.size(), "ichannel::Sender::with_init");
    for (auto& m : ring) {
      for (auto& w : m.words_)
        std::atomic_ref<std::uint64_t>(w).store(0, std::memory_order_relaxed);
      // relaxed: initialization; published to other threads/processes by whatever hands over the
      // ring (thread start, or the shm header's magic release store in channel.hpp).
      std::atomic_ref<std::uint64_t>(m.state_).store(0, std::memory_order_relaxed);
    }
    Sender s(ring);
    // relaxed: the D stores for seqs 1 .. a (see the protocol above); F of send(1) orders them.
    for (std::uint64_t q = 1; q <= dirty_ahead(ring.size()); ++q)
      std::atomic_ref<std::uint64_t>(ring[q & s.mask_].state_)
          .store(q | kDirtyBit, std::memory_order_relaxed);
    return s;
  }

  // Publishes v; returns its sequence number. Never blocks. always_inline: out of line, the
  // caller's T crosses the call in memory (GCC zeroes `T t{}` with 32/16-byte vector stores that
  // cannot be store-forwarded to the 8-byte payload loads, which then wait for the store buffer
  // to drain behind the previous message's slot stores), and GCC's inliner does give up on
  // send() in big callers (the ring bench's by-reference loop, the feed before [[gnu::flatten]]).
  // Reached through a pointer or reference (as feed::Fanout does), send() reloads ring_/mask_/
  // next_ and stores next_ every time: to GCC the release fence (and each atomic_ref store) may
  // clobber any memory it cannot prove private, whatever its type (the loop's own Sender* is
  // reloaded too), so no aliasing-type trick avoids that. For a run of sends from one place,
  // SenderBurst (below) keeps the three in registers instead.
  [[gnu::always_inline]] std::uint64_t send(const T& v) noexcept {
    const std::uint64_t seq = next_;
    publish(ring_, mask_, seq, dirty_ahead(mask_ + 1), v);
    next_ = seq + 1;
    return seq;
  }

  // Zero-copy form: fill(T&) builds the message in a staging T that the compiler keeps in
  // registers/stack (no heap, no second copy after inlining); its words then go straight into
  // the slot. The slot itself is never exposed as a T&: a plain T& store racing with a reader
  // would be a data race, which is what the word-wise atomic stores exist to avoid.
  template <class Fill>
  [[gnu::always_inline]] std::uint64_t send_with(Fill&& fill) noexcept {
    T v;
    static_cast<Fill&&>(fill)(v);
    return send(v);
  }

  // The sequence number the next send() will return. Private cursor, no shared access.
  [[nodiscard]] std::uint64_t next_seq() const noexcept { return next_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return mask_ + 1; }

 private:
  friend class SenderBurst<T>;

  // The protocol above for message seq, D `distance` slots ahead (dirty_ahead(capacity), or 1 in
  // a burst); ring/mask/seq are the caller's copies of the members, so nothing is read from the
  // Sender between the slot stores. Both slot addresses are computed before any store.
  [[gnu::always_inline]] static void publish(Message<T>* ring, std::uint64_t mask,
                                             std::uint64_t seq, std::uint64_t distance,
                                             const T& v) noexcept {
    const std::uint64_t ahead = seq + distance;
    Message<T>& cur = ring[seq & mask];
    Message<T>& nxt = ring[ahead & mask];
    // F: pairs with the receiver's acquire fence; orders D of an earlier send (cur's dirty
    // mark) before the payload stores below.
    detail::fence_release();
    cur.store_payload(v);
    // C: release, pairs with the receiver's acquire load of the state: payload is visible.
    std::atomic_ref<std::uint64_t>(cur.state_).store(seq, std::memory_order_release);
    // D: relaxed, made visible to readers of that slot's next payload by F of its send.
    std::atomic_ref<std::uint64_t>(nxt.state_).store(ahead | kDirtyBit, std::memory_order_relaxed);
  }

  // E of a burst's end (protocol above): seq's slot marked dirty.
  [[gnu::always_inline]] static void mark_dirty(Message<T>* ring, std::uint64_t mask,
                                                std::uint64_t seq) noexcept {
    // relaxed: made visible to that slot's readers by F of its send, like D.
    std::atomic_ref<std::uint64_t>(ring[seq & mask].state_)
        .store(seq | kDirtyBit, std::memory_order_relaxed);
  }

  explicit Sender(std::span<Message<T>> ring) noexcept
      : ring_(ring.data()), mask_(ring.size() - 1) {}

  Message<T>* ring_;
  std::uint64_t mask_;
  std::uint64_t next_ = 1;
};

// A run of sends from one place (e.g. one packet's ticks) with the Sender's ring pointer, mask
// and cursor held in this object, which the compiler keeps in registers when it is a local whose
// address does not escape (every member is always_inline). The cursor is written back to the
// Sender when the burst ends, so the Sender's next_seq() is exact again after the destructor.
//
// Contract
// - While a burst is open, its Sender must not be used (no send, no second burst, no move): the
//   burst owns the cursor. Same thread as the Sender, like every send.
// - send()/send_with() are the Sender's protocol and return the same sequence numbers the
//   Sender would have returned; next_seq() is the burst's cursor.
// - SenderBurst() is an inactive burst (no Sender; active() false, send must not be called),
//   for callers that open a burst only on some routes (feed::Fanout::Burst).
// - Neither copyable nor movable (a copy would be a second producer).
template <class T>
class SenderBurst {
 public:
  SenderBurst() noexcept = default;
  [[gnu::always_inline]] explicit SenderBurst(Sender<T>& s) noexcept
      : owner_(&s), ring_(s.ring_), mask_(s.mask_), next_(s.next_) {}
  [[gnu::always_inline]] ~SenderBurst() {
    if (owner_ == nullptr) return;
    // E (protocol above): the burst's sends marked up to next_; a Sender::send(next_) after it
    // marks next_ + 2, so next_ + 1 is marked here.
    if (dirty_ahead(mask_ + 1) == 2) Sender<T>::mark_dirty(ring_, mask_, next_ + 1);
    owner_->next_ = next_;
  }
  SenderBurst(const SenderBurst&) = delete;
  SenderBurst& operator=(const SenderBurst&) = delete;

  [[gnu::always_inline]] std::uint64_t send(const T& v) noexcept {
    const std::uint64_t seq = next_;
    Sender<T>::publish(ring_, mask_, seq, 1, v);  // one ahead: streams (protocol above)
    next_ = seq + 1;
    return seq;
  }

  template <class Fill>
  [[gnu::always_inline]] std::uint64_t send_with(Fill&& fill) noexcept {
    T v;
    static_cast<Fill&&>(fill)(v);
    return send(v);
  }

  [[nodiscard]] std::uint64_t next_seq() const noexcept { return next_; }
  [[nodiscard]] bool active() const noexcept { return owner_ != nullptr; }

 private:
  Sender<T>* const owner_ = nullptr;
  Message<T>* const ring_ = nullptr;
  const std::uint64_t mask_ = 0;
  std::uint64_t next_ = 0;
};

}  // namespace ichannel
