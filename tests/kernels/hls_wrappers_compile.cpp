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

// The knobs and sizes of the six-FPGA example's kernels (examples/plans/ibert-encoder-6fpga.json:
// kern_1 q, kern_4 attention, kern_16 context, kern_28 out_proj, kern_29 ln_attn, kern_30 ffn1,
// kern_31 ffn2, kern_35 scatter, kern_37 gather): the wrappers' static_asserts accept them and
// the static buffers fit. Weights are declared only (this file is compiled, not linked).
namespace six {

enum atoll_op { ATOLL_FORWARD = 0, ATOLL_BROADCAST = 1, ATOLL_SCATTER = 2, ATOLL_GATHER = 3 };

struct one_dest {
  static const unsigned cluster = 0, num_dests = 1, num_srcs = 2, seq_len = 128;
  static unsigned dest_id(unsigned) { return 40; }
  static int dest_cluster(unsigned) { return 0; }
  static unsigned src_id(unsigned i) { return 41 + i; }
  static int src_cluster(unsigned) { return 0; }
};
template <unsigned ID, unsigned OUT_ROW_BYTES>
struct params : one_dest {
  static const unsigned id = ID, out_row_bytes = OUT_ROW_BYTES;
};
template <unsigned M_, unsigned K_, unsigned TILE, unsigned PE, unsigned UNROLL>
struct stage {
  static const unsigned M = M_, K = K_, NUM_TILE = TILE, NUM_PE = PE, UNROLL_FACTOR = UNROLL;
};
struct weights {
  static const std::int8_t weight[];
  static const std::int32_t bias[];
  static const std::int64_t act_m[], gelu_b[], gelu_c[], gelu_shift[], ident_m[], ln_bias[];
  static const int act_e[], ident_e[];
  static const int act_count = 1, act_out_bits = 8, gelu_count = 1, gelu_k = 14;
  static const int ident_count = 1, ident_out_bits = 32, ln_shift = 0;
  static const std::int64_t softmax_x0 = -1000, softmax_b = 1, softmax_c = 1, softmax_m = 1;
  static const int softmax_n = 30, softmax_e = 1;
};
struct weights32 : weights {  // a quant_act to int32
  static const int act_out_bits = 32;
};
template <unsigned ID, atoll_op OP, unsigned DESTS, unsigned SRCS, unsigned ROW>
struct comm {
  static const unsigned id = ID, cluster = 0, num_dests = DESTS, num_srcs = SRCS, seq_len = 128;
  static const atoll_op op = OP;
  static const unsigned in_row_bytes = ROW;
  static unsigned dest_id(unsigned i) { return 4 + i; }
  static int dest_cluster(unsigned) { return 0; }
  static unsigned src_id(unsigned i) { return 16 + i; }
  static int src_cluster(unsigned) { return 0; }
};

}  // namespace six

void six_fpga(hk::BeatStream& in_r, hk::BeatStream& out_r) {
  using six::stage;
  hk::linear_act_kernel<six::params<1, 768>, stage<768, 768, 2, 6, 1>, stage<768, 0, 1, 1, 4>,
                        six::weights>(in_r, out_r);
  hk::attention_kernel<six::params<4, 128>, stage<128, 64, 1, 2, 1>, stage<128, 0, 1, 1, 2>,
                       six::weights>(in_r, out_r);
  hk::context_kernel<six::params<16, 64>, stage<128, 64, 1, 2, 1>, stage<64, 0, 1, 1, 4>,
                     six::weights>(in_r, out_r);
  hk::linear_act_kernel<six::params<28, 3072>, stage<768, 768, 4, 12, 1>, stage<768, 0, 1, 1, 4>,
                        six::weights32>(in_r, out_r);
  hk::norm_kernel<six::params<29, 768>, stage<768, 128, 1, 1, 16>, stage<768, 0, 1, 1, 16>,
                  stage<768, 0, 1, 1, 4>, six::weights>(in_r, out_r);
  hk::linear_gelu_act_kernel<six::params<30, 3072>, stage<3072, 768, 4, 12, 1>,
                             stage<3072, 0, 1, 1, 4>, stage<3072, 0, 1, 1, 4>, six::weights>(in_r,
                                                                                             out_r);
  hk::linear_act_kernel<six::params<31, 3072>, stage<768, 3072, 4, 12, 1>, stage<768, 0, 1, 1, 4>,
                        six::weights32>(in_r, out_r);
  hk::comm_kernel<six::comm<35, six::ATOLL_SCATTER, 12, 1, 768>>(in_r, out_r);
  hk::comm_kernel<six::comm<37, six::ATOLL_GATHER, 1, 12, 64>>(in_r, out_r);
}
