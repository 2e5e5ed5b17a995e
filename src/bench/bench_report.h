#pragma once
// Renders a bench result (run_bench's measurement plus settings, machine and sgemm facts) as
// Markdown, plain text, CSV or HTML. Every number printed is read from the result.
#include <string>

#include "bench/bench_result.h"
#include "common/table.h"

namespace kiln {

// The seminar's table: Model, Batch, Size (MB), Latency (ms, p50), Throughput (req/s), Δ Accuracy.
// One request is one sample: req/s = batch × 1000 / mean latency.
Table seminar_table(const BenchMeasurement& report);
// p50, p90, p99, mean, min, max, std, CV, calls/s, samples/s, GFLOP/s, % of sgemm.
Table statistics_table(const BenchResult& report);

// `chart` is Markdown placed under "## Chart" (an image link or inline SVG); empty: no section.
std::string bench_markdown(const BenchResult& report, const std::string& chart);
std::string bench_text(const BenchResult& report);
std::string bench_csv(const BenchResult& report);
std::string bench_html(const BenchResult& report);  // the Markdown's content with inline SVG

// RFC 4180 quoting: fields with a comma, quote or newline are quoted, quotes doubled.
std::string csv_field(const std::string& text);

}  // namespace kiln
