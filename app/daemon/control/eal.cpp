// daemon/control/eal.cpp: see eal.hpp.
#include "daemon/control/eal.hpp"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <spdlog/spdlog.h>

#include "daemon/control/eal_args.hpp"

namespace ichannel::daemon {

std::string init_eal(const config::Config& config, const char* program,
                     std::vector<std::string>& args) {
  args = build_eal_args(config, program);
  std::string joined;
  for (const std::string& a : args) joined += (joined.empty() ? "" : " ") + a;
  spdlog::info("EAL arguments: {}", joined);
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(argv.size() - 1), argv.data()) < 0) {
    return std::string("rte_eal_init failed: ") + rte_strerror(rte_errno) +
           " (see the EAL messages above; arguments: " + joined + ")";
  }
  return {};
}

std::string check_lcores(const Plan& plan) {
  for (const LoopPlan& lp : plan.loops) {
    if (lp.lcore >= RTE_MAX_LCORE || !rte_lcore_is_enabled(lp.lcore)) {
      return "cores: lcore " + std::to_string(lp.lcore) + " is not enabled in the EAL";
    }
    if (lp.lcore == rte_get_main_lcore()) {
      return "cores: lcore " + std::to_string(lp.lcore) +
             " is the main lcore; RX loops need their own lcores";
    }
  }
  return {};
}

}  // namespace ichannel::daemon
