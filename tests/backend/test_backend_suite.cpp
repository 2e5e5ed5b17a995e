// ONNX's own backend test suite through every optimizer pass: each model ONNX Runtime runs
// correctly before optimizing must still run and match the suite's expected outputs after (the
// tolerance of ONNX's backend runner: rtol 1e-3, atol 1e-7). Models ONNX Runtime cannot run, or
// runs to other numbers, before optimizing are skipped, not failed. The suite itself is a declared
// dependency (Debian's libonnx-testdata in scripts/packages-tests.txt): its absence fails the test.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "onnx/model_io.h"
#include "optimize/optimizer.h"
#include "optimize/registry.h"
#include "runtime/ort_session.h"
#include "tensor/tensor_diff.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

const fs::path kSuite = "/usr/share/libonnx-testdata/data";

struct DataSet {
  std::vector<HostTensor> inputs, outputs;
};

std::vector<HostTensor> read_numbered(const fs::path& dir, const std::string& prefix) {
  std::vector<HostTensor> out;
  for (int k = 0;; ++k) {
    fs::path p = dir / fmt::format("{}_{}.pb", prefix, k);
    if (!fs::exists(p)) break;
    out.push_back(read_tensor_pb(p));
  }
  return out;
}

std::vector<DataSet> read_data_sets(const fs::path& test_dir) {
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(test_dir)) {
    if (e.is_directory() && e.path().filename().string().rfind("test_data_set_", 0) == 0)
      dirs.push_back(e.path());
  }
  std::sort(dirs.begin(), dirs.end());
  std::vector<DataSet> sets;
  for (const auto& d : dirs)
    sets.push_back({read_numbered(d, "input"), read_numbered(d, "output")});
  return sets;
}

// "" when every output matches; else what differs.
std::string compare(const std::vector<HostTensor>& expected,
                    const std::vector<HostTensor>& actual) {
  if (expected.size() != actual.size())
    return fmt::format("{} outputs, expected {}", actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    TensorDiff d = diff_tensors(expected[i], actual[i], 1e-3, 1e-7);
    if (!d.comparable) return fmt::format("output {}: {}", i, d.problem);
    if (d.mismatches > 0)
      return fmt::format("output {}: {} of {} elements differ (max abs {:.3g})", i, d.mismatches,
                         d.count, d.max_abs);
  }
  return "";
}

// Runs every data set; "" when all match the expected outputs.
std::string run_sets(const std::string& bytes, const std::vector<DataSet>& sets,
                     const std::string& what) {
  SessionOptions o;
  o.optimization = GraphOptLevel::Disable;
  o.intra_op_threads = 1;
  o.allow_spinning = false;
  auto session = OrtSession::from_bytes(bytes, o, what);
  for (const auto& s : sets) {
    std::vector<HostTensor> inputs = s.inputs;
    if (inputs.size() != session.inputs().size())
      throw Error("input count differs from the model's");
    for (size_t i = 0; i < inputs.size(); ++i) inputs[i].name = session.inputs()[i].name;
    std::string problem = compare(s.outputs, session.run(inputs));
    if (!problem.empty()) return problem;
  }
  return "";
}

}  // namespace

TEST(BackendSuite, EveryPassKeepsEveryRunnableModelCorrect) {
  // Not GTEST_SKIP: under a plain add_test a skipped test exits 0 and ctest counts it passed.
  ASSERT_TRUE(fs::is_directory(kSuite / "node"))
      << (kSuite / "node").string() << " missing: the Debian package libonnx-testdata is a declared dependency "
      << "(scripts/packages-tests.txt); run scripts/toolchain.sh provision --tests";
  auto start = std::chrono::steady_clock::now();
  int total = 0, ran = 0, skipped_unreadable = 0, skipped_ort = 0, skipped_mismatch = 0,
      rewritten = 0;
  std::map<std::string, int> models_per_pass, rewrites_per_pass;
  std::vector<std::string> failures;
  OptimizeOptions options;
  options.passes = all_pass_names();
  options.fixed_point = true;
  for (const char* group : {"node", "pytorch-converted", "pytorch-operator", "simple"}) {
    std::vector<fs::path> tests;
    for (const auto& e : fs::directory_iterator(kSuite / group)) {
      if (fs::exists(e.path() / "model.onnx")) tests.push_back(e.path());
    }
    std::sort(tests.begin(), tests.end());
    for (const auto& dir : tests) {
      ++total;
      const std::string name = fmt::format("{}/{}", group, dir.filename().string());
      onnx::ModelProto model;
      std::vector<DataSet> sets;
      std::string original;
      try {
        model = load_model(dir / "model.onnx");
        sets = read_data_sets(dir);
        original = serialize_model(model);
      } catch (const Error&) {
        ++skipped_unreadable;  // string/sequence/optional data, which HostTensor does not hold
        continue;
      }
      try {
        if (!run_sets(original, sets, name).empty()) {
          ++skipped_mismatch;
          continue;
        }
      } catch (const Error&) {
        ++skipped_ort;
        continue;
      }
      ++ran;
      try {
        OptimizeResult r = optimize_model(model, options);
        if (r.rewrites() > 0) ++rewritten;
        for (const auto& p : options.passes) {
          int n = r.rewrites(p);
          models_per_pass[p] += n > 0;
          rewrites_per_pass[p] += n;
        }
        if (!r.converged) failures.push_back(name + ": no fixed point");
        std::string problem = run_sets(serialize_model(model), sets, name + " (optimized)");
        if (!problem.empty()) failures.push_back(name + ": " + problem);
      } catch (const std::exception& e) {
        failures.push_back(name + ": " + first_line(e.what()));
      }
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "backend suite: %d models, %d run and optimized (%d rewritten), skipped: %d unreadable data, "
      "%d ONNX Runtime cannot run, %d ONNX Runtime mismatches before optimizing; %zu failures; "
      "%.0f s\n",
      total, ran, rewritten, skipped_unreadable, skipped_ort, skipped_mismatch, failures.size(),
      seconds);
  std::printf("%-34s %8s %9s\n", "pass", "models", "rewrites");
  for (const auto& p : options.passes)
    std::printf("%-34s %8d %9d\n", p.c_str(), models_per_pass[p], rewrites_per_pass[p]);
  for (const auto& f : failures) std::printf("FAIL %s\n", f.c_str());
  EXPECT_TRUE(failures.empty());
  EXPECT_GT(ran, 1000) << "the suite should exercise most models";
}

}  // namespace kiln
