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
#pragma once

#include <memory>
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

  [[gnu::always_inline]] void publish(const Tick& t) noexcept {
    ticks_.publish(t);
    if (books_ != nullptr) books_->on_tick(t);
  }

  // One packet's publishes: the tick channels through their Burst, the books per tick.
  class Burst {
   public:
    [[gnu::always_inline]] explicit Burst(FeedSink& s) noexcept
        : ticks_(s.ticks_), books_(s.books_.get()) {}
    Burst(const Burst&) = delete;
    Burst& operator=(const Burst&) = delete;

    [[gnu::always_inline]] void publish(const Tick& t) noexcept {
      ticks_.publish(t);
      if (books_ != nullptr) books_->on_tick(t);
    }

   private:
    typename Ticks::Burst ticks_;
    Books* books_;
  };

 private:
  Ticks ticks_;
  std::unique_ptr<Books> books_;
};

}  // namespace ichannel::daemon
