#pragma once
// Example inputs a user already has (`--example FILE`), matched to the declared input specs: by
// name when the file names its tensors (a dict, an .npz), else by position. Dtypes, ranks and
// static dims must agree; each dynamic dim takes its example size from the file. The second
// verification size comes from tiling the example along every dynamic dim (a batch of real token
// ids twice over is still valid token ids; lengths stay within a doubled sequence). No LibTorch.
#include <string>
#include <vector>

#include "runtime/input_spec.h"
#include "tensor/host_tensor.h"

namespace kiln {

struct ExampleSet {
  std::vector<InputSpec> specs;   // the declared specs with the file's example sizes
  std::vector<HostTensor> first;  // the file's tensors, in spec order and named after the specs
  std::vector<HostTensor> second; // tiled to every dynamic dim's second size
};

// `loaded`: tensors named (dict keys, npz members) or unnamed (a tuple, a list, a lone tensor).
// Throws kiln::Error naming `what` (the file) and the input.
ExampleSet match_example_inputs(const std::vector<InputSpec>& specs, std::vector<HostTensor> loaded, const std::string& what);

// `loaded` (a second file, matched to the set's specs like the first) becomes the second-size set:
// each dynamic dim's second size is the file's, which must differ from the example's (a declared
// N/M must agree with it). Throws kiln::Error naming `what` and the input.
void use_second_example(ExampleSet& set, std::vector<HostTensor> loaded, const std::string& what);

// `t` repeated along `dim` to `size` elements (element i is element i mod n of the original).
HostTensor tile_dim(const HostTensor& t, size_t dim, int64_t size);

}  // namespace kiln
