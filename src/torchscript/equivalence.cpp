#include "torchscript/equivalence.h"

#include <limits>

#include <torch/torch.h>

namespace kiln {

Difference compare_outputs(const torch::Tensor& reference, const torch::Tensor& candidate) {
  Difference d;
  if (reference.sizes() != candidate.sizes()) {
    d.shapes_match = false;
    d.relative_l2 = d.mean_abs = d.max_abs = std::numeric_limits<double>::infinity();
    d.top1_agreement = 0;
    return d;
  }
  auto ref = reference.to(torch::kFloat64);
  auto diff = ref - candidate.to(torch::kFloat64);
  double ref_norm = ref.norm().item<double>();
  double diff_norm = diff.norm().item<double>();
  d.relative_l2 = ref_norm > 0 ? diff_norm / ref_norm : diff_norm;
  d.mean_abs = diff.abs().mean().item<double>();
  d.max_abs = diff.abs().max().item<double>();
  if (reference.dim() == 2 && reference.size(0) > 0) {
    d.top1_agreement = reference.argmax(1).eq(candidate.argmax(1)).to(torch::kFloat64).mean().item<double>();
  }
  return d;
}

}  // namespace kiln
