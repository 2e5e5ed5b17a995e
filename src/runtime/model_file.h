#pragma once
// What kind of model a file holds, decided by content, not by extension.
#include <filesystem>

namespace kiln {

// TorchScript archives are zip files ("PK"); anything else is treated as ONNX.
bool is_torchscript_file(const std::filesystem::path& path);

}  // namespace kiln
