// ichannel/channel.hpp: named broadcast channels in (hugepage) shared memory.
//
// Contract
// - ProducerChannel<T>::create(name, capacity): creates <dir>/<name> (dir: ChannelOptions::dir or
//   default_channel_dir()), mode 0640 by default, optional group, pre-faulted and mlocked, and
//   returns the owner of the read-write mapping and its Sender. Re-creating a name (producer
//   restart) builds a new file with a new epoch and renames it over the old one: receivers that
//   still map the old file keep a valid mapping and learn of the restart from poll_producer().
// - ReceiverChannel<T>::attach(name): opens the file O_RDONLY, maps it PROT_READ, checks every
//   header field against T and returns the mapping with its Receiver (AttachOptions: start,
//   lap policy, restart policy, stale_after). Waits up to AttachOptions::wait for a channel that
//   does not exist yet. Never writes, truncates or resizes anything.
// - Producer liveness needs no clock: poll_producer() asks detail::Segment::producer_alive() of
//   the mapped epoch (the producer's kernel lock on its file). Staleness (alive but silent) is
//   judged on the monotonic heartbeat (layout.hpp heartbeat_mono_ns, steady_clock).
// - Restarts keep the receiver's contract: lost()/skipped() are cumulative across epochs; with
//   RestartPolicy::kDrain the old ring is read to its end before the switch, with kSkip (and
//   the legacy check_producer) what was not read is counted, never dropped silently.
// - create/attach/check_producer/poll_producer/inspect/list are cold (allocate, syscalls).
//   sender(), receiver() and heartbeat() are hot-path safe; recv_for() spins like
//   Receiver::recv_for and polls the producer only when its timeout elapses. One thread per
//   object at a time.
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

// The producer of a channel as a ReceiverChannel sees it. The first four are the original
// enumerators (values unchanged); the legacy check_producer() returns only those (kDead is
// reported as kStale there, kDraining never happens there: it switches at once).
enum class ProducerState {
  kSame,       // alive: the producer of the mapped epoch runs and its heartbeat is fresh
  kRestarted,  // this poll switched the receiver to a new producer's epoch (reported once)
  kStale,      // the producer runs, but its heartbeat is older than stale_after
  kGone,       // the file was removed or replaced by an incompatible one; the old mapping stays
  kDead,       // the producer of the mapped epoch no longer runs; no replacement published yet
  kDraining,   // a new producer replaced the file; the receiver still reads the old epoch's
               // unread messages and switches (kRestarted) once it has read them all
  kAlive = kSame,
};

[[nodiscard]] constexpr const char* to_string(ProducerState s) noexcept {
  switch (s) {
    case ProducerState::kSame: return "alive";
    case ProducerState::kRestarted: return "restarted";
    case ProducerState::kStale: return "stale";
    case ProducerState::kGone: return "gone";
    case ProducerState::kDead: return "dead";
    case ProducerState::kDraining: return "draining";
  }
  return "?";
}

// One poll_producer() answer: the state before and after this poll and the epoch read now.
struct ProducerChange {
  ProducerState from = ProducerState::kSame;
  ProducerState to = ProducerState::kSame;
  std::uint64_t epoch = 0;
  [[nodiscard]] bool changed() const noexcept { return from != to; }
};

// ReceiverChannel::recv_for's outcome: a message, or (timeout) what the producer is doing.
template <class T>
struct RecvOutcome {
  std::optional<Received<T>> message;  // empty: the timeout elapsed without a message
  ProducerChange producer;             // after a timeout: poll_producer(); else from == to
  explicit operator bool() const noexcept { return message.has_value(); }
};

