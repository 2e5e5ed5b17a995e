// export_and_validate MODEL.pt OUT.onnx ARTIFACT: kiln's export and validate in-process.
#include <cstdio>

#include <kiln/error.h>
#include <kiln/export.h>
#include <kiln/validate.h>

int main(int argc, char** argv) {
  if (argc != 4) return std::fprintf(stderr, "usage: %s MODEL.pt OUT.onnx ARTIFACT\n", argv[0]), 2;
  try {
    kiln::ExportOptions to_onnx;
    to_onnx.model = argv[1];
    to_onnx.out = argv[2];
    to_onnx.inputs = {kiln::parse_input_spec("input:float32:batch=1x1x28x28")};
    kiln::ExportResult exported = kiln::export_onnx(to_onnx);
    if (exported.onnx.empty() || exported.verification.empty()) return 1;
    std::printf("export: %d nodes, verified at %zu sizes\n", exported.nodes,
                exported.verification.size());

    kiln::ValidateResult validated = kiln::validate_artifact({.artifact = argv[3]});
    for (const kiln::CheckRecord& c : validated.checks)
      std::printf("validate: %s %s\n", c.passed ? "PASS" : "FAIL", c.check.c_str());
    return validated.passed && validated.find("hashes") != nullptr ? 0 : 1;
  } catch (const kiln::Error& e) {
    return std::fprintf(stderr, "error: %s\n", e.what()), 1;
  }
}
