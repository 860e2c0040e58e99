// segment.cpp: creating, publishing and opening channel segments (cold path).
//
// Producer: mkdir -p <dir>; open a hidden temp file O_EXCL with the requested mode; fchmod (umask
// must not apply) and fchown to the group; size it (rounded to the hugepage size on hugetlbfs)
// and reserve every block with fallocate so a missing hugepage or a full /dev/shm is an error
// now, never a SIGBUS later; map it, advise THP (tmpfs) / bind to a NUMA node, touch every page,
// mlock (best effort); fill the header. publish: magic (release), then rename over the old name.
// Receiver: open O_RDONLY, map PROT_READ, magic (acquire) then check every field.
#include <fcntl.h>
#include <grp.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include "ichannel/channel.hpp"
#include "ichannel/segment.hpp"

namespace ichannel::detail {
namespace {

std::string errno_text(int err) {
  return std::string(std::strerror(err));
}

std::string join(const std::string& dir, std::string_view name) {
  return dir + "/" + std::string(name);
}

// mkdir -p with mode 0755 for new components.
Result<bool> make_dirs(const std::string& dir) {
  std::string cur;
  std::size_t pos = 0;
  while (pos <= dir.size()) {
    std::size_t next = dir.find('/', pos);
    if (next == std::string::npos) next = dir.size();
    cur = dir.substr(0, next);
    pos = next + 1;
    if (cur.empty()) continue;
    if (::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST) {
      return Error{"cannot create channel directory " + cur + ": " + errno_text(errno)};
    }
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Error{"channel directory " + dir + " is not a directory"};
  }
  return true;
}

std::uint64_t round_up(std::uint64_t v, std::uint64_t to) {
  return (v + to - 1) / to * to;
}

// Epoch of the file currently published under `path` (0 if none or unreadable).
std::uint64_t old_epoch(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  layout::SegmentHeader h{};
  const ssize_t n = ::pread(fd, &h, sizeof h, 0);
  ::close(fd);
  if (n != static_cast<ssize_t>(sizeof h) || h.magic != layout::kMagic) return 0;
  return h.epoch;
}

Result<bool> bind_numa(void* addr, std::size_t len, int node) {
  constexpr int kMpolBind = 2;
  unsigned long mask[16] = {};  // up to 1024 nodes
  if (node < 0 || node >= 1024) return Error{"numa_node " + std::to_string(node) + " out of range"};
  mask[node / (8 * sizeof(unsigned long))] |= 1UL << (node % (8 * sizeof(unsigned long)));
  if (::syscall(SYS_mbind, addr, len, kMpolBind, mask, 1024, 0) != 0) {
    return Error{"cannot bind channel memory to NUMA node " + std::to_string(node) + ": " +
                 errno_text(errno)};
  }
  return true;
}

}  // namespace

Segment::~Segment() {
  if (addr_ != nullptr) ::munmap(addr_, len_);
  if (!tmp_path_.empty()) ::unlink(tmp_path_.c_str());
}

void Segment::swap(Segment& o) noexcept {
  std::swap(addr_, o.addr_);
  std::swap(len_, o.len_);
  path_.swap(o.path_);
  tmp_path_.swap(o.tmp_path_);
  std::swap(dev_, o.dev_);
  std::swap(ino_, o.ino_);
  std::swap(locked_, o.locked_);
  std::swap(hugetlbfs_, o.hugetlbfs_);
}

int probe_file(const std::string& path, dev_t& dev, ino_t& ino) noexcept {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  dev = st.st_dev;
  ino = st.st_ino;
  return 1;
}

Result<Segment> create_segment(std::string_view name, std::uint64_t capacity,
                               const PayloadInfo& payload, const ChannelOptions& opts) {
  if (auto ok = validate_channel_name(name); !ok) return ok.error();
  const std::string who = "channel " + std::string(name);
  if (capacity < 2 || (capacity & (capacity - 1)) != 0) {
    return Error{who + ": capacity must be a power of two >= 2, got " + std::to_string(capacity)};
  }
  if (capacity > (std::uint64_t{1} << 32)) {
    return Error{who + ": capacity " + std::to_string(capacity) + " is larger than 2^32 slots"};
  }
  if (payload.type_name.size() >= layout::kTypeNameMax) {
    return Error{who + ": payload type name longer than " +
                 std::to_string(layout::kTypeNameMax - 1) +
                 " characters (specialise "
                 "ichannel::PayloadTypeName)"};
  }
  std::string dir = opts.dir;
  if (dir.empty()) dir = opts.hugepages ? default_channel_dir() : std::string("/dev/shm/ichannel");
  if (auto ok = make_dirs(dir); !ok) return ok.error();

  Segment seg;
  seg.path_ = join(dir, name);
  std::string tmp_name(".");  // hidden: list_channels() skips it until rename()
  tmp_name.append(name).append(".").append(std::to_string(::getpid())).append(".tmp");
  seg.tmp_path_ = join(dir, tmp_name);
  ::unlink(seg.tmp_path_.c_str());  // leftover of an earlier crash of this same pid
  const int fd = ::open(seg.tmp_path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, opts.mode);
  if (fd < 0) {
    const int err = errno;
    seg.tmp_path_.clear();
    return Error{who + ": cannot create " + join(dir, tmp_name) + ": " + errno_text(err)};
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};

  if (::fchmod(fd, opts.mode) != 0) {
    return Error{who + ": cannot set mode on " + seg.tmp_path_ + ": " + errno_text(errno)};
  }
  if (!opts.group.empty()) {
    struct group grp {};
    struct group* found = nullptr;
    char buf[4096];
    if (::getgrnam_r(opts.group.c_str(), &grp, buf, sizeof buf, &found) != 0 || found == nullptr) {
      return Error{who + ": unknown group '" + opts.group + "'"};
    }
    if (::fchown(fd, static_cast<uid_t>(-1), found->gr_gid) != 0) {
      return Error{who + ": cannot give " + seg.tmp_path_ + " to group " + opts.group + ": " +
                   errno_text(errno)};
    }
  }

  struct statfs fs {};
  if (::fstatfs(fd, &fs) != 0) return Error{who + ": fstatfs: " + errno_text(errno)};
  seg.hugetlbfs_ = static_cast<unsigned long>(fs.f_type) == HUGETLBFS_MAGIC;
  const std::uint64_t page = seg.hugetlbfs_ ? static_cast<std::uint64_t>(fs.f_bsize) : 4096;
  const std::uint64_t bytes = round_up(layout::kSlotsOffset + capacity * payload.slot_size, page);

  if (int err = ::posix_fallocate(fd, 0, static_cast<off_t>(bytes)); err != 0) {
    if (err == ENOSPC && seg.hugetlbfs_) {
      return Error{who + ": not enough free hugepages in " + dir + ": needs " +
                   std::to_string(bytes / page) + " pages of " + std::to_string(page >> 20) +
                   " MiB (see HugePages_Free in /proc/meminfo; reserve more with "
                   "vm.nr_hugepages)"};
    }
    if (err == ENOSPC) {
      return Error{who + ": not enough space in " + dir + " for " + std::to_string(bytes) +
                   " bytes (" + std::to_string(fs.f_bavail * fs.f_bsize) +
                   " free; containers default to a 64 MB /dev/shm: raise --shm-size or use "
                   "hugepages)"};
    }
    if (err != EOPNOTSUPP && err != EINVAL) {
      return Error{who + ": cannot reserve " + std::to_string(bytes) + " bytes for " +
                   seg.tmp_path_ + ": " + errno_text(err)};
    }
    if (::ftruncate(fd, static_cast<off_t>(bytes)) != 0) {
      return Error{who + ": cannot size " + seg.tmp_path_ + ": " + errno_text(errno)};
    }
  }

  void* addr = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) {
    return Error{who + ": cannot map " + std::to_string(bytes) + " bytes of " + seg.tmp_path_ +
                 ": " + errno_text(errno)};
  }
  seg.addr_ = addr;
  seg.len_ = bytes;
  if (!seg.hugetlbfs_ && opts.hugepages) ::madvise(addr, bytes, MADV_HUGEPAGE);  // advisory
  if (opts.numa_node >= 0) {
    if (auto ok = bind_numa(addr, bytes, opts.numa_node); !ok)
      return Error{who + ": " + ok.error().message};
  }
  // Pre-fault every page with a write (blocks are already reserved, so this cannot SIGBUS).
  auto* bytes_ptr = static_cast<unsigned char*>(addr);
  for (std::uint64_t off = 0; off < bytes; off += 4096) bytes_ptr[off] = 0;
  seg.locked_ = ::mlock(addr, bytes) == 0;

