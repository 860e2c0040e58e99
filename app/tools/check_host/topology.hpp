// topology.hpp: the host's cpus, NUMA nodes and kernel cpu isolation, and the Linux cpu lists
// ("0-3,8,10-11") they are written in.
//
// Contract
// - Cpu lists: the kernel writes them in sysfs (cpulist, smp_affinity_list, isolated) and accepts
//   them on the command line (isolcpus=, nohz_full=, rcu_nocbs=); the parse/format functions read
//   and write both forms. Pure functions.
// - read_topology() reads /sys/devices/system/cpu (online list, cpuN/nodeK links) through HostFs,
//   falls back to /sys/devices/system/node/nodeK/cpulist, and parses isolcpus=, nohz_full= and
//   rcu_nocbs= from /proc/cmdline (arguments after "--" belong to init and are ignored).
//   Unreadable or malformed items are recorded in `problems` (the checker prints them), never
//   thrown.
// - Cold path (host checker only); allocates; any thread.
#pragma once
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tools/check_host/host_fs.hpp"

namespace ichannel::check_host {

using CpuSet = std::set<unsigned>;

// "0-3,8" -> {0,1,2,3,8}. Empty or whitespace-only text is the empty set. Returns nullopt on
// anything else that is not a list of numbers and ascending ranges.
[[nodiscard]] std::optional<CpuSet> parse_cpu_list(std::string_view text);

// Kernel command-line form: leading flag words are skipped ("isolcpus=managed_irq,domain,2-5"),
// "all" means every cpu in `all_cpus` (rcu_nocbs=all). Returns nullopt when the list is malformed.
[[nodiscard]] std::optional<CpuSet> parse_kernel_cpu_list(std::string_view text,
                                                          const CpuSet& all_cpus);

// {0,1,2,3,8} -> "0-3,8"; the empty set -> "".
[[nodiscard]] std::string format_cpu_list(const CpuSet& cpus);

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
