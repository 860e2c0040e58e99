// book/feed_books.hpp: the order-level books of one feed (every instrument), built from its
// normalized Tick stream, with the instruments' status and the feed's honest-state mark.
//
// Contract
// - One FeedBooks per feed, owned and called by one thread (the feed's RX lcore, right after the
//   tick was published). Construction is cold and allocates everything (BookLimits): the order
//   store, the level store, one 32-byte book header and one status per instrument. apply() is
//   the hot path: inline, noexcept, no allocation, no lock, no syscall, no logging; any input,
//   well-formed or hostile, is applied as far as it is defined and counted, never a crash.
// - Effects (DESIGN.md section 9, docs/tick-format.md; details and the rules in docs/books.md):
//   kAdd (A/F) stores the order and adds it to its level; kExecute/kExecuteWithPrice (E/C; C's
//   price is the trade's, not used) and kCancel (X) take shares off, the order leaves at 0;
//   kDelete (D) removes it; kReplace (U) removes the original and adds aux as a new order at the
//   tick's price and qty, on the original's side and instrument; kTrade/kCross/kBrokenTrade do
//   not change the book. kStatus: 'H' trading state + reason, 'Y' Reg SHO, 'h' operational halt,
//   'S' system event, 'W' MWCB level (feed-wide), 'M' end of session, 'm' session start: every
//   book of the feed is reset and the marks cleared (order references restart). kDirectory (R):
//   symbol, round lot, market category; kAuctionCollar (J): the LULD collar. kGap (and any tick
//   flagged kTickAfterGap, unless repaired() since the last reset) marks the feed possibly
//   wrong.
// - Honest state: a reference the book does not hold is counted (unknown_refs) and never
//   invented; a duplicate add ref, a full order or level store are counted and the add dropped.
//   Each of these marks the instrument possibly wrong (unless the feed already is). Over-
//   execution and over-cancel are counted and remove the order. An add or replace priced at or
//   through the other side's best is counted (locked, crossed).
// - Reads (same thread, or a copy): top(), levels() best first, side_view() (a side's levels in
//   place, no copy), status(), trading_state() / known() (from the header line apply touches),
//   counters(), possibly_wrong(). A concurrent reader uses the book table (ring/book_table.hpp),
//   which the caller rewrites from these after each apply().
// - prefetch(t) / prefetch_levels(t, n): hints that start apply(t)'s misses (the order slot and
//   header; then both sides' n best levels, which needs the header). Always inlined and
//   written without loops: GCC deletes calls to a function made only of prefetches, and loops
//   whose body is only prefetches.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

#include <ichannel/tick.hpp>

#include "book/book_change.hpp"
#include "book/book_limits.hpp"
#include "book/instrument_status.hpp"
#include "book/level.hpp"
#include "book/level_store.hpp"
#include "book/order_window.hpp"
#include "book/side_levels.hpp"

namespace ichannel::book {

// Status sources of kStatus ticks (aux & 0xFF), docs/tick-format.md.
inline constexpr std::uint8_t kSourceSystem = 'S';
inline constexpr std::uint8_t kSourceTrading = 'H';
inline constexpr std::uint8_t kSourceRegSho = 'Y';
inline constexpr std::uint8_t kSourceOpHalt = 'h';
inline constexpr std::uint8_t kSourceMwcb = 'W';
inline constexpr std::uint8_t kSourceEndOfSession = 'M';
inline constexpr std::uint8_t kSourceSessionStart = 'm';

class FeedBooks {
 public:
  // BookChange bit for status that TopOfBook does not carry (R, Y, h, J, S, W, end of session):
  // the table entry changes, no TopOfBook record is due.
  static constexpr std::uint8_t kOtherStatusChanged = 64;

