// tools/sim/generator.cpp: see generator.hpp for the session layout and the book rules.
#include "tools/sim/generator.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <stdexcept>

#include "wire/itch50_encode.hpp"

namespace ichannel::sim {

namespace itch = wire::itch;

namespace {

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
  mix_ = config.mix ? *config.mix : (config.model == Model::kBook ? kDayMix : kFlatMix);
  if (mix_.total() == 0) throw std::invalid_argument("mix: every weight is 0");
  stats_.model = config.model;
  stats_.mix = mix_;
  if (mix_.a + mix_.f == 0 && config.messages > 0)
    throw std::invalid_argument("mix: no A or F (nothing would ever be added)");
  symbols_ = make_symbols(config.symbols, rng_);
  books_.resize(config.symbols);
  for (auto& b : books_) b.mid = static_cast<std::uint32_t>(rng_.between(500, 50'000)) * 100;
  if (config.model == Model::kFlat) {
    live_.reserve(1024);
    return;
  }
  init_book_model();
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
  const bool book = config_.model == Model::kBook;
  const bool in_body = i > 2 * k + 2 && i < body_end;
  itch::Header h;
  if (i == 0) {
    last_exch_ = now_ns_;
  } else if (!book) {
    advance_time();
  } else if (!in_body) {
    tau_ += 1 + static_cast<std::uint64_t>(rng_.exponential(mean_gap_ns_));
    now_ns_ = exchange_time(tau_);
  }
  h.timestamp = now_ns_;
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
    const auto sub = [&](std::size_t n) {
      return n < r.issue_sub_type.size() ? r.issue_sub_type[n] : ' ';
    };
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
    char reason[4] = {' ', ' ', ' ',
                      ' '};  // Alpha(4), space padded (tick layout 2: aux bytes 1..4)
    for (std::size_t n = 0; n < a.reason.size() && n < 4; ++n) reason[n] = a.reason[n];
    std::uint32_t reason_word;
    std::memcpy(&reason_word, reason, 4);
    t.aux = 'H' | std::uint64_t{reason_word} << 8;
  } else if (i == 2 + 2 * k) {
    system_event('Q');
    if (book) {
      body_start_tau_ = tau_;
      horizon_tau_ =
          tau_ + static_cast<std::uint64_t>(static_cast<double>(config_.messages) * mean_gap_ns_);
      next_new_tau_ = tau_ + 1 + static_cast<std::uint64_t>(rng_.exponential(new_gap_ns_));
    }
  } else if (i < body_end) {
    if (book)
      book_body(out, t);
    else
      body(out, t);
    t.exch_ns = now_ns_;
    ++body_done_;
  } else {
    system_event(i == body_end ? 'M' : (i == body_end + 1 ? 'E' : 'C'));
  }

  ++produced_;
  ++stats_.messages;
  ++stats_.by_type[out[0]];
  ++stats_.ticks_by_action[static_cast<std::size_t>(t.action)];
  if (stats_.messages == 1) stats_.first_timestamp = now_ns_;
  stats_.last_timestamp = now_ns_;
  stats_.live_orders = book ? book_live_ : live_.size();
  if (stats_.live_orders > stats_.max_live_orders) {
    stats_.max_live_orders = stats_.live_orders;
    stats_.max_live_at_message = body_done_;
  }
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
  // Draw order of the earlier versions (A F D U E X C P): kFlatMix reproduces their sessions.
  const std::array<std::pair<char, std::uint32_t>, 8> weights{{{'A', mix_.a},
                                                               {'F', mix_.f},
                                                               {'D', mix_.d},
                                                               {'U', mix_.u},
                                                               {'E', mix_.e},
                                                               {'X', mix_.x},
                                                               {'C', mix_.c},
                                                               {'P', mix_.p}}};
  std::uint64_t draw = rng_.below(mix_.total());
  char type = 'A';
  for (const auto& [letter, weight] : weights) {
    if (draw < weight) {
      type = letter;
      break;
    }
    draw -= weight;
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

// ---- kBook: the model of README.md "The book model" ----

namespace {

constexpr std::uint32_t kTick = 100;                // one cent in Price(4)
constexpr std::uint32_t kMaxPrice = 2'000'000'000;  // $200,000
constexpr std::uint64_t kNever = ~std::uint64_t{0};
constexpr double kE = 2.718281828459045;

// Rate multiplier of the intraday U shape at x in [0, 1] of the session.
double intraday_rate(double x, double swing) {
  return 1 + swing * (2 * x - 1) * (2 * x - 1);
}

double log_uniform(Rng& rng, double lo, double hi) {
  return lo * std::exp(rng.unit() * std::log(hi / lo));
}

struct Later {
  bool operator()(const auto& a, const auto& b) const { return a.tau > b.tau; }
};

// First level with key >= `key` in a side sorted ascending (best at the end): most prices are
// near the touch, so a few steps from the end usually find it.
template <class Levels>
auto lower_level(Levels& v, std::uint32_t key) {
  auto it = v.end();
  for (int steps = 0; it != v.begin() && steps < 8; ++steps) {
    if ((it - 1)->key < key) return it;
    --it;
  }
  return std::lower_bound(v.begin(), it, key,
                          [](const auto& l, std::uint32_t k) { return l.key < k; });
}

std::uint32_t level_key(char side, std::uint32_t price) {
  return side == 'B' ? price : ~price;
}

}  // namespace

void Generator::init_book_model() {
  const GeneratorConfig& c = config_;
  auto share = [](double v, const char* what) {
    if (!(v >= 0 && v <= 1)) throw std::invalid_argument(std::string(what) + " must be in 0..1");
  };
  share(c.fleeting_share, "fleeting_share");
  share(c.full_execution_share, "full_execution_share");
  share(c.join_share, "join_share");
  share(c.improve_share, "improve_share");
  share(c.join_share + c.improve_share, "join_share + improve_share");
  if (!(c.burst_share >= 0 && c.burst_share < 1))
    throw std::invalid_argument("burst_share must be in [0, 1)");
  if (!(c.burst_speedup >= 1)) throw std::invalid_argument("burst_speedup must be >= 1");
  if (!(c.burst_messages >= 1)) throw std::invalid_argument("burst_messages must be >= 1");
  if (!(c.price_tail_alpha > 0)) throw std::invalid_argument("price_tail_alpha must be > 0");
  if (!(c.regime_sigma >= 0)) throw std::invalid_argument("regime_sigma must be >= 0");
  if (!(c.regimes >= 1)) throw std::invalid_argument("regimes must be >= 1");
  if (!(c.intraday_swing >= 0)) throw std::invalid_argument("intraday_swing must be >= 0");

  warp_rng_ = Rng(c.seed ^ 0x5741'5250'0000'0001ULL);  // "WARP"
  lob_.resize(c.symbols);
  for (std::size_t n = 0; n < lob_.size(); ++n) lob_[n].ref = books_[n].mid;

  const Mix& m = mix_;
  const double total = static_cast<double>(m.total());
  const double adds = m.a + m.f;
  const double fresh = adds + m.e + m.c + m.p;  // events that are not an order's own plan
  new_weights_ = {m.a, m.f, m.e, m.c, m.p};
  new_total_ = std::uint64_t{m.a} + m.f + m.e + m.c + m.p;
  new_gap_ns_ = fresh > 0 ? mean_gap_ns_ * total / fresh : mean_gap_ns_;
  const double ends_by_execution = (m.e + m.c) * c.full_execution_share;
  p_delete_ = adds > ends_by_execution ? std::min(1.0, m.d / (adds - ends_by_execution)) : 1.0;
  const double planned = adds > 0 ? (m.u + m.x) / adds : 0;  // replaces + cancels per order
  q_events_ = planned / (1 + planned);
  p_replace_ = m.u + m.x > 0 ? static_cast<double>(m.u) / (m.u + m.x) : 0;

  const double day_scaled = static_cast<double>(kDayPeakLiveOrders) *
                            static_cast<double>(c.messages) / static_cast<double>(kDayMessages);
  peak_target_ =
      c.peak_live_orders != 0
          ? c.peak_live_orders
          : std::max<std::uint64_t>(2ULL * c.symbols, static_cast<std::uint64_t>(day_scaled));
  stats_.peak_live_target = peak_target_;
  // Resting orders end uniformly over the rest of the session: added at a constant rate r,
  // r * T / e of them are live at the peak (x = 1 - 1/e).
  const double n_adds = static_cast<double>(c.messages) * adds / total;
  p_long0_ = n_adds > 0 ? std::min(1.0, kE * static_cast<double>(peak_target_) / n_adds) : 0;

  // Short-lived orders (1 ms .. short_max_ns_) may hold at most a quarter of the peak (they
  // would swamp the scaled target of a small session): adds/s * share * mean life <= peak / 4.
  const double short_adds_per_ns =
      c.msg_rate * 1e-9 * adds / total * (1 - c.fleeting_share) * (1 - p_long0_);
  const auto mean_life = [](double hi) { return (hi - 1e6) / std::log(hi / 1e6); };
  const double budget =
      short_adds_per_ns > 0 ? 0.25 * static_cast<double>(peak_target_) / short_adds_per_ns : 1e18;
  double lo = 2e6, hi = 1e9;
  if (mean_life(hi) <= budget) {
    lo = hi;
  } else {
    for (int n = 0; n < 60; ++n) {
      const double mid = std::sqrt(lo * hi);
      (mean_life(mid) <= budget ? lo : hi) = mid;
    }
  }
  short_max_ns_ = lo;

  // Mean slowness 1 over operational time: the session lasts messages / msg_rate.
  double integral = 0;
  constexpr int kSteps = 1000;
  for (int n = 0; n < kSteps; ++n)
    integral += 1 / intraday_rate((n + 0.5) / kSteps, c.intraday_swing) / kSteps;
  intraday_norm_ = integral;
  burst_norm_ = (1 - c.burst_share / c.burst_speedup) / (1 - c.burst_share);
  slots_.reserve(std::min<std::uint64_t>(peak_target_ * 2 + 1024, 1ULL << 26));
  // About 64 events per bucket; events past the last bucket wait in it.
  bucket_ns_ = 64 * mean_gap_ns_;
  buckets_.resize(static_cast<std::size_t>(
      std::min<double>(2.0 * static_cast<double>(c.messages) / 64 + 16, 1 << 24)));
}

std::uint64_t Generator::target_live(double x) const {
  if (x <= 0) return 0;
  if (x >= 1) return 0;
  const double g = kE * (1 - x) * std::log(1 / (1 - x));  // 1 at x = 1 - 1/e
  return static_cast<std::uint64_t>(g * static_cast<double>(peak_target_));
}

void Generator::next_segment() {
  const GeneratorConfig& c = config_;
  seg_exch_ += static_cast<double>(seg_end_ - seg_tau_) * seg_slowness_;
  seg_tau_ = seg_end_;
  const double span = std::max(1.0, static_cast<double>(horizon_tau_ - body_start_tau_));
  const double nominal_span =
      horizon_tau_ > body_start_tau_ ? span : static_cast<double>(c.messages) * mean_gap_ns_ + 1;
  const double burst_len = c.burst_messages * mean_gap_ns_;
  const double regime_len = std::max(1e3, (1 - c.burst_share) * nominal_span / c.regimes);
  // A segment is a microburst with probability pi: pi*Lb / (pi*Lb + (1-pi)*Lr) = burst_share.
  const double pi =
      c.burst_share * regime_len / (c.burst_share * regime_len + (1 - c.burst_share) * burst_len);
  double len;
  if (c.burst_share > 0 && warp_rng_.chance(pi)) {
    len = warp_rng_.exponential(burst_len);
    seg_slowness_ = 1 / c.burst_speedup;
  } else {
    len = warp_rng_.exponential(regime_len);
    const double mid = static_cast<double>(seg_tau_) + len / 2;
    const double x =
        std::clamp((mid - static_cast<double>(body_start_tau_)) / nominal_span, 0.0, 1.0);
    double w = 1 / intraday_rate(x, c.intraday_swing) / intraday_norm_;
    if (c.regime_sigma > 0) {
      // Lognormal with mean 1 (Box-Muller).
      const double u1 = 1 - warp_rng_.unit();
      const double u2 = warp_rng_.unit();
      const double z = std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2);
      w *= std::exp(c.regime_sigma * z - c.regime_sigma * c.regime_sigma / 2);
    }
    seg_slowness_ = w * burst_norm_;
  }
  seg_end_ = seg_tau_ + 1 + static_cast<std::uint64_t>(len);
}

std::uint64_t Generator::exchange_time(std::uint64_t tau) {
  while (tau >= seg_end_) next_segment();
  const double t = seg_exch_ + static_cast<double>(tau - seg_tau_) * seg_slowness_;
  std::uint64_t ns = config_.start_ns + static_cast<std::uint64_t>(t);
  if (ns <= last_exch_) ns = last_exch_ + 1;
  last_exch_ = ns;
  return ns;
}

void Generator::push_event(std::uint64_t tau, std::uint32_t slot) {
  const Event e{tau, slot, slots_[slot].gen};
  const auto b = std::min<std::size_t>(
      static_cast<std::size_t>(static_cast<double>(tau) / bucket_ns_), buckets_.size() - 1);
  if (b <= bucket_) {
    near_.push_back(e);
    std::push_heap(near_.begin(), near_.end(), Later{});
  } else {
    buckets_[b].push_back(e);
  }
}

// The earliest pending event if it is due at `limit` or before.
bool Generator::pop_due(std::uint64_t limit, Event& e) {
  for (;;) {
    if (!near_.empty()) {
      if (near_.front().tau > limit) return false;
      std::pop_heap(near_.begin(), near_.end(), Later{});
      e = near_.back();
      near_.pop_back();
      // The next event's order is the next cache miss: start it now.
      if (!near_.empty()) __builtin_prefetch(&slots_[near_.front().slot]);
      return true;
    }
    if (bucket_ + 1 >= buckets_.size()) return false;
    if (static_cast<double>(bucket_ + 1) * bucket_ns_ > static_cast<double>(limit)) return false;
    ++bucket_;
    near_.swap(buckets_[bucket_]);
    std::vector<Event>().swap(buckets_[bucket_]);
    std::make_heap(near_.begin(), near_.end(), Later{});
  }
}

void Generator::schedule_next(std::uint32_t s) {
  Slot& o = slots_[s];
  if (o.events_left > 0) {
    // The next of k events spread uniformly over (now, end): the minimum of k uniforms.
    const std::uint64_t end = o.end_tau == kNever ? std::max(horizon_tau_, tau_ + 1) : o.end_tau;
    const double span = static_cast<double>(end > tau_ ? end - tau_ : 1);
    const double f = 1 - std::pow(1 - rng_.unit(), 1.0 / o.events_left);
    push_event(tau_ + static_cast<std::uint64_t>(f * span), s);
  } else if (o.end_tau != kNever) {
    push_event(o.end_tau, s);
  }
}

void Generator::level_insert(std::uint32_t s) {
  Slot& o = slots_[s];
  Book& b = lob_[o.locate - 1];
  auto& side = o.side == 'B' ? b.bids : b.asks;
  const std::uint32_t key = level_key(o.side, o.price);
  auto it = lower_level(side, key);
  const bool fresh = it == side.end() || it->key != key;
  if (fresh) it = side.insert(it, Level{key, kNone, kNone, 0});
  Level& l = *it;
  o.prev = l.tail;
  o.next = kNone;
  if (l.tail != kNone)
    slots_[l.tail].next = s;
  else
    l.head = s;
  l.tail = s;
  ++l.count;
  if (fresh && side.size() > stats_.max_levels) stats_.max_levels = side.size();
}

void Generator::level_remove(std::uint32_t s) {
  Slot& o = slots_[s];
  Book& b = lob_[o.locate - 1];
  auto& side = o.side == 'B' ? b.bids : b.asks;
  const auto it = lower_level(side, level_key(o.side, o.price));
  Level& l = *it;
  if (o.prev != kNone)
    slots_[o.prev].next = o.next;
  else
    l.head = o.next;
  if (o.next != kNone)
    slots_[o.next].prev = o.prev;
  else
    l.tail = o.prev;
  if (--l.count == 0) side.erase(it);
}

void Generator::free_slot(std::uint32_t s) {
  ++slots_[s].gen;
  free_slots_.push_back(s);
  --book_live_;
}

// A price for a new order (or a replace) of `side`: join the best, improve inside the spread,
// or rest a Pareto-distributed number of ticks behind the touch. Never locks or crosses: a buy
// is below the best ask, a sell above the best bid. 0: no valid price on that side.
std::uint32_t Generator::book_price(Book& b, char side) {
  const GeneratorConfig& c = config_;
  const bool has_bid = !b.bids.empty(), has_ask = !b.asks.empty();
  const std::uint32_t bid = has_bid ? b.bids.back().key : 0;
  const std::uint32_t ask = has_ask ? ~b.asks.back().key : 0;
  const double r = rng_.unit();
  if (side == 'B') {
    if (has_ask && ask <= kTick) return 0;
    if (r < c.join_share && has_bid) return bid;
    if (r < c.join_share + c.improve_share && has_bid && has_ask && ask - bid > kTick)
      return bid + kTick * static_cast<std::uint32_t>(rng_.between(1, (ask - bid) / kTick - 1));
  } else {
    if (has_bid && bid >= kMaxPrice - kTick) return 0;
    if (r < c.join_share && has_ask) return ask;
    if (r < c.join_share + c.improve_share && has_bid && has_ask && ask - bid > kTick)
      return ask - kTick * static_cast<std::uint32_t>(rng_.between(1, (ask - bid) / kTick - 1));
  }
  // Pareto tail: P(d >= k) ~ (1 + k / 2)^-alpha ticks behind the anchor.
  const double tail = 2 * (std::pow(1 - rng_.unit(), -1 / c.price_tail_alpha) - 1);
  const auto d = static_cast<std::uint32_t>(std::min<double>(tail, c.max_depth_ticks));
  if (side == 'B') {
    std::uint32_t anchor = b.ref > kTick ? b.ref - kTick : kTick;
    if (has_ask) anchor = std::min(anchor, ask - kTick);
    return anchor > std::uint64_t{d} * kTick + kTick ? anchor - d * kTick : kTick;
  }
  std::uint32_t anchor = b.ref + kTick;
  if (has_bid) anchor = std::max(anchor, bid + kTick);
  return static_cast<std::uint32_t>(
      std::min<std::uint64_t>(anchor + std::uint64_t{d} * kTick, kMaxPrice));
}

void Generator::book_body(std::vector<std::uint8_t>& out, Tick& t) {
  for (;;) {
    Event e;
    if (pop_due(next_new_tau_, e)) {
      if (slots_[e.slot].gen != e.gen) continue;  // the order was executed in the meantime
      tau_ = std::max(tau_, e.tau);
      now_ns_ = exchange_time(tau_);
      book_scheduled(out, t, e);
      return;
    }
    tau_ = std::max(tau_, next_new_tau_);
    next_new_tau_ = tau_ + 1 + static_cast<std::uint64_t>(rng_.exponential(new_gap_ns_));
    now_ns_ = exchange_time(tau_);
    book_new(out, t);
    return;
  }
}

// The order's own plan: a replace or a partial cancel, or its end (delete).
bool Generator::book_scheduled(std::vector<std::uint8_t>& out, Tick& t, const Event& e) {
  const std::uint32_t s = e.slot;
  Slot& o = slots_[s];
  itch::Header h{o.locate, 0, now_ns_};
  t.instrument = o.locate;
  t.order_id = o.id;
  if (o.events_left > 0) {
    --o.events_left;
    if (!rng_.chance(p_replace_) && o.shares > 1) {
      const auto n = static_cast<std::uint32_t>(rng_.between(1, o.shares - 1));
      o.shares -= n;
      itch::append(out, itch::OrderCancel{h, o.id, n});
      t.action = Action::kCancel;
      t.qty = n;
    } else {
      Book& b = lob_[o.locate - 1];
      level_remove(s);
      std::uint32_t price = book_price(b, o.side);
      if (price == 0) price = o.price;  // the old price is still valid: the other side is unchanged
      const std::uint64_t new_id = next_order_id_;
      next_order_id_ += rng_.between(1, 4);
      o.id = new_id;
      o.price = price;
      o.shares = pick_shares();
      level_insert(s);
      itch::append(out, itch::OrderReplace{h, t.order_id, new_id, o.shares, o.price});
      t.action = Action::kReplace;
      t.aux = new_id;
      t.qty = o.shares;
      t.price = o.price;
    }
    schedule_next(s);
    return true;
  }
  itch::append(out, itch::OrderDelete{h, o.id});
  t.action = Action::kDelete;
  level_remove(s);
  free_slot(s);
  return true;
}

void Generator::book_new(std::vector<std::uint8_t>& out, Tick& t) {
  std::uint64_t draw = rng_.below(new_total_);
  std::size_t kind = 0;
  while (draw >= new_weights_[kind]) draw -= new_weights_[kind++];
  switch (kind) {
    case 0:
    case 1:
      return book_add(out, t, kind == 1);
    case 2:
    case 3:
      if (book_execute(out, t, kind == 3)) return;
      ++stats_.fallback_adds;
      return book_add(out, t, false);
    default:
      return book_trade(out, t);
  }
}

void Generator::book_add(std::vector<std::uint8_t>& out, Tick& t, bool mpid) {
  const std::uint16_t locate = pick_locate();
  Book& b = lob_[locate - 1];
  if (rng_.chance(0.2)) {  // the reference price walks a cent
    if (rng_.chance(0.5)) {
      if (b.ref < kMaxPrice / 2) b.ref += kTick;
    } else if (b.ref > 100 * kTick) {
      b.ref -= kTick;
    }
  }
  char side = rng_.chance(0.5) ? 'B' : 'S';
  std::uint32_t price = book_price(b, side);
  if (price == 0) {
    side = side == 'B' ? 'S' : 'B';
    price = book_price(b, side);
  }
  std::uint32_t s;
  if (!free_slots_.empty()) {
    s = free_slots_.back();
    free_slots_.pop_back();
  } else {
    s = static_cast<std::uint32_t>(slots_.size());
    slots_.push_back(Slot{});
  }
  Slot& o = slots_[s];
  o.id = next_order_id_;
  next_order_id_ += rng_.between(1, 4);
  o.locate = locate;
  o.side = side;
  o.price = price;
  o.shares = pick_shares();
  ++book_live_;
  level_insert(s);

  // Lifetime: resting (ends uniformly over the rest of the session; the share is steered to
  // the target curve of live orders) or short-lived (fleeting < 1 ms, or 1 ms .. 1 s).
  const double x = horizon_tau_ > body_start_tau_
                       ? static_cast<double>(tau_ - body_start_tau_) /
                             static_cast<double>(horizon_tau_ - body_start_tau_)
                       : 1.0;
  const double error = (static_cast<double>(target_live(x)) - static_cast<double>(book_live_)) /
                       static_cast<double>(peak_target_);
  const double p_long = p_long0_ * std::clamp(1 + 10 * error, 0.0, 10.0);
  std::uint64_t life;
  if (rng_.chance(p_long) && horizon_tau_ > tau_) {
    life = static_cast<std::uint64_t>(rng_.unit() * static_cast<double>(horizon_tau_ - tau_));
  } else if (rng_.chance(config_.fleeting_share)) {
    life = static_cast<std::uint64_t>(log_uniform(rng_, 20e3, 1e6));
  } else {
    life = static_cast<std::uint64_t>(log_uniform(rng_, 1e6, short_max_ns_));
  }
  o.end_tau = rng_.chance(p_delete_) ? tau_ + 1 + life : kNever;
  std::uint32_t k = 0;
  while (k < 255 && rng_.chance(q_events_)) ++k;
  o.events_left = static_cast<std::uint8_t>(k);
  schedule_next(s);

  itch::Header h{locate, 0, now_ns_};
  const std::string& stock = symbols_[locate - 1];
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
  t.instrument = locate;
  t.order_id = o.id;
  t.side = static_cast<Side>(side);
  t.qty = o.shares;
  t.price = o.price;
}

// An incoming order takes liquidity at the touch: the oldest order of the best level of the
// side the reference price pulls towards. False if no instrument drawn has an order.
bool Generator::book_execute(std::vector<std::uint8_t>& out, Tick& t, bool with_price) {
  // A quiet instrument may have an empty book: try a few others before giving up.
  std::uint16_t locate = pick_locate();
  for (int tries = 1; tries < 8 && lob_[locate - 1].bids.empty() && lob_[locate - 1].asks.empty();
       ++tries)
    locate = pick_locate();
  Book& b = lob_[locate - 1];
  if (b.bids.empty() && b.asks.empty()) return false;
  bool hit_ask;
  if (b.bids.empty() || b.asks.empty()) {
    hit_ask = b.bids.empty();
  } else {
    const std::uint64_t mid2 = std::uint64_t{b.bids.back().key} + ~b.asks.back().key;
    const std::uint64_t ref2 = 2ULL * b.ref;
    hit_ask = rng_.chance(ref2 > mid2 ? 0.75 : ref2 < mid2 ? 0.25 : 0.5);
  }
  const Level& l = hit_ask ? b.asks.back() : b.bids.back();
  const std::uint32_t s = l.head;
  Slot& o = slots_[s];
  const std::uint32_t n = o.shares == 1 || rng_.chance(config_.full_execution_share)
                              ? o.shares
                              : static_cast<std::uint32_t>(rng_.between(1, o.shares - 1));
  const std::uint64_t match = next_match_++;
  itch::Header h{locate, 0, now_ns_};
  t.instrument = locate;
  t.order_id = o.id;
  t.qty = n;
  t.aux = match;
  if (!with_price) {
    itch::append(out, itch::OrderExecuted{h, o.id, n, match});
    t.action = Action::kExecute;
  } else {
    itch::append(out, itch::OrderExecutedWithPrice{h, o.id, n, match, 'Y', o.price});
    t.action = Action::kExecuteWithPrice;
    t.price = o.price;
    t.side = static_cast<Side>('Y');  // printable
  }
  o.shares -= n;
  if (o.shares == 0) {
    level_remove(s);
    free_slot(s);
  }
  return true;
}

// A trade against a hidden order (P): no visible book change, at the reference price.
void Generator::book_trade(std::vector<std::uint8_t>& out, Tick& t) {
  const std::uint16_t locate = pick_locate();
  itch::Header h{locate, 0, now_ns_};
  const char side = rng_.chance(0.5) ? 'B' : 'S';
  const std::uint32_t shares = pick_shares();
  const std::uint32_t price = lob_[locate - 1].ref;
  const std::uint64_t match = next_match_++;
  itch::append(out, itch::Trade{h, 0, side, shares, symbols_[locate - 1], price, match});
  t.action = Action::kTrade;
  t.instrument = locate;
  t.side = static_cast<Side>(side);
  t.qty = shares;
  t.price = price;
  t.aux = match;
}

// ---- the mix as text ----

std::optional<Mix> parse_mix(std::string_view text) {
  if (text == "day") return kDayMix;
  if (text == "open") return kOpenMix;
  if (text == "flat") return kFlatMix;
  Mix m;
  bool seen[8] = {};
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (item.size() < 3 || item[1] != '=') return std::nullopt;
    std::uint64_t v = 0;
    for (char ch : item.substr(2)) {
      if (ch < '0' || ch > '9' || v > 1'000'000'000) return std::nullopt;
      v = v * 10 + static_cast<std::uint64_t>(ch - '0');
    }
    static constexpr std::string_view kLetters = "AFUDECXP";
    const std::size_t at = kLetters.find(item[0]);
    if (at == std::string_view::npos || seen[at]) return std::nullopt;
    seen[at] = true;
    std::uint32_t* fields[8] = {&m.a, &m.f, &m.u, &m.d, &m.e, &m.c, &m.x, &m.p};
    *fields[at] = static_cast<std::uint32_t>(v);
  }
  if (m.total() == 0) return std::nullopt;
  return m;
}

std::string format_mix(const Mix& m) {
  return "A=" + std::to_string(m.a) + ",F=" + std::to_string(m.f) + ",U=" + std::to_string(m.u) +
         ",D=" + std::to_string(m.d) + ",E=" + std::to_string(m.e) + ",C=" + std::to_string(m.c) +
         ",X=" + std::to_string(m.x) + ",P=" + std::to_string(m.p);
}

}  // namespace ichannel::sim
