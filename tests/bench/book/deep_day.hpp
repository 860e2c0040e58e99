// tests/bench/book/deep_day.hpp: the book benchmark's input, a stream whose books are deep: a
// warm-up that rests `orders` live orders across `instruments` instruments, then steady-state
// chunks in the day's mix that keep that many live. Built here (not app/tools/sim) so that the
// benchmark's book state is known and fixed: see docs/books.md, "Benchmark".
//
// The model
// - Instrument activity is skewed: locate = 1 + floor(K * u^2) (u uniform), so the busiest 1%
//   of instruments carry ~10% of the orders and events, the quietest half ~30%.
// - Each instrument has a fixed mid ($5..$505, whole cents); a buy rests at mid - (1 + d) cents,
//   a sell at mid + (1 + d) cents, d = 0 with probability 0.35 (at the touch), else a Pareto
//   tail (index 1.2, at least 1 tick, capped at 5,000 ticks): books are never crossed or locked,
//   most orders sit within a few ticks of the touch, a few thousand levels deep at the far end.
// - Body mix (per mille): A 380, F 15, D 377, U 148, E 33, C 2, X 17, P 28 - adds balance
//   deletes and full executions, so the live count stays near `orders` (a slow drift).
// - Which order an event hits: 80% one of the youngest live orders (a geometric distance of mean
//   256 from the newest: short lifetimes, hot in cache), 20% any live order (a resting order
//   from hours ago, a cache miss).
// - MoldUDP64 packets of `per_packet` messages, sequence numbers continuing across chunks.
// Cold benchmark code: allocates (the live-order model is ~24 bytes per order).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "tools/sim/rng.hpp"
#include "wire/itch50_encode.hpp"
#include "wire/moldudp64_encode.hpp"

namespace ichannel::bench {

class DeepDay {
 public:
  using Bytes = std::vector<std::uint8_t>;

