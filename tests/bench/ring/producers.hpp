// tests/bench/ring/producers.hpp: how a throughput producer builds the ticks it streams.
//
// Contract
// - Producer::kNormalizer (the default): each Tick is built the way the feed daemon builds it
//   (feed::ItchFeed::on_message + feed/itch50_normalize.hpp): `Tick t{}`, recv_ns, set_head,
//   seq, then the real feed::normalize() of one decoded ITCH message taken from a small
//   precomputed array (64 messages, the simulator's mix of the common types: 28 A, 27 D, 5 U,
//   2 E, 1 X, 1 P; L1 resident, so the producer measures building + sending, not a stream from
//   memory). Every field is written with 8-byte stores (set_head, set_exch_ns, set_tail). The
//   build is inlined into the send loop, so GCC keeps the tick in registers and send() stores
//   it straight into the slot.
// - Producer::kNormalizerLocalSender: the same ticks; the ichannel contenders move their Sender
//   into a local for the whole loop (and back afterwards), so its cursor, ring pointer and mask
//   stay in registers instead of being reloaded from the Sender object (and the cursor stored
//   into it) around every send. Diagnostic: it separates the cost of reaching the Sender through
//   memory, as the daemon's Fanout does, from the ring itself. Peers produce as kNormalizer.
// - Producer::kNormalizerBurst: the same ticks; the ichannel contenders reach their Sender by
//   reference as in kNormalizer, but open an ichannel::SenderBurst on it for every kBurst (32)
//   ticks, the way feed::Fanout does for one packet's ticks: the shape the daemon uses. Peers
//   produce as kNormalizer.
// - Producer::kFanout1 / kFanout2 / kFanout2Filtered (`fanout-1`, `fanout-2`, `fanout-2f`): the
//   kNormalizer ticks through the daemon's own sink, a feed::Fanout<Sender<Tick>> reached through
//   memory, one Fanout::Burst per kBurst ticks (as ItchFeed per packet): one output (the measured
//   ring), two unfiltered outputs (the second a ring of the same capacity that no one reads), or
//   two with the second filtered to the symbols of every eighth locate (62 of 500 symbols; 7 of
//   the 64 ticks pass, 11%).
//   The `-publish` forms call Fanout::publish() per tick instead (what a Burst did on those
//   routes before issue 11).
// - Producer::kSink1 (`sink-1`): the same ticks through the daemon's real sink,
//   daemon::FeedSink<Sender<Tick>> without books (ItchFeed's Sink), reached through memory, one
//   FeedSink::Burst per kBurst ticks, one output (the measured ring): fanout-1 plus what
//   FeedSink adds per tick. The ichannel contenders only (ichannel_contenders.hpp); peers
//   produce as kNormalizer into their one queue.
// - Producer::kNormalizerInMemory: the same ticks, built by a function that is not inlined, so
//   the tick is written to the stack (GCC zeroes `t{}` with vector stores, then the fields) and
//   send() reads it back: the shape of a producer whose tick passes through code the compiler
//   does not inline (e.g. a non-inlined Fanout::publish(const Tick&)).
// - Producer::kFields: make_tick(i) (contender.hpp), plain field-by-field assignment including
//   the four narrow fields of the last word: the worst case a hand-written producer may be.
// - TickSource::run(n, send) calls send(tick) for i = 0..n-1 with tick.seq == i (the consumers
//   stop at seq n - 1); run(first, n, send) for i = first..first+n-1. always_inline, so the
//   shape of the loop does not depend on GCC's inliner. The kind is switched once, outside the
//   loop; the loop is inlined into the caller's send. Every contender of a run uses the same
//   producer.
// - Benchmark code; the array is built (cold) when the source is constructed, before timing.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <ichannel/tick.hpp>
#include "feed/itch50_normalize.hpp"
#include "tests/bench/ring/contender.hpp"

