#include "doctor/doctor.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "doctor/machine_facts.h"
#include "doctor/onnx_facts.h"
#include "doctor/torch_facts.h"

namespace kiln {

nlohmann::json doctor_report() {
  nlohmann::json r;
  r["kiln_version"] = KILN_VERSION;
  r["libtorch"] = torch_facts();
  r["onnxruntime"] = onnx_runtime_facts();
  r["onnx"] = {{"version", onnx_library_version()}};
  r["cpu"] = cpu_facts();
  r["thread_environment"] = thread_env_facts();
  r["blas"] = blas_facts();
  r["datasets"] = dataset_facts();
  nlohmann::json problems = nlohmann::json::array(), warnings = nlohmann::json::array();
  bool cpu_provider = false;
  for (const auto& p : r["onnxruntime"]["providers"]) cpu_provider |= p == "CPUExecutionProvider";
  if (!cpu_provider) problems.push_back("ONNX Runtime has no CPUExecutionProvider");
  if (r["libtorch"]["quantized_engines"].empty())
    problems.push_back("LibTorch has no quantized engine (QNNPACK/ONEDNN)");
  if (r["cpu"].contains("error")) problems.push_back(r["cpu"]["error"]);
  if (!r["blas"]["is_openblas"].get<bool>()) {
    warnings.push_back(
        "LibTorch is not using OpenBLAS: fp32 matmul may be ~26x slower (install "
        "libopenblas0-pthread)");
  }
  if (r["thread_environment"]["OMP_WAIT_POLICY"].is_null()) {
    warnings.push_back(
        "OMP_WAIT_POLICY is unset: LibTorch's OpenMP and OpenBLAS thread pools may spin against "
        "each other");
  }
  for (const auto& d : r["datasets"]) {
    if (!d["found"].get<bool>())
      warnings.push_back(fmt::format("dataset {} not found: {}", d["name"].get<std::string>(),
                                     d["how_to_get"].get<std::string>()));
  }
  r["problems"] = problems;
  r["warnings"] = warnings;
  r["usable"] = problems.empty();
  return r;
}

std::vector<std::string> doctor_problems(const nlohmann::json& report) {
  return report.at("problems").get<std::vector<std::string>>();
}

std::string format_doctor_report(const nlohmann::json& r) {
  std::string out;
  auto line = [&](const std::string& k, const std::string& v) {
    out += fmt::format("{:<22}{}\n", k, v);
  };
  line("kiln", r["kiln_version"].get<std::string>());
  line("LibTorch", r["libtorch"]["version"].get<std::string>());
  line("ONNX Runtime", r["onnxruntime"]["version"].get<std::string>());
  line("ONNX", r["onnx"]["version"].get<std::string>());
  line("ORT providers",
       fmt::format("{}",
                   fmt::join(r["onnxruntime"]["providers"].get<std::vector<std::string>>(), ", ")));
  line("quantized engines",
       fmt::format(
           "{}",
           fmt::join(r["libtorch"]["quantized_engines"].get<std::vector<std::string>>(), ", ")));
  const auto& cpu = r["cpu"];
  if (cpu.contains("model")) {
    line("CPU", fmt::format("{} ({} cores, {} logical)", cpu["model"].get<std::string>(),
                            cpu["cores"].get<int>(), cpu["logical_cpus"].get<int>()));
    std::vector<std::string> on, off;
    for (const auto& [k, v] : cpu["features"].items()) (v.get<bool>() ? on : off).push_back(k);
    line("ISA features", fmt::format("{}", fmt::join(on, " ")));
    line("missing features", off.empty() ? "none" : fmt::format("{}", fmt::join(off, " ")));
  } else {
    line("CPU", cpu["error"].get<std::string>());
  }
  const auto& lt = r["libtorch"];
  line("LibTorch threads",
       fmt::format("intra-op {}, inter-op {} ({})", lt["intra_op_threads"].get<int>(),
                   lt["inter_op_threads"].get<int>(), lt["parallel_backend"].get<std::string>()));
  std::vector<std::string> env;
  for (const auto& [k, v] : r["thread_environment"].items())
    env.push_back(k + "=" + (v.is_null() ? "(unset)" : v.get<std::string>()));
  line("thread environment", fmt::format("{}", fmt::join(env, " ")));
  const auto& blas = r["blas"];
  std::string blas_desc = blas["implementation"].get<std::string>();
  if (blas.contains("openblas_config"))
    blas_desc += " (" + blas["openblas_config"].get<std::string>() + ")";
  if (!blas["libraries"].empty()) blas_desc += ", " + blas["libraries"][0].get<std::string>();
  line("BLAS", blas_desc);
  for (const auto& d : r["datasets"]) {
    line("dataset " + d["name"].get<std::string>(),
         d["found"].get<bool>() ? d["path"].get<std::string>()
                                : "not found: " + d["how_to_get"].get<std::string>());
  }
  for (const auto& w : r["warnings"]) out += "warning: " + w.get<std::string>() + "\n";
  for (const auto& p : r["problems"]) out += "problem: " + p.get<std::string>() + "\n";
  out += r["usable"].get<bool>() ? "toolchain: usable\n" : "toolchain: NOT usable\n";
  return out;
}

}  // namespace kiln