  explicit FeedBooks(const BookLimits& limits = {})
      : limits_(clamp(limits)),
        orders_(limits_.max_orders, limits_.order_window),
        levels_(limits_.level_store_levels),
        books_(std::make_unique<Book[]>(limits_.instruments)),
        status_(std::make_unique<InstrumentStatus[]>(limits_.instruments)) {
    // Back every page now (cold): a first touch on the hot path would cost a page fault and,
    // with transparent huge pages, the zeroing of 2 MiB (~0.1 ms) in the middle of a packet.
    orders_.prefault();
    levels_.prefault();
  }

  FeedBooks(const FeedBooks&) = delete;
  FeedBooks& operator=(const FeedBooks&) = delete;

  [[gnu::always_inline]] inline BookChange apply(const Tick& t) noexcept {
    feed_.last_seq = t.seq;
    std::uint8_t flagged = 0;
    if ((t.flags & kTickAfterGap) != 0 && feed_.possibly_wrong == 0) [[unlikely]] {
      if (feed_.repaired == 0) flagged = mark_feed();
    }
    BookChange c;
    switch (t.action) {
      case Action::kAdd:
        c = add(t.instrument, t.order_id, static_cast<std::uint8_t>(t.side), t.price, t.qty);
        break;
      case Action::kExecute:
      case Action::kExecuteWithPrice:
        c = execute(t);
        break;
      case Action::kCancel:
        c = cancel(t);
        break;
      case Action::kDelete:
        c = remove(t);
        break;
      case Action::kReplace:
        c = replace(t);
        break;
      case Action::kStatus:
        c = on_status(t);
        break;
      case Action::kDirectory:
        c = on_directory(t);
        break;
      case Action::kAuctionCollar:
        c = on_collar(t);
        break;
      case Action::kGap:
        c = BookChange{0, mark_feed()};
        break;
      default:
        c = BookChange{t.instrument, 0};
        break;
    }
    c.bits |= flagged;
    return c;
  }

  // Starts the cache misses apply(t) will take: t's order slot and its instrument's header (an
  // order event's tick names the order's instrument on a well-formed feed). Pays when several
  // ticks are prefetched before they are applied (a packet's: docs/books.md, "Prefetch").
  [[gnu::always_inline]] void prefetch(const Tick& t) const noexcept {
    switch (t.action) {
      case Action::kAdd:
      case Action::kExecute:
      case Action::kExecuteWithPrice:
      case Action::kCancel:
      case Action::kDelete:
      case Action::kReplace:
        orders_.prefetch(t.order_id);
        if (t.instrument < limits_.instruments) __builtin_prefetch(&books_[t.instrument], 1, 3);
        break;
      default:
        break;
    }
  }

  // Second stage, for a tick whose prefetch() was issued a while ago (its instrument's header is
  // in cache by then): starts the misses of both sides' `levels` best levels (1: the best end,
  // which apply touches; up to about ten, four lines from the best end down, for a caller that
  // copies the top N).
  [[gnu::always_inline]] void prefetch_levels(const Tick& t,
                                              std::uint32_t levels = 1) const noexcept {
    if (t.instrument >= limits_.instruments) return;
    const Book& b = books_[t.instrument];
    prefetch_top(b, 0, levels);
    prefetch_top(b, 1, levels);
  }

