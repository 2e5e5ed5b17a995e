#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/core/QEngine.h>
#include <onnx/common/version.h>
#include <onnxruntime_cxx_api.h>
#include <torch/version.h>

#include "data/dataset.h"
#include "doctor/doctor.h"
#include "support/temp_dir.h"

namespace fs = std::filesystem;

namespace kiln {

namespace {

// Sets (or unsets, with nullopt) an environment variable for one scope, restoring it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) ::setenv(name, value->c_str(), 1);
    else ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// The "flags" of the first processor in /proc/cpuinfo, and the number of "processor" entries:
// the kernel's view, independent of the cpuinfo library doctor uses.
struct ProcCpuinfo {
  std::set<std::string> flags;
  int processors = 0;
};

ProcCpuinfo read_proc_cpuinfo() {
  ProcCpuinfo p;
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("processor", 0) == 0) ++p.processors;
    if (line.rfind("flags", 0) == 0 && p.flags.empty()) {
      std::istringstream words(line.substr(line.find(':') + 1));
      for (std::string w; words >> w;) p.flags.insert(w);
    }
  }
  return p;
}

bool has_warning_containing(const nlohmann::json& r, const std::string& text) {
  for (const auto& w : r["warnings"])
    if (w.get<std::string>().find(text) != std::string::npos) return true;
  return false;
}

const nlohmann::json& dataset_entry(const nlohmann::json& r, const std::string& name) {
  for (const auto& d : r["datasets"])
    if (d["name"] == name) return d;
  static const nlohmann::json none;
  ADD_FAILURE() << "doctor lists no dataset " << name << ": " << r["datasets"].dump();
  return none;
}

}  // namespace

// Versions, providers and engines are the ones the linked libraries report about themselves
// (asked here directly, not through kiln), and the versions the issue requires.
TEST(Doctor, VersionsAndEnginesAreTheLinkedLibraries) {
  auto r = doctor_report();
  EXPECT_TRUE(r["usable"].get<bool>()) << r["problems"].dump();
  EXPECT_TRUE(r["problems"].empty()) << r["problems"].dump();
  EXPECT_EQ(r["kiln_version"], KILN_VERSION);
  EXPECT_FALSE(r["kiln_version"].get<std::string>().empty());

  EXPECT_EQ(r["onnxruntime"]["version"], Ort::GetVersionString());
  EXPECT_EQ(r["onnxruntime"]["version"].get<std::string>().rfind("1.21.", 0), 0u) << r["onnxruntime"].dump();
  EXPECT_EQ(r["onnxruntime"]["providers"].get<std::vector<std::string>>(), Ort::GetAvailableProviders());
  EXPECT_EQ(r["onnx"]["version"], std::string(ONNX_NAMESPACE::LAST_RELEASE_VERSION));
  EXPECT_EQ(r["onnx"]["version"].get<std::string>().rfind("1.17.", 0), 0u) << r["onnx"].dump();

  EXPECT_EQ(r["libtorch"]["version"], TORCH_VERSION);
  EXPECT_EQ(r["libtorch"]["version"], "2.6.0");
  std::vector<std::string> engines;
  for (c10::QEngine e : at::globalContext().supportedQEngines())
    if (e != c10::QEngine::NoQEngine) engines.push_back(c10::toString(e));
  EXPECT_EQ(r["libtorch"]["quantized_engines"].get<std::vector<std::string>>(), engines);
  EXPECT_NE(std::find(engines.begin(), engines.end(), "QNNPACK"), engines.end());
  EXPECT_EQ(r["libtorch"]["intra_op_threads"].get<int>(), at::get_num_threads());
  EXPECT_EQ(r["libtorch"]["inter_op_threads"].get<int>(), at::get_num_interop_threads());
  EXPECT_EQ(r["libtorch"]["parallel_backend"], "OpenMP") << at::get_parallel_info();
}

// CPU facts against the kernel's /proc/cpuinfo; BLAS facts against the files really mapped.
TEST(Doctor, CpuAndBlasFactsMatchTheMachine) {
  auto r = doctor_report();
  const auto& cpu = r["cpu"];
  ASSERT_FALSE(cpu.contains("error")) << cpu.dump();
  ProcCpuinfo proc = read_proc_cpuinfo();
  ASSERT_GT(proc.processors, 0) << "/proc/cpuinfo unreadable";
  EXPECT_FALSE(cpu["model"].get<std::string>().empty());
  EXPECT_NE(cpu["model"], "unknown");
  EXPECT_GT(cpu["cores"].get<int>(), 0);
  EXPECT_LE(cpu["cores"].get<int>(), cpu["logical_cpus"].get<int>());
  EXPECT_EQ(cpu["logical_cpus"].get<int>(), proc.processors);
  // Features the kernel lists under these names (it drops the ones the OS does not enable).
  for (auto [ours, kernel] : {std::pair{"avx2", "avx2"}, std::pair{"fma3", "fma"}, std::pair{"f16c", "f16c"},
                              std::pair{"avx512f", "avx512f"}, std::pair{"avx512vnni", "avx512_vnni"},
                              std::pair{"avx512bf16", "avx512_bf16"}, std::pair{"avx512fp16", "avx512_fp16"}}) {
    EXPECT_EQ(cpu["features"][ours].get<bool>(), proc.flags.count(kernel) == 1) << ours;
  }

  const auto& blas = r["blas"];
  EXPECT_TRUE(blas["is_openblas"].get<bool>()) << blas.dump();
  EXPECT_EQ(blas["implementation"], "OpenBLAS");
  ASSERT_FALSE(blas["libraries"].empty()) << blas.dump();
  bool openblas_file = false;
  for (const auto& lib : blas["libraries"]) {
    fs::path p = lib.get<std::string>();
    EXPECT_TRUE(p.is_absolute() && fs::is_regular_file(p)) << p << ": reported as mapped but not a file";
    openblas_file |= p.filename().string().find("openblas") != std::string::npos;
  }
  EXPECT_TRUE(openblas_file) << blas.dump();
  EXPECT_NE(blas.value("openblas_config", "").find("OpenBLAS"), std::string::npos) << blas.dump();
}

