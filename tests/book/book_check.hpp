// tests/book/book_check.hpp: what the book tests compare between book::FeedBooks and the
// ReferenceBook: the top N levels of both sides (price, qty, orders), the top of book, level and
// order counts, the marks, the status and every counter; tick builders for the tests.
// Test code: allocates, gtest assertions.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include <ichannel/tick.hpp>

#include "book/feed_books.hpp"
#include "tests/book/reference_book.hpp"

namespace ichannel::test {

// Every BookCounters field, named.
#define ICHANNEL_BOOK_COUNTERS(X)                                                                 \
  X(live_orders)                                                                                  \
  X(levels) X(instruments_with_orders) X(adds) X(executes) X(cancels) X(deletes) X(replaces)      \
      X(unknown_refs) X(duplicate_refs) X(over_executions) X(over_cancels) X(rejected_adds)       \
          X(instrument_out_of_range) X(crossed) X(locked) X(order_store_full) X(level_store_full) \
              X(resets) X(marks)

inline ::testing::AssertionResult same_counters(const book::BookCounters& a,
                                                const book::BookCounters& b) {
  std::string diff;
#define ICHANNEL_CMP(f) \
  if (a.f != b.f) diff += " " #f ": " + std::to_string(a.f) + " vs " + std::to_string(b.f);
  ICHANNEL_BOOK_COUNTERS(ICHANNEL_CMP)
#undef ICHANNEL_CMP
  if (diff.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "counters differ (book vs reference):" << diff;
}

inline std::string show(const book::Level& l) {
  return std::to_string(l.price) + "x" + std::to_string(l.qty) + "/" + std::to_string(l.orders);
}

// One instrument: top N of both sides, top, counts, mark.
inline ::testing::AssertionResult same_instrument(const book::FeedBooks& b, const ReferenceBook& r,
                                                  std::uint16_t instrument, std::size_t depth) {
  std::vector<book::Level> got(depth);
  for (auto side : {book::BookSide::kBid, book::BookSide::kAsk}) {
    const std::size_t n = b.levels(instrument, side, got);
    const std::vector<book::Level> want = r.levels(instrument, side, depth);
    const char* name = side == book::BookSide::kBid ? "bid" : "ask";
    if (n != want.size()) {
      return ::testing::AssertionFailure() << "instrument " << instrument << " " << name << ": "
                                           << n << " levels vs " << want.size();
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (!(got[i] == want[i])) {
        return ::testing::AssertionFailure()
               << "instrument " << instrument << " " << name << " level " << i << ": "
               << show(got[i]) << " vs " << show(want[i]);
      }
    }
    if (b.level_count(instrument, side) != r.level_count(instrument, side)) {
      return ::testing::AssertionFailure()
             << "instrument " << instrument << " " << name << " level count "
             << b.level_count(instrument, side) << " vs " << r.level_count(instrument, side);
    }
  }
  if (!(b.top(instrument) == r.top(instrument))) {
    return ::testing::AssertionFailure() << "instrument " << instrument << " top differs";
  }
  const std::size_t orders = b.order_count(instrument, book::BookSide::kBid) +
                             b.order_count(instrument, book::BookSide::kAsk);
  if (orders != r.order_count(instrument)) {
    return ::testing::AssertionFailure() << "instrument " << instrument << " orders " << orders
                                         << " vs " << r.order_count(instrument);
  }
  if (b.possibly_wrong(instrument) != r.possibly_wrong(instrument)) {
    return ::testing::AssertionFailure()
           << "instrument " << instrument << " mark " << b.possibly_wrong(instrument) << " vs "
           << r.possibly_wrong(instrument);
  }
  if (!(b.status(instrument) == r.status_of(instrument))) {
    return ::testing::AssertionFailure() << "instrument " << instrument << " status differs";
  }
  return ::testing::AssertionSuccess();
}

// Every instrument the reference knows, and the counters.
inline ::testing::AssertionResult same_everywhere(const book::FeedBooks& b, const ReferenceBook& r,
                                                  std::size_t depth) {
  for (std::uint16_t i : r.instruments()) {
    if (auto res = same_instrument(b, r, i, depth); !res) return res;
  }
  return same_counters(b.counters(), r.counters());
}

// Applies one tick to both books and checks the instrument it touched, the counters, and that
// FeedBooks' BookChange reports every change of the reference's top / top N.
class Twin {
 public:
  explicit Twin(const book::BookLimits& limits = {}, std::size_t ref_max_orders = 4'194'304)
      : books(std::make_unique<book::FeedBooks>(limits)),
        ref(ref_max_orders, limits.instruments),
        depth(limits.depth) {}

  ::testing::AssertionResult apply(const Tick& t) {
    // The instrument the tick acts on: an order event's is its order's (on a real feed the same
    // as the tick's; hostile ticks may name another).
    const bool order_event = t.action == Action::kExecute ||
                             t.action == Action::kExecuteWithPrice || t.action == Action::kCancel ||
                             t.action == Action::kDelete || t.action == Action::kReplace;
    const std::uint16_t i =
        order_event ? ref.instrument_of(t.order_id, t.instrument) : t.instrument;
    const auto bid0 = ref.levels(i, book::BookSide::kBid, depth);
    const auto ask0 = ref.levels(i, book::BookSide::kAsk, depth);
    const book::BookChange c = books->apply(t);
    ref.apply(t);
    ++applied;
    if (auto res = same_instrument(*books, ref, i, depth); !res) {
      return res << " after tick " << applied << " (action " << int(t.action) << ")";
    }
    if (auto res = same_counters(books->counters(), ref.counters()); !res) {
      return res << " after tick " << applied << " (action " << int(t.action) << ")";
    }
    const auto bid1 = ref.levels(i, book::BookSide::kBid, depth);
    const auto ask1 = ref.levels(i, book::BookSide::kAsk, depth);
    const auto first = [](const std::vector<book::Level>& v) {
      return v.empty() ? book::Level{} : v.front();
    };
    const bool reset = (c.bits & book::BookChange::kReset) != 0;
    if (!reset && t.action != Action::kStatus) {
      if (c.instrument != i) {
        return ::testing::AssertionFailure()
               << "BookChange instrument " << c.instrument << " for a tick of " << i;
      }
      if (!(first(bid0) == first(bid1)) && (c.bits & book::BookChange::kBidChanged) == 0) {
        return ::testing::AssertionFailure() << "best bid changed, not reported, tick " << applied;
      }
      if (!(first(ask0) == first(ask1)) && (c.bits & book::BookChange::kAskChanged) == 0) {
        return ::testing::AssertionFailure() << "best ask changed, not reported, tick " << applied;
      }
      if ((bid0 != bid1 || ask0 != ask1) && (c.bits & book::BookChange::kDepthChanged) == 0) {
        return ::testing::AssertionFailure() << "top N changed, not reported, tick " << applied;
      }
      // The side bit: the ask side's top N changed -> kAskDepthChanged; the bid side's alone ->
      // kDepthChanged without it (the book table rewrites only that side). One tick changes at
      // most one side.
      if (bid0 != bid1 && ask0 != ask1) {
        return ::testing::AssertionFailure() << "both sides' top N changed, tick " << applied;
      }
      if (ask0 != ask1 && (c.bits & book::BookChange::kAskDepthChanged) == 0) {
        return ::testing::AssertionFailure()
               << "ask top N changed without kAskDepthChanged, tick " << applied;
      }
      if (bid0 != bid1 && (c.bits & book::BookChange::kAskDepthChanged) != 0) {
        return ::testing::AssertionFailure()
               << "bid top N changed with kAskDepthChanged, tick " << applied;
      }
      // from: the side's levels nearer the touch than it are unchanged (the table rewrites
      // from there); reported no farther than the first level that differs.
      if (bid0 != bid1 || ask0 != ask1) {
        const auto& v0 = bid0 != bid1 ? bid0 : ask0;
        const auto& v1 = bid0 != bid1 ? bid1 : ask1;
        std::size_t k = 0;
        while (k < v0.size() && k < v1.size() && v0[k] == v1[k]) ++k;
        if (c.from > k) {
          return ::testing::AssertionFailure() << "BookChange::from " << int(c.from)
                                               << " beyond the first changed level " << k
                                               << ", tick " << applied;
        }
      }
    }
    return ::testing::AssertionSuccess();
  }

  std::unique_ptr<book::FeedBooks> books;
  ReferenceBook ref;
  std::size_t depth;
  std::uint64_t applied = 0;
};

// --- tick builders ---------------------------------------------------------------------------
inline Tick order_tick(Action a, std::uint16_t instrument, std::uint64_t ref, char side,
                       std::int64_t price, std::uint32_t qty, std::uint64_t aux = 0) {
  Tick t{};
  t.action = a;
  t.instrument = instrument;
  t.order_id = ref;
  t.side = static_cast<Side>(side);
  t.price = price;
  t.qty = qty;
  t.aux = aux;
  return t;
}
inline Tick add_tick(std::uint16_t i, std::uint64_t ref, char side, std::int64_t price,
                     std::uint32_t qty) {
  return order_tick(Action::kAdd, i, ref, side, price, qty);
}
inline Tick exec_tick(std::uint16_t i, std::uint64_t ref, std::uint32_t qty) {
  return order_tick(Action::kExecute, i, ref, 0, 0, qty);
}
inline Tick exec_price_tick(std::uint16_t i, std::uint64_t ref, std::uint32_t qty,
                            std::int64_t price) {
  return order_tick(Action::kExecuteWithPrice, i, ref, 'Y', price, qty);
}
inline Tick cancel_tick(std::uint16_t i, std::uint64_t ref, std::uint32_t qty) {
  return order_tick(Action::kCancel, i, ref, 0, 0, qty);
}
inline Tick delete_tick(std::uint16_t i, std::uint64_t ref) {
  return order_tick(Action::kDelete, i, ref, 0, 0, 0);
}
inline Tick replace_tick(std::uint16_t i, std::uint64_t ref, std::uint64_t new_ref,
                         std::int64_t price, std::uint32_t qty) {
  return order_tick(Action::kReplace, i, ref, 0, price, qty, new_ref);
}
inline Tick status_tick(std::uint16_t i, char source, char code, std::uint64_t extra = 0) {
  Tick t{};
  t.action = Action::kStatus;
  t.instrument = i;
  t.side = static_cast<Side>(code);
  t.aux = static_cast<std::uint8_t>(source) | extra << 8;
  return t;
}
inline Tick session_start_tick() {
  return status_tick(0, 'm', 'S');
}
inline Tick gap_tick(std::uint64_t first, std::uint64_t count) {
  Tick t{};
  t.action = Action::kGap;
  t.seq = first;
  t.aux = count;
  t.flags = kTickAfterGap;
  return t;
}

}  // namespace ichannel::test
