// daemon/control/main.cpp: ichannel-feed command line.
//
//   ichannel-feed --config FILE [--check]
//
// Exit status: 0 clean stop (or --check passed), 2 configuration or usage error (every error is
// printed as FILE:LINE:COL: KEY: REASON and nothing is created), 1 runtime error.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <string>

#include "config/load.hpp"
#include "daemon/control/logging.hpp"
#include "daemon/control/plan.hpp"
#include "daemon/control/supervisor.hpp"

#ifndef ICHANNEL_VERSION
#define ICHANNEL_VERSION "dev"
#endif

int main(int argc, char** argv) {
  using namespace ichannel;
  CLI::App app{"ichannel-feed: DPDK market-data receiver, decoder and shared-memory fan-out"};
  std::string config_path;
  bool check = false;
  app.add_option("-c,--config", config_path, "YAML configuration file")->required();
  app.add_flag("--check", check, "validate the configuration only (exit 0 or 2)");
  app.set_version_flag("--version", std::string("ichannel-feed ") + ICHANNEL_VERSION);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  const config::LoadResult loaded = config::load_file(config_path);
  if (!loaded.ok()) {
    for (const config::LoadError& e : loaded.errors) std::cerr << e.message() << '\n';
    std::cerr << "ichannel-feed: " << loaded.errors.size()
              << " configuration error(s); nothing was started\n";
    return 2;
  }
  const config::Config& config = *loaded.config;
  if (check) {
    std::cout << config_path << ": configuration OK\n";
    return 0;
  }

  if (std::string e =
          daemon::setup_logging(config.logging, static_cast<int>(config.eal.main_lcore));
      !e.empty()) {
    std::cerr << "ichannel-feed: error: " << e << '\n';
    return 1;
  }
  const daemon::Plan plan = daemon::make_plan(config);
  daemon::install_stop_signals();
  const int rc = daemon::run_daemon(config, plan, argv[0]);
  daemon::shutdown_logging();
  return rc;
}
