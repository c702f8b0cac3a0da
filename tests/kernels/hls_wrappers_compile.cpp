// Compiled by the ctest KernelsHls.WrappersCompileAsGeneratedCode (tests/kernels/CMakeLists.txt)
// as the generated top.cpp files are: -std=c++14 -fno-exceptions -fno-rtti -Wall -Wextra
// -Wpedantic -Werror, against the C-simulation shim (kernels/hls/shim/). One top function per
// wrapper of kernels/hls/galapagos_kernels.h, on the tiny kernels of hls_tiny_kernels.h.
#include "hls_tiny_kernels.h"
#include "kernels/hls/galapagos_kernels.h"

namespace hk = atl::kernels::hls;

void tiny_lin(hk::BeatStream& in_r, hk::BeatStream& out_r) {
  hk::linear_act_kernel<tiny::lin_params, tiny::lin_linear_0, tiny::lin_quant_act_1,
                        tiny::lin_weights>(in_r, out_r);
}
void tiny_ffn1(hk::BeatStream& in_r, hk::BeatStream& out_r) {
  hk::linear_gelu_act_kernel<tiny::ffn1_params, tiny::ffn1_linear_0, tiny::ffn1_gelu_1,
                             tiny::ffn1_quant_act_2, tiny::ffn1_weights>(in_r, out_r);
}
void tiny_attn(hk::BeatStream& in_r, hk::BeatStream& out_r) {
  hk::attention_kernel<tiny::attn_params, tiny::attn_attention_matmul_0, tiny::attn_softmax_1,
                       tiny::attn_weights>(in_r, out_r);
}
void tiny_ctx(hk::BeatStream& in_r, hk::BeatStream& out_r) {
  hk::context_kernel<tiny::ctx_params, tiny::ctx_softmax_matmul_0, tiny::ctx_quant_act_1,
                     tiny::ctx_weights>(in_r, out_r);
}
void tiny_norm(hk::BeatStream& in_r, hk::BeatStream& out_r) {
  hk::norm_kernel<tiny::norm_params, tiny::norm_residual_act_0, tiny::norm_layernorm_1,
                  tiny::norm_quant_act_2, tiny::norm_weights>(in_r, out_r);
}
void tiny_comm(hk::BeatStream& in_r, hk::BeatStream& out_r) {
  hk::comm_kernel<tiny::scatter_params>(in_r, out_r);
  hk::comm_kernel<tiny::gather_params>(in_r, out_r);
  hk::comm_kernel<tiny::bcast_params>(in_r, out_r);
  hk::comm_kernel<tiny::fwd_params>(in_r, out_r);
}
void tiny_gmi(hk::BeatStream& in_r, hk::BeatStream& out_r) {
  hk::gmi_kernel<tiny::gmi_params, tiny::virtual_40_params, tiny::virtual_41_params>(in_r, out_r);
}
