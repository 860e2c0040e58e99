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
//   ichannel::Sender<Record> outputs and a route of one or two outputs, filtered or not, the
//   Burst opens an ichannel::SenderBurst on each (ring pointer, mask and cursor copied into the
//   Burst, a local whose address does not escape, so the slot stores cannot alias them and the
//   compiler keeps them in registers) instead of every send reloading the three from its Sender
//   and storing the cursor back; each cursor is written back once, when the Burst ends. Routes
//   of three or more outputs (four lanes were tried: the one-output route fell to 0.25x the
//   limit, the tick then built in memory), a Sender shared by two outputs (two bursts on one
//   Sender would be two producers) and other sender types publish through publish() per
//   record. docs/benchmarks.md has the figures.
//   While a Burst is open, the Fanout and its senders must not be used otherwise; counters and
//   cursors are exact once it has ended.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ichannel/sender.hpp>
#include <ichannel/tick.hpp>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

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

  // Cold: a record only some outputs take (the snapshot's resting orders go only to routes with
  // snapshot_orders): sent to output i when select(i) and its filter passes, in output order,
  // and counted in published(i) like any other.
  template <class Select>
  void publish_some(const Record& record, Select&& select) noexcept {
    for (std::size_t i = 0; i < size_; ++i) {
      if (!select(i)) continue;
      ++extra_seen_[i];
      Output& o = outputs_[i];
      if (o.filter && !o.filter->pass(record.instrument)) continue;  // counted inside the filter
      (void)o.sender->send(record);
    }
  }

  class Burst;

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] const Output& output(std::size_t i) const noexcept { return outputs_[i]; }
  [[nodiscard]] std::uint64_t published(std::size_t i) const noexcept {
    return seen_ - seen_at_add_[i] + extra_seen_[i] - filtered(i);
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
  std::array<std::uint64_t, kMaxOutputs> extra_seen_{};  // publish_some records offered
  std::array<Output, kMaxOutputs> outputs_{};
};

// One packet's publishes. Route shapes, decided once when the Burst opens:
// - kSenderBursts false (not ichannel senders): publish() per record;
// - otherwise, on a route of one or two outputs without a shared Sender, lane0_/lane1_ are the
//   SenderBursts of outputs 0 and 1; else (or when absent) they are inactive: their next_seq()
//   is then 0 (an active one's is >= 1). slow_: the route has a filter or no lanes.
// Code shape (measured, ring bench with a receiver, normalizer-built ticks): what GCC keeps in
// registers decides the rate, and anything in the caller's loop may push the lanes or the
// record to the stack: a per-record flag, counter or cursor in memory (loaded, the cursor
// stored, per record, behind the slot stores in flight), publish()'s loop inline, or
// the record's address (or a by-value copy of it) passed to an out-of-line function (GCC then
// builds every record in memory). Each of these alone halved the one-output rate (0.5x the
// ring-shaped limit, as slow as sending through the Sender by reference). So: the unfiltered
// routes test one flag and lane1_'s own cursor; nothing is counted per record (seen_ is derived
// when the Burst ends: output 0's sends plus what its filter refused); the filters are inline
// (an out-of-line call taking the instrument measured slower: 0.46x on two outputs with one
// filtered, against 0.54x inline); the no-lane routes make one out-of-line call that takes the
// record as 8-byte words (publish_plain()); and the Burst holds nothing indexed at run time.
template <class SenderT, class RecordT>
class Fanout<SenderT, RecordT>::Burst {
  static constexpr bool kSenderBursts = std::is_same_v<SenderT, Sender<RecordT>>;
  struct None {
    None() noexcept = default;
    explicit None(SenderT&) noexcept {}
    [[nodiscard]] static std::uint64_t next_seq() noexcept { return 0; }
    std::uint64_t send(const RecordT&) noexcept { return 0; }  // never called
  };
  using Lane = std::conditional_t<kSenderBursts, SenderBurst<RecordT>, None>;

 public:
  [[gnu::always_inline]] explicit Burst(Fanout& f) noexcept
      : f_(f),
        slow_(f.any_filter_ || f.size_ > 2 || f.shared_sender_),
        lane0_(open(f, 0)),
        lane1_(open(f, 1)),
        start0_(lane0_.next_seq()),
        refused0_(refused(f)) {}
  // Adds what went through the lanes to seen_ (each record either went into output 0 or was
  // refused by its filter); then lane1_ and lane0_ write their cursors back.
  [[gnu::always_inline]] ~Burst() {
    if (lane0_.next_seq() != 0) f_.seen_ += lane0_.next_seq() - start0_ + (refused(f_) - refused0_);
  }
  Burst(const Burst&) = delete;
  Burst& operator=(const Burst&) = delete;

  [[gnu::always_inline]] void publish(const RecordT& record) noexcept {
    if constexpr (kSenderBursts) {
      if (slow_) [[unlikely]] {
        publish_slow(record);
        return;
      }
      (void)lane0_.send(record);  // one or two outputs, no filter
      if (lane1_.next_seq() != 0) (void)lane1_.send(record);
    } else {
      f_.publish(record);
    }
  }

