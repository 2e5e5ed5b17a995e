#pragma once
// Rank checks made before ONNX shape inference runs on a model kiln did not write.
//
// Some shape-inference functions of Debian's ONNX 1.17 index an input's dimensions without
// comparing them to the input's rank first; a model whose ranks disagree with the node makes them
// read past the end of a shape or a vector (null reads found by fuzz_onnx_model, see
// tests/fuzz/RESULTS.md). ONNX Runtime links the same libonnx, so the ONNX checker, kiln's
// optimizer and every ONNX Runtime session would run that code. Guarded ops:
//   - Einsum: every operand term names exactly as many labels as its input's rank (at most, with
//     an ellipsis), and every ellipsis stands for the same number of dimensions;
//   - ConvTranspose: X and W have the same rank, at least 3 (N x C x D1...).
// A guarded node is checked against every rank its inputs are declared with or inferred to have.
// The inferred ranks come from ONNX's own inference on a copy in which guarded nodes are moved to a
// domain it does not know (so it skips them); each is checked and put back once nothing it reads
// depends on a node still set aside, and inference runs again. Guarded ops inside model-local
// functions are refused. Throws kiln::Error naming `what`, the node, the input and its rank.
#include <string>

#include <onnx/onnx_pb.h>

namespace kiln {

void check_ranks_before_inference(const onnx::ModelProto& model, const std::string& what);

}  // namespace kiln
