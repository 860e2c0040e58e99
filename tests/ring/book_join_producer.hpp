// tests/ring/book_join_producer.hpp: a synthetic feed producer for the hand-over tests
// (book_join_test.cpp, book_join_stress_test.cpp) and the check of what a joiner got.
//
// The producer keeps the daemon's order per tick: the tick into the tick channel, then the
// table entry (its "book": the sum and count of the quantities seen, as bid level 0) and
// applied(seq), then - for ticks with an odd quantity - one TopOfBook record carrying the sum.
// Feed-wide ticks (instrument 0) only advance applied(). Every step is recorded in history;
// a joiner's snapshot + records must equal that history exactly (verify_join).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include <ichannel/book_join.hpp>
#include <ichannel/book_table.hpp>
#include <ichannel/ichannel.hpp>
#include <ichannel/tick.hpp>
#include <ichannel/top_of_book.hpp>

namespace ichannel::test {

struct FeedEvent {
  std::uint64_t seq;
  std::uint16_t instrument;
  std::uint32_t qty;
  bool tob;                 // a TopOfBook record was published for it
  std::uint64_t sum_after;  // the instrument's sum after it
};

struct SyntheticFeed {
  static constexpr std::uint8_t kFeed = 2;

  ProducerChannel<Tick> ticks;
  ProducerChannel<TopOfBook> tobs;
  BookTableWriter table;
  std::vector<std::uint64_t> sum, count;
  std::vector<FeedEvent> history;
  std::uint64_t next_seq = 1;

  static Result<SyntheticFeed> create(const std::string& dir, std::uint64_t capacity,
                                      std::uint32_t instruments, std::uint64_t tob_capacity = 0) {
    ChannelOptions co;
    co.dir = dir;
    auto t = ProducerChannel<Tick>::create("ticks", capacity, co);
    if (!t) return t.error();
    auto b = ProducerChannel<TopOfBook>::create("tob", tob_capacity ? tob_capacity : capacity, co);
    if (!b) return b.error();
    BookTableOptions bo;
    bo.dir = dir;
    bo.instruments = instruments;
    bo.depth = 2;
    bo.feed_name = "synthetic";
    bo.feed_index = kFeed;
    auto w = BookTableWriter::create("books", bo);
    if (!w) return w.error();
    return SyntheticFeed{std::move(*t),
                         std::move(*b),
                         std::move(*w),
                         std::vector<std::uint64_t>(instruments, 0),
                         std::vector<std::uint64_t>(instruments, 0),
                         {},
                         1};
  }

