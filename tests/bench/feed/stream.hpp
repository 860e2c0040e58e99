// tests/bench/feed/stream.hpp: synthetic TotalView-ITCH 5.0 stream with the real-day mix, framed
// as MoldUDP64 packets, for the decode benchmark. Cold code: allocates freely, runs before timing.
//
// Mix (per DESIGN.md section 4): ~44% A, 43% D, 7% U, 2% E, 1% X, 1% P, plus 1% F and a trickle
// of C; deletes, replaces, executions and cancels refer to live orders of the same instrument.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace ichannel::feed::bench {

using Bytes = std::vector<std::uint8_t>;

class StreamBuilder {
 public:
  explicit StreamBuilder(std::uint64_t seed, unsigned symbols = 500) : rng_(seed) {
    for (unsigned i = 0; i < symbols; ++i) {
      std::string s = "S" + std::to_string(i);
      s.resize(8, ' ');
      names_.push_back(s);
      price_.push_back(100000 + static_cast<std::uint32_t>(rng_() % 5000000));
    }
  }

  // Appends one message (without MoldUDP64 length prefix) to `out`; returns its type.
  char next(Bytes& out) {
    ts_ += 50 + rng_() % 500;
    const unsigned r = static_cast<unsigned>(rng_() % 1000);
    if (live_.size() < 64 || r < 440) return add(out, r < 430 ? 'A' : 'F');
    if (r < 870) return on_live(out, 'D');
    if (r < 940) return on_live(out, 'U');
    if (r < 960) return on_live(out, 'E');
    if (r < 970) return on_live(out, 'X');
    if (r < 980) return on_live(out, 'C');
    return trade(out);
  }

 private:
  struct Live {
    std::uint64_t ref;
    std::uint16_t locate;
  };
  void be(Bytes& o, std::uint64_t v, int w) {
    for (int i = w - 1; i >= 0; --i) o.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void prefix(Bytes& o, char t, std::uint16_t locate) {
    o.push_back(static_cast<std::uint8_t>(t));
    be(o, locate, 2);
    be(o, 0, 2);
    be(o, ts_, 6);
  }
  std::uint16_t pick() { return static_cast<std::uint16_t>(1 + rng_() % names_.size()); }
  std::uint32_t price(std::uint16_t locate) {
    auto& p = price_[locate - 1u];
    p = p + 100 - static_cast<std::uint32_t>(rng_() % 201);
    return p;
  }
  void stock(Bytes& o, std::uint16_t locate) {
    for (char c : names_[locate - 1u]) o.push_back(static_cast<std::uint8_t>(c));
  }
  char add(Bytes& o, char t) {
    const std::uint16_t l = pick();
    prefix(o, t, l);
    be(o, ++ref_, 8);
    o.push_back(rng_() % 2 ? 'B' : 'S');
    be(o, 100 * (1 + rng_() % 10), 4);
    stock(o, l);
    be(o, price(l), 4);
    if (t == 'F') be(o, 0x56495254, 4);  // "VIRT"
    live_.push_back({ref_, l});
    return t;
  }
  char on_live(Bytes& o, char t) {
    const std::size_t i = rng_() % live_.size();
    const Live lv = live_[i];
    prefix(o, t, lv.locate);
    be(o, lv.ref, 8);
    switch (t) {
      case 'D':
        live_[i] = live_.back();
        live_.pop_back();
        break;
      case 'U':
        be(o, ++ref_, 8);
        be(o, 100, 4);
        be(o, price(lv.locate), 4);
        live_[i].ref = ref_;
        break;
      case 'E':
        be(o, 100, 4);
        be(o, ++match_, 8);
        break;
      case 'X':
        be(o, 100, 4);
        break;
      case 'C':
        be(o, 100, 4);
        be(o, ++match_, 8);
        o.push_back('Y');
        be(o, price(lv.locate), 4);
        break;
    }
    return t;
  }
  char trade(Bytes& o) {
    const std::uint16_t l = pick();
    prefix(o, 'P', l);
    be(o, 0, 8);
    o.push_back('B');
    be(o, 100, 4);
    stock(o, l);
    be(o, price(l), 4);
    be(o, ++match_, 8);
    return 'P';
  }

  std::mt19937_64 rng_;
  std::vector<std::string> names_;
  std::vector<std::uint32_t> price_;
  std::vector<Live> live_;
  std::uint64_t ts_ = 34200000000000ull;
  std::uint64_t ref_ = 0;
  std::uint64_t match_ = 0;
};

// MoldUDP64 packets of `per_packet` messages each; sequence numbers from 1.
inline std::vector<Bytes> build_packets(std::uint64_t messages, unsigned per_packet,
                                        std::uint64_t seed, std::uint64_t type_count[256]) {
  StreamBuilder b(seed);
  std::vector<Bytes> packets;
  std::uint64_t seq = 1;
  Bytes msg;
  while (seq <= messages) {
    Bytes p;
    const std::string session = "BENCH00001";
    p.insert(p.end(), session.begin(), session.end());
    const auto n = static_cast<unsigned>(std::min<std::uint64_t>(per_packet, messages - seq + 1));
    for (int i = 7; i >= 0; --i) p.push_back(static_cast<std::uint8_t>(seq >> (8 * i)));
    p.push_back(static_cast<std::uint8_t>(n >> 8));
    p.push_back(static_cast<std::uint8_t>(n));
    for (unsigned i = 0; i < n; ++i) {
      msg.clear();
      ++type_count[static_cast<unsigned char>(b.next(msg))];
      p.push_back(static_cast<std::uint8_t>(msg.size() >> 8));
      p.push_back(static_cast<std::uint8_t>(msg.size()));
      p.insert(p.end(), msg.begin(), msg.end());
    }
    packets.push_back(std::move(p));
    seq += n;
  }
  return packets;
}

// Rewrites the sequence numbers so that the stream continues after `base` (re-used each pass).
inline void restamp(std::vector<Bytes>& packets, std::uint64_t base) {
  std::uint64_t seq = base;
  for (Bytes& p : packets) {
    for (int i = 0; i < 8; ++i) p[10 + i] = static_cast<std::uint8_t>(seq >> (8 * (7 - i)));
    seq += (std::uint64_t{p[18]} << 8) | p[19];
  }
}

}  // namespace ichannel::feed::bench
