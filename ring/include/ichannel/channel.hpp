// ichannel/channel.hpp: named broadcast channels in (hugepage) shared memory.
//
// Contract
// - ProducerChannel<T>::create(name, capacity): creates <dir>/<name> (dir: ChannelOptions::dir or
//   default_channel_dir()), mode 0640 by default, optional group, pre-faulted and mlocked, and
//   returns the owner of the read-write mapping and its Sender. Re-creating a name (producer
//   restart) builds a new file with a new epoch and renames it over the old one: receivers that
//   still map the old file keep a valid mapping and learn of the restart from check_producer().
// - ReceiverChannel<T>::attach(name): opens the file O_RDONLY, maps it PROT_READ, checks every
//   header field against T and returns the mapping with its Receiver. Waits up to
//   AttachOptions::wait for a channel that does not exist yet. Never writes, truncates or
//   resizes anything.
// - create/attach/check_producer/inspect/list are cold (allocate, syscalls). sender(),
//   receiver() and heartbeat() are hot-path safe. One thread per object at a time.
// - Errors are Result values whose message names the channel, the file and what differs.
// - Environment: ICHANNEL_DIR overrides the default directory (tests, containers).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <ichannel/layout.hpp>
#include <ichannel/message.hpp>
#include <ichannel/receiver.hpp>
#include <ichannel/result.hpp>
#include <ichannel/segment.hpp>
#include <ichannel/sender.hpp>
#include <ichannel/type_name.hpp>

namespace ichannel {

enum class ProducerState { kSame, kRestarted, kStale, kGone };

struct ChannelInfo {
  std::string name, path, type_name;
  std::uint32_t payload_size = 0, payload_align = 0, slot_size = 0;
  std::uint64_t capacity = 0, epoch = 0;
  std::int32_t producer_pid = 0;
  std::uint64_t heartbeat_ns = 0, last_seq = 0;
  bool producer_alive = false;
};

// Reads a channel's header without knowing its type (tools). last_seq is the newest committed
// sequence number found in the slots (exact, not just the last heartbeat's).
Result<ChannelInfo> inspect_channel(std::string_view name, const std::string& dir = {});
// All channels in `dir` (default: default_channel_dir()); unreadable files are skipped.
std::vector<ChannelInfo> list_channels(const std::string& dir = {});
// Removes a channel file (stale channels). Mappings of it stay valid until unmapped.
Result<bool> remove_channel(std::string_view name, const std::string& dir = {});
// $ICHANNEL_DIR, else /dev/hugepages/ichannel if /dev/hugepages is hugetlbfs, else
// /dev/shm/ichannel.
std::string default_channel_dir();
// Checks a channel name: 1..63 chars of [A-Za-z0-9._-], not starting with '.'.
Result<bool> validate_channel_name(std::string_view name);
std::uint64_t wall_clock_ns() noexcept;  // CLOCK_REALTIME in ns (heartbeat unit)

namespace detail {
template <class T>
PayloadInfo payload_info() noexcept {
  static_assert(layout::slot_layout_ok<T>());
  return PayloadInfo{PayloadTypeName<T>::value, static_cast<std::uint32_t>(sizeof(T)),
                     static_cast<std::uint32_t>(alignof(T)),
                     static_cast<std::uint32_t>(sizeof(Message<T>))};
}
template <class T>
std::span<Message<T>> slot_span(const Segment& s) noexcept {
  return {reinterpret_cast<Message<T>*>(s.slots()), static_cast<std::size_t>(s.capacity())};
}
}  // namespace detail

template <class T>
class ProducerChannel {
 public:
  static Result<ProducerChannel> create(std::string_view name, std::uint64_t capacity,
                                        const ChannelOptions& opts = {}) {
    auto seg = detail::create_segment(name, capacity, detail::payload_info<T>(), opts);
    if (!seg) return seg.error();
    // The slots are zero (fresh file); with_init makes the ring state explicit. Published to
    // receivers by publish_segment's release store of magic.
    Sender<T> sender = Sender<T>::with_init(detail::slot_span<T>(*seg));
    auto pub = detail::publish_segment(*seg);
    if (!pub) return pub.error();
    return ProducerChannel(std::move(*seg), std::move(sender));
  }

