// ichannel/segment.hpp: cold, type-erased shared-memory segment handling behind channel.hpp.
//
// Contract
// - Implemented in ring/src/*.cpp (the ichannel library). Everything here may allocate, make
//   syscalls and return errors; none of it is for the hot path.
// - Segment owns one mapping (munmap on destruction; move-only). A producer segment is mapped
//   read-write, pre-faulted and (best effort) mlocked; a receiver segment is O_RDONLY/PROT_READ.
// - create_segment() builds an unpublished segment under a temporary hidden name with the header
//   filled except magic; the caller initializes the slots, then publish_segment() stores magic
//   (release) and rename()s it over `<dir>/<name>` (old mappings of a previous file stay valid).
// - The file handling itself (trusted directory, temporary, reserve, map, the producer lock,
//   commit, verified read-only open) is the generic SegmentFile of segment_file.hpp; this header
//   adds the channel header and its checks: open_segment() refuses a file whose size is not
//   exactly what its header implies before any slot is touched.
// - The directory: ChannelOptions::dir, else $ICHANNEL_DIR (also for hugepages = false), else
//   default_channel_dir() (hugepages) or /dev/shm/ichannel. A second producer of a live channel
//   gets "channel X already has a live producer (pid N)".
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <ichannel/layout.hpp>
#include <ichannel/receiver.hpp>
#include <ichannel/result.hpp>
#include <ichannel/segment_file.hpp>

namespace ichannel {

struct ChannelOptions {
  std::string dir;        // empty: default_channel_dir()
  bool hugepages = true;  // false: use /dev/shm/ichannel when dir is empty
  unsigned mode = 0640;   // file mode (umask does not apply); group/other write is refused
  std::string group;      // empty: the creator's group
  int numa_node = -1;     // >= 0: bind the segment's memory to this node
};

// What ReceiverChannel::poll_producer() does when a new producer has replaced the channel file.
enum class RestartPolicy : std::uint8_t {
  kDrain,  // keep reading the old ring to its end (state kDraining), then switch (kRestarted)
  kSkip,   // switch at once; the old ring's unread messages are counted (skipped()/lost())
};

struct AttachOptions {
  std::string dir;                    // empty: default_channel_dir()
  std::chrono::milliseconds wait{0};  // wait this long for the channel to appear
  bool start_at_oldest = false;       // start at the oldest intact message, not the next one
  LapPolicy lap = LapPolicy::kNewest;             // what a lapped receiver jumps to
  RestartPolicy restart = RestartPolicy::kDrain;  // poll_producer() on a replaced file
  // poll_producer() / ReceiverChannel::recv_for(): a live producer whose monotonic heartbeat is
  // older than this is kStale.
  std::chrono::nanoseconds stale_after = std::chrono::seconds(1);
};

namespace detail {

struct PayloadInfo {
  std::string_view type_name;
  std::uint32_t size;
  std::uint32_t align;
  std::uint32_t slot_size;
};

class Segment {
 public:
  Segment() noexcept = default;
  Segment(Segment&& o) noexcept = default;
  Segment& operator=(Segment&& o) noexcept = default;
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;
  ~Segment() = default;

  [[nodiscard]] layout::SegmentHeader* header() const noexcept {
    return static_cast<layout::SegmentHeader*>(file_.data());
  }
  [[nodiscard]] unsigned char* slots() const noexcept {
    return static_cast<unsigned char*>(file_.data()) + layout::kSlotsOffset;
  }
  [[nodiscard]] std::uint64_t capacity() const noexcept { return header()->capacity; }
  [[nodiscard]] std::uint64_t epoch() const noexcept { return header()->epoch; }
  [[nodiscard]] const std::string& path() const noexcept { return file_.path(); }
  [[nodiscard]] bool locked() const noexcept { return locked_; }
  [[nodiscard]] bool hugetlbfs() const noexcept { return file_.hugetlbfs(); }
  [[nodiscard]] dev_t dev() const noexcept { return file_.dev(); }
  [[nodiscard]] ino_t ino() const noexcept { return file_.ino(); }
  // Whether the producer of THIS file (this epoch) still runs: flock(LOCK_SH|LOCK_NB) on this
  // receiver's own fd of the file; the producer holds LOCK_EX for its lifetime, the kernel
  // drops it on exit or kill -9. No clock, no pid. Cold (two syscalls).
  [[nodiscard]] bool producer_alive() const noexcept;

 private:
  friend Result<Segment> create_segment(std::string_view, std::uint64_t, const PayloadInfo&,
                                        const ChannelOptions&);
  friend Result<Segment> open_segment(std::string_view, const std::string&, const PayloadInfo&,
                                      std::chrono::milliseconds);
  friend Result<bool> publish_segment(Segment&);

  SegmentFile file_;  // the mapping; unpublished (temporary name) until publish_segment()
  bool locked_ = false;
};

Result<Segment> create_segment(std::string_view name, std::uint64_t capacity,
                               const PayloadInfo& payload, const ChannelOptions& opts);
Result<bool> publish_segment(Segment& seg);
Result<Segment> open_segment(std::string_view name, const std::string& dir,
                             const PayloadInfo& expected, std::chrono::milliseconds wait);

// Where `path` is now: 0 = missing, 1 = present (dev/ino filled).
int probe_file(const std::string& path, dev_t& dev, ino_t& ino) noexcept;

}  // namespace detail
}  // namespace ichannel
