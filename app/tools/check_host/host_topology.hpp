// host_topology.hpp: the host's cpus, NUMA nodes and kernel cpu isolation, read through HostFs.
//
// Contract
// - read_topology() reads /sys/devices/system/cpu (online list, cpuN/nodeK links), falls back to
//   /sys/devices/system/node/nodeK/cpulist, and parses isolcpus=, nohz_full= and rcu_nocbs=
//   from /proc/cmdline (arguments after "--" belong to init and are ignored).
// - Unreadable or malformed items are recorded in `problems` (the checker prints them), never
//   thrown. Cold path; allocates.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cpu_list.hpp"
#include "host_fs.hpp"

namespace ichannel::check_host {

struct Topology {
  CpuSet online;                     // /sys/devices/system/cpu/online
  std::map<unsigned, int> cpu_node;  // cpu -> NUMA node (absent: unknown)
  CpuSet isolcpus;
  CpuSet nohz_full;
  CpuSet rcu_nocbs;
  std::optional<std::string> cmdline;  // nullopt when /proc/cmdline is unreadable
  std::vector<std::string> problems;   // e.g. "cannot parse isolcpus=foo in /proc/cmdline"

  // NUMA node of a cpu, or -1 when unknown.
  [[nodiscard]] int node_of(unsigned cpu) const;
  // Cpus of a NUMA node.
  [[nodiscard]] CpuSet cpus_of_node(int node) const;
  // Online cpus that are not in isolcpus (where housekeeping and IRQs belong).
  [[nodiscard]] CpuSet housekeeping() const;
};

[[nodiscard]] Topology read_topology(const HostFs& fs);

}  // namespace ichannel::check_host
