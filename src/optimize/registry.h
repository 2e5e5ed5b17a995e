#pragma once
// Passes by name, in the order `kiln optimize --list-passes` shows them.
#include <string>
#include <vector>

#include "optimize/pass.h"

namespace kiln {

const std::vector<PassInfo>& all_passes();
// Throws kiln::UsageError naming an unknown pass.
const PassInfo& find_pass(const std::string& name);
// The seminar's three plus the eliminations that cannot change results.
std::vector<std::string> default_pass_names();
std::vector<std::string> all_pass_names();
// Adds a pass to the registry (e.g. a test's deliberately broken pass, so `kiln diff --explain`
// can be shown to name it). Throws kiln::Error when the name is taken. Not thread-safe: register
// before optimizing.
void register_pass(PassInfo pass);

}  // namespace kiln
