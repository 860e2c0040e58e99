// book/order_window.hpp: every live order of one feed, by order reference - the newest
// references in a direct-mapped window (slot = ref mod W), every other one in the OrderStore hash.
//
// Contract
// - Why: ITCH order references grow through the day (one sequence in the simulator, a few
//   interleaved increasing sequences on Nasdaq: docs/books.md section 2), so adds write the
//   newest references and most deletes, executions and replaces hit young orders. In the window
//   an add writes the slot next to the previous add's (a line already in cache, or prefetched by
//   the hardware's streamer) instead of a random line of a 192 MiB hash, and a young order's
//   later events hit that line again. Orders still live when the window moves past them migrate
//   into the hash.
// - Layout: W slots (`window`, a power of two >= 64; 0: no window, every order in the hash, the
//   store is then exactly an OrderStore; at most the hash's slot count: a larger window would
//   only spread the newest orders over more memory) of the same 24-byte Order, and an OrderStore
//   sized for
//   max_orders (the hash can hold every live order). Invariant: a live order whose ref is below
//   base() is in the hash; one at or above base() is in the window slot ref & (W-1), unless that
//   slot was taken (then in the hash, and its ref inside the overflow range [ovf_lo, ovf_hi],
//   which every lookup at or above base() that misses the window checks). A ref is live in at
//   most one place (probe finds it wherever it is, so a duplicate add is seen).
// - Moving the window: head is the highest ref added to the window (it follows a new ref when it
//   is at most (W - G) / 2 ahead, or when the window was empty). After each add, base advances
//   by at most kDrainPerAdd slots toward head - (W - G), G = max(W/8, 2 kDrainPerAdd) the room
//   kept free ahead of head, migrating the live orders it
//   passes (one hash insert each): bounded work per add. A stream whose refs step by up to
//   kDrainPerAdd per add is drained in time (its next ref's slot is free; after a jump of head
//   the drain catches up when the steps are smaller); a ref further ahead (stored in its slot if
//   free, head stays), references going backwards (below base: the hash), a slot still taken
//   (the drain lagging after a jump) all fall back to the hash: never unbounded work, never a
//   lost order. Adversarial input can only make the store as slow as the hash plus one probe.
// - Hot path: inline noexcept, no allocation. Pointers are invalidated by erase(), clear() and
//   by insert_at() (it drains); copy what you need first.
// - clear() is O(1) (the window shares the hash's epoch scheme: a slot is live iff its epoch is
//   the store's; every 255th clear zero-fills both).
// - One thread (the FeedBooks' owner).
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "book/huge_buffer.hpp"
#include "book/order_store.hpp"

namespace ichannel::book {

class OrderWindow {
 public:
  static constexpr unsigned kDrainPerAdd = 16;        // window slots passed per window add, at most
  static constexpr std::uint32_t kMinWindow = 64;     // a smaller non-zero window is rounded up
  static constexpr std::uint64_t kMigrateAhead = 32;  // drain's prefetch distance, slots
  static constexpr std::uint32_t kMaxWindow = 1u << 28;

  OrderWindow(std::uint32_t max_orders, std::uint32_t window)
      : hash_(max_orders),
        max_(hash_.max_orders()),
        w_(window == 0
               ? 0
               : static_cast<std::uint32_t>(std::min<std::size_t>(
                     std::bit_ceil(std::clamp(window, kMinWindow, kMaxWindow)), hash_.capacity()))),
        wmask_(w_ == 0 ? 0 : w_ - 1),
        behind_(w_ - std::max<std::uint32_t>(w_ / 8, 2 * kDrainPerAdd)),
        max_jump_(behind_ / 2),
        buffer_(std::size_t{w_} * sizeof(Order)),
        // Without a window, one spare slot for the one ref >= base (2^64 - 1): no branch on w_.
        ring_(w_ == 0 ? &spare_ : static_cast<Order*>(buffer_.data())),
        ring_bytes_(std::size_t{w_ == 0 ? 1 : w_} * sizeof(Order)),
        base_(w_ == 0 ? kNever : 0) {}
  OrderWindow(const OrderWindow&) = delete;  // ring_ may point at spare_
  OrderWindow& operator=(const OrderWindow&) = delete;

