#pragma once
// A self-contained SVG chart of a bench report: one panel per (metric, batch size), a horizontal
// bar per model. Each panel has its own linear scale, since batch-1 and batch-64 latencies differ
// by ~50× and one shared axis would flatten the smaller ones. Hand-written SVG, no dependencies.
#include <string>

#include "bench/bench_result.h"

namespace kiln {

std::string bench_chart_svg(const BenchMeasurement& report);
// Escapes &, <, >, " and ' for XML text and attributes.
std::string xml_escape(const std::string& text);

}  // namespace kiln
