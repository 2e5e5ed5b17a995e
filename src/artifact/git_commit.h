#pragma once
// `kiln pack --git-commit`: commits the artifact folder in its enclosing repository with the
// seminar's message, carrying the bound that was actually verified.
#include <filesystem>

#include <nlohmann/json.hpp>

namespace kiln {

// Returns {"commit": sha, "message": ...}; kiln::Error when the folder is not in a git repository
// or git fails.
nlohmann::json git_commit_artifact(const std::filesystem::path& folder, double verified_bound);

}  // namespace kiln
