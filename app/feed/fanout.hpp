// feed/fanout.hpp: the record sink of one feed: each record into every channel its routes name.
//
// Contract
// - A Fanout<SenderT> holds up to kMaxOutputs outputs, each a channel Sender plus an optional
//   InstrumentFilter (the route's symbol list). publish(record) sends the record into every
//   output whose filter passes `record.instrument`, in the order the outputs were added, and
//   counts per output what it published and what its filter held back (filtered(): known symbols
//   outside the list plus locates not learned yet; the filter itself tells the two apart).
//   published() is derived, not counted per record: records seen since the output was added
//   minus filtered().
// - The record type (Record) is what SenderT sends: T for ichannel::Sender<T> (Tick for the tick
//   channels, TopOfBook for the top-of-book channels), otherwise the parameter of SenderT's
//   `send(const R&)` (tests and tools use their own senders); the second template parameter
//   names it explicitly. Record needs a `std::uint16_t instrument` member (the stock locate the
//   filters decide on; 0 = feed-wide, always passed).
// - Outputs are added on the cold path (add_output may allocate: the filter's 64 KiB decision
//   table). publish() is inline noexcept, no allocation, no lock, no syscall.
// - ItchFeed<Fanout<SenderT>> owns its Fanout (itch_feed.hpp); the filters resolve symbols
//   through that feed's SymbolTable, which must outlive them.
// - Single-threaded: the thread that owns the feed. SenderT needs `std::uint64_t send(const
//   Record&) noexcept`.
// - Burst: one packet's publishes (ItchFeed::on_walk / on_delivery), a local of the caller.
//   Burst::publish(record) does what publish(record) does, on every route shape. With
//   ichannel::Sender<Record> outputs the Burst opens one ichannel::SenderBurst per output (ring
//   pointer, mask and cursor copied into the Burst, a local whose address does not escape, so
//   the slot stores cannot alias them): the first two outputs as members of their own (kept in
//   registers when the caller's loop leaves room), the others in a local array; the filters are
//   consulted as in publish(). Instead of every send reloading the three from its Sender and
//   storing the cursor back, each Sender's cursor is written back once, when the Burst ends (ring
//   bench, one output with a receiver: 0.51-0.56x -> 0.93-0.98x the ring-shaped streaming
//   limit; docs/benchmarks.md has the figures of every shape). A Fanout in which one Sender
//   is the output of two routes publishes through publish() (two bursts on one Sender would
//   be two producers). Other sender types: publish() per record. While a Burst is open, the
//   Fanout and its senders must not be used otherwise; counters and cursors are exact once it
//   has ended.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <ichannel/sender.hpp>
#include <ichannel/tick.hpp>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>

#include "feed/instrument_filter.hpp"
#include "feed/symbols.hpp"

namespace ichannel::feed {

namespace detail {
// The record a sender sends: the parameter of its (single, non-template) send member.
template <class S, class R, class A>
A sent_arg(R (S::*)(const A&) noexcept);
template <class S, class R, class A>
A sent_arg(R (S::*)(const A&));
template <class SenderT>
using sent_record_t = decltype(sent_arg(&SenderT::send));
}  // namespace detail

template <class SenderT, class RecordT = detail::sent_record_t<SenderT>>
class Fanout {
 public:
  using Record = RecordT;
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
    for (std::size_t i = 0; i < size_; ++i)
      shared_sender_ = shared_sender_ || senders_[i] == &sender;
    senders_[size_] = &sender;
    seen_at_add_[size_] = seen_;
    any_filter_ = any_filter_ || o.filter.has_value();
    ++size_;
    return true;
  }

  // Per record: one counter and, without filters (the common route), nothing but the sends. No
  // per-output counter: published() is derived (records seen since the output was added minus
  // what its filter held back, which the filter counts anyway).
  [[gnu::always_inline]] void publish(const Record& record) noexcept {
    ++seen_;
    const std::size_t n = size_;
    if (!any_filter_) [[likely]] {
      for (std::size_t i = 0; i < n; ++i) (void)senders_[i]->send(record);
      return;
    }
    for (std::size_t i = 0; i < n; ++i) {
      Output& o = outputs_[i];
      if (o.filter && !o.filter->pass(record.instrument)) continue;  // counted inside the filter
      (void)o.sender->send(record);
    }
  }

  class Burst;

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] const Output& output(std::size_t i) const noexcept { return outputs_[i]; }
  [[nodiscard]] std::uint64_t published(std::size_t i) const noexcept {
    return seen_ - seen_at_add_[i] - filtered(i);
  }
  // Records this output did not publish: known symbols outside the list + not yet known locates.
  [[nodiscard]] std::uint64_t filtered(std::size_t i) const noexcept {
    const Output& o = outputs_[i];
    return o.filter ? o.filter->filtered() + o.filter->unknown() : 0;
  }

 private:
  // Hot: what publish() and a Burst's opening read, together.
  std::size_t size_ = 0;
  bool any_filter_ = false;
  bool shared_sender_ = false;  // one Sender is the output of two routes: no SenderBursts
  std::uint64_t seen_ = 0;      // publish() calls (a Burst adds its own when it ends)
  std::array<SenderT*, kMaxOutputs> senders_{};
  // Cold.
  std::array<std::uint64_t, kMaxOutputs> seen_at_add_{};
  std::array<Output, kMaxOutputs> outputs_{};
};

