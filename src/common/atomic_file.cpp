#include "common/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "common/error.h"

namespace fs = std::filesystem;

namespace kiln {

std::string first_line(const std::string& message) {
  // The first line with text: LibTorch's messages may start with a newline (issue 33: "not a
  // TorchScript archive ()" hid "Unknown builtin op: evilns::boom" on the next line).
  size_t start = 0;
  while (start < message.size()) {
    size_t end = message.find('\n', start);
    if (end == std::string::npos) end = message.size();
    std::string line = message.substr(start, end - start);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t'))
      line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) return line;
    start = end + 1;
  }
  return "";
}

namespace {

std::string random_suffix() {
  static std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:x}", rng() & 0xffffffffffULL);
}

// Hidden siblings of `target` (temporary file, staging folder, replaced folder):
// `.TARGET.PID-RANDOM.SUFFIX`, PID being the writing process's.
fs::path sibling(const fs::path& dir, const fs::path& target, const char* suffix) {
  return dir / fmt::format(".{}.{}-{}.{}", target.filename().string(), ::getpid(), random_suffix(), suffix);
}

bool all_of_chars(const std::string& s, int (*pred)(int)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) { return pred(static_cast<unsigned char>(c)) != 0; });
}

// Removes siblings of `target` in `dir` that a kiln process killed by a signal left behind: named
// as sibling() names them, with a PID no process has any more. A live writer's (this one's, or
// another kiln's writing the same target) are left alone. A folder replacement killed between its
// two renames left the target missing and the old folder aside: that one is put back.
void remove_stale_siblings(const fs::path& dir, const fs::path& target) {
  const std::string prefix = "." + target.filename().string() + ".";
  std::vector<std::pair<fs::path, std::string>> stale;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = name.substr(prefix.size());  // PID-RANDOM.SUFFIX
    const size_t dash = rest.find('-');
    const size_t dot = dash == std::string::npos ? dash : rest.find('.', dash);
    if (dot == std::string::npos) continue;
    const std::string pid_text = rest.substr(0, dash), random = rest.substr(dash + 1, dot - dash - 1);
    const std::string suffix = rest.substr(dot + 1);
    if (!all_of_chars(pid_text, ::isdigit) || pid_text.size() > 9 || !all_of_chars(random, ::isxdigit) ||
        (suffix != "partial" && suffix != "tmp" && suffix != "old"))
      continue;
    const auto pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid <= 0 || ::kill(pid, 0) == 0 || errno != ESRCH) continue;  // alive (EPERM: someone else's)
    stale.emplace_back(it->path(), suffix);
  }
  const fs::path target_path = dir / target.filename();
  for (const auto& [path, suffix] : stale) {
    std::error_code rm;
    if (suffix == "old" && !fs::exists(fs::symlink_status(target_path, rm))) {
      fs::rename(path, target_path, rm);
      if (!rm) continue;
    }
    fs::remove_all(path, rm);
  }
}

void fsync_path(const fs::path& p, int flags) {
  int fd = ::open(p.c_str(), flags);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// Every file and folder under `root` (and root itself) reaches the disk before the staged
// folder is moved into place: files written by other libraries (LibTorch archives, copies) are
// not fsync'ed by whoever wrote them.
void fsync_tree(const fs::path& root) {
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(root, ec)) {
    if (e.is_regular_file(ec)) fsync_path(e.path(), O_RDONLY);
    else if (e.is_directory(ec)) fsync_path(e.path(), O_RDONLY | O_DIRECTORY);
  }
  fsync_path(root, O_RDONLY | O_DIRECTORY);
}

// Writes all of `bytes` to `path` (created or truncated) and fsyncs it; errors name `target`.
// `remove_on_error`: a file this call opened is unlinked when writing it fails.
void write_and_sync(const fs::path& path, const fs::path& target, std::string_view bytes,
                    int flags, bool remove_on_error = false) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | flags, 0644);
  if (fd < 0)
    throw Error(fmt::format("cannot write {}: {}", target.string(), std::strerror(errno)));
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      if (remove_on_error) ::unlink(path.c_str());
      throw Error(fmt::format("cannot write {}: {}", target.string(), std::strerror(err)));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    if (remove_on_error) ::unlink(path.c_str());
    throw Error(fmt::format("cannot write {}: {}", target.string(), std::strerror(err)));
  }
}

}  // namespace

void write_file_atomic(const fs::path& target, std::string_view bytes) {
  fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  remove_stale_siblings(dir, target);
  fs::path tmp = sibling(dir, target, "tmp");
  CleanupOnSignal guard(tmp);  // registered before it exists: a signal never leaves it behind
  write_and_sync(tmp, target, bytes, O_CREAT | O_EXCL, /*remove_on_error=*/true);
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw Error(fmt::format("cannot write {}: {}", target.string(), std::strerror(err)));
  }
  fsync_path(dir, O_RDONLY | O_DIRECTORY);
}

void fsync_file(const fs::path& path) {
  fsync_path(path, O_RDONLY);
}

