// tap/tap_summary.cpp: see tap_summary.hpp.
#include "tap/tap_summary.hpp"

#include <fmt/format.h>

#include "tap/tick_text.hpp"

namespace ichannel::tools {

std::string render_summary_json(const TapSummary& s) {
  std::string actions;
  if (s.digest != nullptr) {
    for (std::size_t i = 0; i < kActionCount; ++i) {
      if (!actions.empty()) actions += ',';
      actions += fmt::format("\"{}\":{}", kActionNames[i], s.digest->per_action()[i]);
    }
  }
  std::string latency = "{}";
  if (s.latency != nullptr) {
    const LatencyHistogram& h = *s.latency;
    latency = fmt::format(
        "{{\"count\":{},\"min\":{},\"p50\":{},\"p99\":{},\"p999\":{},\"max\":{},\"mean\":{:.1f}}}",
        h.count(), h.min(), h.percentile(0.50), h.percentile(0.99), h.percentile(0.999), h.max(),
        h.mean());
  }
  std::string kind = "\"actions\":{" + actions + "}";
  std::uint64_t checksum = s.digest != nullptr ? s.digest->checksum() : TickDigest::kFnvOffset;
  std::uint32_t instruments = s.digest != nullptr ? s.digest->distinct_instruments() : 0;
  if (s.tops != nullptr) {
    kind = "\"payload\":\"top_of_book\",\"changes\":{";
    for (std::size_t b = 0; b < kTopChangeNames.size(); ++b) {
      kind += fmt::format("{}\"{}\":{}", b == 0 ? "" : ",", kTopChangeNames[b],
                          s.tops->per_change()[b]);
    }
    kind += "}";
    checksum = s.tops->checksum();
    instruments = s.tops->distinct_instruments();
  }
  return fmt::format(
      "{{\"channel\":\"{}\",\"messages\":{},\"lost\":{},\"checksum\":\"{:016x}\","
      "\"instruments\":{},{},\"latency_ns\":{},\"epoch\":{},\"restarts\":{},"
      "\"stale_events\":{},\"dead_events\":{},\"gone_events\":{},\"duration_s\":{:.3f},\"exit\":\"{}\"}}",
      json_escape(s.channel), s.messages, s.lost, checksum, instruments, kind, latency, s.epoch,
      s.restarts, s.stale_events, s.dead_events, s.gone_events, s.duration_s, json_escape(s.exit_reason));
}

std::string render_progress_line(const TapSummary& s, double rate_per_s) {
  std::uint64_t p50 = 0, p99 = 0;
  if (s.latency != nullptr) {
    p50 = s.latency->percentile(0.50);
    p99 = s.latency->percentile(0.99);
  }
  return fmt::format("{}: msgs={} rate={:.0f}/s lost={} restarts={} p50={}ns p99={}ns", s.channel,
                     s.messages, rate_per_s, s.lost, s.restarts, p50, p99);
}

}  // namespace ichannel::tools
