#pragma once
// REPORT.md and report.html of a pipeline run: the seminar's five sections, built from the
// stages' own JSON files, with observations whose every number comes from those files.
#include <filesystem>

#include <nlohmann/json.hpp>

namespace kiln {

void write_pipeline_report(const std::filesystem::path& root, const nlohmann::json& summary);

}  // namespace kiln
