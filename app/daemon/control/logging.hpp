// daemon/control/logging.hpp: spdlog setup of ichannel-feed from config::Logging (cold path).
//
// Contract
// - setup_logging(cfg, cpu) installs the default spdlog logger: stderr (colour when a tty) or
//   the file cfg.file (appended; created 0640 if missing; opened O_NOFOLLOW | O_NONBLOCK, only
//   a regular file; its directory is never created - the validator reports a missing one),
//   level cfg.level, pattern "[time] [level] message", flush on
//   warn and above. cfg.async: an async logger whose single worker thread is pinned to `cpu`
//   (the main lcore: never an isolated RX core); cpu < 0 leaves it unpinned.
// - Returns "" or an error message (e.g. the log file cannot be opened). Call once, from main,
//   before anything logs; shutdown_logging() flushes and stops the worker at exit.
// - RX loops never log (hot path); only the main lcore does.
#pragma once

#include <string>

#include "config/config.hpp"

namespace ichannel::daemon {

[[nodiscard]] std::string setup_logging(const config::Logging& cfg, int cpu);

// Starts the once-a-second flush thread; call after rte_eal_init so it inherits the main
// lcore's affinity.
void start_periodic_flush();

void shutdown_logging() noexcept;

}  // namespace ichannel::daemon
