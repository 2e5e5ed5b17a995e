#pragma once
// REPORT.md and report.html of a pipeline run: the seminar's five sections, built from the
// stages' typed records, with observations whose every number comes from those files.
#include <filesystem>

#include "pipeline/pipeline.h"

namespace kiln {

void write_pipeline_report(const std::filesystem::path& root, const PipelineResult& summary);

}  // namespace kiln
