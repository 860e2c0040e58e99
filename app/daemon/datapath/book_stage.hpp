// daemon/datapath/book_stage.hpp: a feed's order books on its RX lcore: every tick the feed
// published is applied to the books, the instrument's book-table entry is rewritten, and a
// change of its best bid/offer, trading state or possibly-wrong mark becomes one TopOfBook
// record in the feed's top-of-book channels.
//
// Contract
// - One BookStage per feed with books (config feeds[].books), owned by the feed's sink
//   (feed_sink.hpp) and called on the feed's lcore only, right AFTER the tick went into the
//   feed's tick channels. on_tick() is the hot path: inline, noexcept, no allocation, no lock,
//   no syscall, no logging.
// - Order per tick, which the late-joiner hand-over relies on (ichannel/book_join.hpp,
//   docs/ring.md "The book table and the hand-over"): tick published (by the caller) -> books
//   applied -> table entry committed -> table applied(seq) -> TopOfBook published.
// - Table entry: its seq (and exch_ns) on every tick of the instrument; the counts on every
//   order event; the changed side's levels from the nearest changed one down
//   (BookChange::from) when its top N changed; the status fields and flags when the status or
//   the mark changed. The per-message writes read only the instrument's header and level
//   array, which apply has just touched (not its status record). Feed-wide
//   state: the table's feed flags (kBookPossiblyWrong) follow FeedBooks::possibly_wrong(), and
//   so does every entry's flags byte (rewritten on each change of the mark); a session start
//   (reset) clears every entry that held anything and counts a session.
// - TopOfBook records (ichannel/top_of_book.hpp): flags = the tick's kTickRecovered /
//   kTickAfterGap, plus kBookPossiblyWrong while the instrument's or the feed's book may be
//   wrong; change = the BookChange bits. A feed-wide change (mark set by a gap, books reset)
//   is one record with instrument 0, which every instrument filter passes, like the tick
//   channels' feed-wide records.
// - The table (BookTableWriter) and the TopOfBook senders belong to the daemon's control side
//   (created before the loop starts, outliving it); the stage holds pointers.
// - Snapshots (feeds[].snapshot): the stage owns the feed's SnapshotPort (snapshot_port.hpp).
//   While the snapshot thread asks for it, on_tick also copies every tick into the port's buffer
//   (one predictable branch per tick otherwise); service_snapshot(), from the loop's
//   housekeeping, follows the port's requests and does the hand-over: the rest of the buffer
//   into the rebuilt books, the swap, every table entry rewritten, the snapshot records
//   (docs/tick-format.md "Snapshots").
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

#include <ichannel/book_table.hpp>
#include <ichannel/receiver.hpp>
#include <ichannel/sender.hpp>
#include <ichannel/tick.hpp>
#include <ichannel/top_of_book.hpp>

#include "book/feed_books.hpp"
#include "daemon/datapath/snapshot_port.hpp"
#include "feed/fanout.hpp"
#include "feed/glimpse50.hpp"

namespace ichannel::daemon {

template <class TobSenderT = Sender<TopOfBook>>
class BookStage {
 public:
  using Tops = feed::Fanout<TobSenderT, TopOfBook>;

  // Cold: allocates the books (book::BookLimits; about 270 MiB at the default 4 M orders).
  BookStage(const book::BookLimits& limits, BookTableWriter& table, std::uint8_t feed_id)
      : books_(std::make_unique<book::FeedBooks>(limits)),
        table_(&table),
        depth_(std::min(table.depth(), books_->limits().depth)),
        feed_id_(feed_id) {}

  // The top-of-book outputs (routes' top_of_book channels; add_output on the cold path).
  [[nodiscard]] Tops& tops() noexcept { return tops_; }
  [[nodiscard]] const Tops& tops() const noexcept { return tops_; }
  [[nodiscard]] const book::FeedBooks& books() const noexcept { return *books_; }
  // The books' counters, cumulative across snapshot hand-overs: the event counters (adds, marks,
  // ...) of every retired book set plus the live one's; the state gauges (live orders, levels,
  // instruments) are the live books'.
  [[nodiscard]] book::BookCounters counters() const noexcept {
    book::BookCounters c = books_->counters();
    add_events(c, retired_);
    return c;
  }
  [[nodiscard]] std::uint64_t top_records() const noexcept { return top_records_; }

