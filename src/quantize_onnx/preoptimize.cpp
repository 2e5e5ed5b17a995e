#include "quantize_onnx/preoptimize.h"

#include <cmath>

#include <fmt/format.h>

#include "common/error.h"
#include "onnx/model_io.h"
#include "optimize/optimizer.h"
#include "optimize/verify.h"

namespace kiln {

PreoptimizeRecord preoptimize_for_quantization(onnx::ModelProto& model, double rtol) {
  PreoptimizeRecord record;
  record.rtol = rtol;
  onnx::ModelProto rewritten = model;
  OptimizeResult result;
  try {
    result = optimize_model(rewritten, OptimizeOptions{});  // the default passes, to a fixed point
  } catch (const Error& e) {
    record.skipped_because = fmt::format("a pass failed: {}", first_line(e.what()));
    return record;
  }
  record.nodes_before = result.before.nodes;
  record.nodes_after = result.after.nodes;
  for (const auto& run : result.runs) {
    if (run.rewrites <= 0) continue;
    bool seen = false;
    for (auto& p : record.passes)
      if (p.name == run.pass) {
        p.rewrites += run.rewrites;
        seen = true;
      }
    if (!seen) record.passes.push_back({run.pass, run.rewrites});
  }
  if (record.passes.empty()) return record;  // nothing to do: the model is already optimized

  VerifyOptions vo;
  vo.rtol = rtol;
  VerifyResult diff;
  try {
    Verifier verifier(model, vo);
    diff = Verifier::compare(verifier.reference(), verifier.run(rewritten, "pre-optimized model"));
  } catch (const Error& e) {
    record.skipped_because =
        fmt::format("could not verify the rewritten model: {}", first_line(e.what()));
    return record;
  }
  record.max_rel = std::isfinite(diff.max_rel) ? diff.max_rel : -1;
  if (!diff.passed(rtol)) {
    record.skipped_because = fmt::format(
        "the rewritten model's outputs moved by {:.3g} (relative), more than {:.3g}; quantizing "
        "the "
        "model as given",
        diff.max_rel, rtol);
    return record;
  }
  record.applied = true;
  model = std::move(rewritten);
  return record;
}

}  // namespace kiln