struct ChannelInfo {
  std::string name, path, type_name;
  std::uint32_t payload_size = 0, payload_align = 0, slot_size = 0;
  std::uint64_t capacity = 0, epoch = 0;
  std::int32_t producer_pid = 0;
  std::uint64_t heartbeat_ns = 0, last_seq = 0;
  std::uint64_t heartbeat_mono_ns = 0;  // CLOCK_MONOTONIC of the last heartbeat; 0: old producer
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
std::uint64_t wall_clock_ns() noexcept;  // CLOCK_REALTIME in ns (heartbeat_ns, display only)
// CLOCK_MONOTONIC in ns (std::chrono::steady_clock on Linux): the heartbeat_mono_ns unit.
inline std::uint64_t monotonic_ns() noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

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
    // A fresh channel counts as a heartbeat: stale only stale_after after creation.
    seg->header()->heartbeat_mono_ns = monotonic_ns();
    // The slots are zero (fresh file); with_init makes the ring state explicit. Published to
    // receivers by publish_segment's release store of magic.
    Sender<T> sender = Sender<T>::with_init(detail::slot_span<T>(*seg));
    auto pub = detail::publish_segment(*seg);
    if (!pub) return pub.error();
    return ProducerChannel(std::move(*seg), std::move(sender));
  }

  Sender<T>& sender() noexcept { return sender_; }

  // The monotonic heartbeat (receivers judge staleness on it); call every N iterations. Three
  // relaxed stores to the header's own line, plus one vDSO read of CLOCK_REALTIME for the
  // display-only wall-clock field.
  void heartbeat(std::chrono::steady_clock::time_point now) noexcept {
    store_heartbeat(
        static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count()),
        wall_clock_ns());
  }
  void heartbeat() noexcept { heartbeat(std::chrono::steady_clock::now()); }
  // The original form: a CLOCK_REALTIME value (display), the monotonic one is read here.
  [[deprecated("use heartbeat(std::chrono::steady_clock::now()) or heartbeat()")]]
  void heartbeat(std::uint64_t wall_now_ns) noexcept {
    store_heartbeat(monotonic_ns(), wall_now_ns);
  }

  const std::string& path() const noexcept { return seg_.path(); }
  std::uint64_t epoch() const noexcept { return seg_.epoch(); }
  std::uint64_t capacity() const noexcept { return seg_.capacity(); }
  bool locked() const noexcept { return seg_.locked(); }        // mlock succeeded
  bool hugetlbfs() const noexcept { return seg_.hugetlbfs(); }  // file is on a hugetlbfs mount

 private:
  void store_heartbeat(std::uint64_t mono_ns, std::uint64_t wall_ns) noexcept {
    layout::SegmentHeader* h = seg_.header();
    // relaxed: monitoring data, read relaxed by poll_producer()/inspect_channel(); no ordering.
    std::atomic_ref<std::uint64_t>(h->heartbeat_mono_ns).store(mono_ns, std::memory_order_relaxed);
    std::atomic_ref<std::uint64_t>(h->heartbeat_ns).store(wall_ns, std::memory_order_relaxed);
    std::atomic_ref<std::uint64_t>(h->last_seq)
        .store(sender_.next_seq() - 1, std::memory_order_relaxed);
  }

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
    Receiver<T> rx(detail::slot_span<T>(*seg), opts.lap, start);
    return ReceiverChannel(std::string(name), opts, std::move(*seg), rx);
  }

  Receiver<T>& receiver() noexcept { return receiver_; }
  std::span<const Message<T>> slots() const noexcept { return detail::slot_span<T>(seg_); }

  // The next message within `timeout` (spins like Receiver::recv_for; the producer is not
  // looked at while messages flow), or, when the timeout elapses, poll_producer()'s answer.
  // While draining a replaced ring, a call that finds the old ring read to its end polls at once
  // (the switch, kRestarted) instead of waiting for the timeout.
  template <class Rep, class Period, class Idle = BusySpin>
  [[nodiscard]] RecvOutcome<T> recv_for(std::chrono::duration<Rep, Period> timeout,
                                        Idle idle = Idle{}) {
    if (!pending_ || !receiver_.caught_up()) {
      if (auto r = receiver_.recv_for(timeout, idle)) {
        return RecvOutcome<T>{r, ProducerChange{state_, state_, seg_.epoch()}};
      }
    }
    return RecvOutcome<T>{std::nullopt, poll_producer()};
  }

  // Cold (a stat, a lock probe, a clock read); call it when recv_for times out or every N polls.
  // Reports the state after this poll and the one before it (alive -> stale -> dead ->
  // draining -> restarted, or gone). A replaced file (new producer, new epoch) is handled by
  // AttachOptions::restart: kDrain keeps reading the old ring (kDraining) until it is read to
  // its end, then switches to the new epoch from its oldest intact message (kRestarted);
  // kSkip switches at once and counts what was unread. lost()/skipped() stay cumulative.
  ProducerChange poll_producer() { return poll_producer(stale_after_); }
  ProducerChange poll_producer(std::chrono::nanoseconds stale_after) {
    const ProducerState before = state_;
    state_ = probe(stale_after, restart_ == RestartPolicy::kDrain);
    return ProducerChange{before, state_, seg_.epoch()};
  }
  // The state the last poll reported (kSame before the first).
  [[nodiscard]] ProducerState producer_state() const noexcept { return state_; }

  // The original check (kept; poll_producer is the full one). Never drains: a replaced file is
  // switched to at once (kRestarted) and the old ring's unread messages are counted in
  // skipped()/lost(). A dead producer is reported as kStale. Returns only kSame, kRestarted,
  // kStale and kGone.
  ProducerState check_producer(std::chrono::nanoseconds stale_after) {
    state_ = probe(stale_after, false);
    return state_ == ProducerState::kDead ? ProducerState::kStale : state_;
  }

  std::uint64_t epoch() const noexcept { return seg_.epoch(); }
  const std::string& path() const noexcept { return seg_.path(); }
  // The epoch of the replacement file waiting for the old ring to be drained (0: none).
  std::uint64_t pending_epoch() const noexcept { return pending_ ? pending_->epoch() : 0; }

 private:
  ReceiverChannel(std::string name, const AttachOptions& opts, detail::Segment seg,
                  Receiver<T> rx)
      : name_(std::move(name)),
        dir_(opts.dir),
        seg_(std::move(seg)),
        receiver_(rx),
        restart_(opts.restart),
        stale_after_(opts.stale_after) {}

  ProducerState probe(std::chrono::nanoseconds stale_after, bool drain) {
    if (pending_) {  // the file was replaced earlier: switch once the old ring is read
      if (drain && !receiver_.caught_up()) return ProducerState::kDraining;
      switch_to_pending();
      return ProducerState::kRestarted;
    }
    dev_t dev = 0;
    ino_t ino = 0;
    if (detail::probe_file(seg_.path(), dev, ino) == 0) return ProducerState::kGone;
    if (dev != seg_.dev() || ino != seg_.ino()) {
      auto seg = detail::open_segment(name_, dir_, detail::payload_info<T>(),
                                      std::chrono::milliseconds{0});
      if (!seg) return ProducerState::kGone;
      pending_.emplace(std::move(*seg));
      if (drain && !receiver_.caught_up()) return ProducerState::kDraining;
      switch_to_pending();
      return ProducerState::kRestarted;
    }
    if (!seg_.producer_alive()) return ProducerState::kDead;
    const layout::SegmentHeader* h = seg_.header();
    const auto limit = static_cast<std::uint64_t>(stale_after.count());
    // relaxed: monitoring data, pairs with ProducerChannel::heartbeat's relaxed stores.
    const std::uint64_t mono =
        std::atomic_ref<std::uint64_t>(const_cast<std::uint64_t&>(h->heartbeat_mono_ns))
            .load(std::memory_order_relaxed);
    if (mono != 0) {
      const std::uint64_t now = monotonic_ns();
      return now > mono && now - mono > limit ? ProducerState::kStale : ProducerState::kSame;
    }
    // A producer that predates heartbeat_mono_ns: only its wall-clock heartbeat exists.
    const std::uint64_t hb = std::atomic_ref<std::uint64_t>(const_cast<std::uint64_t&>(h->heartbeat_ns))
                                 .load(std::memory_order_relaxed);
    const std::uint64_t now = wall_clock_ns();
    return now > hb && now - hb > limit ? ProducerState::kStale : ProducerState::kSame;
  }

  // Leaves the old ring (whatever is still unread there is counted, not dropped) and continues
  // on the replacement from its oldest intact message, counters cumulative.
  void switch_to_pending() {
    receiver_.skip_to_end();
    seg_ = std::move(*pending_);  // unmaps the old file
    pending_.reset();
    receiver_.rebind(detail::slot_span<T>(seg_));
  }

  std::string name_, dir_;
  detail::Segment seg_;
  Receiver<T> receiver_;
  std::optional<detail::Segment> pending_;  // a replacement waiting for the drain
  RestartPolicy restart_ = RestartPolicy::kDrain;
  std::chrono::nanoseconds stale_after_{std::chrono::seconds(1)};
  ProducerState state_ = ProducerState::kSame;
};

}  // namespace ichannel
