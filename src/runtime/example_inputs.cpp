#include "runtime/example_inputs.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "common/error.h"

namespace kiln {

HostTensor tile_dim(const HostTensor& t, size_t dim, int64_t size) {
  Shape shape = t.shape;
  int64_t n = shape.at(dim);
  if (n <= 0) throw Error(fmt::format("input '{}': cannot tile an empty dim", t.name));
  shape[dim] = size;
  HostTensor out(t.name, t.dtype, shape);
  int64_t outer = 1, inner = static_cast<int64_t>(dtype_size(t.dtype));
  for (size_t i = 0; i < dim; ++i) outer *= t.shape[i];
  for (size_t i = dim + 1; i < t.shape.size(); ++i) inner *= t.shape[i];
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t k = 0; k < size; ++k) {
      const char* src = t.data.data() + (o * n + k % n) * inner;
      char* dst = out.data.data() + (o * size + k) * inner;
      std::copy(src, src + inner, dst);
    }
  }
  return out;
}

ExampleSet match_example_inputs(const std::vector<InputSpec>& specs, std::vector<HostTensor> loaded, const std::string& what) {
  bool named = !loaded.empty();
  for (const auto& t : loaded) named &= !t.name.empty();
  if (loaded.size() != specs.size()) {
    throw Error(fmt::format("{}: {} tensors for {} declared inputs", what, loaded.size(), specs.size()));
  }
  ExampleSet set;
  set.specs = specs;
  std::map<std::string, int64_t> symbols;
  for (size_t i = 0; i < specs.size(); ++i) {
    const auto& spec = specs[i];
    HostTensor t;
    if (named) {
      auto it = std::find_if(loaded.begin(), loaded.end(), [&](const HostTensor& x) { return x.name == spec.name; });
      if (it == loaded.end()) {
        // np.savez(a, b) names members arr_0, arr_1 ...: those count as positions
        auto pos = std::find_if(loaded.begin(), loaded.end(), [&](const HostTensor& x) { return x.name == fmt::format("arr_{}", i); });
        if (pos == loaded.end()) throw Error(fmt::format("{}: no tensor named '{}' (the file names {})", what, spec.name, [&] {
                                                            std::string names;
                                                            for (const auto& x : loaded) names += (names.empty() ? "" : ", ") + x.name;
                                                            return names;
                                                          }()));
        it = pos;
      }
      t = *it;
    } else {
      t = loaded[i];
    }
    t.name = spec.name;
    if (t.dtype != spec.dtype) {
      throw Error(fmt::format("{}: input '{}' is {} in the file and declared {}", what, spec.name, dtype_name(t.dtype), dtype_name(spec.dtype)));
    }
    if (t.shape.size() != spec.dims.size()) {
      throw Error(fmt::format("{}: input '{}' has {} dims in the file ({}) and {} declared", what, spec.name, t.shape.size(),
                              format_shape(t.shape), spec.dims.size()));
    }
    auto& dims = set.specs[i].dims;
    for (size_t d = 0; d < dims.size(); ++d) {
      int64_t got = t.shape[d];
      if (!dims[d].dynamic()) {
        if (got != dims[d].size) {
          throw Error(fmt::format("{}: input '{}' dim {} is {} in the file and declared static {}", what, spec.name, d, got, dims[d].size));
        }
        continue;
      }
      if (got <= 0) throw Error(fmt::format("{}: input '{}' dim {} ('{}') is empty in the file", what, spec.name, d, dims[d].symbol));
      auto [it, fresh] = symbols.emplace(dims[d].symbol, got);
      if (!fresh && it->second != got) {
        throw Error(fmt::format("{}: dim '{}' is {} in one input and {} in input '{}'", what, dims[d].symbol, it->second, got, spec.name));
      }
      if (dims[d].second == 0) dims[d].second = 2 * got;
      else if (dims[d].second == got) {
        throw Error(fmt::format("{}: dim '{}' has the file's size {} as its second size; name another (SYMBOL=N/M)", what,
                                dims[d].symbol, got));
      }
      dims[d].size = got;
    }
    t.check(what);
    set.first.push_back(t);
  }
  validate_input_specs(set.specs);
  for (size_t i = 0; i < set.first.size(); ++i) {
    HostTensor s = set.first[i];
    const auto& dims = set.specs[i].dims;
    for (size_t d = 0; d < dims.size(); ++d)
      if (dims[d].dynamic()) s = tile_dim(s, d, dims[d].second_size());
    set.second.push_back(std::move(s));
  }
  return set;
}

void use_second_example(ExampleSet& set, std::vector<HostTensor> loaded, const std::string& what) {
  // The first-size specs with every dynamic dim's second size free: the file sets it.
  std::vector<InputSpec> specs = set.specs;
  for (auto& s : specs)
    for (auto& d : s.dims) d.second = 0;
  ExampleSet second = match_example_inputs(specs, std::move(loaded), what);
  for (size_t i = 0; i < set.specs.size(); ++i) {
    auto& dims = set.specs[i].dims;
    for (size_t d = 0; d < dims.size(); ++d) {
      if (!dims[d].dynamic()) continue;
      int64_t got = second.specs[i].dims[d].size;
      if (got == dims[d].size) {
        throw Error(fmt::format("{}: dim '{}' is {} here as in the example: the second size must differ from it", what,
                                dims[d].symbol, got));
      }
      if (dims[d].second != 0 && dims[d].second != got && dims[d].second != 2 * dims[d].size) {
        throw Error(fmt::format("{}: dim '{}' is {} here and declared {}/{}", what, dims[d].symbol, got, dims[d].size,
                                dims[d].second));
      }
      dims[d].second = got;
    }
  }
  set.second = std::move(second.first);
}

}  // namespace kiln
