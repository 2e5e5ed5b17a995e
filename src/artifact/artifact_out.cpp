#include "artifact/artifact_out.h"

#include <fmt/format.h>

#include "artifact/artifact_layout.h"
#include "artifact/metadata.h"
#include "common/atomic_file.h"
#include "common/error.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

// An artifact holds a model, its metadata, a script, a card and a few golden sets; a folder with
// far more entries is something else, and is not walked to the end.
constexpr int kMaxArtifactEntries = 10000;

}  // namespace

void require_replaceable_artifact(const fs::path& out) {
  std::error_code ec;
  const auto st = fs::symlink_status(out, ec);
  if (ec || st.type() == fs::file_type::not_found) return;
  const std::string keep =
      "kiln pack replaces only a previous kiln artifact; choose another folder or move it away";
  if (st.type() == fs::file_type::symlink)
    throw Error(
        fmt::format("{} is a symbolic link, not an artifact folder ({})", out.string(), keep));
  if (st.type() != fs::file_type::directory)
    throw Error(fmt::format("{} exists and is not a folder ({})", out.string(), keep));
  if (fs::is_empty(out, ec) && !ec) return;

  const fs::path meta_path = out / artifact::kMetadataFile;
  if (fs::symlink_status(meta_path, ec).type() != fs::file_type::regular)
    throw Error(fmt::format("{} is not a kiln artifact (no {}) ({})", out.string(),
                            artifact::kMetadataFile, keep));
  nlohmann::json meta;
  try {
    if (fs::file_size(meta_path, ec) > kMaxMetadataBytes) throw Error("too large");
    meta = parse_metadata_yaml(read_file(meta_path), meta_path.string());
  } catch (const Error&) {
    meta = nullptr;
  }
  if (!meta.is_object() || !meta.contains("kiln_version") || !meta.contains("files") ||
      !meta["files"].is_object())
    throw Error(fmt::format("{} is not a kiln artifact (its {} is not kiln's) ({})", out.string(),
                            artifact::kMetadataFile, keep));
  const nlohmann::json& files = meta["files"];
  int entries = 0;
  for (auto it = fs::recursive_directory_iterator(out, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (++entries > kMaxArtifactEntries)
      throw Error(fmt::format("{} holds more than {} files: not a kiln artifact ({})", out.string(),
                              kMaxArtifactEntries, keep));
    const std::string rel = it->path().lexically_relative(out).generic_string();
    const auto type = it->symlink_status(ec).type();
    if (type == fs::file_type::directory) continue;
    if (type != fs::file_type::regular || (rel != artifact::kMetadataFile && !files.contains(rel)))
      throw Error(fmt::format("{}: {} is not part of the kiln artifact there ({})", out.string(),
                              rel, keep));
  }
  if (ec) throw Error(fmt::format("{}: cannot read the folder: {}", out.string(), ec.message()));
}

}  // namespace kiln