// One packet's publishes. Route shapes, decided once when the Burst opens:
// - kSenderBursts false (not ichannel senders) or a shared Sender: publish() per record;
// - otherwise lane0_/lane1_ are the SenderBursts of outputs 0 and 1 (inactive when absent),
//   more_ those of outputs 2.. (constructed for i < n_ - 2); filt0_/filt1_/more_filt_ the outputs'
//   filters (nullptr: none), read only when the route has a filter (filtered_).
template <class SenderT, class RecordT>
class Fanout<SenderT, RecordT>::Burst {
  static constexpr bool kSenderBursts = std::is_same_v<SenderT, Sender<RecordT>>;
  struct None {
    None() noexcept = default;
    explicit None(SenderT&) noexcept {}
    [[nodiscard]] static bool active() noexcept { return false; }
    std::uint64_t send(const RecordT&) noexcept { return 0; }  // never called
  };
  using Lane = std::conditional_t<kSenderBursts, SenderBurst<RecordT>, None>;
  static constexpr std::size_t kMore = kMaxOutputs - 2;

 public:
  [[gnu::always_inline]] explicit Burst(Fanout& f) noexcept
      : f_(f),
        n_(kSenderBursts && !f.shared_sender_ ? f.size_ : 0),
        filtered_(f.any_filter_),
        lane0_(open(f, n_, 0)),
        lane1_(open(f, n_, 1)),
        filt0_(filter_of(f, n_, 0)),
        filt1_(filter_of(f, n_, 1)) {
    if (n_ > 2) [[unlikely]]
      open_more();
  }
  // Adds the Burst's count to seen_; each lane then writes its cursor back (lane1_, lane0_ and
  // more_ are destroyed after this body).
  [[gnu::always_inline]] ~Burst() {
    f_.seen_ += seen_;
    if (n_ > 2) [[unlikely]]
      close_more();
  }
  Burst(const Burst&) = delete;
  Burst& operator=(const Burst&) = delete;

  [[gnu::always_inline]] void publish(const RecordT& record) noexcept {
    if constexpr (kSenderBursts) {
      if (n_ != 0) [[likely]] {
        ++seen_;
        if (!filtered_) [[likely]] {
          (void)lane0_.send(record);
          if (n_ > 1) {
            (void)lane1_.send(record);
            if (n_ > 2) [[unlikely]]
              publish_more(record);
          }
          return;
        }
        if (passes(filt0_, record)) (void)lane0_.send(record);
        if (n_ > 1) {
          if (passes(filt1_, record)) (void)lane1_.send(record);
          if (n_ > 2) [[unlikely]]
            publish_more(record);
        }
        return;
      }
    }
    f_.publish(record);  // no SenderBursts: the Fanout's own path (its counter included)
  }

 private:
  [[gnu::always_inline]] static Lane open(Fanout& f, std::size_t n, std::size_t i) noexcept {
    return i < n ? Lane(*f.senders_[i]) : Lane();
  }
  [[gnu::always_inline]] static InstrumentFilter* filter_of(Fanout& f, std::size_t n,
                                                            std::size_t i) noexcept {
    return i < n && f.outputs_[i].filter ? &*f.outputs_[i].filter : nullptr;
  }
  [[gnu::always_inline]] static bool passes(InstrumentFilter* filt,
                                            const RecordT& record) noexcept {
    return filt == nullptr || filt->pass(record.instrument);  // refusals counted in the filter
  }
  void open_more() noexcept {
    if constexpr (kSenderBursts) {
      for (std::size_t i = 2; i < n_; ++i) {
        std::construct_at(&more_[i - 2].lane, *f_.senders_[i]);
        more_filt_[i - 2] = filter_of(f_, n_, i);
      }
    }
  }
  void close_more() noexcept {
    if constexpr (kSenderBursts) {
      for (std::size_t i = 2; i < n_; ++i) std::destroy_at(&more_[i - 2].lane);  // writes back
    }
  }
  void publish_more(const RecordT& record) noexcept {
    if constexpr (kSenderBursts) {
      for (std::size_t i = 2; i < n_; ++i) {
        if (filtered_ && !passes(more_filt_[i - 2], record)) continue;
        (void)more_[i - 2].lane.send(record);
      }
    }
  }

  Fanout& f_;
  std::uint64_t seen_ = 0;  // publishes through the lanes, added to f_.seen_ at the end
  const std::size_t n_;     // outputs with a lane (0: publish() per record)
  const bool filtered_;     // some output has a filter
  Lane lane0_;
  Lane lane1_;
  InstrumentFilter* const filt0_;
  InstrumentFilter* const filt1_;
  // Outputs 2..: rare (a feed routed to more than two channels). Raw storage: lanes 2..n_-1
  // are constructed by open_more and destroyed by close_more, nothing is done per packet else.
  union MoreLane {
    MoreLane() noexcept {}
    ~MoreLane() {}
    Lane lane;
  };
  std::array<MoreLane, kMore> more_;
  std::array<InstrumentFilter*, kMore> more_filt_;
};

}  // namespace ichannel::feed
