#include "tiny_artifact.h"

#include <onnxruntime_cxx_api.h>

#include "artifact/artifact_layout.h"
#include "artifact/io_signature.h"
#include "artifact/metadata.h"
#include "artifact/sha256.h"
#include "common/atomic_file.h"
#include "onnx/model_io.h"
#include "onnx_builders.h"
#include "tensor/host_tensor.h"

namespace fs = std::filesystem;

namespace kiln::test {

namespace {

const char* const kGoldenInput = "test_data_set_0/input_0.pb";
const char* const kGoldenOutput = "test_data_set_0/output_0.pb";

onnx::ModelProto tiny_model() {
  ModelBuilder b(17, 8);
  b.input("x", DType::Float32, {-1, 4}).output("y", DType::Float32, {-1, 3});
  b.initializer(random_tensor("W", DType::Float32, {3, 4}, 1));
  b.initializer(random_tensor("b", DType::Float32, {3}, 2));
  auto& gemm = b.node("Gemm", {"x", "W", "b"}, {"h"});
  add_int(gemm, "transB", 1);
  b.node("Relu", {"h"}, {"y"});
  return b.model();
}

}  // namespace

void write_tiny_artifact(const fs::path& dir) {
  fs::create_directories(dir / "test_data_set_0");
  onnx::ModelProto model = tiny_model();
  save_model(model, dir / artifact::kModelFile);
  HostTensor x = random_tensor("x", DType::Float32, {2, 4}, 3);
  HostTensor y = run_model(model, {x})[0];
  y.name = "y";
  write_tensor_pb(x, dir / kGoldenInput);
  write_tensor_pb(y, dir / kGoldenOutput);
  nlohmann::json files = nlohmann::json::object();
  for (const char* f : {artifact::kModelFile, kGoldenInput, kGoldenOutput})
    files[f] = sha256_file(dir / f);
  nlohmann::json m = {
      {"schema_version", artifact::kSchemaVersion},
      {"model_name", "tiny"},
      {"version", "1.0.0"},
      {"opset", 17},
      {"precision", "fp32"},
      {"optimization", nlohmann::json::array({"eliminate_deadend"})},
      {"runtime", std::string("onnxruntime ") + Ort::GetVersionString()},
      {"latency_ms", 0.01},
      {"accuracy_drop", nullptr},
      {"equivalence", {{"metric", "mean_abs_error"}, {"bound", 1e-5}, {"measured", 0.0}}},
      {"inputs", io_signature(model.graph().input())},
      {"outputs", io_signature(model.graph().output())},
      {"files", files},
      {"kiln_version", KILN_VERSION},
      {"created", "2026-01-01T00:00:00Z"}};
  write_file_atomic(dir / artifact::kMetadataFile, metadata_to_yaml(m));
}

void rehash_artifact_file(const fs::path& dir, const std::string& file) {
  fs::path meta_path = dir / artifact::kMetadataFile;
  nlohmann::json m = parse_metadata_yaml(read_file(meta_path), meta_path.string());
  m["files"][file] = sha256_file(dir / file);
  write_file_atomic(meta_path, metadata_to_yaml(m));
}

}  // namespace kiln::test
