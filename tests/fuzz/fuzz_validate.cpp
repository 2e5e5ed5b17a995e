// libFuzzer target: `kiln validate`'s checks of an artifact folder (artifact/artifact_checks.h) on
// a mutated artifact — metadata, hashes, model, external data, checker, golden tensors run in
// ONNX Runtime. The folder is unpacked from the input (folder_archive.h) into a scratch folder.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

#include "artifact/artifact_checks.h"
#include "common/error.h"
#include "common/json_record.h"
#include "folder_archive.h"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const fs::path root =
      fs::temp_directory_path() / ("kiln_fuzz_artifact." + std::to_string(getpid()));
  std::error_code ec;
  fs::remove_all(root, ec);
  fs::create_directories(root);
  try {
    kiln::fuzz::unpack_folder(std::string_view(reinterpret_cast<const char*>(data), size), root);
    kiln::ArtifactState s = kiln::check_artifact_contents(root, std::nullopt);
    if (s.session) kiln::check_artifact_accuracy(s, 1.0);
    (void)record_text(s.checks.result());
  } catch (const kiln::Error&) {
  }
  fs::remove_all(root, ec);
  return 0;
}
