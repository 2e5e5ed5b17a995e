#pragma once
// ReferenceValues over LibTorch (kiln_torch): the .pt frozen exactly as `kiln export` froze it
// (export/frozen_graph.h), the asked-for values registered as extra graph outputs, and the graph
// run by TorchScript's interpreter as it stands (no further optimization).
#include <filesystem>
#include <memory>
#include <vector>

#include "diff/torchscript_source.h"

namespace kiln {

std::unique_ptr<ReferenceValues> open_torchscript_values(const std::filesystem::path& model,
                                                         const std::vector<InputSpec>& specs);

}  // namespace kiln
