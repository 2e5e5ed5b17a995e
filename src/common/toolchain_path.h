#pragma once
// Debian 13 files that kiln reads by absolute path (dataset-fashion-mnist under
// /usr/share/datasets) live in the toolchain root. A chroot-free kiln on a Debian 12 host
// (docs/toolchain.md) reaches them under the root's host path; natively the prefix is empty.
#include <filesystem>
#include <string>

namespace kiln {

// The toolchain root's host path without a trailing slash: $KILN_TOOLCHAIN_ROOT when set (a root
// that moved), else the one the build was configured with; "" when native ("/").
std::string toolchain_prefix();

// debian_path (absolute, as Debian 13 installs it) as this process reaches it.
std::filesystem::path toolchain_path(const std::filesystem::path& debian_path);

}  // namespace kiln
