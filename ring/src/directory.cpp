// directory.cpp: channel names, the default directory, inspection and listing (cold path).
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <ichannel/channel.hpp>
#include <ichannel/segment_file.hpp>

#include "file_util.hpp"

namespace ichannel {

std::uint64_t wall_clock_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

Result<bool> validate_channel_name(std::string_view name) {
  if (name.empty()) return Error{"channel name is empty"};
  if (name.size() >= layout::kNameMax) {
    return Error{"channel name '" + std::string(name) + "' is longer than " +
                 std::to_string(layout::kNameMax - 1) + " characters"};
  }
  if (name.front() == '.') {
    return Error{"channel name '" + std::string(name) + "' must not start with '.'"};
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      return Error{"channel name '" + std::string(name) + "' contains '" + std::string(1, c) +
                   "' (allowed: letters, digits, '.', '_', '-')"};
    }
  }
  if (name.find("..") != std::string_view::npos) {
    return Error{"channel name '" + std::string(name) + "' contains '..'"};
  }
  return true;
}

std::string default_channel_dir() {
  if (const char* env = std::getenv("ICHANNEL_DIR"); env != nullptr && *env != '\0') return env;
  struct statfs fs {};
  if (::statfs("/dev/hugepages", &fs) == 0 &&
      static_cast<unsigned long>(fs.f_type) == HUGETLBFS_MAGIC) {
    return "/dev/hugepages/ichannel";
  }
  return "/dev/shm/ichannel";
}

Result<ChannelInfo> inspect_channel(std::string_view name, const std::string& dir_in) {
  if (auto ok = validate_channel_name(name); !ok) return ok.error();
  const std::string dir = dir_in.empty() ? default_channel_dir() : dir_in;
  const std::string path = dir + "/" + std::string(name);
  const std::string who = "channel " + std::string(name);
  // Verified like a receiver's attach (type, owner, mode, directory, allocation) before mapping.
  SegmentFileOpen opened = SegmentFile::open_read_only(path, layout::kSlotsOffset);
  if (!opened.file) return Error{detail::describe_open_failure(who, path, opened.failure)};
  const SegmentFile& file = *opened.file;
  const void* addr = file.data();
  const std::uint64_t size = file.size();

  auto* h = static_cast<layout::SegmentHeader*>(const_cast<void*>(addr));
  // acquire: pairs with publish_segment's release store of magic.
  if (std::atomic_ref<std::uint64_t>(h->magic).load(std::memory_order_acquire) != layout::kMagic) {
    return Error{who + ": " + path + " is not an ichannel segment (bad magic)"};
  }
  if (h->version < layout::kOldestVersion || h->version > layout::kVersion) {
    return Error{who + ": layout version " + std::to_string(h->version) + ", this build reads " +
                 std::to_string(layout::kOldestVersion) + " to " +
                 std::to_string(layout::kVersion)};
  }
  const std::uint64_t cap = h->capacity;
  if (cap < 2 || (cap & (cap - 1)) != 0 || cap > (std::uint64_t{1} << 32) || h->slot_size < 8 ||
      h->slot_size % kCacheLine != 0 || h->slot_size > (1u << 20) ||
      h->slots_offset != layout::kSlotsOffset) {
    return Error{who + ": " + path + " has a corrupt header"};
  }
  // No slot is touched unless the file is exactly what the header says (and fully allocated).
  const std::uint64_t want = file.size_for(detail::channel_bytes(cap, h->slot_size));
  if (size != want) {
    return Error{who + ": refused: " + path + " is " + std::to_string(size) +
                 " bytes, its header (" + std::to_string(cap) + " slots of " +
                 std::to_string(h->slot_size) + " bytes) requires exactly " + std::to_string(want)};
  }
  ChannelInfo info;
  info.name = std::string(name);
  info.path = path;
  info.type_name.assign(h->type_name, ::strnlen(h->type_name, layout::kTypeNameMax));
  info.payload_size = h->payload_size;
  info.payload_align = h->payload_align;
  info.slot_size = h->slot_size;
  info.capacity = h->capacity;
  info.epoch = h->epoch;
  info.producer_pid = h->producer_pid;
  // relaxed: monitoring data, pairs with ProducerChannel::heartbeat's relaxed stores.
  info.heartbeat_ns =
      std::atomic_ref<std::uint64_t>(h->heartbeat_ns).load(std::memory_order_relaxed);
  info.heartbeat_mono_ns =
      std::atomic_ref<std::uint64_t>(h->heartbeat_mono_ns).load(std::memory_order_relaxed);
  // Newest committed seq from the slots' state words (the heartbeat's last_seq may be older).
  const auto* slots = static_cast<const unsigned char*>(addr) + h->slots_offset;
  // A clean seq q is committed; a dirty one was marked by send(q - dirty_ahead) (sender.hpp).
  const std::uint64_t ahead = dirty_ahead(h->capacity);
  std::uint64_t last = 0;
  for (std::uint64_t i = 0; i < h->capacity; ++i) {
    auto* w =
        reinterpret_cast<std::uint64_t*>(const_cast<unsigned char*>(slots) + i * h->slot_size);
    // relaxed: a snapshot of the sender's state stores (sender.hpp C and D).
    const std::uint64_t s = std::atomic_ref<std::uint64_t>(*w).load(std::memory_order_relaxed);
    const std::uint64_t q = s & kSeqMask;
    const std::uint64_t committed = (s & kDirtyBit) == 0 ? q : (q > ahead ? q - ahead : 0);
    last = std::max(last, committed);
  }
  info.last_seq = last;
  info.producer_alive = file.producer_alive();  // the producer's flock, not a pid
  return info;
}

std::vector<ChannelInfo> list_channels(const std::string& dir_in) {
  const std::string dir = dir_in.empty() ? default_channel_dir() : dir_in;
  std::vector<ChannelInfo> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;  // ., .., and unpublished temp files
    names.emplace_back(e->d_name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    if (auto info = inspect_channel(n, dir)) out.push_back(std::move(*info));
  }
  return out;
}

Result<bool> remove_channel(std::string_view name, const std::string& dir_in) {
  if (auto ok = validate_channel_name(name); !ok) return ok.error();
  const std::string dir = dir_in.empty() ? default_channel_dir() : dir_in;
  const std::string path = dir + "/" + std::string(name);
  if (::unlink(path.c_str()) != 0) {
    return Error{"channel " + std::string(name) + ": cannot remove " + path + ": " +
                 std::strerror(errno)};
  }
  return true;
}

}  // namespace ichannel
