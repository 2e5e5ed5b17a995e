#pragma once
// NumPy's files: `.npy` (one array) and `.npz` (a zip of `.npy` members, stored or deflated, as
// np.savez / np.savez_compressed write them). Little-endian numeric arrays in C order of the
// dtypes HostTensor holds; anything else (Fortran order, big-endian, object arrays, pickles) is
// refused with a one-line error naming the file and the member. No LibTorch here.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/host_tensor.h"

namespace kiln {

// An .npy payload (`what` names it in errors).
HostTensor parse_npy(std::string_view bytes, const std::string& name, const std::string& what);
HostTensor read_npy(const std::filesystem::path& path);
// The members of an .npz in archive order, each named after its member without ".npy".
std::vector<HostTensor> read_npz(const std::filesystem::path& path);

}  // namespace kiln
