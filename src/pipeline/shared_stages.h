#pragma once
// Stages both pipelines run the same way (the seminar's, pipeline.cpp, and the one on a user's
// model, user_model_stages.cpp): one definition each, so their records and summaries agree.
#include <filesystem>

#include "artifact/validate.h"
#include "pipeline/stage.h"

namespace kiln {

// 06_optimize: kiln's default passes on `model_onnx`, verified; model_opt.onnx and its report.
Stage optimize_stage(const std::filesystem::path& model_onnx, const std::filesystem::path& root);

// 09_validate: the packed artifact checked as CI would; a failed check fails the run.
Stage validate_stage(const ValidateOptions& options);

}  // namespace kiln
