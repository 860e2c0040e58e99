// ichannel/layout.hpp: the shared-memory layout of one named channel (one file per channel).
//
// Contract
// - Written only by the producer (ProducerChannel); receivers map it read-only and never write.
// - No pointers in shared memory, only offsets. Host byte order (same-host IPC only).
// - The producer fills the whole header and initializes every slot, then stores `magic` with
//   release as the commit of the header, then rename()s the file into place. A receiver loads
//   `magic` with acquire (pairs with that store) before it trusts any other field.
// - heartbeat_ns, last_seq and heartbeat_mono_ns sit on their own cache line: the producer stores
//   them (relaxed, cold: every N iterations), receivers and tools read them (relaxed). Nobody
//   spins on them. heartbeat_mono_ns (CLOCK_MONOTONIC = std::chrono::steady_clock on Linux, in
//   ns) is what staleness is judged on; heartbeat_ns (CLOCK_REALTIME) is for display only.
//   heartbeat_mono_ns took 8 of the line's reserved bytes without a version bump: files of
//   older producers hold 0 there (reserved bytes were zero), which receivers read as "no
//   monotonic heartbeat" and then fall back to heartbeat_ns; older receivers ignore it.
//
//   offset 0      +--------------------------------------------------------------+
//                 | magic "ICHANNL1" (u64, written last)   | version | hdr size  |
//                 | payload size | payload align | slot size | producer pid      |
//                 | capacity (u64) | slots offset (u64) | epoch (u64) | created  |
//   offset 64     | payload type name (char[128], NUL-terminated)                |
//   offset 192    | heartbeat_ns (u64) | last_seq (u64) | heartbeat_mono_ns (u64) |
//                 | (own cache line)                                             |
//   ...           | reserved (zero)                                              |
//   offset 4096   +--------------------------------------------------------------+
//   slots_offset  | slot 0: state u64 | payload words ... (slot_size bytes, 64-aligned)
//                 | slot 1 ...                                                    |
//                 | slot capacity-1                                               |
//                 +--------------------------------------------------------------+
//                 (file size rounded up to the hugepage / page size)
#pragma once

#include <cstddef>
#include <cstdint>

#include <ichannel/message.hpp>

namespace ichannel::layout {

inline constexpr std::uint64_t kMagic = 0x314C4E4E41484349ULL;  // "ICHANNL1" little-endian
// Version 2 (2026-12-02): Sender::send marks the slot two ahead dirty (sender.hpp). A receiver
// built for version 1 assumes one ahead and could start one message late on such a ring, so it
// must refuse it (it reads only kVersion 1); this build reads both (its bounds hold for a mark
// one or two ahead).
inline constexpr std::uint32_t kVersion = 2;
inline constexpr std::uint32_t kOldestVersion = 1;  // oldest layout version this build reads
inline constexpr std::size_t kTypeNameMax = 128;
inline constexpr std::uint64_t kSlotsOffset = 4096;
inline constexpr std::size_t kNameMax = 64;  // channel name length limit (a file name)

struct SegmentHeader {
  std::uint64_t magic;  // atomic_ref: release store (producer, last) / acquire load (receivers)
  std::uint32_t version;
  std::uint32_t header_size;
  std::uint32_t payload_size;
  std::uint32_t payload_align;
  std::uint32_t slot_size;
  std::int32_t producer_pid;
  std::uint64_t capacity;
  std::uint64_t slots_offset;
  std::uint64_t epoch;
  std::uint64_t created_ns;
  char type_name[kTypeNameMax];
  alignas(kCacheLine) std::uint64_t heartbeat_ns;  // atomic_ref, relaxed both sides; wall clock
  std::uint64_t last_seq;                          // atomic_ref, relaxed both sides
  std::uint64_t heartbeat_mono_ns;                 // atomic_ref, relaxed; 0: none (old producer)
  std::uint8_t reserved[kCacheLine - 24];
};

static_assert(offsetof(SegmentHeader, magic) == 0);
static_assert(offsetof(SegmentHeader, version) == 8);
static_assert(offsetof(SegmentHeader, payload_size) == 16);
static_assert(offsetof(SegmentHeader, capacity) == 32);
static_assert(offsetof(SegmentHeader, epoch) == 48);
static_assert(offsetof(SegmentHeader, type_name) == 64);
static_assert(offsetof(SegmentHeader, heartbeat_ns) == 192);
static_assert(offsetof(SegmentHeader, last_seq) == 200);
static_assert(offsetof(SegmentHeader, heartbeat_mono_ns) == 208);
static_assert(sizeof(SegmentHeader) == 256);
static_assert(sizeof(SegmentHeader) <= kSlotsOffset && kSlotsOffset % kCacheLine == 0);

// Slot geometry checks for any payload; Message<T> must be a whole number of cache lines with
// the state word first, so slot i starts at slots_offset + i * slot_size.
template <class T>
constexpr bool slot_layout_ok() noexcept {
  return sizeof(Message<T>) % kCacheLine == 0 && alignof(Message<T>) == kCacheLine &&
         sizeof(Message<T>) >= 8 + sizeof(T);
}

}  // namespace ichannel::layout
