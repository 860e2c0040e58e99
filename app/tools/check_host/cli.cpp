// cli.cpp: see cli.hpp.
#include "cli.hpp"

#include <filesystem>
#include <system_error>

#include "host_checks.hpp"
#include "load.hpp"

namespace ichannel::check_host {

int run_check_host(const CliOptions& options, std::ostream& out, std::ostream& err) {
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

}  // namespace ichannel::check_host
