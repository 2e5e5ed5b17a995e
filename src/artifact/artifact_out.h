#pragma once
// Where `kiln pack` may write its artifact (issue 33: `pack --out DIR` deleted a folder that was
// not an artifact — a user's notes.txt gone — or a regular file, and exited 0).
#include <filesystem>

namespace kiln {

// Returns when `out` does not exist, is an empty folder, or is a previous kiln artifact: a folder
// whose metadata.yaml is kiln's (it reads, has kiln_version and a files map) and that holds nothing
// but metadata.yaml and the files it lists. Throws kiln::Error naming `out` and what is in the
// way otherwise (a file, a link, a folder without kiln's metadata, an unlisted file), before
// anything is written.
void require_replaceable_artifact(const std::filesystem::path& out);

}  // namespace kiln
