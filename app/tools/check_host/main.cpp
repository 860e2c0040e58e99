// main.cpp: ichannel-check-host, is this host fit to run ichannel-feed with this config?
// Argument parsing only; the logic is in cli.cpp and the check_*.cpp files.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli.hpp"

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
