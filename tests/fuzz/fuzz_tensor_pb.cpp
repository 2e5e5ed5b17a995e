// libFuzzer target: golden tensors (.pb, a serialized TensorProto) as `kiln validate` and
// `kiln compare` read them, then every element read back as a number.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/error.h"
#include "tensor/host_tensor.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("kiln_fuzz_pb." + std::to_string(getpid()));
  try {
    // A plain write: fsync per input would dominate the run time.
    std::ofstream(path, std::ios::binary | std::ios::trunc)
        << std::string(reinterpret_cast<const char*>(data), size);
    kiln::HostTensor t = kiln::read_tensor_pb(path);
    t.check("fuzz.pb");
    double sum = 0;
    for (double v : t.to_doubles()) sum += v;
    (void)sum;
  } catch (const kiln::Error&) {
  }
  return 0;
}
