#include "doctor/machine_facts.h"

#include <cpuinfo.h>
#include <dlfcn.h>
#include <link.h>

#include <climits>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>

#include "common/error.h"
#include "data/dataset.h"

namespace kiln {

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
  j["features"] = {
      {"avx2", cpuinfo_has_x86_avx2()},
      {"fma3", cpuinfo_has_x86_fma3()},
      {"f16c", cpuinfo_has_x86_f16c()},
      {"avx512f", cpuinfo_has_x86_avx512f()},
      {"avx512vnni", cpuinfo_has_x86_avx512vnni()},
      {"avx512bf16", cpuinfo_has_x86_avx512bf16()},
      {"avx512fp16", cpuinfo_has_x86_avx512fp16()},
      {"avxvnni", cpuinfo_has_x86_avxvnni()},
      {"amx_bf16", cpuinfo_has_x86_amx_bf16()},
      {"amx_int8", cpuinfo_has_x86_amx_int8()},
  };
  return j;
}

nlohmann::json thread_env_facts() {
  nlohmann::json j;
  for (const char* var : {"OMP_WAIT_POLICY", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"}) {
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
  if (auto fn = reinterpret_cast<ConfigFn>(::dlsym(RTLD_DEFAULT, "openblas_get_config")); fn != nullptr) {
    j["openblas_config"] = std::string(fn());
    openblas = true;
  }
  j["implementation"] = openblas ? "OpenBLAS" : (j["libraries"].empty() ? "none loaded" : "reference or other");
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
    if (loc.dir) d["path"] = loc.dir->string();
    else d["how_to_get"] = loc.how_to_get;
    j.push_back(d);
  }
  return j;
}

}  // namespace kiln
