#pragma once
// The artifact folder (seminar task 5), shared by pack and validate:
//   model_opt.onnx, metadata.yaml, validate.py, README.md (model card),
//   test_data_set_N/{input_0.pb, output_0.pb} — golden inputs and reference outputs (ONNX layout).
namespace kiln::artifact {

inline constexpr const char* kModelFile = "model_opt.onnx";
inline constexpr const char* kMetadataFile = "metadata.yaml";
inline constexpr const char* kValidateScript = "validate.py";
inline constexpr const char* kModelCard = "README.md";
inline constexpr const char* kGoldenPrefix = "test_data_set_";
inline constexpr int kSchemaVersion = 1;

}  // namespace kiln::artifact
