#include "pipeline/shared_stages.h"

#include <fmt/format.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "optimize/optimize_file.h"
#include "pipeline/pipeline_files.h"

namespace fs = std::filesystem;

namespace kiln {

namespace f = pipeline_files;

Stage optimize_stage(const fs::path& model_onnx, const fs::path& root) {
  OptimizeFileOptions optimize;
  optimize.input = model_onnx;
  optimize.output = root / f::kOptimize / f::kOptOnnx;
  optimize.report = root / f::kOptimize / f::kOptimizeReport;
  return make_stage<OptimizeFileOptions>(
      f::kOptimize, optimize, {model_onnx}, {f::kOptOnnx, f::kOptimizeReport},
      [](OptimizeFileOptions op, const fs::path& dir) {
        StagingDir stage(dir);
        op.output = stage.path(f::kOptOnnx);
        op.report = stage.path(f::kOptimizeReport);
        optimize_file(op);
        stage.commit();
      },
      [](const fs::path& dir) {
        auto r = read_record<OptimizeFileResult>(dir / f::kOptimizeReport);
        return fmt::format("nodes {} → {}", r.before.nodes, r.after.nodes);
      });
}

Stage validate_stage(const ValidateOptions& options) {
  return make_stage<ValidateOptions>(
      f::kValidate, options, {options.artifact / "metadata.yaml"}, {f::kValidateReport},
      [](const ValidateOptions& v, const fs::path& dir) {
        fs::create_directories(dir);
        ValidateResult r = validate_artifact(v);
        write_file_atomic(dir / f::kValidateReport, record_text(r));
        if (!r.passed)
          throw Error(fmt::format("artifact_v1 failed validation: {}", r.failures.empty() ? "?" : r.failures[0]));
      },
      [](const fs::path& dir) {
        auto r = read_record<ValidateResult>(dir / f::kValidateReport);
        return fmt::format("{} checks, {}", r.checks.size(), r.passed ? "all passed" : "FAILED");
      });
}

}  // namespace kiln
