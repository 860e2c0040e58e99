// cli.hpp: ichannel-check-host's program logic behind the argument parser (main.cpp is thin).
//
// Contract
// - run_check_host loads and validates the config, checks the host below `root` and writes one
//   verdict line per item to `out`, then a summary line. Config and argument errors go to `err`.
// - Returns the process exit status: 0 fit, 1 any FAIL, 2 bad config or bad arguments.
// - Cold path; allocates; not thread-safe (the config loader uses getgrnam).
#pragma once

#include <ostream>
#include <string>

namespace ichannel::check_host {

inline constexpr int kExitFit = 0;
inline constexpr int kExitUnfit = 1;
inline constexpr int kExitBadConfig = 2;

struct CliOptions {
  std::string config_path;
  std::string strategy_cores;  // cpu list text, e.g. "2,3" or "4-7"; may be empty
  std::string root = "/";
};

[[nodiscard]] int run_check_host(const CliOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ichannel::check_host