  // One tick, now (outside a packet: records the loop publishes on its own). Ticks still
  // staged (none: FeedSink flushes every packet's) are applied first, so the order holds.
  [[gnu::always_inline]] void on_tick(const Tick& t) noexcept {
    if (staged()) [[unlikely]]
      flush();
    table_->prefetch(t.instrument);
    apply(t);
  }

  // A packet's ticks (FeedSink::Burst): stage() each one right after its publish, flush() after
  // the packet's last. stage() starts the tick's first cache misses (its order slot and its
  // instrument's header) and keeps a copy; flush() applies the staged ticks in order, each as
  // on_tick would, starting the second misses (the top levels of the instrument's level arrays,
  // which needs the header, and its table entry) kAhead ticks ahead. So the misses of a
  // packet's ticks overlap instead of following one another (docs/books.md section 7).
  static constexpr std::size_t kBatch = 64;  // a full batch is flushed at once (a long packet)
  static constexpr std::size_t kAhead = 4;
  [[gnu::always_inline]] void stage(const Tick& t) noexcept {
    books_->prefetch(t);
    pending_[pending_n_] = t;
    if (++pending_n_ == kBatch) [[unlikely]]
      flush();
  }
  [[gnu::always_inline]] bool staged() const noexcept { return pending_n_ != 0; }
  void flush() noexcept {
    const std::size_t n = pending_n_;
    for (std::size_t k = 0; k < n && k < kAhead; ++k) second_misses(pending_[k]);
    for (std::size_t k = 0; k < n; ++k) {
      if (k + kAhead < n) second_misses(pending_[k + kAhead]);
      apply(pending_[k]);
    }
    pending_n_ = 0;
  }

 private:
  // Both sides' top levels (the best end, which apply touches, and the levels the table entry
  // copies) and the entry's first lines. Reads the instrument's header, which stage()
  // prefetched a packet's decode earlier.
  [[gnu::always_inline]] void second_misses(const Tick& t) const noexcept {
    books_->prefetch_levels(t, depth_);
    table_->prefetch(t.instrument);
  }

  [[gnu::always_inline]] void apply(const Tick& t) noexcept {
    // A replace takes the order out and puts the new one in: at the best price with the same
    // size it leaves the best as it was, which FeedBooks reports as changed. Compared here.
    book::BookTop before;
    if (t.action == Action::kReplace) before = books_->top(t.instrument);
    book::BookChange c = books_->apply(t);
    if (t.action == Action::kReplace && c.instrument == t.instrument) {
      c.bits &= static_cast<std::uint8_t>(~unchanged(before, c));
    }
    if (books_->possibly_wrong() != feed_marked_ || (c.bits & book::BookChange::kReset) != 0)
        [[unlikely]] {
      on_feed_change(t, c);
    }
    // The entry of the book that changed: the order's instrument (c.instrument; on hostile
    // input an E/X/D/U may name another locate than its order's), else the tick's.
    const std::uint16_t i = c.instrument != 0 ? c.instrument : t.instrument;
    if (i != 0 && i < table_->instruments()) [[likely]] {
      BookEntryWriter w = table_->begin(i);
      if ((c.bits & kLevelBits) != 0) {
        write_changed_levels(w, i, c);  // the top N of a side changed
      }
      if ((c.bits & kEntryBits) != 0) [[unlikely]] {
        write_fixed(w, t, i);  // status, flags: the whole fixed part (reads the status record)
      } else if ((c.bits & kLevelBits) != 0 || is_order_event(t.action)) {
        write_counts(w, t, i);  // seq and the counts (orders, levels per side)
      } else {
        w.set_seq(t.seq, t.exch_ns);  // trades, informational messages: only the seq
      }
      table_->commit(w);
    }
    table_->applied(t.seq);
    if ((c.bits & book::BookChange::kTobBits) != 0 && c.instrument != 0) {
      publish_top(t, c.instrument, c.bits);
    }
    if (buffering_) [[unlikely]]
      (void)port_->sender().send(t);  // a snapshot is being taken
  }

