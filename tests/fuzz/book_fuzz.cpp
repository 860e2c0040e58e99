// libFuzzer target: fuzz-chosen tick sequences - well-formed and hostile (unknown and duplicate
// references, zero and over-sized quantities, bad sides, out-of-range locates, events naming
// another locate than their order's, full order and level stores, gaps, session starts) -
// through the books and the daemon's book stage, with invariants checked after every tick:
// - FeedBooks equals the tests' ReferenceBook (tests/book/book_check.hpp Twin: the touched
//   instrument's top N levels, counts, marks and status, every counter) and its BookChange
//   reports every change the reference sees (including BookChange::from);
// - the daemon's path, books per packet (FeedSink::Burst -> BookStage::stage / flush, packet
//   sizes chosen by the input), leaves the book table exactly as applying each tick at once
//   (BookStage::on_tick) does, and publishes the same TopOfBook records;
// - the per-packet table's entries hold the reference's top N levels and counts.
// Input: byte 0 picks the limits (depth, instruments, order and level store sizes, the order
// window), then 8-byte operations [op, locate, ref, new ref, price, qty, qty, packet]; see
// tick_of(). Any crash, sanitizer report or broken invariant (__builtin_trap after printing
// it) is a finding. Run (clang build dir, see meson.build here):
//   build-fuzz/tests/fuzz/ichannel-fuzz-book -max_total_time=60 -max_len=4096 build-fuzz/book-corpus
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <ichannel/book_table.hpp>
#include <ichannel/sender.hpp>

#include "daemon/datapath/book_stage.hpp"
#include "daemon/datapath/feed_sink.hpp"
#include "tests/book/book_check.hpp"
#include "tests/daemon/book_fixture.hpp"

namespace {

using namespace ichannel;

constexpr std::uint32_t kMaxInstruments = 16;
constexpr std::uint32_t kTableDepth = 8;

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "book fuzz: %s\n", what.c_str());
  std::fflush(stderr);
  __builtin_trap();
}

// A top-of-book output that keeps the records.
struct Tops {
  std::vector<TopOfBook>* out;
  std::uint64_t sent = 0;
  std::uint64_t send(const TopOfBook& r) noexcept {
    out->push_back(r);
    return ++sent;
  }
};

// Two book tables (per packet, per tick), each in a private directory, made once per process;
// every input starts with a session start, which clears every entry.
struct Tables {
  test::TempBookTable staged{"ichannel-fuzz-book-staged", kMaxInstruments, kTableDepth};
  test::TempBookTable direct{"ichannel-fuzz-book-direct", kMaxInstruments, kTableDepth};
  Tables() {
    if (!staged.ok() || !direct.ok()) finding("book tables not created");
  }
};

// One operation's 8 bytes as a tick (seq set by the caller).
Tick tick_of(const std::uint8_t* b, std::uint32_t instruments) {
  const std::uint16_t locate = static_cast<std::uint16_t>(b[1] % (instruments + 2));  // + out of range
  const std::uint64_t ref = 1 + b[2] % 48;                                        // collisions
  const std::uint64_t new_ref = 1 + b[3] % 64;
  const std::int64_t price = 1'000'000 + (static_cast<std::int8_t>(b[4]) * 100);  // around a mid
  const std::uint32_t qty = b[5] == 0 ? 0 : 1u + (b[5] * 7u + b[6]) % 700;        // 0 sometimes
  const char side = (b[0] & 0x80) != 0 ? 'S' : 'B';
  switch (b[0] % 16) {
    case 0:
    case 1:
    case 2:
      return test::add_tick(locate, ref, side, price, qty);
    case 3:
      return test::add_tick(locate, ref, static_cast<char>(b[6]), price, qty);  // any side byte
    case 4:
      return test::exec_tick(locate, ref, qty);
    case 5:
      return test::exec_price_tick(locate, ref, qty, price);
    case 6:
      return test::cancel_tick(locate, ref, qty);
    case 7:
    case 8:
      return test::delete_tick(locate, ref);
    case 9:
    case 10:
      return test::replace_tick(locate, ref, new_ref, price, qty);
    case 11: {
      static constexpr char kStates[] = {'H', 'P', 'Q', 'T'};
      return test::status_tick(locate, 'H', kStates[b[6] & 3], 0x20202020u);
    }
    case 12: {
      Tick t = test::order_tick(Action::kDirectory, locate, 0, 'Q', 0, 100);
      std::memcpy(&t.order_id, "FUZZ    ", 8);
      t.order_id += b[6];
      return t;
    }
    case 13:
      return test::status_tick(locate, (b[6] & 1) != 0 ? 'Y' : 'h', (b[6] & 2) != 0 ? '1' : 'H');
    case 14:
      return (b[6] & 1) != 0 ? test::gap_tick(0, 1 + b[7] % 4) : test::session_start_tick();
    default: {
      Tick t = test::order_tick(Action::kTrade, locate, ref, side, price, qty);
      if ((b[6] & 3) == 0) t.action = static_cast<Action>(b[7]);  // any action byte
      if (t.action == Action::kGap) t.instrument = 0;  // the daemon's gap records are feed-wide
      return t;
    }
  }
}

void same_entries(BookTableReader& a, BookTableReader& b, std::uint16_t i, std::uint64_t seq) {
  BookSnapshot x, y;
  if (!a.read(i, x) || !b.read(i, y)) finding("table entry not readable");
  if (std::memcmp(static_cast<const BookEntryFixed*>(&x), static_cast<const BookEntryFixed*>(&y),
                  sizeof(BookEntryFixed)) != 0) {
    finding("per packet and per tick tables differ, instrument " + std::to_string(i) +
            " after seq " + std::to_string(seq));
  }
  for (const BookSide s : {BookSide::kBid, BookSide::kAsk}) {
    const auto p = x.side(s);
    const auto q = y.side(s);
    if (!std::equal(p.begin(), p.end(), q.begin(), q.end())) {
      finding("per packet and per tick levels differ, instrument " + std::to_string(i));
    }
  }
}