  DeepDay(std::uint32_t instruments, std::uint64_t seed, unsigned per_packet)
      : rng_(seed), per_packet_(per_packet), mids_(instruments + 1) {
    for (std::uint32_t i = 1; i <= instruments; ++i) {
      char name[16];
      std::snprintf(name, sizeof name, "S%05u", i);
      symbols_.emplace_back(name);
      mids_[i] = static_cast<std::uint32_t>(500 + rng_.below(50'000)) * 100;  // $5 .. $505
    }
  }

  // `orders` adds (the book state the day builds up to), as packets.
  std::vector<Bytes> warmup(std::uint64_t orders) {
    std::vector<Bytes> packets;
    for (std::uint64_t i = 0; i < orders; ++i) {
      add(rng_.chance(0.04));
      flush_if_full(packets);
    }
    flush(packets);
    return packets;
  }

  // `messages` body messages in the steady-state mix, as packets.
  std::vector<Bytes> chunk(std::uint64_t messages) {
    std::vector<Bytes> packets;
    for (std::uint64_t i = 0; i < messages; ++i) {
      body();
      flush_if_full(packets);
    }
    flush(packets);
    return packets;
  }

  [[nodiscard]] std::size_t live() const { return live_.size(); }
  [[nodiscard]] std::uint64_t messages() const { return seq_ - 1 + batch_.size(); }

 private:
  struct Live {
    std::uint64_t ref;
    std::uint32_t price;
    std::uint32_t shares;
    std::uint16_t locate;
    char side;
  };

  wire::itch::Header header(std::uint16_t locate) {
    now_ns_ += 1 + rng_.below(2000);
    return wire::itch::Header{locate, 0, now_ns_};
  }
  std::uint16_t pick_locate() {
    const double u = rng_.unit();
    const auto k = static_cast<std::uint32_t>(static_cast<double>(mids_.size() - 1) * u * u);
    return static_cast<std::uint16_t>(1 + std::min<std::uint32_t>(k, mids_.size() - 2));
  }
  std::uint32_t distance() {
    if (rng_.chance(0.35)) return 0;
    const double d = std::pow(1.0 - rng_.unit(), -1.0 / 1.2);  // Pareto, >= 1
    return d > 5000 ? 5000 : static_cast<std::uint32_t>(d);
  }
  std::uint32_t price(std::uint16_t locate, char side) {
    const std::uint32_t d = 100 * (1 + distance());
    const std::uint32_t mid = mids_[locate];
    return side == 'B' ? (mid > d + 100 ? mid - d : 100) : mid + d;
  }
  std::uint32_t shares() {
    return static_cast<std::uint32_t>(100 * (1 + rng_.below(5)) + rng_.below(3) * 37);
  }

  void add(bool mpid) {
    const std::uint16_t locate = pick_locate();
    const char side = rng_.chance(0.5) ? 'B' : 'S';
    const Live o{next_ref_, price(locate, side), shares(), locate, side};
    next_ref_ += 1 + rng_.below(3);
    live_.push_back(o);
    const std::string& stock = symbols_[locate - 1];
    msg_.clear();
    if (mpid) {
      wire::itch::append(msg_, wire::itch::AddOrderMpid{header(locate), o.ref, side, o.shares,
                                                        stock, o.price, "SIMU"});
    } else {
      wire::itch::append(
          msg_, wire::itch::AddOrder{header(locate), o.ref, side, o.shares, stock, o.price});
    }
    batch_.push_back(msg_);
  }

  // The index of the order an event hits (see the model).
  std::size_t victim() {
    const std::size_t n = live_.size();
    if (rng_.chance(0.8)) {
      const auto back = static_cast<std::size_t>(rng_.exponential(256.0));
      return back >= n ? rng_.below(n) : n - 1 - back;
    }
    return static_cast<std::size_t>(rng_.below(n));
  }
  void retire(std::size_t i) {
    live_[i] = live_.back();
    live_.pop_back();
  }

  void body() {
    msg_.clear();
    const std::uint64_t draw = rng_.below(1000);
    if (live_.empty() || draw < 380) return add(false);
    if (draw < 395) return add(true);
    const std::size_t i = victim();
    Live& o = live_[i];
    const wire::itch::Header h = header(o.locate);
    if (draw < 772) {  // D
      wire::itch::append(msg_, wire::itch::OrderDelete{h, o.ref});
      retire(i);
    } else if (draw < 920) {  // U: same side, a new price, a new ref
      const std::uint64_t old_ref = o.ref;
      o.ref = next_ref_;
      next_ref_ += 1 + rng_.below(3);
      o.price = price(o.locate, o.side);
      o.shares = shares();
      wire::itch::append(msg_, wire::itch::OrderReplace{h, old_ref, o.ref, o.shares, o.price});
    } else if (draw < 955) {  // E (half full, half partial) or C
      const bool with_price = draw >= 953;
      const std::uint32_t q = rng_.chance(0.5) || o.shares == 1 ? o.shares : o.shares / 2;
      if (with_price) {
        wire::itch::append(msg_,
                           wire::itch::OrderExecutedWithPrice{h, o.ref, q, match_++, 'Y', o.price});
      } else {
        wire::itch::append(msg_, wire::itch::OrderExecuted{h, o.ref, q, match_++});
      }
      if (q == o.shares) {
        retire(i);
      } else {
        o.shares -= q;
      }
    } else if (draw < 972) {  // X: fewer shares than remain
      if (o.shares < 2) {
        wire::itch::append(msg_, wire::itch::OrderDelete{h, o.ref});
        retire(i);
      } else {
        const std::uint32_t q = 1 + static_cast<std::uint32_t>(rng_.below(o.shares - 1));
        wire::itch::append(msg_, wire::itch::OrderCancel{h, o.ref, q});
        o.shares -= q;
      }
    } else {  // P: a non-displayed trade
      wire::itch::append(
          msg_, wire::itch::Trade{h, 0, o.side, 100, symbols_[o.locate - 1], o.price, match_++});
    }
    batch_.push_back(msg_);
  }

  void flush_if_full(std::vector<Bytes>& packets) {
    if (batch_.size() >= per_packet_) flush(packets);
  }
  void flush(std::vector<Bytes>& packets) {
    if (batch_.empty()) return;
    packets.push_back(wire::mold_packet("BOOKDAY001", seq_, batch_));
    seq_ += batch_.size();
    batch_.clear();
  }

  sim::Rng rng_;
  unsigned per_packet_;
  std::vector<std::uint32_t> mids_;  // index locate
  std::vector<std::string> symbols_;
  std::vector<Live> live_;
  std::vector<Bytes> batch_;
  Bytes msg_;
  std::uint64_t next_ref_ = 1;
  std::uint64_t match_ = 1;
  std::uint64_t now_ns_ = 34'200'000'000'000;
  std::uint64_t seq_ = 1;
};

}  // namespace ichannel::bench
