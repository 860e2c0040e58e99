// tools/sim/generator.hpp: synthetic but realistic TotalView-ITCH 5.0 trading session.
//
// Contract
// - Deterministic for a given GeneratorConfig (seed included): the random source is portable
//   (rng.hpp); the draws also go through std::log/exp/pow/cos, so another C math library could
//   round a draw differently.
// - Session layout: preamble  S 'O' (start of messages), S 'S' (start of system hours),
//   R (stock directory) and H 'T' (trading) for each of `symbols` instruments (locates 1..K),
//   S 'Q' (start of market hours); then `messages` body messages; then the postamble
//   S 'M' (end of market hours), S 'E' (end of system hours), S 'C' (end of messages).
//   Total messages = body + 2 * symbols + 6.
// - Two body models (GeneratorConfig::model):
//   kBook (default): a day whose books are real (README.md "The book model"). Every order gets
//     at add time a lifetime from a heavy-tailed mixture (fleeting sub-millisecond quotes to
//     all-day resting orders) and a plan (replaces U and partial cancels X before its end D);
//     executions E/C hit the oldest order of an instrument's best level (partial or full);
//     prices sit around the touch with a Pareto tail, per instrument a moving reference price;
//     the resting share is steered so that the live orders build up to `peak_live_orders`;
//     the message rate is modulated (intraday U shape, quiet and busy periods, microbursts).
//     The book is never crossed or locked: a buy is added or replaced below the best ask, a
//     sell above the best bid. The mix of body messages follows `mix`.
//   kFlat: the earlier model (kept for comparisons with earlier benchmark rows): each message
//     type drawn from the mix, D/U/E/X/C on a uniformly chosen live order (with no live order
//     the draw becomes an A), prices a random walk of +-10 cents around a mid, no crossing
//     guarantee; the book stays nearly empty.
// - Book rules (both models): order ids are unique and increasing; D, U, E, X and C refer only
//   to live orders; E and C never execute more than the remaining shares and remove the order
//   when it is fully executed; X cancels fewer than the remaining shares; U retires the
//   original id for a new one (same side and instrument). Prices are in cents (Price(4)).
//   Timestamps strictly increase from `start_ns`; the mean body rate is `msg_rate`.
// - next() also yields the Tick the feed should publish for the message, per the mapping table
//   of docs/tick-format.md (as app/feed/itch50_normalize.hpp documents it: S/H -> kStatus with
//   aux = type byte, R -> kDirectory with qty = round lot, F aux = attribution, C side =
//   printable, ...). seq and recv_ns stay 0: the packer and the receiver own those.
// - Cold-path tool code; allocates (about 100 bytes per live order). Single thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <ichannel/tick.hpp>

#include "tools/sim/rng.hpp"

namespace ichannel::sim {

enum class Model : std::uint8_t { kBook, kFlat };

// Body message mix: relative weights (per mille by convention) of A F U D E C X P.
struct Mix {
  std::uint32_t a = 0, f = 0, u = 0, d = 0, e = 0, c = 0, x = 0, p = 0;
  [[nodiscard]] std::uint64_t total() const { return std::uint64_t{a} + f + u + d + e + c + x + p; }
  friend bool operator==(const Mix&, const Mix&) = default;
};

// A full day, balanced (adds = deletes + full executions, as CppTrader's counts of the
// 2017-01-30 day show: README.md "Published facts").
inline constexpr Mix kDayMix{370, 15, 155, 375, 18, 2, 15, 50};
// The real sample's first 1000 messages after the open (../shared/data/README.md): add-heavy,
// the book grows all session long.
inline constexpr Mix kOpenMix{367, 193, 225, 167, 28, 1, 6, 4};
// The kFlat model's mix of earlier versions.
inline constexpr Mix kFlatMix{430, 10, 70, 430, 20, 10, 10, 20};

// Published facts of a full Nasdaq day (DESIGN.md section 9): the default peak scales with them.
inline constexpr std::uint64_t kDayMessages = 283'238'832;
inline constexpr std::uint64_t kDayPeakLiveOrders = 1'648'000;

// "A=370,F=15,..." (any subset of the 8 letters, the others 0) or a preset name: day, open,
// flat. Empty optional if the text is not one of those.
std::optional<Mix> parse_mix(std::string_view text);
std::string format_mix(const Mix& mix);

struct GeneratorConfig {
  std::uint64_t messages = 100'000;  // body messages
  std::uint32_t symbols = 100;       // instruments, 1..65535
  std::uint64_t seed = 1;
  double msg_rate = 50'000;                     // mean body messages per second of exchange time
  std::uint64_t start_ns = 34'200'000'000'000;  // 09:30:00 after midnight
  Model model = Model::kBook;
  std::optional<Mix> mix;  // default: kDayMix (kBook), kFlatMix (kFlat)

