#pragma once
// `kiln diff` for people: a terminal summary (the worst tensors and the verdict) and one
// self-contained HTML page with the error along graph depth plotted for both models.
#include <string>

#include "diff/diff_result.h"

namespace kiln {

std::string diff_report_text(const DiffResult& result, size_t worst = 10);
std::string diff_report_html(const DiffResult& result, size_t worst = 20);
// The SVG plot alone: relative L2 error per compared tensor along the target's order, and each
// side's largest magnitude on the same axis of depth.
std::string diff_depth_plot_svg(const DiffResult& result);

}  // namespace kiln
