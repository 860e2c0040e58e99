// tap/tap_summary.hpp: the one-line JSON summary ichannel-tap prints at exit (for scripts).
//
// Contract
// - Cold path; allocates. The JSON keys are a stable interface used by tests/e2e and deploy/demo:
//   {"channel","messages","lost","checksum" (hex string),"instruments","actions":{name:count},
//    "latency_ns":{"count","min","p50","p99","p999","max","mean"},"epoch","restarts","stale_events",
//    "dead_events","gone_events","duration_s","exit":"messages|duration|idle|signal|gone"}
//   A top-of-book channel (tops set): "payload":"top_of_book", "changes":{bid,ask,status,mark,
//   reset} instead of "actions", checksum and instruments from the TopDigest.
#pragma once

#include <cstdint>
#include <string>

#include "tap/latency_histogram.hpp"
#include "tap/tick_digest.hpp"
#include "tap/top_text.hpp"

namespace ichannel::tools {

struct TapSummary {
  std::string channel;
  std::uint64_t messages = 0;      // ticks received (== digest.total())
  std::uint64_t lost = 0;          // not delivered: Receiver::lost() + skipped() (cumulative)
  std::uint64_t epoch = 0;         // producer epoch at exit
  std::uint64_t restarts = 0;      // producer re-creations observed (epoch changes)
  std::uint64_t stale_events = 0;  // transitions into "heartbeat stale" (alive, silent)
  std::uint64_t dead_events = 0;   // transitions into "producer dead" (its lock is free)
  std::uint64_t gone_events = 0;   // times the channel file disappeared
  double duration_s = 0;
  std::string exit_reason;
  const TickDigest* digest = nullptr;  // a tick channel
  const TopDigest* tops = nullptr;     // a top-of-book channel
  const LatencyHistogram* latency = nullptr;
};

std::string render_summary_json(const TapSummary& s);

// Short human progress line: "msgs=… rate=…/s lost=… p50=…ns p99=…ns".
std::string render_progress_line(const TapSummary& s, double rate_per_s);

}  // namespace ichannel::tools
