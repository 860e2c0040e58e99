// app/daemon/daemon.hpp: the run of ichannel-feed after its configuration was validated.
//
// Contract
// - run_daemon(config, plan, program) initialises the EAL from the config, sets up the ports,
//   creates the channels (ProducerChannel<Tick>) and the statistics segment, launches one RX
//   loop per planned lcore and then, on the main lcore, publishes statistics every
//   statistics.interval_ms until SIGINT / SIGTERM. Then it stops the loops, writes the final
//   statistics (state stopped), prints a one-line summary on stdout and returns 0.
// - Any failure after the configuration was accepted returns 1 with an error logged that names
//   what failed (EAL, port, channel, statistics segment, lcore launch). Channels and the
//   statistics segment stay on disk after exit (receivers see a stale heartbeat).
// - Logs "ichannel-feed ready: ..." once everything runs (tests and tools wait for it).
// - Call once per process, from main, after setup_logging().
#pragma once

#include "config.hpp"
#include "plan.hpp"

namespace ichannel::daemon {

[[nodiscard]] int run_daemon(const config::Config& config, const Plan& plan, const char* program);

// Installs SIGINT / SIGTERM handlers that request a clean stop (async-signal-safe flag).
void install_stop_signals() noexcept;

}  // namespace ichannel::daemon
