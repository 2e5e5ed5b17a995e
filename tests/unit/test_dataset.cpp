#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "common/error.h"
#include "common/toolchain_path.h"
#include "data/dataset.h"
#include "idx_fixtures.h"

namespace fs = std::filesystem;

namespace kiln {

TEST(Dataset, LoadsATinyGeneratedDatasetPlainAndGzip) {
  for (bool gz : {false, true}) {
    auto d = testing::fresh_dir(gz ? "dsgz" : "ds");
    testing::write_tiny_dataset(d, 20, gz);
    Dataset ds = load_dataset_from(d, "mnist", Split::kTest);
    EXPECT_EQ(ds.count, 20);
    EXPECT_EQ(ds.rows, 28);
    auto h = class_histogram(ds);
    for (int c = 0; c < 10; ++c) EXPECT_EQ(h[c], 2);
    fs::remove_all(d);
  }
}

TEST(Dataset, ImageAndLabelCountsMustAgree) {
  auto d = testing::fresh_dir("dsmismatch");
  testing::write_tiny_dataset(d, 20, false);
  std::vector<uint8_t> labels(19, 1);
  testing::write_bytes(d / "t10k-labels-idx1-ubyte", testing::idx_bytes(8, {19}, labels));
  try {
    load_dataset_from(d, "mnist", Split::kTest);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("20 images but 19 labels"), std::string::npos) << e.what();
  }
  fs::remove_all(d);
}

TEST(Dataset, LabelsOutsideTheTenClassesAreRejected) {
  auto d = testing::fresh_dir("dslabel");
  testing::write_tiny_dataset(d, 20, false);
  std::vector<uint8_t> labels(20, 1);
  labels[7] = 12;
  testing::write_bytes(d / "t10k-labels-idx1-ubyte", testing::idx_bytes(8, {20}, labels));
  EXPECT_THROW(load_dataset_from(d, "mnist", Split::kTest), Error);
  fs::remove_all(d);
}

TEST(Dataset, MissingFilesAndUnknownNames) {
  auto d = testing::fresh_dir("dsempty");
  EXPECT_THROW(load_dataset_from(d, "mnist", Split::kTrain), Error);
  EXPECT_THROW(check_dataset_name("cifar10"), UsageError);
  EXPECT_THROW(locate_dataset("cifar10"), UsageError);
  fs::remove_all(d);
}

TEST(Dataset, KilnDataDirOverridesTheDefaults) {
  auto d = testing::fresh_dir("dsenv");
  testing::write_tiny_dataset(d / "fashion-mnist", 10, true);
  ::setenv("KILN_DATA_DIR", d.c_str(), 1);
  auto loc = locate_dataset("fashion-mnist");
  ::unsetenv("KILN_DATA_DIR");
  ASSERT_TRUE(loc.dir.has_value());
  EXPECT_EQ(*loc.dir, d / "fashion-mnist");
  fs::remove_all(d);
}

// A folder under KILN_DATA_DIR holding some of the dataset's files but a broken set (one missing,
// a folder in a file's place) is an error naming the file, not a quiet fallback to the bundled
// copy; a folder holding none of them is passed over (KILN_DATA_DIR is a search path).
TEST(Dataset, ABrokenKilnDataDirIsAnErrorNamingTheFileNotAFallback) {
  auto d = testing::fresh_dir("dsbroken");
  auto error_for = [&](const std::string& name) -> std::string {
    ::setenv("KILN_DATA_DIR", d.c_str(), 1);
    std::string what;
    try {
      locate_dataset(name);
    } catch (const Error& e) {
      what = e.what();
    }
    ::unsetenv("KILN_DATA_DIR");
    return what;
  };
  testing::write_tiny_dataset(d / "mnist", 10, false);
  fs::remove(d / "mnist" / "t10k-labels-idx1-ubyte");
  EXPECT_EQ(error_for("mnist"), (d / "mnist").string() +
                                    ": no t10k-labels-idx1-ubyte[.gz] file beside the dataset's "
                                    "other files");
  fs::create_directory(d / "mnist" / "t10k-labels-idx1-ubyte");
  EXPECT_EQ(error_for("mnist"), (d / "mnist" / "t10k-labels-idx1-ubyte").string() +
                                    ": is a directory, expected a dataset file");
  fs::remove(d / "mnist" / "t10k-labels-idx1-ubyte");
  fs::create_symlink(d / "nowhere", d / "mnist" / "t10k-labels-idx1-ubyte.gz");
  EXPECT_NE(error_for("mnist").find("t10k-labels-idx1-ubyte.gz: not a regular file"),
            std::string::npos);
  // Nothing of fashion-mnist there: the search goes on, no error.
  EXPECT_EQ(error_for("fashion-mnist"), "");
  fs::remove_all(d);
}

// The real bundled files (declared dependencies: MNIST from package-lock.json, Fashion-MNIST from
// scripts/packages.txt; missing files fail, they do not skip): published class counts.
// A chroot-free kiln reaches Debian 13's /usr/share/datasets under the toolchain root's host
// path; $KILN_TOOLCHAIN_ROOT overrides the path the build was configured with.
TEST(Dataset, FashionMnistDefaultFollowsTheToolchainRoot) {
  const char* old = std::getenv("KILN_TOOLCHAIN_ROOT");
  const std::string saved = old != nullptr ? old : "";
  auto root = testing::fresh_dir("dsroot");
  testing::write_tiny_dataset(root / "usr/share/datasets/fashion-mnist", 10, true);
  ::setenv("KILN_TOOLCHAIN_ROOT", (root.string() + "//").c_str(), 1);
  EXPECT_EQ(toolchain_prefix(), root.string());
  auto loc = locate_dataset("fashion-mnist");
  ASSERT_TRUE(loc.dir);
  EXPECT_EQ(*loc.dir, root / "usr/share/datasets/fashion-mnist");
  ::setenv("KILN_TOOLCHAIN_ROOT", "/", 1);  // native: Debian paths as they are
  EXPECT_EQ(toolchain_prefix(), "");
  EXPECT_EQ(toolchain_path("/usr/share/x"), fs::path("/usr/share/x"));
  if (old != nullptr) {
    ::setenv("KILN_TOOLCHAIN_ROOT", saved.c_str(), 1);
  } else {
    ::unsetenv("KILN_TOOLCHAIN_ROOT");
  }
  fs::remove_all(root);
}

TEST(Dataset, RealMnistMatchesThePublishedCounts) {
  auto loc = locate_dataset("mnist");
  ASSERT_TRUE(loc.dir) << "MNIST not found (a declared dependency): " << loc.how_to_get;
  Dataset train = load_dataset("mnist", Split::kTrain);
  Dataset test = load_dataset("mnist", Split::kTest);
  EXPECT_EQ(train.count, 60000);
  EXPECT_EQ(test.count, 10000);
  std::array<int64_t, 10> expected{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949};
  EXPECT_EQ(class_histogram(train), expected);
  std::array<int64_t, 10> expected_test{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};
  EXPECT_EQ(class_histogram(test), expected_test);
}

TEST(Dataset, RealFashionMnistIsBalanced) {
  auto loc = locate_dataset("fashion-mnist");
  ASSERT_TRUE(loc.dir) << "Fashion-MNIST not found (a declared dependency): " << loc.how_to_get;
  Dataset train = load_dataset("fashion-mnist", Split::kTrain);
  Dataset test = load_dataset("fashion-mnist", Split::kTest);
  for (auto n : class_histogram(train)) EXPECT_EQ(n, 6000);
  for (auto n : class_histogram(test)) EXPECT_EQ(n, 1000);
}

}  // namespace kiln
