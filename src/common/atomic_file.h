#pragma once
// Writes that never leave a half-written output: data goes to a temporary name in the same
// folder, is fsync'ed, then renamed over the target (rename is atomic on POSIX).
// Temporary names are hidden siblings, `.TARGET.PID-RANDOM.{tmp,partial,old}`. A process killed by
// a signal cannot remove its own; the next write of the same target removes those whose PID no
// longer runs (a live writer's are left alone).
#include <filesystem>
#include <string>
#include <string_view>

namespace kiln {

void write_file_atomic(const std::filesystem::path& target, std::string_view bytes);

// Reads a whole file; throws kiln::Error naming the file on failure.
std::string read_file(const std::filesystem::path& path);

// A folder whose files are prepared under a hidden sibling and moved into place by commit().
// Without commit() (an exception, a refusal) the staging folder is removed and the target is
// untouched. Each file lands by rename, so a reader never sees a partial file.
class StagingDir {
 public:
  explicit StagingDir(std::filesystem::path target);
  ~StagingDir();
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;

  // Where to write: a path inside the staging folder.
  std::filesystem::path path(const std::string& name) const { return staging_ / name; }
  const std::filesystem::path& staging() const { return staging_; }
  const std::filesystem::path& target() const { return target_; }

  // Moves every staged file into the target folder (created when missing).
  void commit();
  // Replaces the whole target folder with the staged one (old contents are removed), so the
  // target is always either the complete old folder or the complete new one.
  void commit_replace();

 private:
  std::filesystem::path target_;
  std::filesystem::path staging_;
  bool committed_ = false;
};

// Fails early, with one line, when `dir` cannot be created or written.
void ensure_writable_dir(const std::filesystem::path& dir);

}  // namespace kiln
