#pragma once
// Options and result of `kiln export` (the public kiln/export.h) with their JSON forms, and the
// supported-op list (no LibTorch here, so the CLI and the pipeline include it cheaply).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json_record.h"

#include "kiln/export.h"
#include "runtime/input_spec.h"

namespace kiln {

// ExportOptions, ExportResult (and the records it holds), export_onnx, export_report_text: the
// public kiln/export.h.

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ExportOptions, model, inputs, input_shape, input_name,
                                   static_batch, opset, output_name, out, check_only,
                                   verify_tolerance, ops_libraries, example, second_example,
                                   keep_batch_norm)

void to_json(nlohmann::json& j, const ExportResult& r);
void from_json(const nlohmann::json& j, ExportResult& r);

// What the exporter converts: one entry per registered op key ("aten::max.dim", or a bare name
// for every overload that fits its signature), its declared arguments and what each opset
// version becomes.
struct SupportedOp {
  std::string op;
  std::string signature;
  bool scalar = false;       // TorchScript's scalar and list world (ints, lists, tuples)
  bool static_only = false;  // converted only when every input is known at export (folded)
  struct Version {
    int since = 0;
    std::string onnx;
  };
  std::vector<Version> versions;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SupportedOp::Version, since, onnx)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SupportedOp, op, signature, scalar, static_only, versions)
std::vector<SupportedOp> supported_ops();
// The --list-ops text: one line per op and opset version.
std::string supported_ops_text(const std::vector<SupportedOp>& ops);

}  // namespace kiln
