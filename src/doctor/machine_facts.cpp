#include "doctor/machine_facts.h"

#include <cpuinfo.h>
#include <dlfcn.h>
#include <link.h>

#include <climits>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/error.h"
#include "data/dataset.h"

namespace kiln {

CpuFeatures cpu_features() {
  CpuFeatures f;
  if (!cpuinfo_initialize()) return f;
  f.avx2 = cpuinfo_has_x86_avx2();
  f.fma3 = cpuinfo_has_x86_fma3();
  f.f16c = cpuinfo_has_x86_f16c();
  f.avx512f = cpuinfo_has_x86_avx512f();
  f.avx512vnni = cpuinfo_has_x86_avx512vnni();
  f.avx512bf16 = cpuinfo_has_x86_avx512bf16();
  f.avx512fp16 = cpuinfo_has_x86_avx512fp16();
  f.avxvnni = cpuinfo_has_x86_avxvnni();
  f.amx_bf16 = cpuinfo_has_x86_amx_bf16();
  f.amx_int8 = cpuinfo_has_x86_amx_int8();
  return f;
}

nlohmann::json cpu_facts() {
  nlohmann::json j;
  if (!cpuinfo_initialize()) {
    j["error"] = "cpuinfo could not read this CPU (is /proc mounted?)";
    j["logical_cpus"] = std::thread::hardware_concurrency();
    return j;
  }
  const cpuinfo_package* pkg = cpuinfo_get_package(0);
  j["model"] = pkg != nullptr ? std::string(pkg->name) : "unknown";
  j["cores"] = cpuinfo_get_cores_count();
  j["logical_cpus"] = cpuinfo_get_processors_count();
  j["features"] = cpu_features();
  return j;
}

std::string cpu_summary() {
  nlohmann::json cpu = cpu_facts();
  std::vector<std::string> features;
  if (cpu.contains("features"))
    for (const auto& [k, v] : cpu["features"].items())
      if (v.is_boolean() && v.get<bool>()) features.push_back(k);
  return fmt::format("{}, {} cores, {}", cpu.value("model", "unknown CPU"), cpu.value("cores", 0),
                     fmt::join(features, " "));
}

nlohmann::json thread_env_facts() {
  nlohmann::json j;
  for (const char* var :
       {"OMP_WAIT_POLICY", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"}) {
    const char* v = std::getenv(var);
    j[var] = v != nullptr ? nlohmann::json(std::string(v)) : nlohmann::json(nullptr);
  }
  return j;
}

namespace {

int collect_library(dl_phdr_info* info, size_t, void* data) {
  auto* libs = static_cast<std::set<std::string>*>(data);
  if (info->dlpi_name != nullptr && info->dlpi_name[0] != '\0') libs->insert(info->dlpi_name);
  return 0;
}

}  // namespace

nlohmann::json blas_facts() {
  std::set<std::string> libs;
  dl_iterate_phdr(collect_library, &libs);
  nlohmann::json j;
  j["libraries"] = nlohmann::json::array();
  bool openblas = false;
  for (const auto& lib : libs) {
    if (lib.find("blas") == std::string::npos && lib.find("lapack") == std::string::npos) continue;
    char resolved[PATH_MAX];
    std::string real = ::realpath(lib.c_str(), resolved) != nullptr ? resolved : lib;
    j["libraries"].push_back(real);
    if (real.find("openblas") != std::string::npos) openblas = true;
  }
  using ConfigFn = char* (*)();
  if (auto fn = reinterpret_cast<ConfigFn>(::dlsym(RTLD_DEFAULT, "openblas_get_config"));
      fn != nullptr) {
    j["openblas_config"] = std::string(fn());
    openblas = true;
  }
  j["implementation"] =
      openblas ? "OpenBLAS" : (j["libraries"].empty() ? "none loaded" : "reference or other");
  j["is_openblas"] = openblas;
  return j;
}

nlohmann::json dataset_facts() {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& name : dataset_names()) {
    DatasetLocation loc;
    try {
      loc = locate_dataset(name);
    } catch (const Error& e) {  // a broken folder on the search path: doctor reports it
      loc.how_to_get = e.what();
    }
    nlohmann::json d{{"name", name}, {"found", loc.dir.has_value()}};
    if (loc.dir)
      d["path"] = loc.dir->string();
    else
      d["how_to_get"] = loc.how_to_get;
    j.push_back(d);
  }
  return j;
}

namespace {

std::string str(const nlohmann::json& j, const char* key, const std::string& fallback = "?") {
  if (!j.is_object() || !j.contains(key)) return fallback;
  const nlohmann::json& v = j[key];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

}  // namespace

std::string machine_facts_lines(const nlohmann::json& m, const std::string& b) {
  std::string out;
  if (!m.is_object()) return out;
  if (m.contains("cpu")) {
    const nlohmann::json& c = m["cpu"];
    std::vector<std::string> feats;
    if (c.contains("features") && c["features"].is_object())
      for (const auto& [k, v] : c["features"].items())
        if (v.is_boolean() && v.get<bool>()) feats.push_back(k);
    out += fmt::format("{}CPU: {}, {} cores, {} logical CPUs; {}\n", b, str(c, "model"),
                       str(c, "cores"), str(c, "logical_cpus"), fmt::join(feats, " "));
  }
  if (m.contains("loadavg_before"))
    out += fmt::format("{}load average (1/5/15 min): before {}, after {}\n", b,
                       str(m, "loadavg_before"), str(m, "loadavg_after"));
  if (m.contains("thread_environment")) {
    std::vector<std::string> env;
    for (const auto& [k, v] : m["thread_environment"].items())
      env.push_back(k + "=" +
                    (v.is_string() ? v.get<std::string>()
                     : v.is_null() ? "(unset)"
                                   : v.dump()));
    out += fmt::format("{}thread environment: {}\n", b, fmt::join(env, ", "));
  }
  if (m.contains("blas"))
    out += fmt::format("{}BLAS: {} {}\n", b, str(m["blas"], "implementation"),
                       str(m["blas"], "openblas_config", ""));
  if (m.contains("onnxruntime"))
    out += fmt::format("{}ONNX Runtime {}; providers {}\n", b, str(m["onnxruntime"], "version"),
                       str(m["onnxruntime"], "providers"));
  if (m.contains("libtorch"))
    out += fmt::format("{}LibTorch {}; parallel backend {}\n", b, str(m["libtorch"], "version"),
                       str(m["libtorch"], "parallel_backend"));
  return out;
}

}  // namespace kiln