  // The slot of `ref`: its live order (live(slot) true) or the empty slot where it would go.
  [[nodiscard]] Order* probe(std::uint64_t ref) noexcept {
    if (ref >= base_) [[likely]] {
      Order* s = &ring_[ref & wmask_];
      const bool taken = s->epoch == epoch_;
      if (taken && s->ref == ref) return s;
      if ((ref >= ovf_lo_ && ref <= ovf_hi_) || taken) [[unlikely]] {
        Order* h = hash_.probe(ref);
        if (hash_.live(h) || taken) return h;
      }
      return s;
    }
    return hash_.probe(ref);
  }
  [[nodiscard]] Order* find(std::uint64_t ref) noexcept {
    Order* s = probe(ref);
    return live(s) ? s : nullptr;
  }
  [[nodiscard]] bool live(const Order* s) const noexcept { return s->epoch == epoch_; }
  [[nodiscard]] bool full() const noexcept { return ring_size_ + hash_.size() >= max_; }

  // Fills the empty slot probe(ref) returned. Precondition: !live(slot), !full().
  void insert_at(Order* slot, std::uint64_t ref, std::int64_t price, std::uint32_t qty,
                 std::uint16_t instrument, std::uint8_t side) noexcept {
    // Nothing else in the window: it may jump to this ref (nothing to migrate).
    bool alone = ring_size_ == 0;
    if (in_window(slot)) [[likely]] {
      *slot = Order{ref, price, qty, instrument, side, epoch_};
      ++ring_size_;
    } else {
      hash_.insert_at(slot, ref, price, qty, instrument, side);
      alone = false;
      if (ref >= base_) [[unlikely]] {  // an overflow: the window's lookups must check the hash
        ovf_lo_ = std::min(ovf_lo_, ref);
        ovf_hi_ = std::max(ovf_hi_, ref);
      }
    }
    if (ref > head_ && ref >= base_ && (ref - head_ <= max_jump_ || alone || ring_size_ == 0)) {
      head_ = ref;
    }
    drain(alone || ring_size_ == 0);
  }

  // Removes a live order.
  void erase(Order* slot) noexcept {
    if (in_window(slot)) [[likely]] {
      slot->epoch = static_cast<std::uint8_t>(epoch_ - 1);  // != epoch_: empty
      --ring_size_;
      return;
    }
    hash_.erase(slot);
  }

  [[gnu::always_inline]] void prefetch(std::uint64_t ref) const noexcept {
    if (ref >= base_) {
      const Order* s = &ring_[ref & wmask_];
      __builtin_prefetch(s, 1, 3);
      __builtin_prefetch(reinterpret_cast<const unsigned char*>(s) + sizeof(Order) - 1, 1, 3);
      return;
    }
    hash_.prefetch(ref);
  }

  // Every order gone. O(1) except every 255th call (zero fills, cold).
  void clear() noexcept {
    hash_.clear();
    if (++epoch_ == 0) {  // the hash wraps on the same call (same start, same steps)
      buffer_.clear();
      spare_ = Order{};
      epoch_ = 1;
    }
    ring_size_ = 0;
    head_ = 0;
    base_ = w_ == 0 ? kNever : 0;
    ovf_lo_ = kNever;
    ovf_hi_ = 0;
  }

