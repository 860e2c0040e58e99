// python/src/raw_channel.hpp: a read-only receiver of a channel whose payload type is known only
// from its header (the module's kind="raw").
//
// Contract
// - RawChannel<K>::attach(name, info, opts): opens the channel with the PayloadInfo its own
//   header declares (type name, size, alignment, slot size: from inspect_channel), so every
//   check of detail::open_segment still runs and its errors are the C++ messages. K is the
//   number of payload words a slot of that size holds (slot_size / 8 - 1); Receiver<RawWords<K>>
//   then walks the slots with the ring's own protocol (receiver.hpp): the payload words past the
//   payload size are the slot's unused words (inside the mapping), ignored by the caller.
// - The restart handling is ReceiverChannel<T>'s (channel.hpp) for a runtime PayloadInfo:
//   poll_producer() answers alive / stale / dead / draining / restarted / gone with the same
//   rules (kDrain reads the old ring to its end, kSkip switches at once; counters cumulative).
//   ReceiverChannel<T> takes its PayloadInfo from T at compile time, hence this mirror; keep the
//   two in step (probe() and switch_to_pending() below are channel.hpp's, line for line).
// - Cold attach and poll; recv_for / try_recv are the Receiver's hot calls. One thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <ichannel/channel.hpp>

namespace ichannel::python {

template <std::size_t K>
struct RawWords {
  std::uint64_t w[K];
};

template <std::size_t K>
class RawChannel {
 public:
  using Payload = RawWords<K>;
  static_assert(sizeof(Message<Payload>) == (K + 1) * 8, "K words + the state word fill the slot");

  static Result<RawChannel> attach(std::string_view name, const detail::PayloadInfo& info,
                                   const AttachOptions& opts) {
    auto seg = detail::open_segment(name, opts.dir, info, opts.wait);
    if (!seg) return seg.error();
    const StartAt start = opts.start_at_oldest ? StartAt::kOldest : StartAt::kNext;
    Receiver<Payload> rx(detail::slot_span<Payload>(*seg), opts.lap, start);
    return RawChannel(std::string(name), info, opts, std::move(*seg), rx);
  }

  Receiver<Payload>& receiver() noexcept { return receiver_; }

  template <class Rep, class Period, class Idle>
  [[nodiscard]] RecvOutcome<Payload> recv_for(std::chrono::duration<Rep, Period> timeout,
                                              Idle idle) {
    if (!pending_ || !receiver_.caught_up()) {
      if (auto r = receiver_.recv_for(timeout, idle)) {
        return RecvOutcome<Payload>{r, ProducerChange{state_, state_, seg_.epoch()}};
      }
    }
    return RecvOutcome<Payload>{std::nullopt, poll_producer()};
  }

  ProducerChange poll_producer() { return poll_producer(stale_after_); }
  ProducerChange poll_producer(std::chrono::nanoseconds stale_after) {
    const ProducerState before = state_;
    state_ = probe(stale_after, restart_ == RestartPolicy::kDrain);
    return ProducerChange{before, state_, seg_.epoch()};
  }
  [[nodiscard]] ProducerState producer_state() const noexcept { return state_; }
  std::uint64_t epoch() const noexcept { return seg_.epoch(); }
  const std::string& path() const noexcept { return seg_.path(); }
  std::uint64_t pending_epoch() const noexcept { return pending_ ? pending_->epoch() : 0; }

 private:
  RawChannel(std::string name, const detail::PayloadInfo& info, const AttachOptions& opts,
             detail::Segment seg, Receiver<Payload> rx)
      : name_(std::move(name)),
        type_name_(info.type_name),
        size_(info.size),
        align_(info.align),
        slot_size_(info.slot_size),
        dir_(opts.dir),
        seg_(std::move(seg)),
        receiver_(rx),
        restart_(opts.restart),
        stale_after_(opts.stale_after) {}

  // The PayloadInfo this channel was attached with (the view points into this object: build it
  // when needed, never keep it across a move).
  detail::PayloadInfo info() const noexcept {
    return detail::PayloadInfo{type_name_, size_, align_, slot_size_};
  }

  ProducerState probe(std::chrono::nanoseconds stale_after, bool drain) {
    if (pending_) {
      if (drain && !receiver_.caught_up()) return ProducerState::kDraining;
      switch_to_pending();
      return ProducerState::kRestarted;
    }
    dev_t dev = 0;
    ino_t ino = 0;
    if (detail::probe_file(seg_.path(), dev, ino) == 0) return ProducerState::kGone;
    if (dev != seg_.dev() || ino != seg_.ino()) {
      // The replacement must hold the same payload (same type name, size, slot size).
      auto seg = detail::open_segment(name_, dir_, info(), std::chrono::milliseconds{0});
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
    // relaxed: as above (a producer that predates heartbeat_mono_ns).
    const std::uint64_t hb =
        std::atomic_ref<std::uint64_t>(const_cast<std::uint64_t&>(h->heartbeat_ns))
            .load(std::memory_order_relaxed);
    const std::uint64_t now = wall_clock_ns();
    return now > hb && now - hb > limit ? ProducerState::kStale : ProducerState::kSame;
  }

  void switch_to_pending() {
    receiver_.skip_to_end();
    seg_ = std::move(*pending_);
    pending_.reset();
    receiver_.rebind(detail::slot_span<Payload>(seg_));
  }

  std::string name_;
  std::string type_name_;
  std::uint32_t size_ = 0, align_ = 0, slot_size_ = 0;
  std::string dir_;
  detail::Segment seg_;
  Receiver<Payload> receiver_;
  std::optional<detail::Segment> pending_;
  RestartPolicy restart_ = RestartPolicy::kDrain;
  std::chrono::nanoseconds stale_after_{std::chrono::seconds(1)};
  ProducerState state_ = ProducerState::kSame;
};

}  // namespace ichannel::python
