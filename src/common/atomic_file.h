#pragma once
// Writes that never leave a half-written output: data goes to a temporary name in the same
// folder, is fsync'ed, then renamed over the target (rename is atomic on POSIX).
// Temporary names are hidden siblings, `.TARGET.PID-RANDOM.{tmp,partial,old}`. A process killed by
// a signal cannot remove its own; the next write of the same target removes those whose PID no
// longer runs (a live writer's are left alone).
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/signal_cleanup.h"

namespace kiln {

void write_file_atomic(const std::filesystem::path& target, std::string_view bytes);

// Files that land together or not at all (issue 33: `optimize -o M --report R` wrote M, failed on
// R and exited 1 with M in place). reserve() creates each target's hidden temporary at once, so a
// missing or unwritable folder fails before any work; commit() renames them all into place, after
// every one is written. Without commit() (an exception) every temporary is removed and no target is
// touched. Temporaries are removed on SIGINT/SIGTERM too (signal_cleanup.h).
class FileSet {
 public:
  FileSet() = default;
  ~FileSet();
  FileSet(const FileSet&) = delete;
  FileSet& operator=(const FileSet&) = delete;

  // The temporary that `target` will be renamed from, created empty now; for writers that take a
  // path (they may replace it by rename).
  std::filesystem::path reserve(const std::filesystem::path& target);
  // Writes and fsyncs `bytes` to `target`'s temporary (reserving it when not yet).
  void write(const std::filesystem::path& target, std::string_view bytes);
  // Renames every temporary over its target (each rename atomic; the set fails before the first
  // rename when a temporary went missing).
  void commit();

  // Hands every temporary over (target, temporary; in reservation order) to another FileSet,
  // possibly in another process (`kiln export` verifies in a process without LibTorch): this set
  // no longer removes them.
  std::vector<std::pair<std::filesystem::path, std::filesystem::path>> release();
  // Takes over a temporary that another set released, as `target`'s.
  void adopt(const std::filesystem::path& target, const std::filesystem::path& temp);

 private:
  struct Entry {
    std::filesystem::path target, temp;
    std::unique_ptr<CleanupOnSignal> guard;
  };
  Entry& entry(const std::filesystem::path& target);
  std::vector<Entry> files_;
  bool committed_ = false;
};

// fsync of a file written by other means (a stream), before it is renamed into place.
void fsync_file(const std::filesystem::path& path);

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
  std::unique_ptr<CleanupOnSignal> guard_;  // removed on SIGINT/SIGTERM while it exists
  bool committed_ = false;
};

// Fails early, with one line, when `dir` cannot be created or written.
void ensure_writable_dir(const std::filesystem::path& dir);

}  // namespace kiln
