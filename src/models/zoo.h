#pragma once
// The built-in model zoo, by name. Model names are usable without LibTorch headers.
#include <memory>
#include <string>
#include <vector>

namespace kiln {

class ZooModel;

const std::vector<std::string>& zoo_model_names();
// Throws kiln::UsageError listing the known names.
void check_zoo_model_name(const std::string& name);
// A freshly initialised model (seed LibTorch's generator first for reproducible weights).
std::unique_ptr<ZooModel> make_zoo_model(const std::string& name);

}  // namespace kiln