  // The tick into its channel (only).
  std::uint64_t publish_tick(std::uint16_t instrument, std::uint32_t qty) {
    const std::uint64_t seq = next_seq++;
    Tick t{};
    t.recv_ns = seq;
    set_head(t, seq * 10, kFeed, 0);
    t.seq = seq;
    t.price = 1'000'000;
    set_tail(t, qty, instrument, Action::kAdd, Side::kBuy);
    ticks.sender().send(t);
    return seq;
  }
  // The table update and TopOfBook of a published tick (in seq order).
  void apply(std::uint64_t seq, std::uint16_t instrument, std::uint32_t qty) {
    if (instrument == 0) {
      table.applied(seq);
      history.push_back({seq, 0, qty, false, 0});
      return;
    }
    const std::uint64_t s = sum[instrument] += qty;
    const std::uint64_t n = ++count[instrument];
    table.update(instrument, seq, seq * 10, [&](BookEntryWriter& e) {
      const BookLevel l{1'000'000, s, static_cast<std::uint32_t>(n), 0};
      e.set_levels(BookSide::kBid, std::span<const BookLevel>(&l, 1));
    });
    const bool tob = (qty & 1) != 0;
    if (tob) {
      TopOfBook b{};
      b.recv_ns = seq;
      set_head(b, seq * 10, kFeed, 0);
      b.seq = seq;
      b.bid_price = 1'000'000;
      b.bid_qty = saturate_u32(s);
      b.bid_orders = saturate_u16(n);
      b.instrument = instrument;
      b.change = kTobBidChanged;
      tobs.sender().send(b);
    }
    history.push_back({seq, instrument, qty, tob, s});
  }
  // The daemon's order: tick, table, TopOfBook.
  void step(std::uint16_t instrument, std::uint32_t qty) {
    apply(publish_tick(instrument, qty), instrument, qty);
  }
  // A MoldUDP64 session start as the daemon publishes it: the kStatus 'm' tick (seq 0), the
  // table's new session with every entry cleared, the instrument-0 reset record; seq restarts
  // at 1 and the books are empty (history restarts too: it describes the current session).
  void start_session() {
    Tick t{};
    set_head(t, 0, kFeed, 0);
    t.aux = 'm';
    set_tail(t, 0, 0, Action::kStatus, static_cast<Side>('S'));
    ticks.sender().send(t);
    table.start_session("SESSION002");
    for (std::uint32_t i = 1; i < table.instruments(); ++i) {
      table.update(i, 0, 0, [&](BookEntryWriter& e) { e.set_fixed(BookEntryFixed{}); });
    }
    table.applied(0);
    TopOfBook b{};
    set_head(b, 0, kFeed, 0);
    b.change = kTobReset | kTobMarkChanged;
    tobs.sender().send(b);
    std::fill(sum.begin(), sum.end(), 0);
    std::fill(count.begin(), count.end(), 0);
    history.clear();
    next_seq = 1;
  }
};

inline std::uint64_t qty_of(const Tick& t) {
  return t.qty;
}

// Snapshot + records of every joined instrument == the producer's full history, none twice,
// none missing; feed-wide records (Tick only; they change no entry here) exactly those after
// the oldest snapshot that the channel still held, and applies() true exactly for the
// instruments whose snapshot is older.
template <class T>
::testing::AssertionResult verify_join(const JoinedBooks<T>& j, const std::vector<Received<T>>& got,
                                       const std::vector<FeedEvent>& history) {
  constexpr bool kTick = std::is_same_v<T, Tick>;
  std::vector<const FeedEvent*> want;
  for (const FeedEvent& e : history) {
    if (e.instrument == 0) {
      if (kTick && e.seq > j.feed_wide_after() && e.seq >= j.oldest_seq()) want.push_back(&e);
      continue;
    }
    const BookSnapshot* s = j.snapshot(e.instrument);
    if (s == nullptr || e.seq <= s->seq) continue;
    if (kTick || e.tob) want.push_back(&e);
  }
  // The snapshots: the history's sum at their seq.
  for (std::uint16_t i : j.instruments()) {
    const BookSnapshot* s = j.snapshot(i);
    std::uint64_t sum = 0;
    for (const FeedEvent& e : history) {
      if (e.seq > s->seq) break;
      if (e.instrument == i) sum += e.qty;
    }
    const std::uint64_t held = s->bid_depth > 0 ? s->bids[0].qty : 0;
    if (held != sum) {
      return ::testing::AssertionFailure() << "instrument " << i << " snapshot at seq " << s->seq
                                           << " holds sum " << held << ", history says " << sum;
    }
  }
  if (got.size() != want.size()) {
    return ::testing::AssertionFailure()
           << "got " << got.size() << " records, history has " << want.size()
           << " after the snapshots (feed-wide after " << j.feed_wide_after() << ")";
  }
  for (std::size_t k = 0; k < got.size(); ++k) {
    const T& r = got[k].value;
    const FeedEvent& e = *want[k];
    if (r.instrument == 0) {
      for (std::uint16_t i : j.instruments()) {
        if (j.applies(r, i) != (r.seq > j.snapshot(i)->seq)) {
          return ::testing::AssertionFailure() << "applies() of feed-wide " << r.seq << " to " << i;
        }
      }
    } else if (!j.applies(r, r.instrument)) {
      return ::testing::AssertionFailure() << "record " << k << " does not apply to its instrument";
    }
    if (r.seq != e.seq || r.instrument != e.instrument) {
      return ::testing::AssertionFailure()
             << "record " << k << ": seq " << r.seq << " instrument " << r.instrument
             << ", history: seq " << e.seq << " instrument " << e.instrument;
    }
    if constexpr (kTick) {
      if (r.qty != e.qty) return ::testing::AssertionFailure() << "record " << k << ": qty";
    } else {
      if (r.bid_qty != e.sum_after) {
        return ::testing::AssertionFailure()
               << "record " << k << ": bid_qty " << r.bid_qty << ", history " << e.sum_after;
      }
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace ichannel::test
