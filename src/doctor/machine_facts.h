#pragma once
// Facts about the machine and the process that a user needs to trust later numbers:
// CPU model and ISA features, thread settings, which BLAS is really loaded, datasets.
// `kiln doctor` prints them; benchmark and report files embed them.
#include <nlohmann/json.hpp>

namespace kiln {

// CPU (via cpuinfo): model name, cores, ISA features relevant to fp32/bf16/fp16/int8 speed.
nlohmann::json cpu_facts();
// Environment variables that decide thread behaviour, as this process sees them.
nlohmann::json thread_env_facts();
// The BLAS library actually mapped into this process (resolved path, OpenBLAS config string).
nlohmann::json blas_facts();
// Where each known dataset was found, or how to get it.
nlohmann::json dataset_facts();

}  // namespace kiln
