#include "common/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "common/error.h"

namespace fs = std::filesystem;

namespace kiln {

std::string first_line(const std::string& message) {
  auto end = message.find('\n');
  std::string line = message.substr(0, end);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
  return line;
}

namespace {

std::string random_suffix() {
  static std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:x}", rng() & 0xffffffffffULL);
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

}  // namespace

void write_file_atomic(const fs::path& target, std::string_view bytes) {
  fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
  fs::path tmp = dir / fmt::format(".{}.{}.tmp", target.filename().string(), random_suffix());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw Error(fmt::format("cannot write {}: {}", target.string(), std::strerror(errno)));
  }
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw Error(fmt::format("cannot write {}: {}", target.string(), std::strerror(err)));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw Error(fmt::format("cannot write {}: {}", target.string(), std::strerror(err)));
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw Error(fmt::format("cannot write {}: {}", target.string(), std::strerror(err)));
  }
  fsync_path(dir, O_RDONLY | O_DIRECTORY);
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
  staging_ = parent / fmt::format(".{}.{}.partial", target_.filename().string(), random_suffix());
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
  fs::path old = staging_.parent_path() / fmt::format(".{}.{}.old", target_.filename().string(), random_suffix());
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
