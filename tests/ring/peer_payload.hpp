// peer_payload.hpp: the checksummed 56-byte test payload shared by the process tests and
// channel_peer. A torn read (words of two messages) fails intact().
#pragma once

#include <cstdint>
#include <string_view>

#include <ichannel/type_name.hpp>

namespace ichannel::test {

struct Checked {
  std::uint64_t seq;
  std::uint64_t w[5];
  std::uint64_t sum;
};

inline std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

inline Checked make_checked(std::uint64_t seq) {
  Checked c{};
  c.seq = seq;
  std::uint64_t s = mix(seq);
  for (int i = 0; i < 5; ++i) {
    c.w[i] = mix(seq * 5 + static_cast<std::uint64_t>(i) + 1);
    s ^= c.w[i] * static_cast<std::uint64_t>(i + 3);
  }
  c.sum = s;
  return c;
}

inline bool intact(const Checked& c) {
  const Checked e = make_checked(c.seq);
  for (int i = 0; i < 5; ++i) {
    if (c.w[i] != e.w[i]) return false;
  }
  return c.sum == e.sum;
}

}  // namespace ichannel::test
