#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "common/atomic_file.h"
#include "common/error.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("kiln_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

size_t entries(const fs::path& d) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(d), fs::directory_iterator()));
}

}  // namespace

TEST(AtomicFile, WritesAndReplacesLeavingNoTemporaries) {
  auto d = fresh_dir("atomic");
  write_file_atomic(d / "a.txt", "first");
  write_file_atomic(d / "a.txt", "second");
  EXPECT_EQ(read_file(d / "a.txt"), "second");
  EXPECT_EQ(entries(d), 1u);
  fs::remove_all(d);
}

TEST(AtomicFile, ReadFileNamesTheProblem) {
  auto d = fresh_dir("read");
  try {
    read_file(d / "missing");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no such file"), std::string::npos);
  }
  try {
    read_file(d);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos);
  }
  fs::remove_all(d);
}

TEST(StagingDir, NothingLandsWithoutCommit) {
  auto d = fresh_dir("staging");
  {
    StagingDir s(d / "out");
    write_file_atomic(s.path("x.bin"), "data");
    // destroyed without commit, as when an exception unwinds
  }
  EXPECT_FALSE(fs::exists(d / "out"));
  EXPECT_EQ(entries(d), 0u);
  fs::remove_all(d);
}

TEST(StagingDir, CommitMovesEveryFileIntoPlace) {
  auto d = fresh_dir("commit");
  fs::create_directories(d / "out");
  write_file_atomic(d / "out" / "keep.txt", "old");
  {
    StagingDir s(d / "out");
    write_file_atomic(s.path("a.txt"), "A");
    write_file_atomic(s.path("keep.txt"), "new");
    s.commit();
  }
  EXPECT_EQ(read_file(d / "out" / "a.txt"), "A");
  EXPECT_EQ(read_file(d / "out" / "keep.txt"), "new");
  EXPECT_EQ(entries(d), 1u);  // no staging folder left behind
  fs::remove_all(d);
}

// A kiln killed by a signal cannot remove its hidden staging folder or temporary file; the next
// write of the same target removes those whose writer no longer runs, and only those.
TEST(StagingDir, StaleSiblingsOfDeadWritersAreRemovedOnTheNextWrite) {
  auto d = fresh_dir("stale");
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);  // a PID that no longer runs
  const std::string dead = std::to_string(child), alive = std::to_string(::getpid());
  for (const std::string& name : {".out." + dead + "-5eed.partial", ".out." + alive + "-5eed.partial",
                                  std::string(".out.5eed.partial"), ".other." + dead + "-5eed.partial",
                                  ".a.txt." + dead + "-5eed.tmp", ".a.txt." + alive + "-5eed.tmp"}) {
    fs::create_directories(d / name);
  }
  write_file_atomic(d / (".out." + dead + "-5eed.partial") / "half.bin", "x");
  {
    StagingDir s(d / "out");
    write_file_atomic(s.path("a.txt"), "A");
    s.commit();
  }
  EXPECT_FALSE(fs::exists(d / (".out." + dead + "-5eed.partial")));
  EXPECT_TRUE(fs::exists(d / (".out." + alive + "-5eed.partial")));  // a live writer's
  EXPECT_TRUE(fs::exists(d / ".out.5eed.partial"));                    // not named by kiln's rule
  EXPECT_TRUE(fs::exists(d / (".other." + dead + "-5eed.partial")));  // another target's
  write_file_atomic(d / "a.txt", "x");
  EXPECT_FALSE(fs::exists(d / (".a.txt." + dead + "-5eed.tmp")));
  EXPECT_TRUE(fs::exists(d / (".a.txt." + alive + "-5eed.tmp")));
  // A folder replacement killed between its two renames: the old folder is put back.
  fs::remove_all(d / "out");
  fs::create_directories(d / (".out." + dead + "-5eed.old"));
  write_file_atomic(d / (".out." + dead + "-5eed.old") / "a.txt", "old");
  { StagingDir s(d / "out"); }
  EXPECT_EQ(read_file(d / "out" / "a.txt"), "old");
  fs::remove_all(d);
}

TEST(StagingDir, RefusesAFileWhereAFolderIsNeeded) {
  auto d = fresh_dir("notdir");
  write_file_atomic(d / "file", "x");
  EXPECT_THROW(StagingDir(d / "file" / "out"), Error);
  fs::remove_all(d);
}

TEST(EnsureWritableDir, RefusesUnwritableFolder) {
  if (::geteuid() == 0) {
    // root ignores permission bits; a read-only location still fails
    EXPECT_THROW(ensure_writable_dir("/proc/kiln_cannot_exist"), Error);
    return;
  }
  auto d = fresh_dir("ro");
  fs::permissions(d, fs::perms::owner_read | fs::perms::owner_exec);
  EXPECT_THROW(ensure_writable_dir(d / "sub"), Error);
  fs::permissions(d, fs::perms::owner_all);
  fs::remove_all(d);
}

}  // namespace kiln

namespace kiln {

// Issue 33: LibTorch's message for an op no library provides starts with a newline; the one-line
// error must carry the first line with text, not an empty one.
TEST(FirstLine, IsTheFirstLineWithText) {
  EXPECT_EQ(first_line("\nUnknown builtin op: evilns::boom.\nHere are some suggestions:\n"),
            "Unknown builtin op: evilns::boom.");
  EXPECT_EQ(first_line("  \r\n\t\nsecond  \nthird"), "second");
  EXPECT_EQ(first_line("one line\r"), "one line");
  EXPECT_EQ(first_line("\n\n"), "");
  EXPECT_EQ(first_line(""), "");
}

// Issue 33: outputs and their report land together or not at all.
TEST(FileSet, AllOrNothing) {
  fs::path d = fresh_dir("file_set");
  write_file_atomic(d / "model.onnx", "old model");
  {
    FileSet files;
    files.write(d / "model.onnx", "new model");
    EXPECT_THROW(files.reserve(d / "missing" / "report.json"),
                 Error);  // the report's folder is gone
  }  // not committed: nothing replaced, no temporaries left
  EXPECT_EQ(read_file(d / "model.onnx"), "old model");
  EXPECT_EQ(entries(d), 1u);
  {
    FileSet files;
    files.reserve(d / "model.onnx");
    files.reserve(d / "report.json");
    files.write(d / "model.onnx", "new model");
    files.write(d / "report.json", "{}");
    EXPECT_EQ(read_file(d / "model.onnx"), "old model");  // nothing lands before commit
    files.commit();
  }
  EXPECT_EQ(read_file(d / "model.onnx"), "new model");
  EXPECT_EQ(read_file(d / "report.json"), "{}");
  EXPECT_EQ(entries(d), 2u);
  fs::remove_all(d);
}

}  // namespace kiln
