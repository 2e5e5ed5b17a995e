#pragma once
// Attribute and arity checks made before ONNX shape inference runs on a model kiln did not write.
//
// Debian's ONNX 1.17 divides by values it never checked: the Conv and pooling inference
// (convPoolShapeInference: Conv, ConvInteger, QLinearConv, MaxPool, AveragePool, LpPool,
// DeformConv, and ONNX Runtime's contrib ops built on it) by each `strides` value, and Split
// before opset 18 by its number of outputs. A zero there is an integer division by zero: SIGFPE,
// the process killed (found by fuzz_onnx_model, tests/fuzz/RESULTS.md). ONNX Runtime links the
// same libonnx, so the checker, kiln's optimizer and every session would run that code. Refused,
// in every graph, If/Loop/Scan body and model-local function:
//   - a `strides` attribute with a value below 1 (ONNX requires them positive), in any domain;
//     a model-local function's `strides` taken from its caller (ref_attr_name, also passed on
//     through other functions) is checked at every call: the value given there, or the default;
//   - a node with fewer outputs than its ONNX schema requires (the checker says so too, but only
//     after inference has run).
// Throws kiln::Error naming `what`, the node and the value.
#include <string>

#include <onnx/onnx_pb.h>

namespace kiln {

void check_attributes_before_inference(const onnx::ModelProto& model, const std::string& what);

}  // namespace kiln
