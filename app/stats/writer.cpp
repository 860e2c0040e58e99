// app/stats/writer.cpp: see writer.hpp.
#include "stats/writer.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <utility>

namespace ichannel::stats {
namespace {

template <std::size_t N>
void copy_name(char (&dst)[N], const std::string& src) noexcept {
  const std::size_t n = std::min(src.size(), N - 1);
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

std::string sys_error(const std::string& what, const std::string& path) {
  return "statistics segment " + path + ": " + what + ": " + std::strerror(errno);
}

// mkdir -p for the parent directory of path (mode 0755).
bool make_parent_dirs(const std::string& path, std::string& error) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return true;
  const std::string dir = path.substr(0, slash);
  for (std::size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    const std::string part = dir.substr(0, pos);
    if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) {
      error = sys_error("mkdir " + part, path);
      return false;
    }
  }
  return true;
}

void fill(StatsSegment& s, const StatsInit& init) {
  StatsHeader& h = s.header;
  h.version = kStatsVersion;
  h.segment_size = sizeof(StatsSegment);
  h.pid = init.pid;
  h.interval_ms = init.interval_ms;
  h.start_ns = init.start_ns;
  h.port_count = static_cast<std::uint32_t>(std::min(init.ports.size(), kMaxPorts));
  h.line_count = static_cast<std::uint32_t>(std::min(init.lines.size(), kMaxLines));
  h.channel_count = static_cast<std::uint32_t>(std::min(init.channels.size(), kMaxChannels));
  h.core_count = static_cast<std::uint32_t>(std::min(init.cores.size(), kMaxCores));
  h.reject_reason_count =
      static_cast<std::uint32_t>(std::min(init.reject_reasons.size(), kMaxRejectReasons));
  copy_name(h.config_path, init.config_path);
  for (std::size_t i = 0; i < h.reject_reason_count; ++i) {
    copy_name(h.reject_reason_names[i], init.reject_reasons[i]);
  }
  for (std::size_t i = 0; i < h.port_count; ++i) {
    copy_name(s.ports[i].name, init.ports[i].name);
    s.ports[i].dpdk_port_id = init.ports[i].dpdk_port_id;
    s.ports[i].numa_socket = init.ports[i].numa_socket;
    s.ports[i].rx_queues = init.ports[i].rx_queues;
  }
  for (std::size_t i = 0; i < h.line_count; ++i) {
    copy_name(s.lines[i].feed, init.lines[i].feed);
    s.lines[i].line = init.lines[i].line;
    s.lines[i].port_index = init.lines[i].port_index;
    s.lines[i].group = init.lines[i].group;
    s.lines[i].udp_port = init.lines[i].udp_port;
  }
  for (std::size_t i = 0; i < h.channel_count; ++i) {
    copy_name(s.channels[i].name, init.channels[i].name);
    s.channels[i].capacity = init.channels[i].capacity;
    s.channels[i].numa_node = init.channels[i].numa_node;
    s.channels[i].hugepages = init.channels[i].hugepages ? 1 : 0;
    s.channels[i].epoch.store(init.channels[i].epoch, std::memory_order_relaxed);  // before magic
  }
  for (std::size_t i = 0; i < h.core_count; ++i) {
    s.cores[i].lcore = init.cores[i].lcore;
    s.cores[i].port_index = init.cores[i].port_index;
    s.cores[i].queue = init.cores[i].queue;
  }
  // Pairs with the reader's acquire load of state.
  h.state.store(static_cast<std::uint32_t>(DaemonState::kStarting), std::memory_order_release);
}

}  // namespace

StatsWriterResult StatsWriter::create(const std::string& path, const StatsInit& init) {
  std::string error;
  if (!make_parent_dirs(path, error)) return {std::nullopt, error};
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return {std::nullopt, sys_error("create " + tmp, path)};
  ::fchmod(fd, 0644);  // independent of the umask: every tool may read the statistics
  if (::ftruncate(fd, sizeof(StatsSegment)) != 0) {
    error = sys_error("ftruncate " + tmp, path);
    ::close(fd);
    ::unlink(tmp.c_str());
    return {std::nullopt, error};
  }
  void* p = ::mmap(nullptr, sizeof(StatsSegment), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    error = sys_error("mmap " + tmp, path);
    ::close(fd);
    ::unlink(tmp.c_str());
    return {std::nullopt, error};
  }
  ::close(fd);
  auto* seg = new (p) StatsSegment();  // value-initialized: all zero
  fill(*seg, init);
  // The commit of the segment; pairs with the reader's acquire load of magic.
  seg->header.magic.store(kStatsMagic, std::memory_order_release);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    error = sys_error("rename " + tmp, path);
    ::munmap(p, sizeof(StatsSegment));
    ::unlink(tmp.c_str());
    return {std::nullopt, error};
  }
  return {StatsWriter(seg, path), {}};
}

StatsWriter::StatsWriter(StatsWriter&& other) noexcept
    : seg_(std::exchange(other.seg_, nullptr)), path_(std::move(other.path_)) {}

StatsWriter& StatsWriter::operator=(StatsWriter&& other) noexcept {
  if (this != &other) {
    if (seg_ != nullptr) ::munmap(seg_, sizeof(StatsSegment));
    seg_ = std::exchange(other.seg_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

StatsWriter::~StatsWriter() {
  if (seg_ != nullptr) ::munmap(seg_, sizeof(StatsSegment));
}

}  // namespace ichannel::stats