  // kBook knobs.
  // Live orders at the session's peak; 0: the published day scaled to `messages`
  // (kDayPeakLiveOrders * messages / kDayMessages, at least 2 per symbol). Reachable up to
  // about (A + F) share * messages / e (0.14 * messages with the day mix).
  std::uint64_t peak_live_orders = 0;
  // Of the short-lived orders: lifetime 20 us .. 1 ms (else 1 ms .. 1 s; shorter in a small
  // session, so that they hold at most a quarter of the peak).
  double fleeting_share = 0.5;
  double full_execution_share = 0.5;      // executions that take the whole remaining order
  double join_share = 0.35;               // adds/replaces at the best price of their side
  double improve_share = 0.05;            // inside the spread (when it is wider than a tick)
  double price_tail_alpha = 1.2;          // Pareto index of the distance from the touch (ticks)
  std::uint32_t max_depth_ticks = 5'000;  // cap of that distance
  double burst_share = 0.1;               // share of the body messages sent in microbursts
  double burst_speedup = 30;              // message rate inside a microburst / outside
  double burst_messages = 300;            // mean messages per microburst
  double regime_sigma = 0.5;              // lognormal spread of the rate of quiet / busy periods
  double regimes = 200;                   // mean number of quiet / busy periods per session
  double intraday_swing =
      1.2;  // U shape: rate at open and close / midday = 1 + 2 * swing (0: flat)
};

struct GeneratorStats {
  std::array<std::uint64_t, 256> by_type{};         // messages per ITCH type byte
  std::array<std::uint64_t, 16> ticks_by_action{};  // expected ticks per ichannel::Action
  std::uint64_t messages = 0;
  std::uint64_t fallback_adds = 0;  // draws turned into A (no live order to act on)
  std::uint64_t max_live_orders = 0;
  std::uint64_t max_live_at_message = 0;  // body message index of the peak
  std::uint64_t live_orders = 0;          // now (at the end: left resting)
  std::uint64_t peak_live_target = 0;     // kBook: the peak it steered to
  std::uint64_t max_levels = 0;           // kBook: most price levels on one side of a book
  std::uint64_t first_timestamp = 0;
  std::uint64_t last_timestamp = 0;
  Model model = Model::kBook;
  Mix mix;  // the weights in effect
  [[nodiscard]] std::uint64_t ticks() const;
};

class Generator {
 public:
  explicit Generator(const GeneratorConfig& config);

  // Writes the next message into `out` (cleared first) and its expected tick into `*expected`
  // (if not null). Returns false once the session is complete.
  bool next(std::vector<std::uint8_t>& out, std::uint64_t& time_ns, Tick* expected);

  [[nodiscard]] const GeneratorStats& stats() const { return stats_; }
  [[nodiscard]] const std::vector<std::string>& symbols() const { return symbols_; }
  [[nodiscard]] std::uint64_t total_messages() const;
  [[nodiscard]] const Mix& mix() const { return mix_; }

 private:
  // kFlat state.
  struct Order {
    std::uint64_t id;
    std::uint16_t locate;
    char side;
    std::uint32_t shares;
    std::uint32_t price;
  };
  struct Symbol {
    std::uint32_t mid;  // Price(4), multiple of 100 (one cent)
  };

  // kBook state: an order slot lives from its add to its end (a replace keeps the slot and
  // changes its id); each slot has at most one pending event in the heap.
  static constexpr std::uint32_t kNone = 0xFFFF'FFFF;
  struct Slot {
    std::uint64_t id;
    std::uint64_t end_tau;  // operational time of its delete (kNever: none planned)
    std::uint32_t price;
    std::uint32_t shares;
    std::uint32_t prev, next;  // FIFO list of its price level
    std::uint32_t gen;  // bumped when the slot is freed: heap entries of older gens are stale
    std::uint16_t locate;
    char side;
    std::uint8_t events_left;  // replaces / cancels still planned before the end
  };
  // A price level: key = price (bids) or ~price (asks), so that both sides are sorted
  // ascending by key with the best level at the end (the touch is cheap to reach).
  struct Level {
    std::uint32_t key, head, tail, count;
  };
  struct Book {
    std::uint32_t ref;        // reference price, Price(4), multiple of 100
    std::vector<Level> bids;  // best = back
    std::vector<Level> asks;  // best = back
  };
  struct Event {
    std::uint64_t tau;
    std::uint32_t slot;
    std::uint32_t gen;
  };

