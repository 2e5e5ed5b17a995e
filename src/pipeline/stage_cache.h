#pragma once
// DVC-like stage caching: a stage's key is a hash of its name, options and the SHA-256 of its
// input files. A finished stage leaves `.kiln-stage.json` (written last, atomically) in its
// folder; a later run with the same key and all outputs present skips the stage. An interrupted
// stage has no stamp, so nothing it half-wrote is trusted.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kiln {

std::string stage_key(const std::string& stage, const nlohmann::json& options, const std::vector<std::filesystem::path>& inputs);
bool stage_is_fresh(const std::filesystem::path& dir, const std::string& key, const std::vector<std::string>& outputs);
void mark_stage_done(const std::filesystem::path& dir, const std::string& key, double seconds);
// Removes a stale stamp before a stage reruns.
void invalidate_stage(const std::filesystem::path& dir);
// True when some stage folder directly under `root` holds a stamp (a finished stage).
bool any_stage_done(const std::filesystem::path& root);

}  // namespace kiln