// The thread environment is what this process's environment holds when doctor runs, and the
// OMP_WAIT_POLICY warning follows it.
TEST(Doctor, ThreadEnvironmentIsReadFromTheProcess) {
  {
    ScopedEnv a("OMP_WAIT_POLICY", "PASSIVE"), b("OMP_NUM_THREADS", "3"), c("OPENBLAS_NUM_THREADS", std::nullopt),
        d("MKL_NUM_THREADS", "7");
    auto r = doctor_report();
    const auto& env = r["thread_environment"];
    EXPECT_EQ(env.size(), 4u) << env.dump();
    EXPECT_EQ(env["OMP_WAIT_POLICY"], "PASSIVE");
    EXPECT_EQ(env["OMP_NUM_THREADS"], "3");
    EXPECT_TRUE(env["OPENBLAS_NUM_THREADS"].is_null()) << env.dump();
    EXPECT_EQ(env["MKL_NUM_THREADS"], "7");
    EXPECT_FALSE(has_warning_containing(r, "OMP_WAIT_POLICY")) << r["warnings"].dump();
    std::string text = format_doctor_report(r);
    EXPECT_NE(text.find("MKL_NUM_THREADS=7 OMP_NUM_THREADS=3 OMP_WAIT_POLICY=PASSIVE OPENBLAS_NUM_THREADS=(unset)"),
              std::string::npos)
        << text;
  }
  {
    ScopedEnv a("OMP_WAIT_POLICY", std::nullopt), b("OPENBLAS_NUM_THREADS", "1");
    auto r = doctor_report();
    EXPECT_TRUE(r["thread_environment"]["OMP_WAIT_POLICY"].is_null());
    EXPECT_EQ(r["thread_environment"]["OPENBLAS_NUM_THREADS"], "1");
    EXPECT_TRUE(has_warning_containing(r, "OMP_WAIT_POLICY is unset")) << r["warnings"].dump();
    EXPECT_TRUE(r["usable"].get<bool>());  // a warning, not a problem
  }
}

// Dataset facts name folders that hold the dataset's files, follow KILN_DATA_DIR, and report a
// broken folder instead of the default copy.
TEST(Doctor, DatasetFactsMatchTheFilesOnDisk) {
  ScopedEnv unset("KILN_DATA_DIR", std::nullopt);
  auto r = doctor_report();
  ASSERT_EQ(r["datasets"].size(), dataset_names().size()) << r["datasets"].dump();
  for (const auto& name : dataset_names()) {
    const auto& d = dataset_entry(r, name);
    ASSERT_TRUE(d["found"].get<bool>()) << d.dump() << " (a declared dependency)";
    fs::path dir = d["path"].get<std::string>();
    EXPECT_EQ(dir, *locate_dataset(name).dir);
    // The test split's files are there, plain or gzipped, with either naming style.
    for (const char* f : {"t10k-images", "t10k-labels", "train-images", "train-labels"}) {
      bool present = false;
      for (const auto& e : fs::directory_iterator(dir))
        present |= e.path().filename().string().rfind(f, 0) == 0 && e.is_regular_file();
      EXPECT_TRUE(present) << dir << " has no " << f << " file";
    }
    EXPECT_EQ(load_dataset(name, Split::kTest).count, 10000) << name;
  }
  EXPECT_FALSE(has_warning_containing(r, "not found")) << r["warnings"].dump();

  // KILN_DATA_DIR/<name> with the four files (copied from the real MNIST) is what doctor reports.
  fs::path root = testing::fresh_temp_dir("doctor_data");
  fs::path mine = root / "mnist";
  fs::create_directories(mine);
  fs::path real = dataset_entry(r, "mnist")["path"].get<std::string>();
  for (const auto& e : fs::directory_iterator(real))
    if (e.is_regular_file() && e.path().filename().string().find("-ubyte") != std::string::npos)
      fs::copy_file(e.path(), mine / e.path().filename());
  {
    ScopedEnv env("KILN_DATA_DIR", root.string());
    auto r2 = doctor_report();
    EXPECT_EQ(dataset_entry(r2, "mnist")["path"], mine.string()) << r2["datasets"].dump();
    EXPECT_EQ(dataset_entry(r2, "fashion-mnist")["path"], dataset_entry(r, "fashion-mnist")["path"]);
    // One file removed: the folder is broken; doctor names the missing file and warns.
    fs::remove(mine / "t10k-labels-idx1-ubyte");
    auto r3 = doctor_report();
    const auto& d = dataset_entry(r3, "mnist");
    EXPECT_FALSE(d["found"].get<bool>()) << d.dump();
    EXPECT_NE(d.value("how_to_get", "").find("t10k-labels-idx1-ubyte"), std::string::npos) << d.dump();
    EXPECT_TRUE(has_warning_containing(r3, "dataset mnist not found")) << r3["warnings"].dump();
  }
  fs::remove_all(root);
}

}  // namespace kiln