  Sender<T>& sender() noexcept { return sender_; }

  // Hot-path safe (two relaxed stores to the header's own line); call every N iterations.
  void heartbeat(std::uint64_t now_ns) noexcept {
    layout::SegmentHeader* h = seg_.header();
    // relaxed: monitoring data, read relaxed by check_producer()/inspect_channel(); no ordering.
    std::atomic_ref<std::uint64_t>(h->heartbeat_ns).store(now_ns, std::memory_order_relaxed);
    std::atomic_ref<std::uint64_t>(h->last_seq)
        .store(sender_.next_seq() - 1, std::memory_order_relaxed);
  }

  const std::string& path() const noexcept { return seg_.path(); }
  std::uint64_t epoch() const noexcept { return seg_.epoch(); }
  std::uint64_t capacity() const noexcept { return seg_.capacity(); }
  bool locked() const noexcept { return seg_.locked(); }        // mlock succeeded
  bool hugetlbfs() const noexcept { return seg_.hugetlbfs(); }  // file is on a hugetlbfs mount

 private:
  ProducerChannel(detail::Segment seg, Sender<T> sender) noexcept
      : seg_(std::move(seg)), sender_(std::move(sender)) {}
  detail::Segment seg_;
  Sender<T> sender_;
};

template <class T>
class ReceiverChannel {
 public:
  static Result<ReceiverChannel> attach(std::string_view name, const AttachOptions& opts = {}) {
    auto seg = detail::open_segment(name, opts.dir, detail::payload_info<T>(), opts.wait);
    if (!seg) return seg.error();
    const StartAt start = opts.start_at_oldest ? StartAt::kOldest : StartAt::kNext;
    Receiver<T> rx(detail::slot_span<T>(*seg), LapPolicy::kNewest, start);
    return ReceiverChannel(std::string(name), opts.dir, std::move(*seg), rx);
  }

  Receiver<T>& receiver() noexcept { return receiver_; }
  std::span<const Message<T>> slots() const noexcept { return detail::slot_span<T>(seg_); }

  // Cold; call every N polls. kRestarted: a new producer re-created the channel; the receiver now
  // reads the new segment from its oldest intact message (seqs restart), keeping its lap policy.
  // kStale: heartbeat older than stale_after. kGone: the file was removed (or replaced by an
  // incompatible one); the old mapping stays readable.
  ProducerState check_producer(std::chrono::nanoseconds stale_after) {
    dev_t dev = 0;
    ino_t ino = 0;
    if (detail::probe_file(seg_.path(), dev, ino) == 0) return ProducerState::kGone;
    if (dev != seg_.dev() || ino != seg_.ino()) {
      auto seg = detail::open_segment(name_, dir_, detail::payload_info<T>(),
                                      std::chrono::milliseconds{0});
      if (!seg) return ProducerState::kGone;
      seg_ = std::move(*seg);
      receiver_ = Receiver<T>(detail::slot_span<T>(seg_), receiver_.lap_policy(), StartAt::kOldest);
      return ProducerState::kRestarted;
    }
    // relaxed: monitoring data, pairs with ProducerChannel::heartbeat's relaxed store.
    const std::uint64_t hb =
        std::atomic_ref<std::uint64_t>(seg_.header()->heartbeat_ns).load(std::memory_order_relaxed);
    const std::uint64_t now = wall_clock_ns();
    if (now > hb && now - hb > static_cast<std::uint64_t>(stale_after.count())) {
      return ProducerState::kStale;
    }
    return ProducerState::kSame;
  }

  std::uint64_t epoch() const noexcept { return seg_.epoch(); }
  const std::string& path() const noexcept { return seg_.path(); }

 private:
  ReceiverChannel(std::string name, std::string dir, detail::Segment seg, Receiver<T> rx)
      : name_(std::move(name)), dir_(std::move(dir)), seg_(std::move(seg)), receiver_(rx) {}
  std::string name_, dir_;
  detail::Segment seg_;
  Receiver<T> receiver_;
};

}  // namespace ichannel
