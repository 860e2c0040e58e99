// host_checks.hpp: is this host fit to run ichannel-feed with this config? One verdict per item.
//
// Contract
// - check_host() reads the host through HostFs (so tests point it at a fake /proc + /sys + /etc
//   tree) and appends verdicts in a fixed order: kernel, cpu isolation, SMT siblings, frequency
//   governor, irqbalance and IRQ affinity, NUMA placement, NIC drivers (and IOMMU group),
//   hugepages, hugetlbfs mount and channel directory, transparent hugepages, systemd RemoveIPC,
//   memlock limit.
// - Each check_* function appends the verdicts of one item and is independent of the others.
// - Never throws for host problems: unreadable files become WARN/FAIL lines. Cold path.
#pragma once

#include "config.hpp"
#include "config_usage.hpp"
#include "cpu_list.hpp"
#include "host_fs.hpp"
#include "host_topology.hpp"
#include "verdict.hpp"

namespace ichannel::check_host {

struct CheckContext {
  const HostFs& fs;
  const ConfigUsage& usage;
  const Topology& topo;
};

void check_kernel(const CheckContext& ctx, Report& report);       // check_kernel.cpp
void check_isolation(const CheckContext& ctx, Report& report);    // check_cpus.cpp
void check_smt(const CheckContext& ctx, Report& report);          // check_cpus.cpp
void check_governor(const CheckContext& ctx, Report& report);     // check_cpus.cpp
void check_irqs(const CheckContext& ctx, Report& report);         // check_irqs.cpp
void check_numa(const CheckContext& ctx, Report& report);         // check_numa.cpp
void check_nic_drivers(const CheckContext& ctx, Report& report);  // check_nic.cpp
void check_hugepages(const CheckContext& ctx, Report& report);    // check_hugepages.cpp
void check_hugetlbfs(const CheckContext& ctx, Report& report);    // check_hugepages.cpp
void check_thp(const CheckContext& ctx, Report& report);          // check_memory.cpp
void check_remove_ipc(const CheckContext& ctx, Report& report);   // check_memory.cpp
void check_memlock(const CheckContext& ctx, Report& report);      // check_memory.cpp

// All of the above, in the order listed.
[[nodiscard]] Report check_host(const HostFs& fs, const config::Config& config,
                                const CpuSet& strategy_cores);

}  // namespace ichannel::check_host
