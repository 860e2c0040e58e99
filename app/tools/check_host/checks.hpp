// checks.hpp: is this host fit to run ichannel-feed with this config? The checks, and the report
// they write: one verdict per item.
//
// Contract
// - A Verdict is OK, WARN or FAIL with a message and, for WARN/FAIL, how to fix it. It prints as
//   "OK   <message>", "WARN <message> -> <fix>" or "FAIL <message> -> <fix>" (a WARN without a
//   fix has no arrow). Operators grep for "^FAIL"; tests compare the exact lines.
//   Report::exit_status: 1 when any FAIL, else 0 (2, bad config, is decided by main before
//   checking).
// - check_host() reads the host through HostFs (so tests point it at a fake /proc + /sys + /etc
//   tree) and appends verdicts in a fixed order: kernel, cpu isolation, SMT siblings, frequency
//   governor, irqbalance and IRQ affinity, NUMA placement, NIC drivers (and IOMMU group),
//   hugepages, hugetlbfs mount and channel directory, transparent hugepages, systemd RemoveIPC,
//   memlock limit.
// - Each check_* function appends the verdicts of one item and is independent of the others.
// - Never throws for host problems: unreadable files become WARN/FAIL lines. Cold path; allocates.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "tools/check_host/config_usage.hpp"
#include "tools/check_host/host_fs.hpp"
#include "tools/check_host/topology.hpp"

namespace ichannel::check_host {

enum class Level { kOk, kWarn, kFail };

struct Verdict {
  Level level = Level::kOk;
  std::string message;
  std::string fix;  // empty for OK
};

class Report {
 public:
  void ok(std::string message) { verdicts_.push_back({Level::kOk, std::move(message), {}}); }
  void warn(std::string message, std::string fix = {}) {
    verdicts_.push_back({Level::kWarn, std::move(message), std::move(fix)});
  }
  void fail(std::string message, std::string fix) {
    verdicts_.push_back({Level::kFail, std::move(message), std::move(fix)});
  }
  [[nodiscard]] const std::vector<Verdict>& verdicts() const { return verdicts_; }
  [[nodiscard]] std::vector<std::string> lines() const;
  [[nodiscard]] int exit_status() const;

 private:
  std::vector<Verdict> verdicts_;
};

[[nodiscard]] std::string format_verdict(const Verdict& verdict);

struct CheckContext {
  const HostFs& fs;
  const ConfigUsage& usage;
  const Topology& topo;
};

void check_kernel(const CheckContext& ctx, Report& report);       // check_cpus.cpp
void check_isolation(const CheckContext& ctx, Report& report);    // check_cpus.cpp
void check_smt(const CheckContext& ctx, Report& report);          // check_cpus.cpp
void check_governor(const CheckContext& ctx, Report& report);     // check_cpus.cpp
void check_irqs(const CheckContext& ctx, Report& report);         // check_cpus.cpp
void check_numa(const CheckContext& ctx, Report& report);         // check_nic.cpp
void check_nic_drivers(const CheckContext& ctx, Report& report);  // check_nic.cpp
void check_hugepages(const CheckContext& ctx, Report& report);    // check_memory.cpp
void check_hugetlbfs(const CheckContext& ctx, Report& report);    // check_memory.cpp
void check_thp(const CheckContext& ctx, Report& report);          // check_memory.cpp
void check_remove_ipc(const CheckContext& ctx, Report& report);   // check_memory.cpp
void check_memlock(const CheckContext& ctx, Report& report);      // check_memory.cpp

// All of the above, in the order listed.
[[nodiscard]] Report check_host(const HostFs& fs, const config::Config& config,
                                const CpuSet& strategy_cores);

}  // namespace ichannel::check_host
