#pragma once
// Input specs (`--input NAME:DTYPE:DIMS[:LO..HI]`, the public kiln/input_spec.h) and what kiln
// does with them: example tensors, batch symbols. No LibTorch here.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/shape.h"
#include "kiln/input_spec.h"
#include "tensor/host_tensor.h"

namespace kiln {

// DimSpec, ValueRange, InputSpec, parse_input_spec, format_input_spec: the public
// kiln/input_spec.h.

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
