// segment.cpp: creating, publishing and opening channel segments (cold path).
//
// Producer: SegmentFile::create (segment_file.hpp: mkdir -p <dir>; a hidden temp file O_EXCL with
// the requested mode and group; sized to whole pages (hugepages on hugetlbfs) and reserved with
// fallocate so a missing hugepage or a full /dev/shm is an error now, never a SIGBUS later;
// mapped RW); then advise THP (tmpfs) / bind to a NUMA node, touch every page, mlock (best
// effort); fill the header. publish: magic (release), then SegmentFile::commit (rename over the
// old name). Receiver: SegmentFile::open_read_only, magic (acquire) then check every field.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <ichannel/channel.hpp>
#include <ichannel/segment.hpp>
#include <ichannel/segment_file.hpp>

#include "file_util.hpp"

namespace ichannel::detail {
namespace {

using detail::FdCloser;

// Epoch of the file currently published under `path` (0 if none or unreadable).
std::uint64_t old_epoch(const std::string& path) {
  return published_epoch<layout::SegmentHeader>(path, layout::kMagic);
}


}  // namespace

// The producer's flock(LOCK_EX), probed with LOCK_SH|LOCK_NB on this receiver's own fd.
bool Segment::producer_alive() const noexcept {
  return file_.producer_alive();
}

static std::string channel_dir_for(const ChannelOptions& opts) {
  if (!opts.dir.empty()) return opts.dir;
  // ICHANNEL_DIR means the same to producers and receivers, hugepages or not.
  if (const char* env = std::getenv("ICHANNEL_DIR"); env != nullptr && *env != '\0') return env;
  return opts.hugepages ? default_channel_dir() : std::string("/dev/shm/ichannel");
}

std::string describe_open_failure(const std::string& who, const std::string& path,
                                  const OpenFailure& why) {
  switch (why.step) {
    case OpenFailure::Step::kOpen:
      if (why.err == ENOENT) return who + " does not exist (" + path + ")";
      return who + ": cannot open " + path + ": " + errno_text(why.err);
    case OpenFailure::Step::kStat:
      return who + ": fstat " + path + ": " + errno_text(why.err);
    case OpenFailure::Step::kNotRegular:
    case OpenFailure::Step::kUntrusted:
    case OpenFailure::Step::kSparse:
      return who + ": refused: " + why.text;
    case OpenFailure::Step::kTooSmall:
      return who + ": " + path + " is " + std::to_string(why.size) +
             " bytes, too small for an ichannel segment";
    case OpenFailure::Step::kMap:
      return who + ": cannot map " + path + ": " + errno_text(why.err);
  }
  return who + ": cannot open " + path;
}

std::uint64_t channel_bytes(std::uint64_t capacity, std::uint32_t slot_size) {
  return round_up(layout::kSlotsOffset + capacity * slot_size, 4096);
}

int probe_file(const std::string& path, dev_t& dev, ino_t& ino) noexcept {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 0;  // a symlink is not the file we mapped
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
  const std::string dir = channel_dir_for(opts);

  SegmentFileOptions fopts;
  fopts.who = who;
  fopts.dir_noun = "channel directory";
  fopts.mode = opts.mode;
  fopts.group = opts.group;
  // Whole 4 KiB pages (SegmentFile rounds further to the huge page size on hugetlbfs).
  auto file = SegmentFile::create(dir, name, channel_bytes(capacity, payload.slot_size), fopts);
  if (!file) return file.error();
  Segment seg;
  seg.file_ = std::move(*file);
  void* addr = seg.file_.data();
  const std::uint64_t bytes = seg.file_.size();
  if (!seg.file_.hugetlbfs() && opts.hugepages) ::madvise(addr, bytes, MADV_HUGEPAGE);  // advisory
  if (opts.numa_node >= 0) {
    if (auto ok = bind_numa(addr, bytes, opts.numa_node); !ok)
      return Error{who + ": " + ok.error().message};
  }
  // Pre-fault every page with a write (blocks are already reserved, so this cannot SIGBUS).
  auto* bytes_ptr = static_cast<unsigned char*>(addr);
  for (std::uint64_t off = 0; off < bytes; off += 4096) bytes_ptr[off] = 0;
  seg.locked_ = ::mlock(addr, bytes) == 0;

  const std::uint64_t now = wall_clock_ns();
  const std::uint64_t prev = old_epoch(seg.path());
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
  return seg.file_.commit();
}

Result<Segment> open_segment(std::string_view name, const std::string& dir_in,
                             const PayloadInfo& expected, std::chrono::milliseconds wait) {
  if (auto ok = validate_channel_name(name); !ok) return ok.error();
  const std::string dir = dir_in.empty() ? default_channel_dir() : dir_in;
  const std::string who = "channel " + std::string(name);
  const std::string path = join(dir, name);

  // layout::kSlotsOffset: the smallest file that can hold a channel header.
  const auto deadline = std::chrono::steady_clock::now() + wait;
  SegmentFileOpen opened;
  for (;;) {
    opened = SegmentFile::open_read_only(path, layout::kSlotsOffset);
    if (opened.file) break;
    const OpenFailure& why = opened.failure;
    if (why.step != OpenFailure::Step::kOpen) break;
    if (why.err != ENOENT || std::chrono::steady_clock::now() >= deadline) {
      if (why.err == ENOENT) {
        return Error{who + " does not exist (" + path + ")" +
                     (wait.count() > 0 ? " after waiting " + std::to_string(wait.count()) + " ms"
                                       : std::string())};
      }
      return Error{describe_open_failure(who, path, why)};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (!opened.file) return Error{describe_open_failure(who, path, opened.failure)};
  Segment seg;
  seg.file_ = std::move(*opened.file);
  const std::uint64_t size = seg.file_.size();

  const auto* h = seg.header();
  // acquire: pairs with publish_segment's release store; everything below was written before.
  const std::uint64_t magic = std::atomic_ref<std::uint64_t>(const_cast<std::uint64_t&>(h->magic))
                                  .load(std::memory_order_acquire);
  if (magic != layout::kMagic) {
    return Error{who + ": " + path + " is not an ichannel segment (bad magic)"};
  }
  if (h->version < layout::kOldestVersion || h->version > layout::kVersion) {
    return Error{who + ": layout version " + std::to_string(h->version) + ", this build reads " +
                 std::to_string(layout::kOldestVersion) + " to " +
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
  // Exactly the size the producer makes (whole pages, whole huge pages on hugetlbfs); the file
  // is fully allocated (checked by open_read_only), so no slot access can SIGBUS.
  const std::uint64_t want = seg.file_.size_for(channel_bytes(cap, h->slot_size));
  if (size != want) {
    return Error{who + ": refused: " + path + " is " + std::to_string(size) +
                 " bytes, its header (" + std::to_string(cap) + " slots of " +
                 std::to_string(h->slot_size) + " bytes) requires exactly " + std::to_string(want)};
  }
  return seg;
}

}  // namespace ichannel::detail
