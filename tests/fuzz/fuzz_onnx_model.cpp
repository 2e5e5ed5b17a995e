// libFuzzer target: bytes → ONNX model loading, the untrusted-model checks, the ONNX checker and
// every optimizer pass (fixed point, checked after each rewrite). Any exception other than
// kiln::Error, any sanitizer report, hang or leak is a finding.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/error.h"
#include "onnx/model_io.h"
#include "onnx/untrusted_model.h"
#include "optimize/optimizer.h"
#include "optimize/registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    onnx::ModelProto model = kiln::parse_model(bytes, "fuzz.onnx");
    kiln::check_untrusted_model(model, std::nullopt, "fuzz.onnx");
    kiln::check_model(model, /*full_check=*/false, "fuzz.onnx");
    kiln::OptimizeOptions options;
    options.passes = kiln::all_pass_names();
    options.max_iterations = 4;
    kiln::optimize_model(model, options);
  } catch (const kiln::Error&) {
    // A one-line refusal is the expected outcome for most inputs.
  }
  return 0;
}
