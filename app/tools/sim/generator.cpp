// tools/sim/generator.cpp: see generator.hpp for the session layout and the book rules.
#include "tools/sim/generator.hpp"

#include <algorithm>
#include <cstring>
#include <set>
#include <stdexcept>

#include "wire/itch50_encode.hpp"

namespace ichannel::sim {

namespace itch = wire::itch;

namespace {

// Body mix, per mille, in draw order.
struct MixEntry {
  char type;
  std::uint32_t weight;
};
constexpr std::array<MixEntry, 8> kMix{
    {{'A', 430}, {'F', 10}, {'D', 430}, {'U', 70}, {'E', 20}, {'X', 10}, {'C', 10}, {'P', 20}}};

std::uint64_t symbol_bytes(std::string_view s) {
  char b[8];
  for (std::size_t i = 0; i < 8; ++i) b[i] = i < s.size() ? s[i] : ' ';
  std::uint64_t v;
  std::memcpy(&v, b, 8);
  return v;
}

std::vector<std::string> make_symbols(std::uint32_t n, Rng& rng) {
  std::set<std::string> seen;
  std::vector<std::string> out;
  out.reserve(n);
  while (out.size() < n) {
    const std::size_t len = seen.size() < 26 * 26 ? rng.between(2, 4) : rng.between(4, 6);
    std::string s;
    for (std::size_t i = 0; i < len; ++i) s.push_back(static_cast<char>('A' + rng.below(26)));
    if (seen.insert(s).second) out.push_back(s);
  }
  return out;
}

}  // namespace

std::uint64_t GeneratorStats::ticks() const {
  std::uint64_t n = 0;
  for (auto c : ticks_by_action) n += c;
  return n;
}

Generator::Generator(const GeneratorConfig& config)
    : config_(config), rng_(config.seed), now_ns_(config.start_ns) {
  if (config.symbols == 0 || config.symbols > 65535)
    throw std::invalid_argument("symbols must be in 1..65535");
  if (!(config.msg_rate > 0)) throw std::invalid_argument("msg_rate must be positive");
  mean_gap_ns_ = 1e9 / config.msg_rate;
  symbols_ = make_symbols(config.symbols, rng_);
  books_.resize(config.symbols);
  for (auto& b : books_) b.mid = static_cast<std::uint32_t>(rng_.between(500, 50'000)) * 100;
  live_.reserve(1024);
}

std::uint64_t Generator::total_messages() const {
  return config_.messages + 2ULL * config_.symbols + 6;
}

std::uint64_t Generator::advance_time() {
  const auto gap = static_cast<std::uint64_t>(rng_.exponential(mean_gap_ns_));
  now_ns_ += 1 + gap;
  return now_ns_;
}

bool Generator::next(std::vector<std::uint8_t>& out, std::uint64_t& time_ns, Tick* expected) {
  if (produced_ >= total_messages()) return false;
  out.clear();
  Tick t{};
  const std::uint64_t k = config_.symbols;
  const std::uint64_t i = produced_;
  const std::uint64_t body_end = 2 * k + 3 + config_.messages;
  itch::Header h;
  h.timestamp = (i == 0) ? now_ns_ : advance_time();
  t.exch_ns = h.timestamp;

  auto system_event = [&](char code) {
    itch::append(out, itch::SystemEvent{h, code});
    t.action = Action::kStatus;
    t.side = static_cast<Side>(code);
    t.aux = 'S';
  };
  if (i < 2) {
    system_event(i == 0 ? 'O' : 'S');
  } else if (i < 2 + k) {
    const auto locate = static_cast<std::uint16_t>(i - 1);
    h.stock_locate = locate;
    itch::StockDirectory r;
    r.header = h;
    r.stock = symbols_[locate - 1];
    itch::append(out, r);
    t.action = Action::kDirectory;
    t.instrument = locate;
    t.order_id = symbol_bytes(r.stock);
    t.qty = r.round_lot_size;
    t.side = static_cast<Side>(r.market_category);
    // Tick layout 2: aux = the 8 attribute bytes, price = 3 more + the ETP leverage factor.
    const auto c = [](char ch) { return std::uint64_t{static_cast<std::uint8_t>(ch)}; };
    const auto sub = [&](std::size_t n) { return n < r.issue_sub_type.size() ? r.issue_sub_type[n] : ' '; };
    t.aux = c(r.financial_status_indicator) | c(r.issue_classification) << 8 |
            c(r.round_lots_only) << 16 | c(sub(0)) << 24 | c(sub(1)) << 32 |
            c(r.authenticity) << 40 | c(r.short_sale_threshold_indicator) << 48 |
            c(r.ipo_flag) << 56;
    t.price = static_cast<std::int64_t>(c(r.luld_reference_price_tier) | c(r.etp_flag) << 8 |
                                        c(r.inverse_indicator) << 16 |
                                        std::uint64_t{r.etp_leverage_factor} << 32);
  } else if (i < 2 + 2 * k) {
    const auto locate = static_cast<std::uint16_t>(i - 1 - k);
    h.stock_locate = locate;
    itch::StockTradingAction a;
    a.header = h;
    a.stock = symbols_[locate - 1];
    itch::append(out, a);
    t.action = Action::kStatus;
    t.instrument = locate;
    t.side = static_cast<Side>(a.trading_state);
    t.order_id = symbol_bytes(a.stock);
    char reason[4] = {' ', ' ', ' ', ' '};  // Alpha(4), space padded (tick layout 2: aux bytes 1..4)
    for (std::size_t n = 0; n < a.reason.size() && n < 4; ++n) reason[n] = a.reason[n];
    std::uint32_t reason_word;
    std::memcpy(&reason_word, reason, 4);
    t.aux = 'H' | std::uint64_t{reason_word} << 8;
  } else if (i == 2 + 2 * k) {
    system_event('Q');
  } else if (i < body_end) {
    body(out, t);
    t.exch_ns = now_ns_;
  } else {
    system_event(i == body_end ? 'M' : (i == body_end + 1 ? 'E' : 'C'));
  }

  ++produced_;
  ++stats_.messages;
  ++stats_.by_type[out[0]];
  ++stats_.ticks_by_action[static_cast<std::size_t>(t.action)];
  if (stats_.messages == 1) stats_.first_timestamp = now_ns_;
  stats_.last_timestamp = now_ns_;
  stats_.max_live_orders = std::max<std::uint64_t>(stats_.max_live_orders, live_.size());
  time_ns = now_ns_;
  if (expected != nullptr) *expected = t;
  return true;
}

std::uint16_t Generator::pick_locate() {
  // Skewed activity: a few symbols are busy, most are quiet (u^2 concentrates near 0).
  const double u = rng_.unit();
  const auto idx = static_cast<std::uint64_t>(u * u * static_cast<double>(config_.symbols));
  return static_cast<std::uint16_t>(std::min<std::uint64_t>(idx, config_.symbols - 1) + 1);
}

std::uint32_t Generator::pick_shares() {
  if (rng_.chance(0.1)) return static_cast<std::uint32_t>(rng_.between(1, 99));  // odd lot
  return static_cast<std::uint32_t>(rng_.between(1, 10) * 100);
}

std::uint32_t Generator::order_price(std::uint16_t locate, char side) {
  Symbol& s = books_[locate - 1];
  // Random walk of the mid: one cent up or down on a quarter of the symbol's events.
  if (rng_.chance(0.25)) {
    if (rng_.chance(0.5))
      s.mid += 100;
    else if (s.mid > 200)
      s.mid -= 100;
  }
  const auto offset = static_cast<std::uint32_t>(rng_.below(10)) * 100;
  if (side == 'B') return s.mid > offset + 100 ? s.mid - offset - 100 : 100;
  return s.mid + offset + 100;
}

void Generator::remove_live(std::size_t index) {
  live_[index] = live_.back();
  live_.pop_back();
}

void Generator::add(std::vector<std::uint8_t>& out, Tick& t, bool mpid) {
  itch::Header h{pick_locate(), 0, now_ns_};
  const char side = rng_.chance(0.5) ? 'B' : 'S';
  Order o{next_order_id_, h.stock_locate, side, pick_shares(), order_price(h.stock_locate, side)};
  next_order_id_ += rng_.between(1, 4);
  live_.push_back(o);
  const std::string& stock = symbols_[o.locate - 1];
  if (mpid) {
    constexpr std::string_view kAttribution = "SIMU";
    itch::append(out, itch::AddOrderMpid{h, o.id, side, o.shares, stock, o.price, kAttribution});
    std::uint32_t attribution;
    std::memcpy(&attribution, kAttribution.data(), 4);
    t.aux = attribution;
  } else {
    itch::append(out, itch::AddOrder{h, o.id, side, o.shares, stock, o.price});
  }
  t.action = Action::kAdd;
  t.instrument = o.locate;
  t.order_id = o.id;
  t.side = static_cast<Side>(side);
  t.qty = o.shares;
  t.price = o.price;
}

void Generator::body(std::vector<std::uint8_t>& out, Tick& t) {
  std::uint64_t draw = rng_.below(1000);
  char type = 'A';
  for (const auto& m : kMix) {
    if (draw < m.weight) {
      type = m.type;
      break;
    }
    draw -= m.weight;
  }
  const bool needs_order = type == 'D' || type == 'U' || type == 'E' || type == 'X' || type == 'C';
  if (needs_order && live_.empty()) {
    ++stats_.fallback_adds;
    type = 'A';
  }
  if (type == 'A' || type == 'F') return add(out, t, type == 'F');

  if (type == 'P') {
    itch::Header h{pick_locate(), 0, now_ns_};
    const char side = rng_.chance(0.5) ? 'B' : 'S';
    const std::uint32_t shares = pick_shares();
    const std::uint32_t price = order_price(h.stock_locate, side);
    const std::uint64_t match = next_match_++;
    itch::append(out, itch::Trade{h, 0, side, shares, symbols_[h.stock_locate - 1], price, match});
    t.action = Action::kTrade;
    t.instrument = h.stock_locate;
    t.side = static_cast<Side>(side);
    t.qty = shares;
    t.price = price;
    t.aux = match;
    return;
  }

  const std::size_t index = rng_.below(live_.size());
  Order& o = live_[index];
  itch::Header h{o.locate, 0, now_ns_};
  t.instrument = o.locate;
  t.order_id = o.id;
  if (type == 'X' && o.shares == 1) type = 'D';
  switch (type) {
    case 'D':
      itch::append(out, itch::OrderDelete{h, o.id});
      t.action = Action::kDelete;
      remove_live(index);
      break;
    case 'U': {
      const std::uint64_t new_id = next_order_id_;
      next_order_id_ += rng_.between(1, 4);
      o.id = new_id;
      o.shares = pick_shares();
      o.price = order_price(o.locate, o.side);
      itch::append(out, itch::OrderReplace{h, t.order_id, new_id, o.shares, o.price});
      t.action = Action::kReplace;
      t.aux = new_id;
      t.qty = o.shares;
      t.price = o.price;
      break;
    }
    case 'X': {
      const auto n = static_cast<std::uint32_t>(rng_.between(1, o.shares - 1));
      o.shares -= n;
      itch::append(out, itch::OrderCancel{h, o.id, n});
      t.action = Action::kCancel;
      t.qty = n;
      break;
    }
    case 'E':
    case 'C': {
      // Half of the executions take the whole remaining order.
      const auto n =
          rng_.chance(0.5) ? o.shares : static_cast<std::uint32_t>(rng_.between(1, o.shares));
      const std::uint64_t match = next_match_++;
      t.qty = n;
      t.aux = match;
      if (type == 'E') {
        itch::append(out, itch::OrderExecuted{h, o.id, n, match});
        t.action = Action::kExecute;
      } else {
        itch::append(out, itch::OrderExecutedWithPrice{h, o.id, n, match, 'Y', o.price});
        t.action = Action::kExecuteWithPrice;
        t.price = o.price;
        t.side = static_cast<Side>('Y');  // printable
      }
      o.shares -= n;
      if (o.shares == 0) remove_live(index);
      break;
    }
    default:
      throw std::logic_error("generator: unexpected message type");
  }
}

}  // namespace ichannel::sim
