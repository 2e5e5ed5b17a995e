#pragma once
// Op libraries: shared objects that register TorchScript ops — torchvision's (`torchvision::nms`,
// `roi_align` ...), a user's custom ops — loaded the way torch.ops.load_library does (dlopen).
// A model that calls an op no loaded library provides fails to load; kiln then loads torchvision's
// library when it is installed and the op is torchvision's, and otherwise names the op and the
// flag that loads a library. LibTorch translation units only.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace kiln {

// Loads each library once per process; kiln::Error (one line) when one cannot be loaded.
void load_op_libraries(const std::vector<std::filesystem::path>& paths);
// Where torchvision's op library is, as Python would import it: the dist-packages folders of the
// system Python (/usr/lib/python3/dist-packages, /usr/local/lib/python3.X/dist-packages) — inside
// the toolchain root for a chroot-free kiln — or KILN_TORCHVISION_LIBRARY; nullopt when absent.
std::optional<std::filesystem::path> find_torchvision_library();
// The libraries loaded so far (for reports).
std::vector<std::string> loaded_op_libraries();

// The namespaced op a LibTorch load error says is unknown ("torchvision::nms"), or "".
std::string unknown_op_in(const std::string& message);

}  // namespace kiln
