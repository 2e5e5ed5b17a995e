#pragma once
// What a model takes, as a user declares it: `--input NAME:DTYPE:DIMS[:LO..HI]`, e.g.
// `tokens:int64:batch=2xseq=16:0..30000`. Each dim is static (`16`) or dynamic with an example
// size (`seq=16`) and optionally the second size the export is verified at (`seq=16/24`; twice the
// example by default, which keeps any divisibility the example has). LO..HI is the range random
// example values are drawn from ([LO, HI) for ints; [LO, HI) uniform for floats). The exporter
// names graph inputs and symbolic axes from it; the runners make example tensors from it. No
// LibTorch here.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/shape.h"
#include "tensor/host_tensor.h"

namespace kiln {

struct DimSpec {
  int64_t size = 1;    // the example size
  std::string symbol;  // empty: static
  int64_t second = 0;  // the second verification size; 0: twice the example
  bool dynamic() const { return !symbol.empty(); }
  int64_t second_size() const { return !dynamic() ? size : second > 0 ? second : 2 * size; }
  bool operator==(const DimSpec&) const = default;
};

// The values random example inputs are drawn from.
struct ValueRange {
  double low = 0, high = 0;
  bool operator==(const ValueRange&) const = default;
};

struct InputSpec {
  std::string name;
  DType dtype = DType::Float32;
  std::vector<DimSpec> dims;
  std::optional<ValueRange> range;  // default: ints in [0, 10), floats standard normal

  Shape example_shape() const;
  // The shape with every dynamic dim at its second size, to prove no size was baked in.
  Shape second_shape() const;
  bool operator==(const InputSpec&) const = default;
};

// Parses NAME:DTYPE:DIMS[:LO..HI] (DTYPE: float32, float16, float64, int64, int32, int16, int8, uint8, bool; DIMS
// `x`-separated, each N, SYMBOL=N or SYMBOL=N/M). Throws kiln::Error about the value (callers word
// it in terms of their flags).
InputSpec parse_input_spec(const std::string& text);
std::string format_input_spec(const InputSpec& spec);
// The legacy single-float-input form: `--input-shape 1x1x28x28`, dim 0 dynamic ("batch") unless
// static_batch.
InputSpec input_spec_from_shape(const Shape& shape, const std::string& name, bool static_batch);
// Checks a list: at least one, unique non-empty names, one size per symbol (a symbol used twice
// must have the same example size and second size).
void validate_input_specs(const std::vector<InputSpec>& specs);

// Seeded example tensors for the specs (at the example sizes, or the second ones): floats normal,
// ints in [0, 10) (valid token ids for a vocabulary of ten or more), bools random; a spec's range
// overrides the numbers. The same values
// on every engine, so two models can be compared on them.
std::vector<HostTensor> random_inputs_for(const std::vector<InputSpec>& specs, bool second, uint64_t seed);

// The symbol that names the batch: "batch" when a spec uses it, else the symbol of the first
// input's dim 0 when that dim is dynamic; "" when neither (no batch to vary).
std::string batch_symbol(const std::vector<InputSpec>& specs);
// The specs with every dim named `symbol` at `size` (example and second size alike).
std::vector<InputSpec> with_dim_size(std::vector<InputSpec> specs, const std::string& symbol, int64_t size);

void to_json(nlohmann::json& j, const InputSpec& spec);
void from_json(const nlohmann::json& j, InputSpec& spec);

}  // namespace kiln
