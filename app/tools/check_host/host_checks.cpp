// host_checks.cpp: runs every check in the documented order (see host_checks.hpp).
#include "host_checks.hpp"

namespace ichannel::check_host {

Report check_host(const HostFs& fs, const config::Config& config, const CpuSet& strategy_cores) {
  const ConfigUsage usage = derive_usage(config, strategy_cores);
  const Topology topo = read_topology(fs);
  const CheckContext ctx{fs, usage, topo};
  Report report;
  check_kernel(ctx, report);
  check_isolation(ctx, report);
  check_smt(ctx, report);
  check_governor(ctx, report);
  check_irqs(ctx, report);
  check_numa(ctx, report);
  check_nic_drivers(ctx, report);
  check_hugepages(ctx, report);
  check_hugetlbfs(ctx, report);
  check_thp(ctx, report);
  check_remove_ipc(ctx, report);
  check_memlock(ctx, report);
  return report;
}

}  // namespace ichannel::check_host
