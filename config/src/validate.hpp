// config/src/validate.hpp: checks that relate several parts of a parsed Config (private to
// config/).
//
// Contract
// - validate_config runs after parse_config, also when parsing reported errors (so one run shows
//   every problem); values that failed to parse are at their defaults or empty and are skipped
//   where they would only produce follow-up noise.
// - Checks: unique names and devices; references (line rx_port, route feed and channels, core
//   port); core lcores in eal.lcores and not main_lcore; queue < rx_queues; every (port, queue)
//   polled by exactly one core; mempool large enough for the descriptors; multicast reception of
//   every line's group; unique (group, port, vlan) over all lines; each feed on one lcore (A/B
//   merge) and each channel written by one lcore (single-producer ring); every feed routed and
//   every channel used; statistics segment distinct from channel names; a feed's snapshot needs
//   its books, a route's snapshot_orders needs its feed's snapshot and only tick channels; the
//   capacities of limits.hpp (entries per section, channels per feed, port queues per lcore);
//   the host paths the daemon would refuse at start: logging.file's directory must exist (the
//   daemon never creates it) and the file, if present, be a regular file (not a symlink,
//   FIFO, ...); an existing channel_dir must be a real directory without group/other write
//   bits; a snapshot's credentials file must exist, be a regular file and have no group/other
//   permission bits (checked with lstat, never opened: the daemon reads it at start).
// - Resolves every name reference to its index (Line::port_index, Route::feed_index,
//   Route::channel_indices, Core::port_index): the only name lookup of the configuration.
// - Fills eal.lcores from main_lcore and the cores' lcores when the file did not list them.
// - Cold path, allocates; reports through Diagnostics (positions from recorded key paths).
#pragma once

#include "config/config.hpp"
#include "diagnostics.hpp"

namespace ichannel::config {

// Mbufs each rx queue needs beyond its descriptors: bursts in flight plus the mempool cache.
inline constexpr unsigned kMempoolHeadroomPerQueue = 512;

void validate_config(Config& config, Diagnostics& diag);

}  // namespace ichannel::config
