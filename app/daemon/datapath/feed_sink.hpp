// daemon/datapath/feed_sink.hpp: what a feed publishes into on its RX lcore: its tick channels
// (feed::Fanout) and, when the feed has books, its BookStage (book_stage.hpp) right after.
//
// Contract
// - The sink of ItchFeed (itch_feed.hpp "Sink"): publish(tick) and a nested Burst, both inline
//   noexcept. Each tick goes first into every tick channel of the feed's routes (ticks(), the
//   Fanout and its fast per-packet Burst), then into the BookStage, if any: a tick is in its
//   channels before the book table says it was applied (the hand-over's order, book_stage.hpp).
// - enable_books() on the cold path, before the loop runs; books() is nullptr for a feed
//   without books. Single-threaded: the feed's lcore.
// - Code shape (measured, docs/benchmarks.md section 1 "Issue 10", 6): the books are one
//   out-of-line call per tick (on_books) that takes the tick as 8-byte words, as Fanout's
//   publish_plain does. With BookStage::on_tick inlined into the per-packet loop, the loop of a
//   feed without books ran at 0.26-0.29x the ring-shaped limit (fanout-1: 0.92-1.01x): the
//   Fanout lanes and the tick went to the stack. Passing the tick's address to the call has
//   the same effect (GCC then builds every tick in memory). A feed with books pays the call per
//   tick (stage_books) and one per packet (flush_books).
// - Inside a packet (Burst) the books run per packet: each tick is staged after its publish and
//   the packet's ticks are applied when the Burst ends (BookStage::stage / flush), so a tick's
//   book work comes after the rest of its packet was decoded and published (the tick channels
//   never wait for the books). publish() outside a Burst applies its tick at once.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <type_traits>
#include <utility>

#include <ichannel/sender.hpp>
#include <ichannel/tick.hpp>
#include <ichannel/top_of_book.hpp>

#include "daemon/datapath/book_stage.hpp"
#include "feed/fanout.hpp"

namespace ichannel::daemon {

template <class SenderT, class TobSenderT = Sender<TopOfBook>>
class FeedSink {
 public:
  using Ticks = feed::Fanout<SenderT>;
  using Books = BookStage<TobSenderT>;

  [[nodiscard]] Ticks& ticks() noexcept { return ticks_; }
  [[nodiscard]] const Ticks& ticks() const noexcept { return ticks_; }
  [[nodiscard]] Books* books() const noexcept { return books_.get(); }
  void enable_books(std::unique_ptr<Books> books) noexcept { books_ = std::move(books); }
  // Cold: tick output `output` (ticks().add_output order) takes the snapshot's resting orders
  // at a hand-over (routes[].snapshot_orders).
  void set_snapshot_orders(std::size_t output) noexcept {
    if (output < snapshot_orders_.size()) snapshot_orders_[output] = true;
    any_snapshot_orders_ = true;
  }

  // Cold, the RX lcore's housekeeping: the books' snapshot port, if any
  // (BookStage::service_snapshot), publishing the hand-over's tick records into this feed's
  // tick channels. True when the books were replaced.
  bool service_snapshot() noexcept {
    Books* b = books_.get();
    if (b == nullptr || b->snapshot_port() == nullptr) return false;
    return b->service_snapshot([this](const Tick& t) { ticks_.publish(t); },
                               [this](const Tick& t) {
                                 ticks_.publish_some(
                                     t, [this](std::size_t i) { return snapshot_orders_[i]; });
                               },
                               any_snapshot_orders_);
  }

  [[gnu::always_inline]] void publish(const Tick& t) noexcept {
    ticks_.publish(t);
    if (Books* b = books_.get(); b != nullptr) [[unlikely]]
      on_books(*b, words_of(t));
  }

  // One packet's publishes: the tick channels through their Burst; the books stage each tick
  // and apply the packet's when the Burst ends (BookStage::stage / flush: the misses of the
  // packet's ticks overlap). Every tick is in its channels before its book work starts.
  class Burst {
   public:
    [[gnu::always_inline]] explicit Burst(FeedSink& s) noexcept
        : ticks_(s.ticks_), books_(s.books_.get()) {}
    Burst(const Burst&) = delete;
    Burst& operator=(const Burst&) = delete;
    [[gnu::always_inline]] ~Burst() {
      if (books_ != nullptr && books_->staged()) [[unlikely]]
        flush_books(*books_);
    }

    [[gnu::always_inline]] void publish(const Tick& t) noexcept {
      ticks_.publish(t);
      if (books_ != nullptr) [[unlikely]]
        stage_books(*books_, words_of(t));
    }

   private:
    typename Ticks::Burst ticks_;
    Books* books_;
  };

 private:
  static_assert(std::has_unique_object_representations_v<Tick>, "Tick has no padding bytes");
  // The tick as 8-byte words, read the way Message::store_payload reads it, so the caller's tick
  // stays in registers (Fanout::Burst::words_of).
  struct Words {
    std::uint64_t w[(sizeof(Tick) + 7) / 8];
  };
  [[gnu::always_inline]] static Words words_of(const Tick& t) noexcept {
    Words out;
    const auto* p = reinterpret_cast<const unsigned char*>(&t);
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((out.w[I] = 0,
        std::memcpy(&out.w[I], p + 8 * I, sizeof(Tick) - 8 * I < 8 ? sizeof(Tick) - 8 * I : 8)),
       ...);
    }
    (std::make_index_sequence<std::size(Words{}.w)>{});
    return out;
  }
  // The books' part of a tick, out of line (see "Code shape" above): now, or staged for the
  // packet's flush.
  [[gnu::noinline]] static void on_books(Books& b, Words words) noexcept {
    Tick t;
    std::memcpy(&t, words.w, sizeof t);
    b.on_tick(t);
  }
  [[gnu::noinline]] static void stage_books(Books& b, Words words) noexcept {
    Tick t;
    std::memcpy(&t, words.w, sizeof t);
    b.stage(t);
  }
  [[gnu::noinline]] static void flush_books(Books& b) noexcept { b.flush(); }

  Ticks ticks_;
  std::unique_ptr<Books> books_;
  std::array<bool, Ticks::kMaxOutputs> snapshot_orders_{};
  bool any_snapshot_orders_ = false;
};

}  // namespace ichannel::daemon