FileSet::~FileSet() {
  if (committed_) return;
  for (const auto& f : files_) {
    std::error_code ec;
    fs::remove_all(f.temp, ec);
  }
}

FileSet::Entry& FileSet::entry(const fs::path& target) {
  for (auto& f : files_)
    if (f.target == target) return f;
  fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  remove_stale_siblings(dir, target);
  Entry e{target, sibling(dir, target, "tmp"), nullptr};
  e.guard = std::make_unique<CleanupOnSignal>(e.temp);
  write_and_sync(e.temp, target, {}, O_CREAT | O_EXCL);  // the folder is writable: fail now if not
  files_.push_back(std::move(e));
  return files_.back();
}

fs::path FileSet::reserve(const fs::path& target) {
  return entry(target).temp;
}

void FileSet::write(const fs::path& target, std::string_view bytes) {
  write_and_sync(entry(target).temp, target, bytes, O_TRUNC);
}

void FileSet::commit() {
  for (const auto& f : files_) {
    std::error_code ec;
    if (!fs::is_regular_file(f.temp, ec))
      throw Error(
          fmt::format("cannot write {}: its temporary file disappeared", f.target.string()));
  }
  for (const auto& f : files_) {
    if (::rename(f.temp.c_str(), f.target.c_str()) != 0)
      throw Error(fmt::format("cannot write {}: {}", f.target.string(), std::strerror(errno)));
    fsync_path(f.target.parent_path().empty() ? fs::path(".") : f.target.parent_path(),
               O_RDONLY | O_DIRECTORY);
  }
  committed_ = true;
}

std::vector<std::pair<fs::path, fs::path>> FileSet::release() {
  std::vector<std::pair<fs::path, fs::path>> out;
  for (auto& f : files_) {
    f.guard.reset();
    out.emplace_back(f.target, f.temp);
  }
  files_.clear();
  return out;
}

void FileSet::adopt(const fs::path& target, const fs::path& temp) {
  std::error_code ec;
  if (!fs::is_regular_file(temp, ec))
    throw Error(fmt::format("cannot write {}: its temporary file disappeared", target.string()));
  Entry e{target, temp, std::make_unique<CleanupOnSignal>(temp)};
  files_.push_back(std::move(e));
}

std::string read_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(fmt::format("{}: no such file", path.string()));
  if (fs::is_directory(path, ec)) throw Error(fmt::format("{}: is a directory, expected a file", path.string()));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open: {}", path.string(), std::strerror(errno)));
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(fmt::format("{}: read error", path.string()));
  return data;
}

void ensure_writable_dir(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    throw Error(fmt::format("{}: exists and is not a directory", dir.string()));
  }
  fs::create_directories(dir, ec);
  if (ec) throw Error(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  if (::access(dir.c_str(), W_OK) != 0) {
    throw Error(fmt::format("{}: not writable: {}", dir.string(), std::strerror(errno)));
  }
}

StagingDir::StagingDir(fs::path target) : target_(std::move(target)) {
  fs::path parent = target_.parent_path().empty() ? fs::path(".") : target_.parent_path();
  ensure_writable_dir(parent);
  remove_stale_siblings(parent, target_);
  staging_ = sibling(parent, target_, "partial");
  guard_ = std::make_unique<CleanupOnSignal>(staging_);
  std::error_code ec;
  fs::create_directories(staging_, ec);
  if (ec) throw Error(fmt::format("cannot create {}: {}", staging_.string(), ec.message()));
}

StagingDir::~StagingDir() {
  std::error_code ec;
  fs::remove_all(staging_, ec);  // best effort; after commit() it is already empty
}

void StagingDir::commit() {
  ensure_writable_dir(target_);
  fsync_tree(staging_);
  for (const auto& entry : fs::directory_iterator(staging_)) {
    fsync_path(entry.path(), O_RDONLY);
    fs::path dest = target_ / entry.path().filename();
    std::error_code ec;
    if (entry.is_directory() && fs::exists(dest)) fs::remove_all(dest, ec);
    fs::rename(entry.path(), dest, ec);
    if (ec) throw Error(fmt::format("cannot move {} into place: {}", dest.string(), ec.message()));
  }
  fsync_path(target_, O_RDONLY | O_DIRECTORY);
  committed_ = true;
}

void StagingDir::commit_replace() {
  fsync_tree(staging_);
  std::error_code ec;
  fs::path old = sibling(staging_.parent_path(), target_, "old");
  bool had_old = fs::exists(target_, ec);
  if (had_old) {
    fs::rename(target_, old, ec);
    if (ec) throw Error(fmt::format("cannot replace {}: {}", target_.string(), ec.message()));
  }
  fs::rename(staging_, target_, ec);
  if (ec) {
    if (had_old) fs::rename(old, target_);
    throw Error(fmt::format("cannot move {} into place: {}", target_.string(), ec.message()));
  }
  fsync_path(target_.parent_path().empty() ? fs::path(".") : target_.parent_path(), O_RDONLY | O_DIRECTORY);
  if (had_old) fs::remove_all(old, ec);
  committed_ = true;
}

}  // namespace kiln