  [[nodiscard]] std::uint32_t size() const noexcept { return ring_size_ + hash_.size(); }
  [[nodiscard]] std::uint32_t max_orders() const noexcept { return max_; }
  // Window slots (0: no window), orders in it, the lowest ref it may hold, its head.
  [[nodiscard]] std::uint32_t window() const noexcept { return w_; }
  [[nodiscard]] std::uint32_t window_size() const noexcept { return ring_size_; }
  [[nodiscard]] std::uint64_t base() const noexcept { return base_; }
  [[nodiscard]] std::uint64_t head() const noexcept { return head_; }
  // Orders moved from the window into the hash so far (since construction).
  [[nodiscard]] std::uint64_t migrated() const noexcept { return migrated_; }
  [[nodiscard]] const OrderStore& hash() const noexcept { return hash_; }
  [[nodiscard]] bool in_window(const Order* s) const noexcept {
    return reinterpret_cast<std::uintptr_t>(s) - reinterpret_cast<std::uintptr_t>(ring_) <
           ring_bytes_;
  }

  // Cold: fn(const Order&) for every live order (the window's, then the hash's; not time
  // priority).
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (std::size_t i = 0; i < ring_bytes_ / sizeof(Order); ++i) {
      if (ring_[i].epoch == epoch_) fn(static_cast<const Order&>(ring_[i]));
    }
    hash_.for_each(fn);
  }
  // Cold: backs every page (HugeBuffer::prefault).
  void prefault() noexcept {
    hash_.prefault();
    buffer_.prefault();
  }
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return hash_.memory_bytes() + buffer_.size();
  }

 private:
  static constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();

  // Moves base toward head - (W - G), at most kDrainPerAdd slots, migrating the live orders it
  // passes into the hash.
  // `jump`: the window holds no order below head (nothing to migrate).
  void drain(bool jump) noexcept {
    const std::uint64_t target = head_ > behind_ ? head_ - behind_ : 0;
    if (base_ >= target) return;
    if (jump) {
      base_ = target;
    } else {
      __builtin_prefetch(&ring_[(base_ + 4 * kDrainPerAdd) & wmask_], 0, 3);
      const std::uint64_t end = std::min(target, base_ + kDrainPerAdd);
      for (; base_ < end; ++base_) {
        Order* s = &ring_[base_ & wmask_];
        if (s->epoch == epoch_ && s->ref == base_) migrate(s);
        // The hash slot of the order that migrates kMigrateAhead slots later (a few adds from
        // now): its miss overlaps the work in between instead of stalling that migration.
        const Order* a = &ring_[(base_ + kMigrateAhead) & wmask_];
        if (a->epoch == epoch_ && a->ref == base_ + kMigrateAhead) hash_.prefetch(a->ref);
      }
    }
    if (base_ > ovf_hi_ && ovf_hi_ != 0) {  // every overflow is below base now
      ovf_lo_ = kNever;
      ovf_hi_ = 0;
    }
  }

  [[gnu::noinline]] void migrate(Order* s) noexcept {
    Order* h = hash_.probe(s->ref);
    if (!hash_.live(h)) hash_.insert_at(h, s->ref, s->price, s->qty, s->instrument, s->side);
    s->epoch = static_cast<std::uint8_t>(epoch_ - 1);
    --ring_size_;
    ++migrated_;
  }

  OrderStore hash_;
  std::uint32_t max_;
  std::uint32_t w_;
  std::uint64_t wmask_;
  std::uint64_t behind_;    // W - G: how far below head base follows (G: the room ahead of head)
  std::uint64_t max_jump_;  // the largest step of head on a non-empty window
  HugeBuffer buffer_;
  Order spare_{};
  Order* ring_;
  std::size_t ring_bytes_;
  std::uint64_t base_;
  std::uint64_t head_ = 0;
  std::uint64_t ovf_lo_ = kNever;  // overflow range: hash entries at or above base are inside
  std::uint64_t ovf_hi_ = 0;
  std::uint64_t migrated_ = 0;
  std::uint32_t ring_size_ = 0;
  std::uint8_t epoch_ = 1;  // == the hash's epoch at all times
};

}  // namespace ichannel::book
