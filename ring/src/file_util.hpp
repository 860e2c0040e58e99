// ring/src/file_util.hpp: small cold helpers of the ring's file code (segment.cpp and
// segment_file.cpp). Private to ring/src; allocates.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace ichannel::detail {

inline std::string errno_text(int err) { return std::string(std::strerror(err)); }

inline std::string join(const std::string& dir, std::string_view name) {
  return dir + "/" + std::string(name);
}

inline std::uint64_t round_up(std::uint64_t v, std::uint64_t to) {
  return (v + to - 1) / to * to;
}

}  // namespace ichannel::detail