  struct stat st {};
  if (::fstat(fd, &st) != 0) return Error{who + ": fstat: " + errno_text(errno)};
  seg.dev_ = st.st_dev;
  seg.ino_ = st.st_ino;

  const std::uint64_t now = wall_clock_ns();
  const std::uint64_t prev = old_epoch(seg.path_);
  auto* h = seg.header();
  std::memset(h, 0, sizeof *h);
  h->version = layout::kVersion;
  h->header_size = sizeof(layout::SegmentHeader);
  h->payload_size = payload.size;
  h->payload_align = payload.align;
  h->slot_size = payload.slot_size;
  h->producer_pid = static_cast<std::int32_t>(::getpid());
  h->capacity = capacity;
  h->slots_offset = layout::kSlotsOffset;
  h->epoch = now > prev ? now : prev + 1;
  h->created_ns = now;
  std::memcpy(h->type_name, payload.type_name.data(), payload.type_name.size());
  h->heartbeat_ns = now;
  h->last_seq = 0;
  return seg;
}

Result<bool> publish_segment(Segment& seg) {
  // release: the commit of the header and the initialized slots; pairs with the acquire load of
  // magic in open_segment() (and old_epoch()/inspect readers).
  std::atomic_ref<std::uint64_t>(seg.header()->magic)
      .store(layout::kMagic, std::memory_order_release);
  if (::msync(seg.addr_, sizeof(layout::SegmentHeader), MS_SYNC) != 0) {
    // tmpfs/hugetlbfs: msync is a no-op; a failure here is not fatal for shared mappings.
  }
  if (::rename(seg.tmp_path_.c_str(), seg.path_.c_str()) != 0) {
    return Error{"cannot publish " + seg.path_ + " (rename from " + seg.tmp_path_ +
                 "): " + errno_text(errno)};
  }
  seg.tmp_path_.clear();
  return true;
}

