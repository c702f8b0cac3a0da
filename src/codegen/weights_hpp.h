// kern_<id>/weights.hpp: the constants of one IP, cut to its tensor-parallel part, as the
// wrappers of kernels/hls/galapagos_kernels.h read them ("W, the kernel's weights struct"): a
// struct kern_<id>_weights in namespace cluster_<C> whose static members are, per stage,
//   linear        weight[] (M x K int8, row-major [M][K]), bias[] (M int32)
//   quant_act     act_m[], act_e[], act_count (1 or M), act_out_bits
//   gelu          gelu_b[], gelu_c[], gelu_shift[], gelu_count (1 or M), gelu_k
//   softmax       softmax_x0, softmax_b, softmax_c, softmax_m, softmax_n, softmax_e
//   residual_act  ident_m[], ident_e[], ident_count (1 or M), ident_out_bits (the identity's m1,
//   e1) layernorm     ln_shift, ln_bias[] (M)
// from platform::stage_params / stage_linear, i.e. the same tables the software nodes run with.
// Scalars are in-class constants; arrays are defined after the struct (int8 weights as string
// literals, codegen/c_array.h). An IP without weights (comm, bypass, kernel 0) gets a header
// that says so and defines nothing. Includes only <cstdint>; C++11.
#pragma once

#include <string>

#include "codegen/cluster_view.h"
#include "model/weights.h"
#include "plan/galapagos.h"
#include "plan/plan.h"

namespace atl::codegen {

// Throws core::Error (platform::stage_params) naming the kernel when the weights do not hold
// its layer, head or part.
std::string weights_hpp(const plan::Plan& plan, const ClusterView& view,
                        const plan::GalapagosKernel& kernel, const model::EncoderWeights& weights);

}  // namespace atl::codegen
