// daemon/control/eal.hpp: DPDK EAL start-up of ichannel-feed (cold path, main lcore).
//
// Contract
// - init_eal(config, program, args) builds the EAL argv (eal_args.hpp) into `args`, which the
//   caller keeps alive for the process lifetime, logs it, and runs rte_eal_init. Returns "" or
//   the error naming the arguments (DPDK printed its own messages above it).
// - check_lcores(plan) after init: every planned RX loop's lcore is enabled in the EAL and is not
//   the main lcore. Returns "" or an error naming the lcore.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "daemon/control/plan.hpp"

namespace ichannel::daemon {

[[nodiscard]] std::string init_eal(const config::Config& config, const char* program,
                                   std::vector<std::string>& args);

[[nodiscard]] std::string check_lcores(const Plan& plan);

}  // namespace ichannel::daemon
