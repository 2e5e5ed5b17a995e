#pragma once
// Input specs read from a model's own declared inputs, for commands given a model without
// `--input` (pack, validate): every fixed dim static, every symbolic or unnamed dim dynamic.
#include <cstdint>
#include <vector>

#include "runtime/input_spec.h"
#include "runtime/ort_session.h"

namespace kiln {

// Symbolic dims keep their names; an unnamed dynamic dim is named "INPUT_dD". Every dynamic dim
// takes `example_size` (second size: twice it). Throws kiln::Error for an input that is not a
// tensor of a dtype kiln holds, naming it.
std::vector<InputSpec> specs_from_model(const std::vector<ValueInfo>& inputs, int64_t example_size);

}  // namespace kiln
