#pragma once
// Every pass kiln has, one file each under optimize/passes/. To add one: write the file with a
// function returning its PassInfo, declare it here, list it in registry.cpp and CMake.
#include "optimize/pass.h"

namespace kiln::passes {

PassInfo eliminate_deadend();
PassInfo eliminate_identity();
PassInfo eliminate_nop_dropout();
PassInfo eliminate_nop_transpose();
PassInfo eliminate_nop_pad();
PassInfo eliminate_unused_initializer();
PassInfo eliminate_duplicate_initializer();
PassInfo extract_constant_to_initializer();
PassInfo fuse_add_bias_into_conv();
PassInfo fuse_bn_into_conv();
PassInfo fuse_matmul_add_bias_into_gemm();
PassInfo fuse_consecutive_transposes();
PassInfo fuse_transpose_into_gemm();
PassInfo fuse_pad_into_conv();
PassInfo fold_constants();

}  // namespace kiln::passes
