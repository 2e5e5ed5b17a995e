#pragma once
// A miniature artifact in kiln's layout (artifact/artifact_layout.h), written with kiln's own
// writers (metadata.yaml, hashes, signature, golden .pb) but without LibTorch: y = Relu(x·Wᵀ + b),
// x float [N,4]. For the artifact-check tests and the validate fuzzer's seed.
#include <filesystem>
#include <string>

namespace kiln::test {

void write_tiny_artifact(const std::filesystem::path& dir);
// Recomputes the hash of `file` in dir/metadata.yaml after a test changed it.
void rehash_artifact_file(const std::filesystem::path& dir, const std::string& file);

}  // namespace kiln::test
