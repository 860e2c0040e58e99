// app/tools/stat/stat_view.hpp: what ichannel-stat shows, as plain data (no ring, no mapping).
//
// Contract
// - ChannelRow is one channel file as read from its header (ring's inspect_channel) plus what
//   ichannel-stat derives: heartbeat age, message rate over the refresh interval, a status word.
// - StatView bundles the channel rows, the leftovers of the channel directory (hidden temporaries
//   of crashed creators and published files whose producer lock is free, with their owner and
//   size: ring's list_leftover_files) and, when the daemon's statistics segment could be read,
//   its snapshot (app/stats/reader.hpp). Renderers (tools/stat/render.hpp) take only a StatView,
//   so they are tested against synthetic views.
// - RateTracker turns successive last_seq readings into a rate per channel; a changed epoch
//   (producer restarted) restarts the measurement instead of reporting a negative or huge rate.
// - Cold path; allocates.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <ichannel/segment_file.hpp>

#include "stats/prometheus.hpp"
#include "stats/reader.hpp"

namespace ichannel::tools {

enum class ChannelStatus { kAlive, kStale, kDead };  // dead: no producer holds the lock
const char* to_string(ChannelStatus s) noexcept;

struct ChannelRow {
  std::string name;
  std::string path;
  std::string type_name;
  std::uint32_t payload_size = 0;
  std::uint64_t capacity = 0;
  std::uint64_t epoch = 0;
  std::int32_t producer_pid = 0;
  std::uint64_t heartbeat_ns = 0;
  double heartbeat_age_s = 0;  // now - heartbeat (>= 0)
  std::uint64_t last_seq = 0;
  std::optional<double> rate_per_s;  // empty until two readings of the same epoch exist
  bool producer_alive = false;
  ChannelStatus status = ChannelStatus::kDead;
};

// alive: a producer holds the file's lock and the heartbeat is younger than stale_after_s;
// stale: the lock is held but the heartbeat is older; dead: nobody holds the lock.
ChannelStatus classify(bool producer_alive, double heartbeat_age_s, double stale_after_s) noexcept;

struct StatView {
  std::uint64_t now_ns = 0;
  std::string channel_dir;
  std::vector<ChannelRow> channels;
  std::vector<LeftoverFile> leftovers;  // nobody holds their lock: reclaimable
  std::string stats_path;
  std::optional<stats::StatsSnapshot> daemon;  // empty: segment absent or unreadable
  std::string daemon_error;                    // why daemon is empty
  double stale_after_s = stats::kDefaultStaleAfterS;
};

class RateTracker {
 public:
  // Returns the rate since the previous reading of the same (name, epoch), or nothing.
  std::optional<double> update(const std::string& name, std::uint64_t epoch, std::uint64_t last_seq,
                               std::uint64_t now_ns);

 private:
  struct Last {
    std::uint64_t epoch = 0, seq = 0, ns = 0;
  };
  std::map<std::string, Last> last_;
};

}  // namespace ichannel::tools