  // --- reads ----------------------------------------------------------------------------------
  [[nodiscard]] BookTop top(std::uint16_t instrument) const noexcept {
    BookTop t;
    if (instrument >= limits_.instruments) return t;
    const Book& b = books_[instrument];
    if (b.levels[0] != 0) t.bid = levels_.at(b.offset[0])[b.levels[0] - 1];
    if (b.levels[1] != 0) t.ask = levels_.at(b.offset[1])[b.levels[1] - 1];
    return t;
  }
  // Up to out.size() levels of one side, best first; returns how many were written.
  std::size_t levels(std::uint16_t instrument, BookSide side, std::span<Level> out) const noexcept {
    if (instrument >= limits_.instruments) return 0;
    const Book& b = books_[instrument];
    const auto s = static_cast<std::uint8_t>(side);
    const std::uint32_t n = b.levels[s];
    const std::size_t k = std::min<std::size_t>(n, out.size());
    if (k == 0) return 0;
    const Level* l = levels_.at(b.offset[s]);
    for (std::size_t i = 0; i < k; ++i) out[i] = l[n - 1 - i];
    return k;
  }
  [[nodiscard]] std::uint32_t level_count(std::uint16_t instrument, BookSide side) const noexcept {
    return instrument < limits_.instruments
               ? books_[instrument].levels[static_cast<std::uint8_t>(side)]
               : 0;
  }
  [[nodiscard]] std::uint32_t order_count(std::uint16_t instrument, BookSide side) const noexcept {
    return instrument < limits_.instruments
               ? books_[instrument].orders[static_cast<std::uint8_t>(side)]
               : 0;
  }
  [[nodiscard]] const InstrumentStatus& status(std::uint16_t instrument) const noexcept {
    return instrument < limits_.instruments ? status_[instrument] : kNoStatus;
  }
  // status(i).trading_state and .known, read from the instrument's header (the line apply
  // touches) instead of its status record (another line): for the per-message callers.
  [[nodiscard]] std::uint8_t trading_state(std::uint16_t instrument) const noexcept {
    return instrument < limits_.instruments ? books_[instrument].trading_state : 0;
  }
  [[nodiscard]] bool known(std::uint16_t instrument) const noexcept {
    return instrument < limits_.instruments && books_[instrument].known != 0;
  }
  // One side's levels where they are, best last: from_best(k) is the k-th from the touch
  // (k < size()). Valid until the next apply (no copy: the per-message table write reads it).
  struct SideView {
    const Level* worst_first = nullptr;
    std::uint32_t n = 0;
    [[nodiscard]] std::uint32_t size() const noexcept { return n; }
    [[nodiscard]] const Level& from_best(std::uint32_t k) const noexcept {
      return worst_first[n - 1 - k];
    }
  };
  [[nodiscard]] SideView side_view(std::uint16_t instrument, BookSide side) const noexcept {
    if (instrument >= limits_.instruments) return {};
    const Book& b = books_[instrument];
    const auto s = static_cast<std::uint8_t>(side);
    if (b.levels[s] == 0) return {};
    return {levels_.at(b.offset[s]), b.levels[s]};
  }
  [[nodiscard]] const FeedStatus& feed_status() const noexcept { return feed_; }
  [[nodiscard]] const BookCounters& counters() const noexcept { return counters_; }
  [[nodiscard]] const BookLimits& limits() const noexcept { return limits_; }
  // The feed's mark: a gap since the last session start.
  [[nodiscard]] bool possibly_wrong() const noexcept { return feed_.possibly_wrong != 0; }
  // The instrument's book may be wrong: the feed's mark, or its own (an unknown reference, a
  // duplicate, a full store).
  [[nodiscard]] bool possibly_wrong(std::uint16_t instrument) const noexcept {
    return feed_.possibly_wrong != 0 ||
           (instrument < limits_.instruments && books_[instrument].wrong != 0);
  }
  // Bytes of the preallocated book structures (order store, level store, headers, statuses).
  [[nodiscard]] std::size_t memory_bytes() const noexcept {
    return sizeof(*this) + orders_.memory_bytes() + levels_.memory_bytes() +
           std::size_t{limits_.instruments} * (sizeof(Book) + sizeof(InstrumentStatus));
  }
  [[nodiscard]] const OrderWindow& order_store() const noexcept { return orders_; }
  [[nodiscard]] const LevelStore& level_store() const noexcept { return levels_; }

  // The books were rebuilt after the feed's gap (a snapshot and the live ticks after it,
  // daemon/control/snapshot_thread.hpp): the feed's mark is cleared, and until the next reset
  // the session's kTickAfterGap flags (which stay on every tick after its gap) no longer mark
  // the books; a new kGap record does. Instruments' own marks are kept. Cold.
  void repaired() noexcept {
    feed_.possibly_wrong = 0;
    feed_.repaired = 1;
  }

