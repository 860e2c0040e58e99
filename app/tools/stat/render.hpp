// stat/render.hpp: the three renderings of a StatView: a `top`-like text screen, one JSON object,
// and Prometheus text exposition format (version 0.0.4) for node_exporter's textfile collector or
// a /metrics endpoint.
//
// Contract
// - Pure functions of the StatView (no clock, no I/O): tests feed synthetic views.
// - Cold path; allocate.
// - Prometheus metric names are a stable interface, documented in docs/operations.md and in
//   docs/architecture.md; counters end in _total, ages/durations are seconds, every family has
//   # HELP and # TYPE once, label values are escaped.
#pragma once

#include <string>

#include "stat/stat_view.hpp"

namespace ichannel::tools {

std::string render_text(const StatView& v);
std::string render_json(const StatView& v);
std::string render_prometheus(const StatView& v);

// Escapes a Prometheus label value: backslash, double quote and newline.
std::string prometheus_escape(std::string_view s);

}  // namespace ichannel::tools
