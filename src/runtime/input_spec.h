#pragma once
// What a model takes, as a user declares it: `--input NAME:DTYPE:DIMS`, e.g.
// `tokens:int64:batch=2xseq=16`. Each dim is static (`16`) or dynamic with an example size
// (`seq=16`). The exporter names graph inputs and symbolic axes from it; the runners make example
// tensors from it. No LibTorch here.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/shape.h"
#include "tensor/host_tensor.h"

namespace kiln {

struct DimSpec {
  int64_t size = 1;    // the example size
  std::string symbol;  // empty: static
  bool dynamic() const { return !symbol.empty(); }
  bool operator==(const DimSpec&) const = default;
};

struct InputSpec {
  std::string name;
  DType dtype = DType::Float32;
  std::vector<DimSpec> dims;

  Shape example_shape() const;
  // The shape with every dynamic dim at a second size (example + 1), to prove no size was baked in.
  Shape second_shape() const;
  bool operator==(const InputSpec&) const = default;
};

// Parses NAME:DTYPE:DIMS (DTYPE: float32, float16, int64, int32, bool; DIMS `x`-separated, each N
// or SYMBOL=N). Throws kiln::Error about the value (callers word it in terms of their flags).
InputSpec parse_input_spec(const std::string& text);
std::string format_input_spec(const InputSpec& spec);
// The legacy single-float-input form: `--input-shape 1x1x28x28`, dim 0 dynamic ("batch") unless
// static_batch.
InputSpec input_spec_from_shape(const Shape& shape, const std::string& name, bool static_batch);
// Checks a list: at least one, unique non-empty names, one size per symbol (a symbol used twice
// must have the same example size).
void validate_input_specs(const std::vector<InputSpec>& specs);

// Seeded example tensors for the specs (at the example sizes, or the second ones): floats normal,
// ints in [0, 10) (valid token ids for a vocabulary of ten or more), bools random. The same values
// on every engine, so two models can be compared on them.
std::vector<HostTensor> random_inputs_for(const std::vector<InputSpec>& specs, bool second, uint64_t seed);

void to_json(nlohmann::json& j, const InputSpec& spec);
void from_json(const nlohmann::json& j, InputSpec& spec);

}  // namespace kiln