  // Every book and status cleared, the marks too (what a session start does). Cold-ish: clears
  // the instrument headers and statuses (instruments x 88 bytes); the order store in O(1).
  void reset() noexcept {
    orders_.clear();
    levels_.reset();
    std::memset(static_cast<void*>(books_.get()), 0, sizeof(Book) * limits_.instruments);
    std::memset(static_cast<void*>(status_.get()), 0,
                sizeof(InstrumentStatus) * limits_.instruments);
    const std::uint64_t seq = feed_.last_seq;
    feed_ = FeedStatus{};
    feed_.last_seq = seq;
    counters_.live_orders = 0;
    counters_.levels = 0;
    counters_.instruments_with_orders = 0;
    marked_instruments_ = 0;
  }

 private:
  // Per instrument: where its two sides' levels are and how many (32 bytes, two per line).
  struct Book {
    std::uint32_t offset[2];  // LevelStore block of each side (valid when order[] has_block)
    std::uint32_t levels[2];  // levels present per side
    std::uint32_t orders[2];  // live orders per side
    std::uint8_t order[2];    // block order: capacity 8 << order
    std::uint8_t has_block[2];
    std::uint8_t wrong;          // the instrument's own possibly-wrong mark
    std::uint8_t trading_state;  // = status_[i].trading_state (read per message: kept here)
    std::uint8_t known;          // = status_[i].known
    std::uint8_t reserved;
  };
  static_assert(sizeof(Book) == 32);

  static inline const InstrumentStatus kNoStatus{};

