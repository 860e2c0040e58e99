// main.cpp: ichannel-check-host, is this host fit to run ichannel-feed with this config?
//
// Contract
// - Loads and validates the config, checks the host below --root (checks.hpp) and writes one
//   verdict line per item to stdout, then a summary line. Config and argument errors go to
//   stderr.
// - Exit status: 0 fit, 1 any FAIL, 2 bad config or bad arguments.
// - Cold path; allocates; one thread (the config loader uses getgrnam).
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>
#include <ostream>
#include <string>
#include <system_error>

#include "config/load.hpp"
#include "tools/check_host/checks.hpp"

namespace ichannel::check_host {
namespace {

constexpr int kExitFit = 0;
constexpr int kExitUnfit = 1;
constexpr int kExitBadConfig = 2;

struct CliOptions {
  std::string config_path;
  std::string strategy_cores;  // cpu list text, e.g. "2,3" or "4-7"; may be empty
  std::string root = "/";
};

[[nodiscard]] int run_check_host(const CliOptions& options, std::ostream& out, std::ostream& err) {
  const auto strategy = parse_cpu_list(options.strategy_cores);
  if (!strategy) {
    err << "ichannel-check-host: --strategy-cores '" << options.strategy_cores
        << "' is not a cpu list (e.g. 2,3 or 4-7)\n";
    return kExitBadConfig;
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(options.root, ec)) {
    err << "ichannel-check-host: --root '" << options.root << "' is not a directory\n";
    return kExitBadConfig;
  }
  const auto loaded = config::load_file(options.config_path);
  if (!loaded.ok()) {
    for (const auto& error : loaded.errors) err << error.message() << '\n';
    err << "ichannel-check-host: " << loaded.errors.size() << " error(s) in the config\n";
    return kExitBadConfig;
  }
  const Report report = check_host(HostFs(options.root), *loaded.config, *strategy);
  int fails = 0;
  int warns = 0;
  for (const auto& verdict : report.verdicts()) {
    out << format_verdict(verdict) << '\n';
    fails += verdict.level == Level::kFail;
    warns += verdict.level == Level::kWarn;
  }
  out << (fails == 0 ? "host fit" : "host NOT fit") << ": " << fails << " FAIL, " << warns
      << " WARN, " << (report.verdicts().size() - fails - warns) << " OK\n";
  return report.exit_status();
}

}  // namespace
}  // namespace ichannel::check_host

int main(int argc, char** argv) {
  using namespace ichannel::check_host;
  CLI::App app{
      "ichannel-check-host: checks cpu isolation, NUMA placement, hugepages, governors, IRQs, "
      "RemoveIPC, memlock, kernel and NIC drivers against an ichannel-feed config.\n"
      "Exit status: 0 fit, 1 any FAIL, 2 bad config or arguments."};
  CliOptions options;
  app.add_option("--config", options.config_path, "ichannel-feed YAML config")->required();
  app.add_option("--strategy-cores", options.strategy_cores,
                 "cpus the strategy processes are pinned to, e.g. 4,5 or 4-7");
  app.add_option("--root", options.root,
                 "prefix of every /proc, /sys, /etc and channel path (fake trees in tests)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kExitBadConfig;
  }
  return run_check_host(options, std::cout, std::cerr);
}
