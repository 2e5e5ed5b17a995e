#include "optimize/registry.h"

#include <fmt/format.h>

#include "common/error.h"
#include "optimize/passes.h"

namespace kiln {

namespace {

std::vector<PassInfo>& registry() {
  static std::vector<PassInfo> passes = {
      passes::eliminate_deadend(),
      passes::eliminate_identity(),
      passes::eliminate_nop_dropout(),
      passes::eliminate_nop_transpose(),
      passes::eliminate_nop_pad(),
      passes::eliminate_unused_initializer(),
      passes::eliminate_duplicate_initializer(),
      passes::extract_constant_to_initializer(),
      passes::fuse_add_bias_into_conv(),
      passes::fuse_bn_into_conv(),
      passes::fuse_matmul_add_bias_into_gemm(),
      passes::fuse_consecutive_transposes(),
      passes::fuse_transpose_into_gemm(),
      passes::fuse_pad_into_conv(),
      passes::fold_constants(),
  };
  return passes;
}

}  // namespace

const std::vector<PassInfo>& all_passes() { return registry(); }

void register_pass(PassInfo pass) {
  for (const auto& p : registry())
    if (p.name == pass.name) throw Error(fmt::format("a pass named '{}' is registered already", pass.name));
  registry().push_back(std::move(pass));
}

const PassInfo& find_pass(const std::string& name) {
  for (const auto& p : all_passes()) {
    if (p.name == name) return p;
  }
  throw UsageError(fmt::format("unknown pass '{}' (see kiln optimize --list-passes)", name));
}

std::vector<std::string> default_pass_names() {
  return {"eliminate_deadend",
          "eliminate_identity",
          "eliminate_nop_dropout",
          "eliminate_nop_transpose",
          "eliminate_nop_pad",
          "eliminate_unused_initializer",
          "eliminate_duplicate_initializer",
          "fuse_add_bias_into_conv",
          "fuse_bn_into_conv"};
}

std::vector<std::string> all_pass_names() {
  std::vector<std::string> names;
  for (const auto& p : all_passes()) names.push_back(p.name);
  return names;
}

}  // namespace kiln