  void body(std::vector<std::uint8_t>& out, Tick& t);
  void add(std::vector<std::uint8_t>& out, Tick& t, bool mpid);
  std::uint16_t pick_locate();
  std::uint32_t pick_shares();
  std::uint32_t order_price(std::uint16_t locate, char side);
  void remove_live(std::size_t index);
  std::uint64_t advance_time();

  void init_book_model();
  void book_body(std::vector<std::uint8_t>& out, Tick& t);
  bool book_scheduled(std::vector<std::uint8_t>& out, Tick& t, const Event& e);
  void book_new(std::vector<std::uint8_t>& out, Tick& t);
  void book_add(std::vector<std::uint8_t>& out, Tick& t, bool mpid);
  bool book_execute(std::vector<std::uint8_t>& out, Tick& t, bool with_price);
  void book_trade(std::vector<std::uint8_t>& out, Tick& t);
  std::uint32_t book_price(Book& b, char side);
  void level_insert(std::uint32_t slot);
  void level_remove(std::uint32_t slot);
  void free_slot(std::uint32_t slot);
  void schedule_next(std::uint32_t slot);
  void push_event(std::uint64_t tau, std::uint32_t slot);
  bool pop_due(std::uint64_t limit, Event& e);
  std::uint64_t exchange_time(std::uint64_t tau);
  void next_segment();
  std::uint64_t target_live(double x) const;

  GeneratorConfig config_;
  Mix mix_;
  Rng rng_;
  GeneratorStats stats_;
  std::vector<std::string> symbols_;  // index locate - 1
  std::vector<Symbol> books_;         // kFlat, index locate - 1
  std::vector<Order> live_;           // kFlat
  std::uint64_t produced_ = 0;        // messages emitted so far
  std::uint64_t body_done_ = 0;       // body messages emitted so far
  std::uint64_t now_ns_;
  std::uint64_t next_order_id_ = 1'000;
  std::uint64_t next_match_ = 1;
  double mean_gap_ns_;

  // kBook.
  Rng warp_rng_{0};        // the rate modulation has its own stream (bursts do not move the books)
  std::vector<Book> lob_;  // index locate - 1
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  // Pending events: a calendar of buckets of bucket_ns_ operational time; the current bucket
  // (and everything pushed into the past of it) is a min-heap on tau, `near_`.
  std::vector<std::vector<Event>> buckets_;
  std::vector<Event> near_;
  std::size_t bucket_ = 0;
  double bucket_ns_ = 1;
  std::uint64_t tau_ = 0;           // operational time (ns): the rate is constant in it
  std::uint64_t next_new_tau_ = 0;  // next arrival of a new event (A F E C P)
  std::uint64_t body_start_tau_ = 0;
  std::uint64_t horizon_tau_ = 0;               // nominal end of the session in operational time
  double new_gap_ns_ = 0;                       // mean operational gap of new events
  std::array<std::uint32_t, 5> new_weights_{};  // A F E C P
  std::uint64_t new_total_ = 0;
  double p_delete_ = 1;        // an order plans a delete (else it rests beyond the session)
  double q_events_ = 0;        // geometric parameter of the planned replaces + cancels
  double p_replace_ = 0;       // of the planned events: U (else X)
  double p_long0_ = 0;         // base share of long-lived (resting) orders
  double short_max_ns_ = 1e9;  // longest life of a short-lived order
  std::uint64_t peak_target_ = 0;
  std::uint64_t book_live_ = 0;
  // Time warp: exchange = seg_exch_ + (tau - seg_tau_) * seg_slowness_ while tau < seg_end_.
  std::uint64_t seg_tau_ = 0, seg_end_ = 0;
  double seg_exch_ = 0, seg_slowness_ = 1;
  double intraday_norm_ = 1, burst_norm_ = 1;
  std::uint64_t last_exch_ = 0;
};

}  // namespace ichannel::sim