 private:
  [[gnu::always_inline]] static Lane open(Fanout& f, std::size_t i) noexcept {
    return kSenderBursts && i < f.size_ && f.size_ <= 2 && !f.shared_sender_ ? Lane(*f.senders_[i])
                                                                             : Lane();
  }
  // Output 0's filter refusals so far (0 without a filter or outputs).
  [[gnu::always_inline]] static std::uint64_t refused(const Fanout& f) noexcept {
    return f.size_ != 0 ? f.filtered(0) : 0;
  }

  [[gnu::always_inline]] void publish_slow(const RecordT& record) noexcept {
    if (lane0_.next_seq() == 0) [[unlikely]] {
      // More than two outputs, a shared Sender or none. A record with padding bytes has no
      // well-defined words: it is copied (and then built in memory; Tick and TopOfBook have none).
      if constexpr (std::has_unique_object_representations_v<RecordT>) {
        publish_plain(f_, words_of(record));
      } else {
        const RecordT copy = record;
        publish_copy(f_, copy);
      }
      return;
    }
    const std::uint16_t instrument = instrument_of(record);
    const unsigned pass =
        (passes(f_.outputs_[0].filter, instrument) ? 1u : 0u) |
        (lane1_.next_seq() != 0 && passes(f_.outputs_[1].filter, instrument) ? 2u : 0u);
    if ((pass & 1u) != 0) (void)lane0_.send(record);
    if ((pass & 2u) != 0) (void)lane1_.send(record);
  }
  // A static function, not a lambda: a closure capturing the Burst (`[&]`, for f_) that GCC
  // leaves out of line (this branch is [[unlikely]]: in ichannel-feed's instantiation the
  // inliner did) takes the Burst's address, and then the lanes live in memory on every route:
  // cursor, mask and ring base loaded and the cursor stored per record, the record built on the
  // stack (docs/benchmarks.md section 1, "Issue 10", 7). Called out of line, this takes only
  // the filter.
  [[gnu::always_inline]] static bool passes(std::optional<InstrumentFilter>& filter,
                                            std::uint16_t instrument) noexcept {
    return !filter || filter->pass(instrument);
  }
  // The record as 8-byte words, read the way Message::store_payload reads it (so the compiler
  // keeps the caller's record in registers; passing its address, or a copy of it, to the
  // out-of-line publish_plain made GCC build every record in memory on the hot path too).
  struct Words {
    std::uint64_t w[(sizeof(RecordT) + 7) / 8];
  };
  [[gnu::always_inline]] static Words words_of(const RecordT& record) noexcept {
    Words out;
    const auto* p = reinterpret_cast<const unsigned char*>(&record);
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((out.w[I] = 0, std::memcpy(&out.w[I], p + 8 * I,
                                  sizeof(RecordT) - 8 * I < 8 ? sizeof(RecordT) - 8 * I : 8)),
       ...);
    }
    (std::make_index_sequence<std::size(Words{}.w)>{});
    return out;
  }
  // More than two outputs, a shared Sender or none: publish() (which counts itself).
  [[gnu::noinline]] static void publish_plain(Fanout& f, Words words) noexcept {
    RecordT record;
    std::memcpy(&record, words.w, sizeof record);
    f.publish(record);
  }
  [[gnu::noinline]] static void publish_copy(Fanout& f, const RecordT& record) noexcept {
    f.publish(record);
  }

  // record.instrument, read as part of the aligned 8-byte word that holds it: producers build
  // that word in one piece (ichannel::set_tail), and a 2-byte read of it made GCC store the word
  // to the stack for every record on the hot path (to read it back on this one).
  [[gnu::always_inline]] static std::uint16_t instrument_of(const RecordT& record) noexcept {
    constexpr std::size_t kAt = offsetof(RecordT, instrument);
    constexpr std::size_t kWord = kAt & ~std::size_t{7};
    if constexpr (std::endian::native == std::endian::little && kWord + 8 <= sizeof(RecordT) &&
                  std::has_unique_object_representations_v<RecordT> &&
                  std::is_same_v<decltype(RecordT::instrument), std::uint16_t>) {
      std::uint64_t w;
      std::memcpy(&w, reinterpret_cast<const unsigned char*>(&record) + kWord, sizeof w);
      return static_cast<std::uint16_t>(w >> (8 * (kAt - kWord)));
    } else {
      return record.instrument;
    }
  }

  Fanout& f_;
  const bool slow_;  // filters, more than two outputs, or a shared Sender
  Lane lane0_;
  Lane lane1_;
  const std::uint64_t start0_;    // lane0_'s cursor when the Burst opened
  const std::uint64_t refused0_;  // output 0's filter refusals when the Burst opened
};

}  // namespace ichannel::feed
