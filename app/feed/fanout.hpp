// feed/fanout.hpp: the tick sink of one feed: each tick into every channel its routes name.
//
// Contract
// - A Fanout<SenderT> holds up to kMaxOutputs outputs, each a channel Sender plus an optional
//   InstrumentFilter (the route's symbol list). publish(tick) sends the tick into every output
//   whose filter passes it, in the order the outputs were added, and counts per output what it
//   published and what its filter held back (filtered(): known symbols outside the list plus
//   locates not learned yet; the filter itself tells the two apart). published() is derived, not
//   counted per tick: ticks seen since the output was added minus filtered().
// - Outputs are added on the cold path (add_output may allocate: the filter's 64 KiB decision
//   table). publish() is inline noexcept, no allocation, no lock, no syscall.
// - ItchFeed<Fanout<SenderT>> owns its Fanout (itch_feed.hpp); the filters resolve symbols
//   through that feed's SymbolTable, which must outlive them.
// - Single-threaded: the thread that owns the feed. SenderT needs `std::uint64_t send(const
//   Tick&) noexcept` (ichannel::Sender<Tick>; tests and tools use their own).
// - Burst: one packet's publishes (ItchFeed::on_walk / on_delivery), a local of the caller.
//   Burst::publish(tick) does what publish(tick) does; on the common route (exactly one output,
//   no filter) with ichannel::Sender<Tick> outputs, the Burst holds that sender's ring pointer,
//   mask and cursor (ichannel::SenderBurst) in registers until it ends, instead of every send
//   reloading them from the Sender and storing the cursor back (ring bench, the same shape with
//   a receiver: 0.51-0.56x -> 0.93-0.98x the ring-shaped streaming limit, docs/benchmarks.md). While a Burst is open, the Fanout and its
//   senders must not be used otherwise; counters and cursors are exact once it has ended.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <ichannel/sender.hpp>
#include <ichannel/tick.hpp>
#include <optional>
#include <span>
#include <string>
#include <type_traits>

#include "feed/instrument_filter.hpp"
#include "feed/symbols.hpp"

namespace ichannel::feed {

template <class SenderT>
class Fanout {
 public:
  static constexpr std::size_t kMaxOutputs = 16;

  // One output (its sender is also in senders_, which the unfiltered path walks).
  struct Output {
    SenderT* sender = nullptr;
    std::size_t channel = 0;  // the caller's channel index (the daemon's statistics row)
    std::optional<InstrumentFilter> filter;
  };

  // symbols empty: no filter. Throws std::invalid_argument for a bad symbol (a validated config
  // has none), returns false when all kMaxOutputs outputs are taken.
  bool add_output(SenderT& sender, std::size_t channel, const SymbolTable& table,
                  std::span<const std::string> symbols) {
    if (size_ == outputs_.size()) return false;
    Output& o = outputs_[size_];
    o.sender = &sender;
    o.channel = channel;
    if (!symbols.empty()) {
      o.filter.emplace(table, symbols);
    } else {
      o.filter.reset();
    }
    senders_[size_] = &sender;
    seen_at_add_[size_] = seen_;
    any_filter_ = any_filter_ || o.filter.has_value();
    ++size_;
    return true;
  }

  // Per tick: one counter and, without filters (the common route), nothing but the sends. No
  // per-output counter: published() is derived (ticks seen since the output was added minus what
  // its filter held back, which the filter counts anyway).
  [[gnu::always_inline]] void publish(const Tick& tick) noexcept {
    ++seen_;
    const std::size_t n = size_;
    if (!any_filter_) [[likely]] {
      for (std::size_t i = 0; i < n; ++i) (void)senders_[i]->send(tick);
      return;
    }
    for (std::size_t i = 0; i < n; ++i) {
      Output& o = outputs_[i];
      if (o.filter && !o.filter->pass(tick)) continue;  // counted inside the filter
      (void)o.sender->send(tick);
    }
  }

  class Burst {
   public:
    [[gnu::always_inline]] explicit Burst(Fanout& f) noexcept : f_(f), one_(open(f)) {}
    [[gnu::always_inline]] ~Burst() { f_.seen_ += one_seen_; }  // then one_ writes its cursor back
    Burst(const Burst&) = delete;
    Burst& operator=(const Burst&) = delete;

    [[gnu::always_inline]] void publish(const Tick& tick) noexcept {
      if constexpr (kSenderBurst) {
        if (one_.active()) [[likely]] {
          ++one_seen_;
          (void)one_.send(tick);
          return;
        }
      }
      f_.publish(tick);
    }

   private:
    static constexpr bool kSenderBurst = std::is_same_v<SenderT, Sender<Tick>>;
    struct None {
      [[nodiscard]] static bool active() noexcept { return false; }
    };
    using One = std::conditional_t<kSenderBurst, SenderBurst<Tick>, None>;
    [[gnu::always_inline]] static One open(Fanout& f) noexcept {
      if constexpr (kSenderBurst) {
        return f.size_ == 1 && !f.any_filter_ ? One(*f.senders_[0]) : One();
      } else {
        return One{};
      }
    }
    Fanout& f_;
    std::uint64_t one_seen_ = 0;  // publishes through one_, added to seen_ at the end
    One one_;  // active on the common route with ichannel senders
  };

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] const Output& output(std::size_t i) const noexcept { return outputs_[i]; }
  [[nodiscard]] std::uint64_t published(std::size_t i) const noexcept {
    return seen_ - seen_at_add_[i] - filtered(i);
  }
  // Ticks this output did not publish: known symbols outside the list + not yet known locates.
  [[nodiscard]] std::uint64_t filtered(std::size_t i) const noexcept {
    const Output& o = outputs_[i];
    return o.filter ? o.filter->filtered() + o.filter->unknown() : 0;
  }

 private:
  // Hot: what publish() reads, together.
  std::size_t size_ = 0;
  bool any_filter_ = false;
  std::uint64_t seen_ = 0;  // publish() calls
  std::array<SenderT*, kMaxOutputs> senders_{};
  // Cold.
  std::array<std::uint64_t, kMaxOutputs> seen_at_add_{};
  std::array<Output, kMaxOutputs> outputs_{};
};

}  // namespace ichannel::feed
