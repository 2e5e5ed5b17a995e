#pragma once
// Facts about the machine and the process that a user needs to trust later numbers:
// CPU model and ISA features, thread settings, which BLAS is really loaded, datasets.
// `kiln doctor` prints them; benchmark and report files embed them.
#include <string>

#include <nlohmann/json.hpp>

namespace kiln {

// The ISA features that decide fp32/bf16/fp16/int8 speed (all false when cpuinfo cannot read the
// CPU).
struct CpuFeatures {
  bool avx2 = false, fma3 = false, f16c = false, avx512f = false, avx512vnni = false,
       avx512bf16 = false, avx512fp16 = false, avxvnni = false, amx_bf16 = false, amx_int8 = false;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CpuFeatures, avx2, fma3, f16c, avx512f, avx512vnni, avx512bf16,
                                   avx512fp16, avxvnni, amx_bf16, amx_int8)
CpuFeatures cpu_features();
// "Intel Xeon, 2 cores, avx2 avx512f …": the CPU in one line, for reports and metadata.
std::string cpu_summary();

// CPU (via cpuinfo): model name, cores, ISA features relevant to fp32/bf16/fp16/int8 speed.
nlohmann::json cpu_facts();
// Environment variables that decide thread behaviour, as this process sees them.
nlohmann::json thread_env_facts();
// The BLAS library actually mapped into this process (resolved path, OpenBLAS config string).
nlohmann::json blas_facts();
// The facts a report embeds under "machine" (cpu, thread_environment, blas, onnxruntime, libtorch,
// loadavg_before/after; any may be absent) as lines starting with `bullet`. Only doctor's files
// read these facts by key.
std::string machine_facts_lines(const nlohmann::json& machine, const std::string& bullet);

// Where each known dataset was found, or how to get it.
nlohmann::json dataset_facts();

}  // namespace kiln
