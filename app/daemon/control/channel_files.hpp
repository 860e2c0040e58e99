// daemon/control/channel_files.hpp: the channel files this daemon published, watched from the
// main lcore: replaced or removed behind its back, and removed again when the start fails.
//
// Contract
// - ChannelFiles::add(name, path) records the file a ProducerChannel of this run has just
//   published at `path` (lstat right after create(): device and inode of our segment; the
//   directory is writable only by the producer's user, so nothing can have replaced it in
//   between). Only channels created in this run are recorded: a channel another live producer
//   holds is never created (the producer refuses it), so it is never recorded nor touched.
// - check() (cold, one lstat per channel; call about once a second from the supervisor loop)
//   compares each path with the recorded file: kPublished (still ours), kReplaced (another
//   file: a second producer, an operator, a forgery), kRemoved (no file). It returns the
//   channels whose state changed since the last check, so each change is reported once.
// - remove_published() is the failed-start cleanup: unlinks every recorded path that is still
//   our file (same device and inode) and leaves anything else alone; returns what it did, one
//   line per channel, for the log. After it, nothing is recorded.
// - Single thread (the main lcore). No DPDK; allocates.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ichannel::daemon {

// Also the value of stats::ChannelStats::file_state (app/stats/layout.hpp).
enum class ChannelFileState : std::uint32_t {
  kPublished = 0,  // the path is the file this daemon created
  kReplaced = 1,   // the path is another file now; receivers follow that one, not us
  kRemoved = 2,    // nothing at the path; new receivers cannot attach
};

[[nodiscard]] const char* to_string(ChannelFileState state) noexcept;

class ChannelFiles {
 public:
  struct Entry {
    std::string name, path;
    dev_t dev = 0;
    ino_t ino = 0;
    ChannelFileState state = ChannelFileState::kPublished;
  };
  struct Change {
    std::size_t index;  // order of add(): config channels[] index in the daemon
    ChannelFileState state;
  };

  // Returns "" or why the file cannot be recorded (it vanished already).
  [[nodiscard]] std::string add(std::string_view name, const std::string& path);

  [[nodiscard]] std::vector<Change> check();

  [[nodiscard]] std::vector<std::string> remove_published();

  [[nodiscard]] const std::vector<Entry>& entries() const noexcept { return entries_; }
  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

  // What `path` is compared with `entry`'s recorded file.
  [[nodiscard]] static ChannelFileState probe(const Entry& entry) noexcept;

 private:
  std::vector<Entry> entries_;
};

}  // namespace ichannel::daemon
