// book/order_store.hpp: every live order of one feed, by order reference: an open-addressing
// hash table with linear probing and backward-shift deletion (no tombstones).
//
// Contract
// - Sized once (cold): the slot array is the next power of two >= 2 * max_orders 24-byte Orders
//   (4,194,304 orders: 2^23 slots, 192 MiB), in one HugeBuffer. At most max_orders are live, so
//   the load factor stays <= 1/2 and a probe sequence is short (expected < 1.5 slots for a hit,
//   < 2.5 for a miss at load 1/2); full() says when insert must be refused.
// - Hot path (inline noexcept, no allocation): probe() finds the slot of a reference - the live
//   order or the empty slot where it would go - with one hash (Fibonacci multiply, the high bits:
//   no division) and a linear scan; insert_at()/erase() keep the table free of tombstones (erase
//   shifts the following cluster back, so a later probe never walks over dead slots). Pointers
//   into the table are invalidated by erase() and clear(): copy what you need first.
// - clear() is O(1): every slot carries the store's epoch byte, a slot is live only when its
//   epoch is the current one, and clear() bumps the epoch (every 255th clear zero-fills the
//   table, ~192 MiB of memset, cold).
// - One thread (the FeedBooks' owner).
// Design note: a 24-byte slot spans two cache lines for 2 of every 8 slots, but stays inside one
// 128-byte line pair (the adjacent-line prefetcher's unit) for 14 of 16: a hit costs one miss
// in practice. prefetch(ref) starts that miss early when the caller knows the next reference.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "book/huge_buffer.hpp"

namespace ichannel::book {

struct Order {
  std::uint64_t ref;         // ITCH Order Reference Number
  std::int64_t price;        // the order's own price (kPriceScale fixed point)
  std::uint32_t qty;         // remaining shares (> 0 while live)
  std::uint16_t instrument;  // stock locate
  std::uint8_t side;         // 0 bid, 1 ask (BookSide)
  std::uint8_t epoch;        // live iff == the store's epoch
};
static_assert(sizeof(Order) == 24);

class OrderStore {
 public:
  explicit OrderStore(std::uint32_t max_orders)
      : max_(max_orders),
        capacity_(std::bit_ceil(std::size_t{2} * (max_orders < 8 ? 8 : max_orders))),
        mask_(capacity_ - 1),
        shift_(static_cast<unsigned>(64 - std::countr_zero(capacity_))),
        buffer_(capacity_ * sizeof(Order)),
        slots_(static_cast<Order*>(buffer_.data())) {}

  // The slot of `ref`: its live order (live(slot) true) or the empty slot where it would go.
  [[nodiscard]] Order* probe(std::uint64_t ref) noexcept {
    std::size_t i = home(ref);
    for (;;) {
      Order* s = &slots_[i];
      if (s->epoch != epoch_ || s->ref == ref) return s;
      i = (i + 1) & mask_;
    }
  }
  [[nodiscard]] Order* find(std::uint64_t ref) noexcept {
    Order* s = probe(ref);
    return live(s) ? s : nullptr;
  }
  [[nodiscard]] bool live(const Order* s) const noexcept { return s->epoch == epoch_; }
  [[nodiscard]] bool full() const noexcept { return size_ >= max_; }

  // Fills the empty slot probe(ref) returned. Precondition: !live(slot), !full().
  void insert_at(Order* slot, std::uint64_t ref, std::int64_t price, std::uint32_t qty,
                 std::uint16_t instrument, std::uint8_t side) noexcept {
    *slot = Order{ref, price, qty, instrument, side, epoch_};
    ++size_;
  }

  // Removes a live order; moves later members of its cluster back (backward-shift deletion).
  void erase(Order* slot) noexcept {
    std::size_t i = static_cast<std::size_t>(slot - slots_);
    std::size_t j = i;
    for (;;) {
      j = (j + 1) & mask_;
      Order& next = slots_[j];
      if (next.epoch != epoch_) break;
      // next may fill the hole at i unless its home lies cyclically in (i, j].
      const std::size_t k = home(next.ref);
      if (((j - k) & mask_) >= ((j - i) & mask_)) {
        slots_[i] = next;
        i = j;
      }
    }
    slots_[i].epoch = static_cast<std::uint8_t>(epoch_ - 1);  // != epoch_: empty
    --size_;
  }

  [[gnu::always_inline]] void prefetch(std::uint64_t ref) const noexcept {
    const Order* s = &slots_[home(ref)];
    __builtin_prefetch(s, 1, 3);
    __builtin_prefetch(reinterpret_cast<const unsigned char*>(s) + sizeof(Order) - 1, 1, 3);
  }

  // Every order gone. O(1) except every 255th call (a zero fill, cold).
  void clear() noexcept {
    size_ = 0;
    if (++epoch_ == 0) {
      buffer_.clear();
      epoch_ = 1;
    }
  }

  [[nodiscard]] std::uint32_t size() const noexcept { return size_; }
  [[nodiscard]] std::uint32_t max_orders() const noexcept { return max_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  // Cold: fn(const Order&) for every live order, in slot order (not time priority).
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (std::size_t i = 0; i < capacity_; ++i) {
      if (slots_[i].epoch == epoch_) fn(static_cast<const Order&>(slots_[i]));
    }
  }
  // Cold: backs every page of the table (HugeBuffer::prefault).
  void prefault() noexcept { buffer_.prefault(); }
  [[nodiscard]] std::size_t memory_bytes() const noexcept { return buffer_.size(); }

 private:
  [[nodiscard]] std::size_t home(std::uint64_t ref) const noexcept {
    return static_cast<std::size_t>((ref * 0x9E3779B97F4A7C15ull) >> shift_);
  }

  std::uint32_t max_;
  std::size_t capacity_;
  std::size_t mask_;
  unsigned shift_;
  HugeBuffer buffer_;
  Order* slots_;
  std::uint32_t size_ = 0;
  std::uint8_t epoch_ = 1;  // the zero-filled table starts empty (epoch 0 everywhere)
};

}  // namespace ichannel::book
