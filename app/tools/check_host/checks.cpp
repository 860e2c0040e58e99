// checks.cpp: the report's lines and exit status, and every check in the documented order
// (see checks.hpp).
#include "tools/check_host/checks.hpp"

#include <algorithm>

namespace ichannel::check_host {

std::string format_verdict(const Verdict& verdict) {
  std::string line;
  switch (verdict.level) {
    case Level::kOk:
      line = "OK   ";
      break;
    case Level::kWarn:
      line = "WARN ";
      break;
    case Level::kFail:
      line = "FAIL ";
      break;
  }
  line += verdict.message;
  if (verdict.level != Level::kOk && !verdict.fix.empty()) line += " -> " + verdict.fix;
  return line;
}

std::vector<std::string> Report::lines() const {
  std::vector<std::string> out;
  out.reserve(verdicts_.size());
  for (const auto& verdict : verdicts_) out.push_back(format_verdict(verdict));
  return out;
}

int Report::exit_status() const {
  const bool failed = std::any_of(verdicts_.begin(), verdicts_.end(),
                                  [](const Verdict& v) { return v.level == Level::kFail; });
  return failed ? 1 : 0;
}

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
