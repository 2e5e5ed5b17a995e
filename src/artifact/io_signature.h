#pragma once
// A model's inputs or outputs as metadata.yaml records them: name → {dtype, shape}, with symbolic
// dimensions by name ("batch"). pack writes it; validate compares it with the model's.
#include <google/protobuf/repeated_ptr_field.h>
#include <nlohmann/json.hpp>
#include <onnx/onnx_pb.h>

namespace kiln {

nlohmann::json io_signature(const google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>& values);

}  // namespace kiln
