// app/tools/stat/render.hpp: the three renderings of a StatView: a `top`-like text screen, one JSON
// object, and Prometheus text exposition format (version 0.0.4) for node_exporter's textfile
// collector or a /metrics endpoint.
//
// Contract
// - Pure functions of the StatView (no clock, no I/O): tests feed synthetic views.
// - Cold path; allocate.
// - Prometheus metric names are a stable interface, documented in docs/operations.md and in
//   docs/architecture.md; the daemon's families are rendered by app/stats/prometheus.hpp; counters
//   end in _total, ages/durations are seconds, every family has # HELP and # TYPE once, label
//   values are escaped.
#pragma once

#include <string>

#include "tools/stat/stat_view.hpp"

namespace ichannel::tools {

std::string render_text(const StatView& v);
std::string render_json(const StatView& v);
// The channel-file families, then the daemon's (stats::append_prometheus, app/stats).
std::string render_prometheus(const StatView& v);

}  // namespace ichannel::tools
