// ring/src/file_util.hpp: small cold helpers of the ring's file code (segment.cpp,
// segment_file.cpp, directory.cpp). Private to ring/src; allocates.
#pragma once

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

namespace ichannel::detail {

// Every open of the ring's files: never follow a symlink, never block on a FIFO, never leak.
inline constexpr int kOpenFlags = O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;

inline std::string errno_text(int err) {
  return std::string(std::strerror(err));
}

inline std::string join(const std::string& dir, std::string_view name) {
  return dir + "/" + std::string(name);
}

inline std::uint64_t round_up(std::uint64_t v, std::uint64_t to) {
  return (v + to - 1) / to * to;
}

struct FdCloser {
  int fd;
  explicit FdCloser(int f) noexcept : fd(f) {}
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
  int release() noexcept {
    const int f = fd;
    fd = -1;
    return f;
  }
};

// Directory part of a path ("." when none, "/" for "/x").
inline std::string dir_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace ichannel::detail

#include <ichannel/segment_file.hpp>

namespace ichannel::detail {

// "channel X: refused: ...": one wording of SegmentFile::open_read_only failures for channels
// (open_segment and inspect_channel). segment.cpp.
std::string describe_open_failure(const std::string& who, const std::string& path,
                                  const OpenFailure& why);
// Bytes a channel of `capacity` slots asks SegmentFile::create for (whole 4 KiB pages).
std::uint64_t channel_bytes(std::uint64_t capacity, std::uint32_t slot_size);

// Binds [addr, addr + len) to NUMA node `node` (mbind MPOL_BIND), before it is faulted in.
inline Result<bool> bind_numa(void* addr, std::size_t len, int node) {
  constexpr int kMpolBind = 2;
  unsigned long mask[16] = {};  // up to 1024 nodes
  if (node < 0 || node >= 1024) return Error{"numa_node " + std::to_string(node) + " out of range"};
  mask[node / (8 * sizeof(unsigned long))] |= 1UL << (node % (8 * sizeof(unsigned long)));
  if (::syscall(SYS_mbind, addr, len, kMpolBind, mask, 1024, 0) != 0) {
    return Error{"cannot bind the segment's memory to NUMA node " + std::to_string(node) + ": " +
                 errno_text(errno)};
  }
  return true;
}


// Epoch of the segment published under `path` (0 if none, unreadable or not a `Header` with
// `magic`): the previous epoch a re-created segment counts on from. Header: a segment header
// with `magic` and `epoch` members (channels, book tables). A pread, never a mapping: no SIGBUS.
template <class Header>
std::uint64_t published_epoch(const std::string& path, std::uint64_t magic) {
  const int fd = ::open(path.c_str(), O_RDONLY | kOpenFlags);
  if (fd < 0) return 0;
  FdCloser closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return 0;
  Header h{};
  const ssize_t n = ::pread(fd, &h, sizeof h, 0);
  if (n != static_cast<ssize_t>(sizeof h) || h.magic != magic) return 0;
  return h.epoch;
}

}  // namespace ichannel::detail
