#include "runtime/model_input_specs.h"

#include <fmt/format.h>

#include "common/error.h"

namespace kiln {

std::vector<InputSpec> specs_from_model(const std::vector<ValueInfo>& inputs, int64_t example_size) {
  std::vector<InputSpec> specs;
  for (const auto& in : inputs) {
    if (!in.supported()) throw Error(fmt::format("input '{}' is {}, which kiln cannot feed", in.name, in.describe()));
    InputSpec spec;
    spec.name = in.name;
    spec.dtype = in.dtype();
    for (size_t d = 0; d < in.shape.size(); ++d) {
      DimSpec dim;
      if (in.shape[d] >= 0) {
        dim.size = in.shape[d];
      } else {
        dim.size = example_size;
        dim.symbol = d < in.symbols.size() && !in.symbols[d].empty() ? in.symbols[d] : fmt::format("{}_d{}", in.name, d);
      }
      spec.dims.push_back(dim);
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

}  // namespace kiln
