#pragma once
// Reads `--example FILE`: a file written by torch.save of a tensor, a tuple or list of tensors, or
// a dict of tensors keyed by input name (LibTorch's pickle reader), or a NumPy .npz / .npy. The
// tensors come back named (dict keys, npz members) or unnamed (by position). LibTorch translation
// units only.
#include <filesystem>
#include <vector>

#include "tensor/host_tensor.h"

namespace kiln {

// kiln::Error (one line naming the file) for anything else.
std::vector<HostTensor> read_example_file(const std::filesystem::path& path);

}  // namespace kiln
