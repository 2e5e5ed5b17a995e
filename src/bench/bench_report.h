#pragma once
// Renders a bench report (the JSON from run_bench plus settings, machine and sgemm facts) as
// Markdown, plain text, CSV or HTML. Every number printed is read from the JSON.
#include <string>

#include <nlohmann/json.hpp>

#include "common/table.h"

namespace kiln {

// The seminar's table: Model, Batch, Size (MB), Latency (ms, p50), Throughput (req/s), Δ Accuracy.
// One request is one sample: req/s = batch × 1000 / mean latency.
Table seminar_table(const nlohmann::json& report);
// p50, p90, p99, mean, min, max, std, CV, calls/s, samples/s, GFLOP/s, % of sgemm.
Table statistics_table(const nlohmann::json& report);

// `chart` is Markdown placed under "## Chart" (an image link or inline SVG); empty: no section.
std::string bench_markdown(const nlohmann::json& report, const std::string& chart);
std::string bench_text(const nlohmann::json& report);
std::string bench_csv(const nlohmann::json& report);
std::string bench_html(const nlohmann::json& report);  // the Markdown's content with inline SVG

// RFC 4180 quoting: fields with a comma, quote or newline are quoted, quotes doubled.
std::string csv_field(const std::string& text);

}  // namespace kiln
