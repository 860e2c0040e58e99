// daemon/control/supervisor.hpp: the run of ichannel-feed after its configuration was validated.
//
// Contract
// - run_daemon(config, plan, program) brings the appliance up in order - EAL (eal.hpp), lcore
//   check, ports (ports.hpp), channels (channels.hpp), RX loops (wiring.hpp), statistics segment
//   (statistics.hpp) - launches one RX loop per planned lcore and then, on the main lcore, runs a
//   statistics pass every statistics.interval_ms until SIGINT / SIGTERM. Then it stops the loops,
//   writes the final statistics (state stopped), prints a one-line summary on stdout
//   ("ichannel-feed stopped after ...") and returns 0. Teardown (loops, ports, EAL) runs on every
//   exit path.
// - Any failure after the configuration was accepted returns 1 with an error logged that names
//   what failed (EAL, port, channel, statistics segment, lcore launch). A failed start leaves no
//   dead channels: the files this run created are removed again (channel_files.hpp; never a
//   channel another live producer holds, never a file that replaced ours); the statistics
//   segment, if it was created, stays with state "failed". After a start that succeeded,
//   channels and the statistics segment stay on disk after exit (receivers see a dead producer).
// - While running, checks about once a second that every channel path is still the daemon's
//   file: a channel replaced or removed behind its back is logged (warn) once and shown in the
//   statistics (ChannelStats::file_state, ichannel_channel_file_state).
// - Prints and logs "ichannel-feed ready: ..." once everything runs (tests and tools wait for it).
// - Call once per process, from main, after setup_logging().
#pragma once

#include "config/config.hpp"
#include "daemon/control/plan.hpp"

namespace ichannel::daemon {

[[nodiscard]] int run_daemon(const config::Config& config, const Plan& plan, const char* program);

// Installs SIGINT / SIGTERM handlers that request a clean stop (async-signal-safe flag).
void install_stop_signals() noexcept;

}  // namespace ichannel::daemon
