// ichannel/message.hpp: one ring slot, Message<T> = { state word | payload words }.
//
// Contract
// - A slot is a 64-byte aligned record: an 8-byte state word followed by the payload stored as
//   8-byte words. For a 56-byte T the slot is exactly one cache line (one transfer per message).
// - state = [dirty: 1 bit (MSB) | seq: 63 bits]. Clean with seq s: the slot holds message s and is
//   stable. Dirty: the slot is (about to be) rewritten. seq 0 clean means "never written".
// - Every access to the state word and to each payload word is a std::atomic_ref access, so a
//   reader racing with the writer is not a data race (and ThreadSanitizer has nothing to report).
//   The ordering protocol (fences, release/acquire) lives in sender.hpp and receiver.hpp.
// - Message<T> is default-constructible (zeroed, "never written"), trivially copyable and an
//   implicit-lifetime type, so `std::vector<Message<T>> ring(1024)` works and so does an array
//   of slots in a shared-memory mapping. T must be trivially copyable (checked at compile time).
// - Only Sender/Receiver touch the words; nothing here allocates.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

namespace ichannel {

template <class T>
class Sender;
template <class T>
class Receiver;
template <class T>
class View;

namespace detail {
// The protocol's two standalone fences. ThreadSanitizer does not model atomic_thread_fence (GCC
// warns -Wtsan); under TSan on x86, where acquire/release thread fences emit no instruction and
// only restrain the compiler, a signal fence generates the identical code without the warning.
// Every payload access is atomic, so TSan has no race to report either way.
#if defined(__SANITIZE_THREAD__)
#define ICHANNEL_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ICHANNEL_TSAN 1
#endif
#endif
#if defined(ICHANNEL_TSAN) && (defined(__x86_64__) || defined(__i386__))
inline void fence_release() noexcept {
  std::atomic_signal_fence(std::memory_order_release);
}
inline void fence_acquire() noexcept {
  std::atomic_signal_fence(std::memory_order_acquire);
}
#else
inline void fence_release() noexcept {
  std::atomic_thread_fence(std::memory_order_release);
}
inline void fence_acquire() noexcept {
  std::atomic_thread_fence(std::memory_order_acquire);
}
#endif
}  // namespace detail

inline constexpr std::uint64_t kDirtyBit = std::uint64_t{1} << 63;
inline constexpr std::uint64_t kSeqMask = kDirtyBit - 1;
inline constexpr std::size_t kCacheLine = 64;

// How many slots ahead of message n Sender::send marks dirty (sender.hpp, D), and the most any
// send does: n + 2 on rings of 4 slots or more, n + 1 on a ring of 2 (where n + 2 is n's own
// slot); a SenderBurst marks n + 1 and makes up the difference when it ends. Two ahead, the line
// D takes early is one no receiver polls yet; one ahead, a caught-up receiver is already polling
// it, and a receiver reading through a read-only mapping then paid 10-15 % more per hand-off
// (docs/benchmarks.md section 1, "Issue 10", 10). Receivers derive it from the capacity.
[[nodiscard]] constexpr std::uint64_t dirty_ahead(std::uint64_t capacity) noexcept {
  return capacity >= 4 ? 2 : 1;
}

static_assert(std::atomic_ref<std::uint64_t>::is_always_lock_free,
              "ichannel needs lock-free 8-byte atomics");
static_assert(std::atomic_ref<std::uint64_t>::required_alignment <= alignof(std::uint64_t));

template <class T>
class alignas(kCacheLine) Message {
  static_assert(std::is_trivially_copyable_v<T>,
                "ichannel::Message<T>: T must be trivially copyable (it is copied word by word "
                "between processes; no pointers, no owning members)");
  static_assert(alignof(T) <= kCacheLine, "ichannel::Message<T>: alignof(T) must be <= 64");
  static_assert(!std::is_const_v<T> && !std::is_volatile_v<T>);

 public:
  static constexpr std::size_t kWords = (sizeof(T) + 7) / 8;

  Message() noexcept = default;

 private:
  friend class Sender<T>;
  friend class Receiver<T>;
  friend class View<T>;

  // Relaxed/acquire loads through a const slot (receivers map the segment read-only). A load
  // never writes, so const_cast here is sound even on PROT_READ memory.
  static std::atomic_ref<std::uint64_t> ref(const std::uint64_t& w) noexcept {
    return std::atomic_ref<std::uint64_t>(const_cast<std::uint64_t&>(w));
  }

  // Payload stores, one relaxed word at a time, unrolled: each word is read from `v` itself
  // (an 8-byte memcpy into a local, which GCC keeps in a register) and stored straight into the
  // slot. No staging array: copying T into a local array first made GCC move the payload through
  // the stack (a 32-byte vector load of v, vector store, then 8-byte reloads), and the wide load
  // cannot be store-forwarded from a producer's narrower field stores. Ordered by the sender's
  // fence/release (sender.hpp). always_inline, with word_of and store_words: a call takes v's
  // address, and one out-of-line call anywhere in a caller (GCC outlined the ones on the
  // unlikely paths of ichannel-feed's per-packet loop) keeps that caller's tick in memory on
  // every path (docs/benchmarks.md section 1, "Issue 10", 7).
  [[gnu::always_inline]] void store_payload(const T& v) noexcept {
    store_words(reinterpret_cast<const unsigned char*>(&v), std::make_index_sequence<kWords>{});
  }

  // Payload loads, one relaxed word at a time. May observe a torn mix: the caller validates.
  T load_payload() const noexcept {
    std::uint64_t w[kWords];
    load_words(w, std::make_index_sequence<kWords>{});
    T v;
    std::memcpy(&v, w, sizeof(T));
    return v;
  }

  // Word I of the object representation at p (the last word zero-padded when sizeof(T) is not a
  // multiple of 8).
  template <std::size_t I>
  [[gnu::always_inline]] static std::uint64_t word_of(const unsigned char* p) noexcept {
    constexpr std::size_t kOff = I * 8;
    constexpr std::size_t kLen = sizeof(T) - kOff < 8 ? sizeof(T) - kOff : 8;
    std::uint64_t w = 0;
    std::memcpy(&w, p + kOff, kLen);
    return w;
  }

  template <std::size_t... I>
  [[gnu::always_inline]] void store_words(const unsigned char* p,
                                          std::index_sequence<I...>) noexcept {
    // relaxed: made visible by the release store of the clean state; pairs with the receiver's
    // relaxed payload loads, which the receiver validates after its acquire fence.
    (std::atomic_ref<std::uint64_t>(words_[I]).store(word_of<I>(p), std::memory_order_relaxed),
     ...);
  }

  template <std::size_t... I>
  void load_words(std::uint64_t* w, std::index_sequence<I...>) const noexcept {
    // relaxed: pairs with the sender's relaxed payload stores; validated by the state reload
    // after the receiver's acquire fence.
    ((w[I] = ref(words_[I]).load(std::memory_order_relaxed)), ...);
  }

  std::uint64_t state_ = 0;
  std::uint64_t words_[kWords] = {};
};

}  // namespace ichannel
