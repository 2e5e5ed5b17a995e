#pragma once
// `kiln pack --git-commit`: commits the artifact folder in its enclosing repository with the
// seminar's message, carrying the bound that was actually verified.
#include <filesystem>

#include "common/json_record.h"
#include "kiln/pack.h"

namespace kiln {

// GitCommit: the public kiln/pack.h.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(GitCommit, commit, message, repository)

// kiln::Error when the folder is not in a git repository or git fails.
GitCommit git_commit_artifact(const std::filesystem::path& folder, double verified_bound);

}  // namespace kiln
