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
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <ichannel/tick.hpp>
#include <optional>
#include <span>
#include <string>

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
  void publish(const Tick& tick) noexcept {
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
