#pragma once
// Where each pipeline stage lives under the run folder and the records it leaves there: named
// once, used by the stage list (pipeline.cpp) and the report (pipeline_report.cpp).
namespace kiln::pipeline_files {

inline constexpr const char* kTrain = "01_train";
inline constexpr const char* kFreeze = "02_freeze";
inline constexpr const char* kBranchStudy = "02_branch_study";
inline constexpr const char* kPrecision = "03_precision";
inline constexpr const char* kExport = "04_export";
inline constexpr const char* kCompare = "05_compare";
inline constexpr const char* kOptimize = "06_optimize";
inline constexpr const char* kQuantizeStatic = "06_quantize_static";
inline constexpr const char* kConvertFp16 = "06_convert_fp16";
inline constexpr const char* kDiffInt8 = "06_diff_int8";
inline constexpr const char* kBench = "07_bench";
inline constexpr const char* kChoose = "07_choose";
inline constexpr const char* kPack = "08_pack";
inline constexpr const char* kValidate = "09_validate";

inline constexpr const char* kPrecisionReport = "precision_report.json";
inline constexpr const char* kInt8Pt = "model_int8.pt";
inline constexpr const char* kModelOnnx = "model.onnx";
inline constexpr const char* kInt8Onnx = "model_int8.onnx";
inline constexpr const char* kExportFp32 = "export_fp32.json";
inline constexpr const char* kExportInt8 = "export_int8.json";
inline constexpr const char* kCompareFp32 = "compare_fp32.json";
inline constexpr const char* kCompareInt8 = "compare_int8.json";
inline constexpr const char* kOptOnnx = "model_opt.onnx";
inline constexpr const char* kOptimizeReport = "optimize_report.json";
inline constexpr const char* kStaticOnnx = "model_int8_static.onnx";
inline constexpr const char* kQuantizeReport = "quantize_report.json";
inline constexpr const char* kFp16Onnx = "model_fp16.onnx";
inline constexpr const char* kFp16Report = "fp16_report.json";
inline constexpr const char* kChoiceReport = "choice.json";
inline constexpr const char* kDiffJson = "diff_int8.json";
inline constexpr const char* kDiffHtml = "diff_int8.html";
inline constexpr const char* kBenchDisable = "bench_disable.json";
inline constexpr const char* kBenchAll = "bench_all.json";
inline constexpr const char* kValidateReport = "validate.json";

// The bench stage's models, by index: model.onnx, model_opt.onnx, dynamic INT8, static INT8, FP16.
inline constexpr int kBenchExport = 0;
inline constexpr int kBenchOpt = 1;
inline constexpr int kBenchDynamic = 2;
inline constexpr int kBenchStatic = 3;
inline constexpr int kBenchFp16 = 4;

}  // namespace kiln::pipeline_files