  static BookLimits clamp(BookLimits l) noexcept {
    l.instruments = std::clamp<std::uint32_t>(l.instruments, 1, 65'536);
    l.depth = std::clamp<std::uint32_t>(l.depth, 1, 64);
    if (l.max_orders == 0) l.max_orders = 1;
    return l;
  }

  // Sets the instrument's mark unless it (or the feed) already has one.
  [[nodiscard]] BookChange mark(std::uint16_t instrument) noexcept {
    if (instrument >= limits_.instruments) return BookChange{instrument, 0};
    Book& b = books_[instrument];
    if (feed_.possibly_wrong != 0 || b.wrong != 0) return BookChange{instrument, 0};
    b.wrong = 1;
    ++marked_instruments_;
    ++counters_.marks;
    return BookChange{instrument, BookChange::kMarkChanged};
  }
  [[nodiscard]] std::uint8_t mark_feed() noexcept {
    if (feed_.possibly_wrong != 0) return 0;
    feed_.possibly_wrong = 1;
    ++counters_.marks;
    return BookChange::kMarkChanged;
  }

  // Records in c a change at `distance` levels from the touch of side s.
  void changed_at(std::uint8_t s, std::uint32_t distance, BookChange& c) const noexcept {
    if (distance < limits_.depth) c.depth_changed_at(distance, s != 0);
    if (distance == 0) c.bits |= s == 0 ? BookChange::kBidChanged : BookChange::kAskChanged;
  }

  // The lines of side s's `levels` best levels (at most four lines). Written out: GCC deletes
  // a loop whose body is only __builtin_prefetch.
  [[gnu::always_inline]] void prefetch_top(const Book& b, std::uint8_t s,
                                           std::uint32_t levels) const noexcept {
    const std::uint32_t n = b.levels[s];
    if (n == 0) return;
    const auto* best = reinterpret_cast<const unsigned char*>(levels_.at(b.offset[s]) + n - 1);
    const std::uint32_t k = n < levels ? n : levels;
    __builtin_prefetch(best, 1, 3);
    if (k > 2) __builtin_prefetch(best - 64, 1, 3);
    if (k > 5) __builtin_prefetch(best - 128, 1, 3);
    if (k > 8) __builtin_prefetch(best - 192, 1, 3);
  }

  // Moves side s to a block of 8 << order levels (grow, or shrink). False: none free.
  [[gnu::noinline]] bool rehome(Book& b, std::uint8_t s, unsigned order) noexcept {
    const std::uint32_t off = levels_.allocate(order);
    if (off == LevelStore::kNone) return false;
    if (b.has_block[s] != 0) {
      std::memcpy(levels_.at(off), levels_.at(b.offset[s]),
                  std::size_t{b.levels[s]} * sizeof(Level));
      levels_.release(b.offset[s], b.order[s]);
    }
    b.offset[s] = off;
    b.order[s] = static_cast<std::uint8_t>(order);
    b.has_block[s] = 1;
    return true;
  }

  // Adds qty shares of one new order at `price` on side s. False: the level store is full.
  bool level_add(Book& b, std::uint8_t s, std::int64_t price, std::uint32_t qty,
                 BookChange& c) noexcept {
    const std::int64_t m = side_mask(s);
    std::uint32_t n = b.levels[s];
    Level* l = b.has_block[s] != 0 ? levels_.at(b.offset[s]) : nullptr;
    const std::uint32_t i = n == 0 ? 0 : find_from_best(l, n, price, m);
    if (i < n && l[i].price == price) {
      l[i].qty += qty;
      ++l[i].orders;
      changed_at(s, n - 1 - i, c);
      return true;
    }
    if (b.has_block[s] == 0 || n == (LevelStore::kMinBlock << b.order[s])) [[unlikely]] {
      if (!rehome(b, s, b.has_block[s] == 0 ? 0u : b.order[s] + 1u)) return false;
      l = levels_.at(b.offset[s]);
    }
    insert_at(l, n, i, Level{price, qty, 1, 0});
    b.levels[s] = n + 1;
    ++counters_.levels;
    changed_at(s, n - i, c);
    return true;
  }

  // Takes qty shares (and, when `gone`, one order) off the level at `price` of side s.
  void level_take(Book& b, std::uint8_t s, std::int64_t price, std::uint32_t qty, bool gone,
                  BookChange& c) noexcept {
    const std::uint32_t n = b.levels[s];
    Level* l = levels_.at(b.offset[s]);
    const std::uint32_t i = find_from_best(l, n, price, side_mask(s));
    if (i >= n || l[i].price != price) [[unlikely]]
      return;  // cannot happen: the order is stored
    l[i].qty -= qty;
    l[i].orders -= gone ? 1 : 0;
    changed_at(s, n - 1 - i, c);
    if (l[i].orders != 0) return;
    erase_at(l, n, i);
    b.levels[s] = n - 1;
    --counters_.levels;
    // Shrink a block left mostly empty (a quarter), so one burst of far levels does not hold a
    // large block for the rest of the day. Failure to find a smaller block is harmless.
    if (b.order[s] != 0 && n - 1 <= (LevelStore::kMinBlock << b.order[s]) / 4) [[unlikely]] {
      (void)rehome(b, s, b.order[s] - 1u);
    }
  }

  void check_cross(const Book& b, std::uint8_t s, std::int64_t price) noexcept {
    const std::uint8_t o = s ^ 1;
    if (b.levels[o] == 0) return;
    const std::int64_t best = levels_.at(b.offset[o])[b.levels[o] - 1].price;
    const std::int64_t m = side_mask(s);
    const std::int64_t through = level_key(price, m) + level_key(best, side_mask(o));
    // bid p vs ask a: p - a; ask p vs bid b: b - p. > 0 crossed, == 0 locked.
    if (through > 0) [[unlikely]] {
      ++counters_.crossed;
    } else if (through == 0) [[unlikely]] {
      ++counters_.locked;
    }
  }

  // Stores a new order (A/F).
  BookChange add(std::uint16_t instrument, std::uint64_t ref, std::uint8_t side_char,
                 std::int64_t price, std::uint32_t qty) noexcept {
    if (instrument >= limits_.instruments) [[unlikely]] {
      ++counters_.instrument_out_of_range;
      return BookChange{instrument, 0};
    }
    if (qty == 0 || (side_char != 'B' && side_char != 'S')) [[unlikely]] {
      ++counters_.rejected_adds;
      return BookChange{instrument, 0};
    }
    Order* slot = orders_.probe(ref);
    if (orders_.live(slot)) [[unlikely]] {
      ++counters_.duplicate_refs;
      return mark(instrument);
    }
    if (orders_.full()) [[unlikely]] {
      ++counters_.order_store_full;
      return mark(instrument);
    }
    const std::uint8_t s = side_char == 'S' ? 1 : 0;
    Book& b = books_[instrument];
    BookChange c{instrument, 0};
    if (!level_add(b, s, price, qty, c)) [[unlikely]] {
      ++counters_.level_store_full;
      return mark(instrument);
    }
    orders_.insert_at(slot, ref, price, qty, instrument, s);
    ++counters_.adds;
    stored(b, s);
    check_cross(b, s, price);
    return c;
  }

  void stored(Book& b, std::uint8_t s) noexcept {
    ++counters_.live_orders;
    if (b.orders[0] + b.orders[1] == 0) ++counters_.instruments_with_orders;
    ++b.orders[s];
  }
  void unstored(Book& b, std::uint8_t s) noexcept {
    --counters_.live_orders;
    --b.orders[s];
    if (b.orders[0] + b.orders[1] == 0) --counters_.instruments_with_orders;
  }

  // Takes qty (<= remaining) shares off a live order; removes it at 0.
  BookChange take(Order* o, std::uint32_t qty) noexcept {
    const std::uint16_t instrument = o->instrument;
    const std::uint8_t s = o->side;
    Book& b = books_[instrument];
    const bool gone = qty == o->qty;
    BookChange c{instrument, 0};
    level_take(b, s, o->price, qty, gone, c);
    if (gone) {
      orders_.erase(o);
      unstored(b, s);
    } else {
      o->qty -= qty;
    }
    return c;
  }

  [[nodiscard]] BookChange unknown(const Tick& t) noexcept {
    ++counters_.unknown_refs;
    return mark(t.instrument);
  }

  BookChange execute(const Tick& t) noexcept {
    Order* o = orders_.find(t.order_id);
    if (o == nullptr) [[unlikely]]
      return unknown(t);
    std::uint32_t q = t.qty;
    if (q > o->qty) [[unlikely]] {
      ++counters_.over_executions;
      q = o->qty;
    }
    ++counters_.executes;
    return take(o, q);
  }

  BookChange cancel(const Tick& t) noexcept {
    Order* o = orders_.find(t.order_id);
    if (o == nullptr) [[unlikely]]
      return unknown(t);
    std::uint32_t q = t.qty;
    if (q > o->qty) [[unlikely]] {
      ++counters_.over_cancels;
      q = o->qty;
    }
    ++counters_.cancels;
    return take(o, q);
  }

  BookChange remove(const Tick& t) noexcept {
    Order* o = orders_.find(t.order_id);
    if (o == nullptr) [[unlikely]]
      return unknown(t);
    ++counters_.deletes;
    return take(o, o->qty);
  }

  // U: the original leaves, aux enters at the tick's price and qty on the original's side.
  BookChange replace(const Tick& t) noexcept {
    Order* o = orders_.find(t.order_id);
    if (o == nullptr) [[unlikely]]
      return unknown(t);
    ++counters_.replaces;
    const Order old = *o;
    Book& b = books_[old.instrument];
    const std::uint8_t s = old.side;
    orders_.erase(o);
    unstored(b, s);
    BookChange c{old.instrument, 0};
    Order* slot = orders_.probe(t.aux);
    const bool duplicate = orders_.live(slot);
    if (!duplicate && t.qty != 0 && t.price == old.price) {
      // Same level: its order count stays, its qty moves by the difference.
      Level* l = levels_.at(b.offset[s]);
      const std::uint32_t n = b.levels[s];
      const std::uint32_t i = find_from_best(l, n, old.price, side_mask(s));
      l[i].qty = l[i].qty - old.qty + t.qty;
      changed_at(s, n - 1 - i, c);
      orders_.insert_at(slot, t.aux, t.price, t.qty, old.instrument, s);
      stored(b, s);
      check_cross(b, s, t.price);
      return c;
    }
    level_take(b, s, old.price, old.qty, true, c);
    if (duplicate) [[unlikely]] {
      ++counters_.duplicate_refs;
      c.bits |= mark(old.instrument).bits;
      return c;
    }
    if (t.qty == 0) [[unlikely]] {
      ++counters_.rejected_adds;
      return c;
    }
    if (!level_add(b, s, t.price, t.qty, c)) [[unlikely]] {
      ++counters_.level_store_full;
      c.bits |= mark(old.instrument).bits;
      return c;
    }
    orders_.insert_at(slot, t.aux, t.price, t.qty, old.instrument, s);
    stored(b, s);
    check_cross(b, s, t.price);
    return c;
  }

  [[gnu::cold]] BookChange on_status(const Tick& t) noexcept {
    const auto code = static_cast<std::uint8_t>(t.side);
    switch (static_cast<std::uint8_t>(t.aux & 0xFF)) {
      case kSourceSessionStart: {
        const bool was_wrong = feed_.possibly_wrong != 0 || marked_instruments_ != 0;
        reset();
        ++counters_.resets;
        return BookChange{0, static_cast<std::uint8_t>(BookChange::kReset |
                                                       (was_wrong ? BookChange::kMarkChanged : 0))};
      }
      case kSourceSystem:
        feed_.system_event = code;
        return BookChange{0, kOtherStatusChanged};
      case kSourceMwcb:
        feed_.mwcb_level = code;
        return BookChange{0, kOtherStatusChanged};
      case kSourceEndOfSession:
        feed_.session_ended = 1;
        return BookChange{0, kOtherStatusChanged};
      default:
        break;
    }
    if (t.instrument >= limits_.instruments) return BookChange{t.instrument, 0};
    InstrumentStatus& st = status_[t.instrument];
    switch (static_cast<std::uint8_t>(t.aux & 0xFF)) {
      case kSourceTrading: {
        const auto reason = static_cast<std::uint32_t>(t.aux >> 8);
        const bool changed = st.trading_state != code;
        st.trading_state = code;
        books_[t.instrument].trading_state = code;
        st.halt_reason = reason;
        return BookChange{t.instrument, changed ? BookChange::kStatusChanged : kOtherStatusChanged};
      }
      case kSourceRegSho:
        st.reg_sho = code;
        return BookChange{t.instrument, kOtherStatusChanged};
      case kSourceOpHalt:
        st.op_halt = code;
        st.op_halt_market = static_cast<std::uint8_t>(t.aux >> 8);
        return BookChange{t.instrument, kOtherStatusChanged};
      default:
        return BookChange{t.instrument, 0};
    }
  }

  [[gnu::cold]] BookChange on_directory(const Tick& t) noexcept {
    if (t.instrument >= limits_.instruments) return BookChange{t.instrument, 0};
    InstrumentStatus& st = status_[t.instrument];
    st.symbol = t.order_id;
    st.round_lot = t.qty;
    st.market_category = static_cast<std::uint8_t>(t.side);
    st.known = 1;
    books_[t.instrument].known = 1;
    return BookChange{t.instrument, kOtherStatusChanged};
  }

  [[gnu::cold]] BookChange on_collar(const Tick& t) noexcept {
    if (t.instrument >= limits_.instruments) return BookChange{t.instrument, 0};
    InstrumentStatus& st = status_[t.instrument];
    st.luld_reference = t.price;
    st.luld_lower = static_cast<std::int64_t>(t.aux & 0xFFFF'FFFFu);
    st.luld_upper = static_cast<std::int64_t>(t.aux >> 32);
    st.luld_extension = t.qty;
    return BookChange{t.instrument, kOtherStatusChanged};
  }

  BookLimits limits_;
  OrderWindow orders_;
  LevelStore levels_;
  std::unique_ptr<Book[]> books_;
  std::unique_ptr<InstrumentStatus[]> status_;
  FeedStatus feed_;
  BookCounters counters_;
  std::uint32_t marked_instruments_ = 0;
};

}  // namespace ichannel::book