Result<Segment> open_segment(std::string_view name, const std::string& dir_in,
                             const PayloadInfo& expected, std::chrono::milliseconds wait) {
  if (auto ok = validate_channel_name(name); !ok) return ok.error();
  const std::string dir = dir_in.empty() ? default_channel_dir() : dir_in;
  const std::string who = "channel " + std::string(name);
  Segment seg;
  seg.path_ = join(dir, name);

  const auto deadline = std::chrono::steady_clock::now() + wait;
  int fd = -1;
  for (;;) {
    fd = ::open(seg.path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) break;
    const int err = errno;
    if (err != ENOENT || std::chrono::steady_clock::now() >= deadline) {
      if (err == ENOENT) {
        return Error{who + " does not exist (" + seg.path_ + ")" +
                     (wait.count() > 0 ? " after waiting " + std::to_string(wait.count()) + " ms"
                                       : std::string())};
      }
      return Error{who + ": cannot open " + seg.path_ + ": " + errno_text(err)};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};

  struct stat st {};
  if (::fstat(fd, &st) != 0) return Error{who + ": fstat " + seg.path_ + ": " + errno_text(errno)};
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size < layout::kSlotsOffset) {
    return Error{who + ": " + seg.path_ + " is " + std::to_string(size) +
                 " bytes, too small for an ichannel segment"};
  }
  void* addr = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED)
    return Error{who + ": cannot map " + seg.path_ + ": " + errno_text(errno)};
  seg.addr_ = addr;
  seg.len_ = size;
  seg.dev_ = st.st_dev;
  seg.ino_ = st.st_ino;

  const auto* h = seg.header();
  // acquire: pairs with publish_segment's release store; everything below was written before.
  const std::uint64_t magic = std::atomic_ref<std::uint64_t>(const_cast<std::uint64_t&>(h->magic))
                                  .load(std::memory_order_acquire);
  if (magic != layout::kMagic) {
    return Error{who + ": " + seg.path_ + " is not an ichannel segment (bad magic)"};
  }
  if (h->version != layout::kVersion) {
    return Error{who + ": layout version " + std::to_string(h->version) + ", this build reads " +
                 std::to_string(layout::kVersion)};
  }
  const std::string_view held(h->type_name, ::strnlen(h->type_name, layout::kTypeNameMax));
  if (held != expected.type_name || h->payload_size != expected.size) {
    return Error{who + " holds " + std::string(held) + " (" + std::to_string(h->payload_size) +
                 " bytes), receiver expects " + std::string(expected.type_name) + " (" +
                 std::to_string(expected.size) + " bytes)"};
  }
  if (h->payload_align != expected.align) {
    return Error{who + ": payload alignment " + std::to_string(h->payload_align) +
                 ", receiver expects " + std::to_string(expected.align)};
  }
  if (h->slot_size != expected.slot_size) {
    return Error{who + ": slot size " + std::to_string(h->slot_size) + ", receiver expects " +
                 std::to_string(expected.slot_size)};
  }
  const std::uint64_t cap = h->capacity;
  if (cap < 2 || (cap & (cap - 1)) != 0 || cap > (std::uint64_t{1} << 32)) {
    return Error{who + ": corrupt header: capacity " + std::to_string(cap)};
  }
  if (h->slots_offset != layout::kSlotsOffset) {
    return Error{who + ": slots offset " + std::to_string(h->slots_offset) + ", expected " +
                 std::to_string(layout::kSlotsOffset)};
  }
  if (size < layout::kSlotsOffset + cap * h->slot_size) {
    return Error{who + ": " + seg.path_ + " is truncated (" + std::to_string(size) + " bytes for " +
                 std::to_string(cap) + " slots)"};
  }
  return seg;
}

}  // namespace ichannel::detail
