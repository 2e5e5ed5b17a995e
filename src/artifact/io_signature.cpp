#include "artifact/io_signature.h"

#include "tensor/host_tensor.h"

namespace kiln {

nlohmann::json io_signature(const google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>& values) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& vi : values) {
    nlohmann::json dims = nlohmann::json::array();
    for (const auto& d : vi.type().tensor_type().shape().dim()) {
      dims.push_back(d.has_dim_param() ? nlohmann::json(d.dim_param()) : nlohmann::json(d.dim_value()));
    }
    int32_t et = vi.type().tensor_type().elem_type();
    j[vi.name()] = {{"dtype", is_supported_onnx_type(et) ? dtype_name(dtype_from_onnx(et, vi.name())) : std::to_string(et)},
                    {"shape", dims}};
  }
  return j;
}

}  // namespace kiln
