// book/level_store.hpp: the preallocated storage of every side's price levels: one arena of
// Levels handed out in power-of-two blocks (8, 16, ... levels) by a buddy allocator.
//
// Contract
// - Sized once (cold): the arena is `levels` Levels rounded up to a power of two >= 8, in one
//   HugeBuffer, plus one tag byte per 8-level unit. Nothing is allocated afterwards.
// - Hot path (inline noexcept): allocate(order) returns the offset of a free block of 8 << order
//   levels, or kNone when no block that large is free (the caller counts level_store_full);
//   release(offset, order) returns it and merges free buddies back, so churn between sizes does
//   not fragment the arena for good. Both are O(log2(arena / 8)) at worst (split / merge steps),
//   a free-list pop or push in the common case.
// - reset() frees everything (cold-ish: a memset of the tags, arena / 8 bytes).
// - One thread. Free-list links live in the free blocks themselves (first Level: price = next,
//   qty = prev), so the free lists cost no memory.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "book/huge_buffer.hpp"
#include "book/level.hpp"

namespace ichannel::book {

class LevelStore {
 public:
  static constexpr std::uint32_t kNone = 0xFFFF'FFFFu;
  static constexpr std::uint32_t kMinBlock = 8;  // levels in an order-0 block (192 bytes)

  explicit LevelStore(std::uint32_t levels)
      : capacity_(static_cast<std::uint32_t>(
            std::bit_ceil(std::size_t{levels < kMinBlock ? kMinBlock : levels}))),
        max_order_(static_cast<unsigned>(std::countr_zero(capacity_ / kMinBlock))),
        buffer_(std::size_t{capacity_} * sizeof(Level)),
        arena_(static_cast<Level*>(buffer_.data())),
        tags_(std::make_unique<std::uint8_t[]>(capacity_ / kMinBlock)) {
    reset();
  }

  [[nodiscard]] Level* at(std::uint32_t offset) noexcept { return arena_ + offset; }
  [[nodiscard]] const Level* at(std::uint32_t offset) const noexcept { return arena_ + offset; }

  // A block of 8 << order levels, or kNone.
  [[nodiscard]] std::uint32_t allocate(unsigned order) noexcept {
    unsigned o = order;
    while (o <= max_order_ && head_[o] == kNone) ++o;
    if (o > max_order_) [[unlikely]]
      return kNone;
    const std::uint32_t off = head_[o];
    unlink(off, o);
    while (o > order) {  // split: keep the low half, free the high half
      --o;
      push(off + (kMinBlock << o), o);
    }
    used_ += kMinBlock << order;
    return off;
  }

  void release(std::uint32_t off, unsigned order) noexcept {
    used_ -= kMinBlock << order;
    while (order < max_order_) {
      const std::uint32_t buddy = off ^ (kMinBlock << order);
      if (tags_[buddy / kMinBlock] != order + 1) break;
      unlink(buddy, order);
      off &= ~(kMinBlock << order);
      ++order;
    }
    push(off, order);
  }

  void reset() noexcept {
    std::memset(tags_.get(), 0, capacity_ / kMinBlock);
    head_.fill(kNone);
    used_ = 0;
    push(0, max_order_);
  }

  [[nodiscard]] std::uint32_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] unsigned max_order() const noexcept { return max_order_; }
  [[nodiscard]] std::uint32_t used() const noexcept {
    return used_;
  }  // levels in blocks handed out
  // Cold: backs every page of the table (HugeBuffer::prefault).
  void prefault() noexcept { buffer_.prefault(); }
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return buffer_.size() + capacity_ / kMinBlock;
  }

 private:
  // Links of a free block: its first Level's price (next) and qty (prev).
  void push(std::uint32_t off, unsigned o) noexcept {
    Level& l = arena_[off];
    l.price = head_[o];
    l.qty = kNone;
    if (head_[o] != kNone) arena_[head_[o]].qty = off;
    head_[o] = off;
    tags_[off / kMinBlock] = static_cast<std::uint8_t>(o + 1);
  }
  void unlink(std::uint32_t off, unsigned o) noexcept {
    const Level& l = arena_[off];
    const auto next = static_cast<std::uint32_t>(l.price);
    const auto prev = static_cast<std::uint32_t>(l.qty);
    if (prev == kNone) {
      head_[o] = next;
    } else {
      arena_[prev].price = next;
    }
    if (next != kNone) arena_[next].qty = prev;
    tags_[off / kMinBlock] = 0;
  }

  std::uint32_t capacity_;
  unsigned max_order_;
  HugeBuffer buffer_;
  Level* arena_;
  std::unique_ptr<std::uint8_t[]> tags_;
  std::array<std::uint32_t, 32> head_{};
  std::uint32_t used_ = 0;
};

}  // namespace ichannel::book