namespace ringbench {

inline const char* producer_name(Producer p) noexcept {
  switch (p) {
    case Producer::kNormalizer:
      return "normalizer";
    case Producer::kNormalizerLocalSender:
      return "normalizer-local";
    case Producer::kNormalizerBurst:
      return "normalizer-burst";
    case Producer::kNormalizerInMemory:
      return "normalizer-mem";
    case Producer::kFanout1:
      return "fanout-1";
    case Producer::kFanout2:
      return "fanout-2";
    case Producer::kFanout2Filtered:
      return "fanout-2f";
    case Producer::kFanout1Publish:
      return "fanout-1-publish";
    case Producer::kFanout2Publish:
      return "fanout-2-publish";
    case Producer::kFanout2FilteredPublish:
      return "fanout-2f-publish";
    case Producer::kSink1:
      return "sink-1";
    case Producer::kFields:
      break;
  }
  return "fields";
}

class TickSource {
 public:
  explicit TickSource(Producer kind) : kind_(kind), msgs_(kMessages) {
    namespace itch = ichannel::feed::itch;
    // 64 slots: 28 A, 27 D, 5 U, 2 E, 1 X, 1 P, interleaved the way a day's stream mixes them.
    static constexpr char kMix[] =
        "ADADAUDADADEADADAUDADADAXDADADAUDADADAEDADAUDADADAPDADAUDADADADA";
    static_assert(sizeof kMix - 1 == kMessages);
    for (std::size_t k = 0; k < kMessages; ++k) {
      Decoded& d = msgs_[k];
      d.type = kMix[k];
      const auto locate = static_cast<std::uint16_t>(1 + (k * 37) % 500);
      const std::uint64_t ts = 34'200'000'000'000ull + k * 1'234;
      const std::uint64_t ref = 1'000'000 + k * 7;
      d.add.stock_locate = d.del.stock_locate = d.rep.stock_locate = d.exe.stock_locate =
          d.cxl.stock_locate = d.trd.stock_locate = locate;
      d.add.timestamp = d.del.timestamp = d.rep.timestamp = d.exe.timestamp = d.cxl.timestamp =
          d.trd.timestamp = ts;
      d.add.order_reference_number = ref;
      d.add.buy_sell_indicator = k % 2 != 0 ? 'B' : 'S';
      d.add.shares = static_cast<std::uint32_t>(100 * (1 + k % 9));
      d.add.price = static_cast<std::uint32_t>(1'000'000 + k * 100);
      d.del.order_reference_number = ref - 3;
      d.rep.original_order_reference_number = ref - 5;
      d.rep.new_order_reference_number = ref + 5;
      d.rep.shares = 200;
      d.rep.price = static_cast<std::uint32_t>(1'000'100 + k);
      d.exe.order_reference_number = ref - 1;
      d.exe.executed_shares = 100;
      d.exe.match_number = 50'000 + k;
      d.cxl.order_reference_number = ref - 2;
      d.cxl.cancelled_shares = 50;
      d.trd.order_reference_number = 0;
      d.trd.buy_sell_indicator = 'B';
      d.trd.shares = 300;
      d.trd.price = 999'900;
      d.trd.match_number = 60'000 + k;
    }
  }

  [[nodiscard]] Producer kind() const noexcept { return kind_; }

  static constexpr std::size_t kBurst = 32;

  template <class Send>
  [[gnu::always_inline]] void run(std::size_t n, Send&& send) const noexcept {
    run(0, n, send);
  }

  template <class Send>
  [[gnu::always_inline]] void run(std::size_t first, std::size_t n, Send&& send) const noexcept {
    const std::size_t end = first + n;
    if (kind_ == Producer::kFields) {
      for (std::size_t i = first; i < end; ++i) send(make_tick(i));
      return;
    }
    if (kind_ == Producer::kNormalizerInMemory) {
      for (std::size_t i = first; i < end; ++i) send(normalized_in_memory(i));
      return;
    }
    for (std::size_t i = first; i < end; ++i) send(normalized(i));
  }

 private:
  static constexpr std::size_t kMessages = 64;

  struct Decoded {
    char type = 0;
    ichannel::feed::itch::AddOrder add;
    ichannel::feed::itch::OrderDelete del;
    ichannel::feed::itch::OrderReplace rep;
    ichannel::feed::itch::OrderExecuted exe;
    ichannel::feed::itch::OrderCancel cxl;
    ichannel::feed::itch::Trade trd;
  };

  // As ItchFeed::on_message: zeroed tick, receive stamp, head word, sequence, then normalize.
  [[nodiscard, gnu::always_inline]] ichannel::Tick normalized(std::uint64_t i) const noexcept {
    using ichannel::feed::normalize;
    const Decoded& d = msgs_[i % kMessages];
    ichannel::Tick t{};
    t.recv_ns = 1'700'000'000'000'000'000ull + i;
    ichannel::set_head(t, 0, 0, 0);
    t.seq = i;
    switch (d.type) {
      case 'A':
        (void)normalize(d.add, t);
        break;
      case 'D':
        (void)normalize(d.del, t);
        break;
      case 'U':
        (void)normalize(d.rep, t);
        break;
      case 'E':
        (void)normalize(d.exe, t);
        break;
      case 'X':
        (void)normalize(d.cxl, t);
        break;
      default:
        (void)normalize(d.trd, t);
        break;
    }
    return t;
  }

  // The same tick, built out of line: returned through memory (the caller's stack).
  [[nodiscard, gnu::noinline]] ichannel::Tick normalized_in_memory(std::uint64_t i) const noexcept {
    return normalized(i);
  }

  Producer kind_;
  // On the heap, like decoded packets (an array inside the object put 16 KB on the producer's
  // stack next to the Sender).
  std::vector<Decoded> msgs_;
};

}  // namespace ringbench
