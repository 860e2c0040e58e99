// daemon/control/wiring.hpp: builds the RX loops (datapath/loop_state.hpp) from the config and
// the plan, on the main lcore before any loop runs.
//
// Contract
// - configure_pipeline fills one loop's Pipeline: per feed the plan gives the loop, an ItchFeed
//   with one Fanout output per route tick channel (outputs.ticks[i] is the Sender of
//   Config::channels[i], nullptr for channels this loop does not write), for a feed with books
//   its BookStage (outputs.tables[f]) with one output per route top-of-book channel
//   (outputs.tops[i]), and the router entries of its lines.
// - build_loops makes one RxLoop per planned loop: its port queues (port_ids[i] is the DPDK port
//   id of Config::ports[i]), its channels, a copy of the clock, the stop flag, the pipeline, and
//   a RecoveryLink when one of its feeds has a re-request server (rerequest_targets lists them
//   for the control thread's RerequestClient).
// - The config was validated and the plan derived from it, so nothing here should fail; the
//   error strings ("" on success) name the key that would not fit if an invariant were broken.
// - Cold path: allocates (512 KiB symbol table per feed, 64 KiB per filter). No DPDK.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "daemon/control/channels.hpp"
#include "daemon/control/plan.hpp"
#include "daemon/control/rerequest_client.hpp"
#include "daemon/datapath/loop_state.hpp"

namespace ichannel::daemon {

// LineStats index of every feed's lines: feeds in config order, A then B when present.
[[nodiscard]] std::vector<std::array<int, 2>> line_stats_indices(const config::Config& config);

// The sequencer knobs of a feed (feeds[].arbitration and .recovery) in the feed layer's units.
[[nodiscard]] feed::mold::SequencerConfig sequencer_config(const config::Feed& feed);

// What a loop's pipeline publishes into, by config index (nullptr: not this loop's, or not that
// kind): tick senders and top-of-book senders per Config::channels entry, book tables per
// Config::feeds entry.
struct PipelineOutputs {
  PipelineOutputs(std::span<TickSender* const> t, std::span<TopSender* const> o = {},
                  std::span<BookTableWriter* const> b = {})
      : ticks(t), tops(o), tables(b) {}
  std::span<TickSender* const> ticks;
  std::span<TopSender* const> tops;
  std::span<BookTableWriter* const> tables;
};

// The books of a feed (feeds[].books) in the book layer's units.
[[nodiscard]] book::BookLimits book_limits(const config::Books& books);

// `recovery`: the loop's RecoveryLink (nullptr when none of its feeds has a re-request server).
// A feed with books gets its BookStage (the table of outputs.tables, its top-of-book routes).
[[nodiscard]] std::string configure_pipeline(RxPipeline& pipeline, const config::Config& config,
                                             const Plan& plan, std::size_t loop,
                                             const PipelineOutputs& outputs,
                                             std::span<const std::array<int, 2>> line_stats,
                                             RecoveryLink* recovery = nullptr);

// One target per feed with a re-request server: its loop's link, its slot there, the addresses.
[[nodiscard]] std::vector<RerequestTarget> rerequest_targets(
    const config::Config& config, const Plan& plan,
    std::span<const std::unique_ptr<RxLoop>> loops);

[[nodiscard]] std::string build_loops(
    const config::Config& config, const Plan& plan, std::span<const std::uint16_t> port_ids,
    const Segments& segments, const TscClock& clock, const std::atomic<bool>* stop,
    std::vector<std::unique_ptr<RxLoop>>& loops);

}  // namespace ichannel::daemon