 public:
  // Cold: the feed's snapshot port (feeds[].snapshot), before the loop runs; the stage owns it.
  void attach_snapshot(std::unique_ptr<SnapshotPort> port) noexcept {
    owned_port_ = std::move(port);
    port_ = owned_port_.get();
  }
  [[nodiscard]] SnapshotPort* snapshot_port() const noexcept { return port_; }

  // Cold, the RX lcore's housekeeping (about every 10 ms): the snapshot port's protocol
  // (snapshot_port.hpp). to_all(tick) publishes into every tick channel of the feed,
  // to_orders(tick) into those whose route asked for the snapshot's orders (with_orders: any
  // did). Returns true when the books were replaced (a hand-over).
  template <class ToAll, class ToOrders>
  bool service_snapshot(ToAll&& to_all, ToOrders&& to_orders, bool with_orders) noexcept {
    if (staged()) [[unlikely]]
      flush();  // between packets nothing is staged; kept safe if a caller is not
    SnapshotPort& p = *port_;
    p.marked.store(books_->possibly_wrong() ? 1 : 0, std::memory_order_relaxed);
    const std::uint64_t req = p.request.load(std::memory_order_acquire);
    if (req == served_) {
      if (buffering_) {
        p.buffered.store(p.sender().next_seq() - buffer_start_, std::memory_order_relaxed);
      }
      return false;
    }
    served_ = req;
    const std::uint64_t gen = SnapshotPort::generation_of(req);
    switch (SnapshotPort::value_of(req)) {
      case SnapshotPort::kBuffer:
        buffering_ = true;
        buffer_start_ = p.sender().next_seq();
        p.buffered.store(0, std::memory_order_relaxed);
        p.ack.store(SnapshotPort::word(gen, SnapshotPort::kAckBuffering),
                    std::memory_order_release);
        return false;
      case SnapshotPort::kHandover: {
        buffering_ = false;
        const auto t0 = std::chrono::steady_clock::now();  // cold: a vDSO clock read
        const bool ok = drain(p);
        if (ok) adopt(p, to_all, to_orders, with_orders);
        p.handover_ns =
            static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                           std::chrono::steady_clock::now() - t0)
                                           .count());
        p.ack.store(SnapshotPort::word(gen, ok ? SnapshotPort::kAckDone : SnapshotPort::kAckFailed),
                    std::memory_order_release);
        return ok;
      }
      default:
        buffering_ = false;
        p.ack.store(SnapshotPort::word(gen, SnapshotPort::kAckIdle), std::memory_order_release);
        return false;
    }
  }

 private:
  // BookChange bits after which the entry's levels are rewritten.
  static constexpr std::uint8_t kLevelBits = book::BookChange::kBidChanged |
                                             book::BookChange::kAskChanged |
                                             book::BookChange::kDepthChanged;
  // BookChange bits after which the entry's fixed part is rewritten (status, flags).
  static constexpr std::uint8_t kEntryBits = book::BookChange::kStatusChanged |
                                             book::BookChange::kMarkChanged |
                                             book::FeedBooks::kOtherStatusChanged;

  // The top-of-book bits of c whose side did not really change since `before`.
  [[nodiscard]] std::uint8_t unchanged(const book::BookTop& before,
                                       const book::BookChange& c) const noexcept {
    const book::BookTop after = books_->top(c.instrument);
    std::uint8_t same = 0;
    if (after.bid == before.bid) same |= book::BookChange::kBidChanged;
    if (after.ask == before.ask) same |= book::BookChange::kAskChanged;
    return same;
  }

  // Actions that may change an instrument's order and level counts.
  [[nodiscard]] static constexpr bool is_order_event(Action a) noexcept {
    return a == Action::kAdd || a == Action::kExecute || a == Action::kExecuteWithPrice ||
           a == Action::kCancel || a == Action::kDelete || a == Action::kReplace;
  }

  [[nodiscard]] std::uint8_t entry_flags(std::uint16_t instrument) const noexcept {
    std::uint8_t f = books_->known(instrument) ? kBookKnown : 0;
    if (books_->possibly_wrong(instrument)) f |= kBookPossiblyWrong;
    return f;
  }

  // The levels of the side that changed, from the nearest changed one down (BookChange::from:
  // the levels nearer the touch are as the entry holds them, since the entry follows every
  // change of its book). Without kDepthChanged (callers that ask for a full rewrite with
  // kBidChanged | kAskChanged): both sides, every level.
  void write_changed_levels(BookEntryWriter& w, std::uint16_t i,
                            const book::BookChange& c) noexcept {
    if ((c.bits & book::BookChange::kDepthChanged) != 0) [[likely]] {
      const bool ask = (c.bits & book::BookChange::kAskDepthChanged) != 0;
      write_side(w, i, ask ? book::BookSide::kAsk : book::BookSide::kBid, c.from);
      return;
    }
    write_side(w, i, book::BookSide::kBid, 0);
    write_side(w, i, book::BookSide::kAsk, 0);
  }

  // Levels from..N-1 of one side straight from the book's level array (no copy), the levels
  // the side no longer has zeroed, and the side's depth byte (which write_fixed, when it runs
  // too, writes again with the same value).
  void write_side(BookEntryWriter& w, std::uint16_t i, book::BookSide side,
                  std::uint32_t from) noexcept {
    const BookSide ts = side == book::BookSide::kBid ? BookSide::kBid : BookSide::kAsk;
    const book::FeedBooks::SideView l = books_->side_view(i, side);
    const std::uint32_t depth = depth_;
    const std::uint32_t n = l.size() < depth ? l.size() : depth;
    const std::uint32_t old = w.side_depth(ts);
    for (std::uint32_t k = from; k < n; ++k) w.set_level(ts, k, as_book_level(l.from_best(k)));
    for (std::uint32_t k = from > n ? from : n; k < old; ++k) w.set_level(ts, k, BookLevel{});
    w.set_depth(ts, n);
  }

  [[nodiscard]] static BookLevel as_book_level(const book::Level& l) noexcept {
    BookLevel b;
    std::memcpy(static_cast<void*>(&b), &l, sizeof b);  // the same 24 bytes (static_assert below)
    return b;
  }

  // Per order event: the seq and the two sides' counts, from the instrument's header (the
  // status fields and flags change only with kEntryBits, which write_fixed covers).
  void write_counts(BookEntryWriter& w, const Tick& t, std::uint16_t i) noexcept {
    w.set_seq(t.seq, t.exch_ns);
    w.set_counts(books_->order_count(i, book::BookSide::kBid),
                 books_->order_count(i, book::BookSide::kAsk),
                 books_->level_count(i, book::BookSide::kBid),
                 books_->level_count(i, book::BookSide::kAsk));
  }

  void write_fixed(BookEntryWriter& w, const Tick& t, std::uint16_t i) noexcept {
    const book::InstrumentStatus& s = books_->status(i);
    const std::uint32_t depth = depth_;
    BookEntryFixed f{};
    f.seq = t.seq;
    f.exch_ns = t.exch_ns;
    std::memcpy(f.symbol, &s.symbol, sizeof f.symbol);
    f.instrument = i;
    f.trading_state = s.trading_state;
    f.reg_sho = s.reg_sho;
    f.op_halt = s.op_halt;
    f.flags = entry_flags(i);
    f.bid_levels = books_->level_count(i, book::BookSide::kBid);
    f.ask_levels = books_->level_count(i, book::BookSide::kAsk);
    f.bid_depth = static_cast<std::uint8_t>(f.bid_levels < depth ? f.bid_levels : depth);
    f.ask_depth = static_cast<std::uint8_t>(f.ask_levels < depth ? f.ask_levels : depth);
    std::memcpy(f.halt_reason, &s.halt_reason, sizeof f.halt_reason);
    f.bid_orders = books_->order_count(i, book::BookSide::kBid);
    f.ask_orders = books_->order_count(i, book::BookSide::kAsk);
    f.luld_ref = s.luld_reference;
    f.luld_lower = s.luld_lower;
    f.luld_upper = s.luld_upper;
    w.set_fixed(f);
  }

  void publish_top(const Tick& t, std::uint16_t instrument, std::uint8_t bits,
                   std::uint8_t extra_change = 0) noexcept {
    const book::BookTop top = books_->top(instrument);
    TopOfBook r;
    r.recv_ns = t.recv_ns;
    std::uint8_t flags = t.flags & (kTickRecovered | kTickAfterGap);
    if (books_->possibly_wrong(instrument)) flags |= kBookPossiblyWrong;
    set_head(r, t.exch_ns, feed_id_, flags);
    r.seq = t.seq;
    r.bid_price = top.bid.price;
    r.ask_price = top.ask.price;
    r.bid_qty = saturate_u32(top.bid.qty);
    r.ask_qty = saturate_u32(top.ask.qty);
    r.bid_orders = saturate_u16(top.bid.orders);
    r.ask_orders = saturate_u16(top.ask.orders);
    r.instrument = instrument;
    r.trading_state = books_->trading_state(instrument);
    r.change = static_cast<std::uint8_t>((bits & book::BookChange::kTobBits) | extra_change);
    ++top_records_;
    tops_.publish(r);
  }

  // Cold (hand-over): the ticks still in the buffer into the incoming books. False when they do
  // not fit the snapshot (a gap, a session change) or the buffer was lapped.
  [[gnu::cold]] bool drain(SnapshotPort& p) noexcept {
    p.handover_failure = snapshot::ReplayFailure::kNone;
    p.handover_overflow = false;
    p.handover_applied = 0;
    if (!p.receiver || !p.replay || !p.incoming) return false;
    Receiver<Tick>& r = *p.receiver;
    snapshot::SnapshotReplay& replay = *p.replay;
    const std::uint64_t before = replay.applied();
    while (auto m = r.try_recv()) {
      if (replay.offer(m->value, *p.incoming) == snapshot::ReplayVerdict::kRefused) break;
    }
    p.handover_applied = replay.applied() - before;
    p.handover_failure = replay.failure();
    p.handover_overflow = r.lost() != 0 || r.skipped() != 0;
    return !replay.failed() && !p.handover_overflow;
  }

  // Cold (hand-over): the rebuilt books replace the live ones (the retired go back into
  // p.incoming); the tick channels get snapshot-begin, the orders (routes that asked) and
  // snapshot-end; every table entry is rewritten (one seqlock per instrument); the top-of-book
  // channels get begin, one record per instrument with orders or a known state, end.
  template <class ToAll, class ToOrders>
  [[gnu::cold]] void adopt(SnapshotPort& p, ToAll& to_all, ToOrders& to_orders,
                           bool with_orders) noexcept {
    const snapshot::SnapshotReplay& replay = *p.replay;
    const std::uint64_t x = replay.last_applied();
    Tick at = replay.any_applied() ? replay.last_tick() : Tick{};
    at.seq = x;
    std::swap(books_, p.incoming);
    add_events(retired_, p.incoming->counters());
    books_->repaired();
    feed_marked_ = books_->possibly_wrong();
    p.handover_last_seq = x;

    // Tick channels.
    Tick b{};
    b.recv_ns = at.recv_ns;
    set_head(b, at.exch_ns, feed_id_, 0);
    b.seq = x;
    b.order_id = replay.snapshot_next();
    set_tail(b, 0, 0, Action::kStatus, static_cast<Side>('G'));
    b.aux = feed::kStatusSnapshotBegin;
    to_all(b);
    std::uint64_t orders = 0;
    if (with_orders) {
      books_->order_store().for_each([&](const book::Order& o) {
        Tick a{};
        a.recv_ns = at.recv_ns;
        set_head(a, at.exch_ns, feed_id_, kTickSnapshot);
        a.seq = x;
        a.order_id = o.ref;
        a.price = o.price;
        set_tail(a, o.qty, o.instrument, Action::kAdd, o.side == 0 ? Side::kBuy : Side::kSell);
        to_orders(a);
        ++orders;
      });
    }
    p.handover_orders = orders;
    Tick e = b;
    e.aux = feed::kStatusEndOfSnapshot;
    e.order_id = x + 1;
    to_all(e);

    // The table: the whole entry of every instrument that has anything in the old or the new
    // books; the others (most of a 65,536-entry table on a 10,000-symbol feed) are empty in
    // both and get only their flags byte (the old books' mark cleared), as a mark change does.
    const std::uint8_t feed_flags = feed_marked_ ? kBookPossiblyWrong : 0;
    table_->set_feed_flags(feed_flags);
    const book::FeedBooks& retired = *p.incoming;
    for (std::uint32_t i = 1; i < table_->instruments(); ++i) {
      const auto inst = static_cast<std::uint16_t>(i);
      BookEntryWriter w = table_->begin(i);
      if (has_state(*books_, inst) || books_->possibly_wrong(inst) || has_state(retired, inst)) {
        write_changed_levels(w, inst, book::BookChange{inst, book::BookChange::kBidChanged |
                                                                 book::BookChange::kAskChanged});
        write_fixed(w, at, inst);
      } else {
        w.set_flags(entry_flags(inst));
      }
      table_->commit(w);
    }
    table_->applied(x);

    // Top-of-book channels.
    publish_feed_record(at, static_cast<std::uint8_t>(kTobSnapshot | kTobReset), feed_flags);
    for (std::uint32_t i = 1; i < table_->instruments(); ++i) {
      const auto inst = static_cast<std::uint16_t>(i);
      if (books_->order_count(inst, book::BookSide::kBid) == 0 &&
          books_->order_count(inst, book::BookSide::kAsk) == 0 &&
          books_->status(inst).trading_state == 0) {
        continue;
      }
      publish_top(at, inst, book::BookChange::kTobBits, kTobSnapshot);
    }
    publish_feed_record(at, static_cast<std::uint8_t>(kTobSnapshot | kTobMarkChanged), feed_flags);
  }

  // to += the event counters of from (not the state gauges).
  static void add_events(book::BookCounters& to, const book::BookCounters& from) noexcept {
    to.adds += from.adds;
    to.executes += from.executes;
    to.cancels += from.cancels;
    to.deletes += from.deletes;
    to.replaces += from.replaces;
    to.unknown_refs += from.unknown_refs;
    to.duplicate_refs += from.duplicate_refs;
    to.over_executions += from.over_executions;
    to.over_cancels += from.over_cancels;
    to.rejected_adds += from.rejected_adds;
    to.instrument_out_of_range += from.instrument_out_of_range;
    to.crossed += from.crossed;
    to.locked += from.locked;
    to.order_store_full += from.order_store_full;
    to.level_store_full += from.level_store_full;
    to.resets += from.resets;
    to.marks += from.marks;
  }

  // Whether an instrument has orders or a known status (what a table entry shows but flags).
  [[nodiscard]] static bool has_state(const book::FeedBooks& b, std::uint16_t i) noexcept {
    return b.order_count(i, book::BookSide::kBid) != 0 ||
           b.order_count(i, book::BookSide::kAsk) != 0 || !(b.status(i) == kNoStatus);
  }

  // One instrument-0 top-of-book record (feed-wide: reset, mark, snapshot).
  void publish_feed_record(const Tick& t, std::uint8_t change, std::uint8_t book_flags) noexcept {
    TopOfBook r{};
    r.recv_ns = t.recv_ns;
    set_head(r, t.exch_ns, feed_id_,
             static_cast<std::uint8_t>((t.flags & (kTickRecovered | kTickAfterGap)) | book_flags));
    r.seq = t.seq;
    r.change = change;
    ++top_records_;
    tops_.publish(r);
  }

  // Cold: the feed's mark changed (a gap, or the first kTickAfterGap tick), or a session start
  // reset every book.
  [[gnu::cold]] [[gnu::noinline]] void on_feed_change(const Tick& t,
                                                      const book::BookChange& c) noexcept {
    feed_marked_ = books_->possibly_wrong();
    const std::uint8_t feed_flags = feed_marked_ ? kBookPossiblyWrong : 0;
    if ((c.bits & book::BookChange::kReset) != 0) {
      char session[16] = {};
      std::memcpy(session, &t.order_id, 8);
      std::memcpy(session + 8, &t.price, 2);
      table_->start_session(std::string_view(session, 10), feed_flags);
      // Every entry cleared (a new session's locates mean other things; levels beyond the
      // depth bytes are never read). Cold: once per session, instruments x 12 stores.
      for (std::uint32_t i = 1; i < table_->instruments(); ++i) {
        BookEntryWriter w = table_->begin(i);
        BookEntryFixed f{};
        f.instrument = static_cast<std::uint16_t>(i);
        w.set_fixed(f);
        table_->commit(w);
      }
    } else {
      table_->set_feed_flags(feed_flags);
      // Every entry carries the mark too (a reader of one entry needs nothing else): its flags
      // byte rewritten, the rest untouched. Cold: once per mark change, instruments x 3 stores.
      for (std::uint32_t i = 1; i < table_->instruments(); ++i) {
        BookEntryWriter w = table_->begin(i);
        w.set_flags(entry_flags(static_cast<std::uint16_t>(i)));
        table_->commit(w);
      }
    }
    table_->applied(t.seq);
    publish_feed_record(
        t,
        static_cast<std::uint8_t>(((c.bits & book::BookChange::kReset) != 0 ? kTobReset : 0) |
                                  kTobMarkChanged),
        feed_flags);
  }

  static inline const book::InstrumentStatus kNoStatus{};

  static_assert(sizeof(book::Level) == sizeof(BookLevel) &&
                offsetof(book::Level, price) == offsetof(BookLevel, price) &&
                offsetof(book::Level, qty) == offsetof(BookLevel, qty) &&
                offsetof(book::Level, orders) == offsetof(BookLevel, orders));

  std::unique_ptr<book::FeedBooks> books_;
  BookTableWriter* table_;
  // Levels per side the entries hold: the table's depth, or the books' N if smaller (the
  // daemon's config gives both the same N; a table deeper than N would hold levels beyond N
  // that no BookChange reports).
  std::uint32_t depth_;
  Tops tops_;
  std::uint8_t feed_id_;
  std::uint64_t top_records_ = 0;
  bool feed_marked_ = false;  // what the table's feed flags say (kBookPossiblyWrong)
  // The snapshot port (snapshot_port.hpp), nullptr without feeds[].snapshot; buffering_ is the
  // RX lcore's own copy of "the request is kBuffer" (the per-tick test).
  SnapshotPort* port_ = nullptr;
  std::unique_ptr<SnapshotPort> owned_port_;
  book::BookCounters retired_{};  // event counters of the book sets snapshots replaced
  bool buffering_ = false;
  std::uint64_t served_ = 0;        // the last request word acted on
  std::uint64_t buffer_start_ = 0;  // the buffer's next_seq when this generation began
  std::size_t pending_n_ = 0;       // ticks staged, not applied yet (stage / flush)
  std::array<Tick, kBatch> pending_{};
};

}  // namespace ichannel::daemon
