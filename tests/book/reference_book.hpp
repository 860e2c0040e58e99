// tests/book/reference_book.hpp: an order-level book written independently of app/book, in plain
// standard containers (std::unordered_map of orders, one std::map of levels per side), as the
// oracle of the book tests and the "reference" row of the book benchmark.
//
// Contract
// - Same semantics and counters as book::FeedBooks (docs/books.md, "What apply does"), written
//   from that document, not from feed_books.hpp: it shares only the value types (Level, BookTop,
//   BookCounters, InstrumentStatus). It cannot run out of levels (no level store): tests that fill
//   FeedBooks' level store do not compare against it. max_orders models the order store limit.
// - Test and benchmark code: allocates freely. One thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>
#include <vector>

#include <ichannel/tick.hpp>

#include "book/book_limits.hpp"
#include "book/instrument_status.hpp"
#include "book/level.hpp"

namespace ichannel::test {

class ReferenceBook {
 public:
  explicit ReferenceBook(std::size_t max_orders = 4'194'304, std::size_t instruments = 65'536)
      : max_orders_(max_orders), instruments_(instruments) {}

  void apply(const Tick& t) {
    if ((t.flags & kTickAfterGap) != 0) mark_feed();
    switch (t.action) {
      case Action::kAdd:
        add(t.instrument, t.order_id, static_cast<char>(t.side), t.price, t.qty);
        break;
      case Action::kExecute:
      case Action::kExecuteWithPrice:
        reduce(t, /*execution=*/true);
        break;
      case Action::kCancel:
        reduce(t, /*execution=*/false);
        break;
      case Action::kDelete: {
        auto it = orders_.find(t.order_id);
        if (it == orders_.end()) {
          unknown(t.instrument);
          break;
        }
        ++c_.deletes;
        take(it, it->second.qty);
        break;
      }
      case Action::kReplace:
        replace(t);
        break;
      case Action::kStatus:
        status(t);
        break;
      case Action::kDirectory:
        if (t.instrument < instruments_) {
          auto& s = inst(t.instrument).status;
          s.symbol = t.order_id;
          s.round_lot = t.qty;
          s.market_category = static_cast<std::uint8_t>(t.side);
          s.known = 1;
        }
        break;
      case Action::kAuctionCollar:
        if (t.instrument < instruments_) {
          auto& s = inst(t.instrument).status;
          s.luld_reference = t.price;
          s.luld_lower = static_cast<std::int64_t>(t.aux & 0xFFFFFFFFu);
          s.luld_upper = static_cast<std::int64_t>(t.aux >> 32);
          s.luld_extension = t.qty;
        }
        break;
      case Action::kGap:
        mark_feed();
        break;
      default:
        break;
    }
  }

  [[nodiscard]] book::BookTop top(std::uint16_t instrument) const {
    book::BookTop out;
    const auto it = insts_.find(instrument);
    if (it == insts_.end()) return out;
    if (!it->second.bids.empty()) out.bid = level(*it->second.bids.begin());
    if (!it->second.asks.empty()) out.ask = level(*it->second.asks.begin());
    return out;
  }
  // The n best levels of one side, best first.
  [[nodiscard]] std::vector<book::Level> levels(std::uint16_t instrument, book::BookSide side,
                                                std::size_t n) const {
    std::vector<book::Level> out;
    const auto it = insts_.find(instrument);
    if (it == insts_.end()) return out;
    if (side == book::BookSide::kBid) {
      for (const auto& kv : it->second.bids) {
        if (out.size() == n) break;
        out.push_back(level(kv));
      }
    } else {
      for (const auto& kv : it->second.asks) {
        if (out.size() == n) break;
        out.push_back(level(kv));
      }
    }
    return out;
  }
  [[nodiscard]] std::size_t level_count(std::uint16_t instrument, book::BookSide side) const {
    const auto it = insts_.find(instrument);
    if (it == insts_.end()) return 0;
    return side == book::BookSide::kBid ? it->second.bids.size() : it->second.asks.size();
  }
  [[nodiscard]] std::size_t order_count(std::uint16_t instrument) const {
    const auto it = insts_.find(instrument);
    return it == insts_.end() ? 0 : it->second.orders;
  }
  [[nodiscard]] book::InstrumentStatus status_of(std::uint16_t instrument) const {
    const auto it = insts_.find(instrument);
    return it == insts_.end() ? book::InstrumentStatus{} : it->second.status;
  }
  // The instrument of a live order (its add's), else `fallback`.
  [[nodiscard]] std::uint16_t instrument_of(std::uint64_t ref, std::uint16_t fallback) const {
    const auto it = orders_.find(ref);
    return it == orders_.end() ? fallback : it->second.instrument;
  }
  [[nodiscard]] bool possibly_wrong() const { return feed_wrong_; }
  [[nodiscard]] bool possibly_wrong(std::uint16_t instrument) const {
    const auto it = insts_.find(instrument);
    return feed_wrong_ || (it != insts_.end() && it->second.wrong);
  }
  [[nodiscard]] const book::BookCounters& counters() const { return c_; }
  [[nodiscard]] std::uint8_t system_event() const { return system_event_; }
  [[nodiscard]] std::vector<std::uint16_t> instruments() const {
    std::vector<std::uint16_t> out;
    for (const auto& kv : insts_) out.push_back(kv.first);
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  struct Order {
    std::uint16_t instrument;
    bool ask;
    std::int64_t price;
    std::uint32_t qty;
  };
  struct Lvl {
    std::uint64_t qty = 0;
    std::uint32_t orders = 0;
  };
  struct Inst {
    std::map<std::int64_t, Lvl, std::greater<>> bids;  // best (highest) first
    std::map<std::int64_t, Lvl> asks;                  // best (lowest) first
    std::size_t orders = 0;
    bool wrong = false;
    book::InstrumentStatus status;
  };
  using OrderIt = std::unordered_map<std::uint64_t, Order>::iterator;

  static book::Level level(const std::pair<const std::int64_t, Lvl>& kv) {
    return book::Level{kv.first, kv.second.qty, kv.second.orders, 0};
  }
  Inst& inst(std::uint16_t i) { return insts_[i]; }

  void mark(std::uint16_t instrument) {
    if (instrument >= instruments_ || feed_wrong_) return;
    Inst& in = inst(instrument);
    if (in.wrong) return;
    in.wrong = true;
    ++c_.marks;
  }
  void mark_feed() {
    if (feed_wrong_) return;
    feed_wrong_ = true;
    ++c_.marks;
  }
  void unknown(std::uint16_t instrument) {
    ++c_.unknown_refs;
    mark(instrument);
  }

  // Counts an add at `price` on one side against the other side's best.
  void cross_check(const Inst& in, bool ask, std::int64_t price) {
    if (!ask && !in.asks.empty()) {
      const std::int64_t best = in.asks.begin()->first;
      if (price > best) ++c_.crossed;
      if (price == best) ++c_.locked;
    }
    if (ask && !in.bids.empty()) {
      const std::int64_t best = in.bids.begin()->first;
      if (price < best) ++c_.crossed;
      if (price == best) ++c_.locked;
    }
  }

  void put_level(Inst& in, bool ask, std::int64_t price, std::uint32_t qty) {
    Lvl& l = ask ? in.asks[price] : in.bids[price];
    if (l.orders == 0) ++c_.levels;
    l.qty += qty;
    ++l.orders;
  }
  void take_level(Inst& in, bool ask, std::int64_t price, std::uint32_t qty, bool gone) {
    auto drop = [&](auto& side) {
      auto it = side.find(price);
      it->second.qty -= qty;
      if (gone) --it->second.orders;
      if (it->second.orders == 0) {
        side.erase(it);
        --c_.levels;
      }
    };
    if (ask) {
      drop(in.asks);
    } else {
      drop(in.bids);
    }
  }

  void insert(std::uint64_t ref, std::uint16_t instrument, bool ask, std::int64_t price,
              std::uint32_t qty) {
    Inst& in = inst(instrument);
    put_level(in, ask, price, qty);
    orders_[ref] = Order{instrument, ask, price, qty};
    if (in.orders++ == 0) ++c_.instruments_with_orders;
    ++c_.live_orders;
    cross_check(in, ask, price);
  }

  void add(std::uint16_t instrument, std::uint64_t ref, char side, std::int64_t price,
           std::uint32_t qty) {
    if (instrument >= instruments_) {
      ++c_.instrument_out_of_range;
      return;
    }
    if (qty == 0 || (side != 'B' && side != 'S')) {
      ++c_.rejected_adds;
      return;
    }
    if (orders_.count(ref) != 0) {
      ++c_.duplicate_refs;
      mark(instrument);
      return;
    }
    if (orders_.size() >= max_orders_) {
      ++c_.order_store_full;
      mark(instrument);
      return;
    }
    ++c_.adds;
    insert(ref, instrument, side == 'S', price, qty);
  }

  void take(OrderIt it, std::uint32_t qty) {
    Order& o = it->second;
    Inst& in = inst(o.instrument);
    const bool gone = qty == o.qty;
    take_level(in, o.ask, o.price, qty, gone);
    if (!gone) {
      o.qty -= qty;
      return;
    }
    orders_.erase(it);
    --c_.live_orders;
    if (--in.orders == 0) --c_.instruments_with_orders;
  }

  void reduce(const Tick& t, bool execution) {
    auto it = orders_.find(t.order_id);
    if (it == orders_.end()) {
      unknown(t.instrument);
      return;
    }
    std::uint32_t q = t.qty;
    if (q > it->second.qty) {
      q = it->second.qty;
      ++(execution ? c_.over_executions : c_.over_cancels);
    }
    ++(execution ? c_.executes : c_.cancels);
    take(it, q);
  }

  void replace(const Tick& t) {
    auto it = orders_.find(t.order_id);
    if (it == orders_.end()) {
      unknown(t.instrument);
      return;
    }
    ++c_.replaces;
    const Order old = it->second;
    take(it, old.qty);  // the original leaves first
    if (orders_.count(t.aux) != 0) {
      ++c_.duplicate_refs;
      mark(old.instrument);
      return;
    }
    if (t.qty == 0) {
      ++c_.rejected_adds;
      return;
    }
    insert(t.aux, old.instrument, old.ask, t.price, t.qty);
  }

  void status(const Tick& t) {
    const auto source = static_cast<char>(t.aux & 0xFF);
    const auto code = static_cast<std::uint8_t>(t.side);
    if (source == 'm') {  // session start: everything restarts
      orders_.clear();
      insts_.clear();
      feed_wrong_ = false;
      c_.live_orders = c_.levels = c_.instruments_with_orders = 0;
      ++c_.resets;
      system_event_ = 0;
      return;
    }
    if (source == 'S') {
      system_event_ = code;
      return;
    }
    if (source == 'W' || source == 'M' || t.instrument >= instruments_) return;
    book::InstrumentStatus& s = inst(t.instrument).status;
    if (source == 'H') {
      s.trading_state = code;
      s.halt_reason = static_cast<std::uint32_t>(t.aux >> 8);
    } else if (source == 'Y') {
      s.reg_sho = code;
    } else if (source == 'h') {
      s.op_halt = code;
      s.op_halt_market = static_cast<std::uint8_t>(t.aux >> 8);
    }
  }

  std::size_t max_orders_;
  std::size_t instruments_;
  std::unordered_map<std::uint64_t, Order> orders_;
  std::unordered_map<std::uint16_t, Inst> insts_;
  book::BookCounters c_;
  bool feed_wrong_ = false;
  std::uint8_t system_event_ = 0;
};

}  // namespace ichannel::test