void entry_is_reference(BookTableReader& r, const test::ReferenceBook& ref, std::uint16_t i,
                        std::uint32_t depth) {
  BookSnapshot x;
  if (!r.read(i, x)) finding("table entry not readable");
  for (const auto side : {book::BookSide::kBid, book::BookSide::kAsk}) {
    const auto want = ref.levels(i, side, depth);
    const auto got = x.side(side == book::BookSide::kBid ? BookSide::kBid : BookSide::kAsk);
    if (got.size() != want.size()) {
      finding("table depth " + std::to_string(got.size()) + " differs from the reference's " +
              std::to_string(want.size()) + ", instrument " + std::to_string(i));
    }
    for (std::size_t k = 0; k < want.size(); ++k) {
      if (got[k].price != want[k].price || got[k].qty != want[k].qty ||
          got[k].orders != want[k].orders) {
        finding("table level differs from the reference, instrument " + std::to_string(i) +
                " level " + std::to_string(k));
      }
    }
  }
  if (std::uint64_t{x.bid_orders} + x.ask_orders != ref.order_count(i)) {
    finding("table order count differs, instrument " + std::to_string(i));
  }
  if (x.bid_levels != ref.level_count(i, book::BookSide::kBid) ||
      x.ask_levels != ref.level_count(i, book::BookSide::kAsk)) {
    finding("table level count differs, instrument " + std::to_string(i));
  }
  if (x.possibly_wrong() != ref.possibly_wrong(i)) finding("table mark differs");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Tables tables;
  if (size < 1) return 0;
  const std::uint8_t c = data[0];
  book::BookLimits limits;
  limits.depth = 1 + (c & 7);
  limits.instruments = 2 + (c >> 3 & 7) * 2;
  limits.max_orders = (c & 0x80) != 0 ? 8 : 64;  // a full order store, or room
  // Room for every level (the reference does not model a full level store: property_test.cpp
  // tests that one on its own).
  limits.level_store_levels = 1 << 14;
  limits.order_window = (c & 0x40) != 0 ? 16 : 0;
  const std::uint32_t depth = limits.depth < kTableDepth ? limits.depth : kTableDepth;
  limits.depth = depth;  // the daemon's config gives the books and the table the same N

  using Sink = daemon::FeedSink<Sender<Tick>, Tops>;
  test::Twin twin(limits, limits.max_orders);
  std::vector<Message<Tick>> ring(1u << 10);
  Sender<Tick> tx = Sender<Tick>::with_init(ring);
  feed::SymbolTable symbols;
  Sink sink;
  (void)sink.ticks().add_output(tx, 0, symbols, {});
  sink.enable_books(std::make_unique<Sink::Books>(limits, tables.staged.writer(), 1));
  std::vector<TopOfBook> staged_records, direct_records;
  Tops staged_tops{&staged_records}, direct_tops{&direct_records};
  (void)sink.books()->tops().add_output(staged_tops, 0, symbols, {});
  daemon::BookStage<Tops> direct(limits, tables.direct.writer(), 1);
  (void)direct.tops().add_output(direct_tops, 0, symbols, {});

  // Every input starts a session (the tables' entries cleared, as the daemon does).
  std::uint64_t seq = 0;
  std::vector<Tick> packet;
  std::vector<std::uint16_t> touched;  // per tick of the packet: its order's locate, else its own
  const auto run_packet = [&] {
    {
      Sink::Burst burst(sink);
      for (const Tick& t : packet) burst.publish(t);
    }
    for (const Tick& t : packet) direct.on_tick(t);
    for (std::size_t n = 0; n < packet.size(); ++n) {
      for (const std::uint16_t k : {packet[n].instrument, touched[n]}) {
        if (k == 0 || k >= kMaxInstruments || k >= limits.instruments) continue;
        same_entries(tables.staged.reader(), tables.direct.reader(), k, packet[n].seq);
        entry_is_reference(tables.staged.reader(), twin.ref, k, depth);
      }
    }
    if (staged_records.size() != direct_records.size() ||
        (!staged_records.empty() &&
         std::memcmp(staged_records.data(), direct_records.data(),
                     staged_records.size() * sizeof(TopOfBook)) != 0)) {
      finding("per packet and per tick TopOfBook records differ");
    }
    packet.clear();
    touched.clear();
  };
  Tick start = test::session_start_tick();
  start.seq = ++seq;
  if (auto r = twin.apply(start); !r) finding(r.message());
  packet.push_back(start);
  touched.push_back(0);
  run_packet();
  for (std::size_t at = 1; at + 8 <= size; at += 8) {
    Tick t = tick_of(data + at, limits.instruments);
    t.seq = ++seq;
    touched.push_back(twin.ref.instrument_of(t.order_id, t.instrument));
    if (auto r = twin.apply(t); !r) finding(r.message());
    packet.push_back(t);
    // The packet ends here when the op says so (byte 7's low bits) or at the staging batch.
    if ((data[at + 7] & 3) == 0 || packet.size() == Sink::Books::kBatch + 3) run_packet();
  }
  if (!packet.empty()) run_packet();
  if (auto r = test::same_everywhere(*twin.books, twin.ref, depth); !r) finding(r.message());
  return 0;
}
