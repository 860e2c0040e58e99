// app/daemon/publisher.hpp: the tick sink of one feed: fans each tick out to its channels.
//
// Contract
// - A Publisher holds up to kMaxOutputsPerFeed outputs, each a channel Sender plus an optional
//   InstrumentFilter (the route's symbol list). publish(tick) sends the tick into every output
//   whose filter passes it, in route order, and counts published / filtered per output.
// - Outputs are added on the cold path (add_output may allocate: the filter's 64 KiB decision
//   table). publish() is inline noexcept, no allocation, no lock, no syscall.
// - Single-threaded: the RX loop that owns the feed. SenderT needs `std::uint64_t send(const
//   Tick&) noexcept` (ichannel::Sender<Tick>; tests use a recording fake).
// - PublisherSink is the small copyable functor handed to FeedHandler<PublisherSink>; it points
//   at a Publisher that must outlive the handler.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <ichannel/tick.hpp>

#include "feed/instrument_filter.hpp"
#include "feed/symbols.hpp"
#include "plan.hpp"

namespace ichannel::daemon {

template <class SenderT>
class Publisher {
 public:
  struct Output {
    SenderT* sender = nullptr;
    std::size_t channel = 0;  // Config::channels index (for statistics)
    std::optional<feed::InstrumentFilter> filter;
    std::uint64_t published = 0;
  };

  // symbols empty: no filter. Throws std::invalid_argument for a bad symbol (config validated
  // them already), returns false when the output table is full.
  bool add_output(SenderT& sender, std::size_t channel, const feed::SymbolTable& table,
                  std::span<const std::string> symbols) {
    if (size_ == outputs_.size()) return false;
    Output& o = outputs_[size_];
    o.sender = &sender;
    o.channel = channel;
    o.published = 0;
    if (!symbols.empty()) {
      o.filter.emplace(table, symbols);
    } else {
      o.filter.reset();
    }
    ++size_;
    return true;
  }

  void publish(const Tick& tick) noexcept {
    for (std::size_t i = 0; i < size_; ++i) {
      Output& o = outputs_[i];
      if (o.filter && !o.filter->pass(tick)) continue;  // counted inside the filter
      (void)o.sender->send(tick);
      ++o.published;
    }
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] const Output& output(std::size_t i) const noexcept { return outputs_[i]; }
  // Ticks this output did not publish: known symbols outside the list + not yet known locates.
  [[nodiscard]] std::uint64_t filtered(std::size_t i) const noexcept {
    const Output& o = outputs_[i];
    return o.filter ? o.filter->filtered() + o.filter->unknown() : 0;
  }

 private:
  std::array<Output, kMaxOutputsPerFeed> outputs_{};
  std::size_t size_ = 0;
};

template <class SenderT>
struct PublisherSink {
  Publisher<SenderT>* publisher = nullptr;
  void operator()(const Tick& tick) const noexcept { publisher->publish(tick); }
};

}  // namespace ichannel::daemon
