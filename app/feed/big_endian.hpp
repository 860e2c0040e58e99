// feed/big_endian.hpp: big-endian field loads from packet bytes.
//
// Contract
// - Every load is a memcpy of the field's bytes into a local followed by a byte swap: never a
//   pointer cast of packet bytes (no alignment or aliasing assumptions).
// - The caller has already checked that [p, p + width) lies inside its buffer; these functions
//   do no bounds checks of their own. Inline, noexcept, no allocation; callable from any thread.
#pragma once

#include <cstdint>
#include <cstring>

namespace ichannel::feed::be {

[[nodiscard]] inline std::uint16_t load_be16(const std::uint8_t* p) noexcept {
  std::uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return __builtin_bswap16(v);
}

[[nodiscard]] inline std::uint32_t load_be32(const std::uint8_t* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return __builtin_bswap32(v);
}

[[nodiscard]] inline std::uint64_t load_be64(const std::uint8_t* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return __builtin_bswap64(v);
}

// ITCH timestamps are 6-byte big-endian integers (ns after midnight).
[[nodiscard]] inline std::uint64_t load_be48(const std::uint8_t* p) noexcept {
  return (std::uint64_t{load_be16(p)} << 32) | load_be32(p + 2);
}

}  // namespace ichannel::feed::be
