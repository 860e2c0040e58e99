// tools/sim/generator.hpp: synthetic but realistic TotalView-ITCH 5.0 trading session.
//
// Contract
// - Deterministic for a given GeneratorConfig (seed included), on every platform.
// - Session layout: preamble  S 'O' (start of messages), S 'S' (start of system hours),
//   R (stock directory) and H 'T' (trading) for each of `symbols` instruments (locates 1..K),
//   S 'Q' (start of market hours); then `messages` body messages in the mix of a real day
//   (per mille: A 430, F 10, D 430, U 70, E 20, X 10, C 10, P 20); then the postamble
//   S 'M' (end of market hours), S 'E' (end of system hours), S 'C' (end of messages).
//   Total messages = body + 2 * symbols + 6.
// - Book rules: order ids are unique and increasing; D, U, E, X and C refer only to live orders
//   (with no live order the draw becomes an A); E and C never execute more than the remaining
//   shares and remove the order when it is fully executed; X cancels fewer than the remaining
//   shares (an order of 1 share is deleted instead); U retires the original id for a new one.
//   Prices follow a random walk per symbol in cents (Price(4)); timestamps strictly increase
//   from 09:30:00 with exponential gaps of mean 1e9 / msg_rate ns.
// - next() also yields the Tick the feed should publish for the message, per the mapping table
//   of docs/tick-format.md (as app/feed/itch50_normalize.hpp documents it: S/H -> kStatus with
//   aux = type byte, R -> kDirectory with qty = round lot, F aux = attribution, C side =
//   printable, ...). seq and recv_ns stay 0: the packer and the receiver own those.
// - Cold-path tool code; allocates. Single thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <ichannel/tick.hpp>

#include "tools/sim/rng.hpp"

namespace ichannel::sim {

struct GeneratorConfig {
  std::uint64_t messages = 100'000;  // body (day-mix) messages
  std::uint32_t symbols = 100;       // instruments, 1..65535
  std::uint64_t seed = 1;
  double msg_rate = 50'000;                     // mean body messages per second of exchange time
  std::uint64_t start_ns = 34'200'000'000'000;  // 09:30:00 after midnight
};

struct GeneratorStats {
  std::array<std::uint64_t, 256> by_type{};         // messages per ITCH type byte
  std::array<std::uint64_t, 16> ticks_by_action{};  // expected ticks per ichannel::Action
  std::uint64_t messages = 0;
  std::uint64_t fallback_adds = 0;  // D/U/E/X/C draws turned into A (no live order)
  std::uint64_t max_live_orders = 0;
  std::uint64_t first_timestamp = 0;
  std::uint64_t last_timestamp = 0;
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

 private:
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

  void body(std::vector<std::uint8_t>& out, Tick& t);
  void add(std::vector<std::uint8_t>& out, Tick& t, bool mpid);
  std::uint16_t pick_locate();
  std::uint32_t pick_shares();
  std::uint32_t order_price(std::uint16_t locate, char side);
  void remove_live(std::size_t index);
  std::uint64_t advance_time();

  GeneratorConfig config_;
  Rng rng_;
  GeneratorStats stats_;
  std::vector<std::string> symbols_;  // index locate - 1
  std::vector<Symbol> books_;         // index locate - 1
  std::vector<Order> live_;
  std::uint64_t produced_ = 0;  // messages emitted so far
  std::uint64_t now_ns_;
  std::uint64_t next_order_id_ = 1'000;
  std::uint64_t next_match_ = 1;
  double mean_gap_ns_;
};

}  // namespace ichannel::sim
