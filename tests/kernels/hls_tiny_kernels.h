// Tiny made-up Galapagos kernels for the wrapper tests (kernels/hls/galapagos_kernels.h): the
// parameter and weights structs a generator would write, by hand, small enough to check every
// value. Included by tests/platform/hls_kernels_test.cpp (run against the software nodes'
// packets and stages) and tests/kernels/hls_wrappers_compile.cpp (compiled as C++14 with
// -fno-exceptions -fno-rtti). Values are fixed pseudo-random numbers (tests/kernels, seed 11).
#pragma once

#include <cstdint>

namespace tiny {

enum atoll_op {
  ATOLL_FORWARD = 0,
  ATOLL_BROADCAST = 1,
  ATOLL_SCATTER = 2,
  ATOLL_GATHER = 3,
  ATOLL_GATHER_BROADCAST = 4
};

// linear -> quant_act (int32 out): kernel 3 of cluster 1, from kernel 2; to kernel 5 (here), kernel
// 6 of cluster 0, the host (ID 9)
struct lin_params {
  static const unsigned id = 3;
  static const unsigned cluster = 1;
  static const unsigned num_dests = 3;
  static const unsigned num_srcs = 1;
  static const unsigned seq_len = 4;
  static const unsigned out_row_bytes = 32;
  static unsigned dest_id(unsigned i) {
    static const unsigned v[] = {5, 6, 9};
    return v[i];
  }
  static int dest_cluster(unsigned i) {
    static const int v[] = {1, 0, -1};
    return v[i];
  }
  static unsigned src_id(unsigned i) {
    static const unsigned v[] = {2};
    return v[i];
  }
  static int src_cluster(unsigned i) {
    static const int v[] = {1};
    return v[i];
  }
};

struct lin_linear_0 {
  static const unsigned M = 8, K = 16, NUM_TILE = 2, NUM_PE = 2, UNROLL_FACTOR = 1;
};
struct lin_quant_act_1 {
  static const unsigned M = 8, K = 0, NUM_TILE = 1, NUM_PE = 1, UNROLL_FACTOR = 4;
};

struct lin_weights {
  static const std::int8_t weight[128];
  static const std::int32_t bias[8];
  static const std::int64_t act_m[1];
  static const int act_e[1];
  static const int act_count = 1, act_out_bits = 32;
};
const std::int8_t lin_weights::weight[128] = {
    8,   15,  9,   8,  12,  17,  -8,  -9, 12,  10,  20,  19,  -9,  -14, 8,   -1,  -11, -15, 14,
    20,  -18, 18,  5,  8,   19,  -10, 19, -20, 13,  -16, -17, -18, -8,  -5,  18,  -19, 9,   0,
    8,   17,  -8,  13, -6,  20,  -2,  11, -20, -15, 9,   -3,  6,   15,  -15, -4,  0,   -6,  12,
    -2,  -19, -16, 16, -14, 5,   -14, -2, 4,   -16, -19, -20, -7,  -7,  -17, 10,  4,   5,   6,
    -16, 16,  20,  -8, -3,  1,   -15, -1, 1,   -20, 6,   -13, -12, -5,  -14, -20, -17, 9,   11,
    -9,  15,  -8,  8,  12,  -8,  -12, 6,  4,   -13, 5,   6,   -7,  -20, -3,  17,  -1,  -19, -7,
    -9,  5,   18,  16, -14, -18, -11, -7, 8,   -4,  -20, 19,  1,   -2};
const std::int32_t lin_weights::bias[8] = {95, -225, -224, -208, -87, 296, -52, -285};
const std::int64_t lin_weights::act_m[1] = {3};
const int lin_weights::act_e[1] = {1};

// linear -> gelu -> quant_act (int8 out, per channel): kernel 4 of cluster 0, from 3, to 7
struct ffn1_params {
  static const unsigned id = 4;
  static const unsigned cluster = 0;
  static const unsigned num_dests = 1;
  static const unsigned num_srcs = 1;
  static const unsigned seq_len = 4;
  static const unsigned out_row_bytes = 8;
  static unsigned dest_id(unsigned i) {
    static const unsigned v[] = {7};
    return v[i];
  }
  static int dest_cluster(unsigned i) {
    static const int v[] = {0};
    return v[i];
  }
  static unsigned src_id(unsigned i) {
    static const unsigned v[] = {3};
    return v[i];
  }
  static int src_cluster(unsigned i) {
    static const int v[] = {0};
    return v[i];
  }
};

struct ffn1_linear_0 {
  static const unsigned M = 8, K = 16, NUM_TILE = 1, NUM_PE = 4, UNROLL_FACTOR = 1;
};
struct ffn1_gelu_1 {
  static const unsigned M = 8, K = 0, NUM_TILE = 1, NUM_PE = 1, UNROLL_FACTOR = 2;
};
struct ffn1_quant_act_2 {
  static const unsigned M = 8, K = 0, NUM_TILE = 1, NUM_PE = 1, UNROLL_FACTOR = 8;
};

struct ffn1_weights {
  static const std::int8_t weight[128];
  static const std::int32_t bias[8];
  static const std::int64_t gelu_b[8], gelu_c[8], gelu_shift[8];
  static const int gelu_count = 8, gelu_k = 10;
  static const std::int64_t act_m[8];
  static const int act_e[8];
  static const int act_count = 8, act_out_bits = 8;
};
const std::int8_t ffn1_weights::weight[128] = {
    18,  3,   3,   19,  9,   -12, 17,  10,  16,  -12, 4,   -9,  20,  -11, -1, -6,  19,  -5,  -8,
    -10, 20,  15,  -8,  4,   10,  18,  -15, 6,   -17, -14, -14, -18, 12,  -4, -5,  5,   -4,  6,
    18,  11,  -2,  13,  -9,  -16, -12, -6,  10,  15,  19,  19,  -16, -3,  -7, -7,  -19, -16, -3,
    6,   8,   -5,  -17, -18, -9,  -2,  3,   13,  16,  -12, -15, 3,   -12, 8,  1,   13,  17,  -12,
    17,  -18, -19, 10,  2,   -1,  -18, -19, 18,  20,  -16, 10,  -16, -1,  0,  -12, -16, -16, 8,
    14,  3,   -18, -12, 1,   2,   -15, 10,  -16, 6,   -19, 11,  16,  -20, 19, 4,   4,   17,  -20,
    18,  -16, -15, -15, 20,  -13, -4,  6,   1,   4,   17,  9,   8,   9};
const std::int32_t ffn1_weights::bias[8] = {254, -215, 231, 226, -270, 17, -211, 192};
const std::int64_t ffn1_weights::gelu_b[8] = {-2909, -2058, -2538, -964,
                                              -1009, -1953, -2954, -1493};
const std::int64_t ffn1_weights::gelu_c[8] = {415655, 250177, 811078, 741474,
                                              312414, 643576, 277845, 890386};
const std::int64_t ffn1_weights::gelu_shift[8] = {-7, 34, 6, 13, -20, -9, 1, 35};
const std::int64_t ffn1_weights::act_m[8] = {1526, 1313, 2264, 1320, 1377, 2074, 1399, 2888};
const int ffn1_weights::act_e[8] = {27, 26, 26, 26, 27, 27, 26, 26};

// attention_matmul -> softmax: kernel 12 of cluster 0, Q from 10, K from 11, to 13
struct attn_params {
  static const unsigned id = 12;
  static const unsigned cluster = 0;
  static const unsigned num_dests = 1;
  static const unsigned num_srcs = 2;
  static const unsigned seq_len = 4;
  static const unsigned out_row_bytes = 4;
  static unsigned dest_id(unsigned i) {
    static const unsigned v[] = {13};
    return v[i];
  }
  static int dest_cluster(unsigned i) {
    static const int v[] = {0};
    return v[i];
  }
  static unsigned src_id(unsigned i) {
    static const unsigned v[] = {10, 11};
    return v[i];
  }
  static int src_cluster(unsigned i) {
    static const int v[] = {0, 0};
    return v[i];
  }
};

struct attn_attention_matmul_0 {
  static const unsigned M = 4, K = 8, NUM_TILE = 1, NUM_PE = 2, UNROLL_FACTOR = 1;
};
struct attn_softmax_1 {
  static const unsigned M = 4, K = 0, NUM_TILE = 1, NUM_PE = 1, UNROLL_FACTOR = 2;
};

struct attn_weights {
  static const std::int64_t softmax_x0 = -10, softmax_b = 20, softmax_c = 100, softmax_m = 1;
  static const int softmax_n = 15, softmax_e = 8;
};

// softmax_matmul -> quant_act: kernel 13 of cluster 0, P from 12, V from 11, to kernel 20 of
// cluster 2
struct ctx_params {
  static const unsigned id = 13;
  static const unsigned cluster = 0;
  static const unsigned num_dests = 1;
  static const unsigned num_srcs = 2;
  static const unsigned seq_len = 4;
  static const unsigned out_row_bytes = 8;
  static unsigned dest_id(unsigned i) {
    static const unsigned v[] = {20};
    return v[i];
  }
  static int dest_cluster(unsigned i) {
    static const int v[] = {2};
    return v[i];
  }
  static unsigned src_id(unsigned i) {
    static const unsigned v[] = {12, 11};
    return v[i];
  }
  static int src_cluster(unsigned i) {
    static const int v[] = {0, 0};
    return v[i];
  }
};

struct ctx_softmax_matmul_0 {
  static const unsigned M = 4, K = 8, NUM_TILE = 1, NUM_PE = 2, UNROLL_FACTOR = 1;
};
struct ctx_quant_act_1 {
  static const unsigned M = 8, K = 0, NUM_TILE = 1, NUM_PE = 1, UNROLL_FACTOR = 2;
};

struct ctx_weights {
  static const std::int64_t act_m[1];
  static const int act_e[1];
  static const int act_count = 1, act_out_bits = 8;
};
const std::int64_t ctx_weights::act_m[1] = {77};
const int ctx_weights::act_e[1] = {16};

// residual_act -> layernorm -> quant_act: kernel 16 of cluster 0, main from 14, identity from 15,
// to the host (ID 33)
struct norm_params {
  static const unsigned id = 16;
  static const unsigned cluster = 0;
  static const unsigned num_dests = 1;
  static const unsigned num_srcs = 2;
  static const unsigned seq_len = 4;
  static const unsigned out_row_bytes = 8;
  static unsigned dest_id(unsigned i) {
    static const unsigned v[] = {33};
    return v[i];
  }
  static int dest_cluster(unsigned i) {
    static const int v[] = {-1};
    return v[i];
  }
  static unsigned src_id(unsigned i) {
    static const unsigned v[] = {14, 15};
    return v[i];
  }
  static int src_cluster(unsigned i) {
    static const int v[] = {0, 0};
    return v[i];
  }
};

struct norm_residual_act_0 {
  static const unsigned M = 8, K = 4, NUM_TILE = 1, NUM_PE = 1, UNROLL_FACTOR = 4;
};
struct norm_layernorm_1 {
  static const unsigned M = 8, K = 0, NUM_TILE = 1, NUM_PE = 1, UNROLL_FACTOR = 2;
};
struct norm_quant_act_2 {
  static const unsigned M = 8, K = 0, NUM_TILE = 1, NUM_PE = 1, UNROLL_FACTOR = 8;
};

struct norm_weights {
  static const std::int64_t ident_m[1];
  static const int ident_e[1];
  static const int ident_count = 1, ident_out_bits = 32;
  static const int ln_shift = 1;
  static const std::int64_t ln_bias[8];
  static const std::int64_t act_m[8];
  static const int act_e[8];
  static const int act_count = 8, act_out_bits = 8;
};
const std::int64_t norm_weights::ident_m[1] = {5};
const int norm_weights::ident_e[1] = {2};
const std::int64_t norm_weights::ln_bias[8] = {-465, -2229, -3152, 2383, 2722, -492, -1493, 1782};
const std::int64_t norm_weights::act_m[8] = {2066, 2629, 2522, 1791, 2353, 1812, 805, 628};
const int norm_weights::act_e[8] = {34, 33, 34, 34, 34, 33, 33, 34};

// scatter: kernel 30 of cluster 0, from 1, halves to 4 and 5
struct scatter_params {
  static const unsigned id = 30;
  static const unsigned cluster = 0;
  static const unsigned num_dests = 2;
  static const unsigned num_srcs = 1;
  static const unsigned seq_len = 4;
  static const atoll_op op = ATOLL_SCATTER;
  static const unsigned in_row_bytes = 16;
  static unsigned dest_id(unsigned i) {
    static const unsigned v[] = {4, 5};
    return v[i];
  }
  static int dest_cluster(unsigned i) {
    static const int v[] = {0, 0};
    return v[i];
  }
  static unsigned src_id(unsigned i) {
    static const unsigned v[] = {1};
    return v[i];
  }
  static int src_cluster(unsigned i) {
    static const int v[] = {0};
    return v[i];
  }
};

// gather: kernel 31 of cluster 0, from 4 and 5, to kernel 7 of cluster 3
struct gather_params {
  static const unsigned id = 31;
  static const unsigned cluster = 0;
  static const unsigned num_dests = 1;
  static const unsigned num_srcs = 2;
  static const unsigned seq_len = 4;
  static const atoll_op op = ATOLL_GATHER;
  static const unsigned in_row_bytes = 8;
  static unsigned dest_id(unsigned i) {
    static const unsigned v[] = {7};
    return v[i];
  }
  static int dest_cluster(unsigned i) {
    static const int v[] = {3};
    return v[i];
  }
  static unsigned src_id(unsigned i) {
    static const unsigned v[] = {4, 5};
    return v[i];
  }
  static int src_cluster(unsigned i) {
    static const int v[] = {0, 0};
    return v[i];
  }
};

// broadcast: kernel 32 of cluster 0, from 1, to 2, 3 and the host (ID 30)
struct bcast_params {
  static const unsigned id = 32;
  static const unsigned cluster = 0;
  static const unsigned num_dests = 3;
  static const unsigned num_srcs = 1;
  static const unsigned seq_len = 4;
  static const atoll_op op = ATOLL_BROADCAST;
  static const unsigned in_row_bytes = 16;
  static unsigned dest_id(unsigned i) {
    static const unsigned v[] = {2, 3, 30};
    return v[i];
  }
  static int dest_cluster(unsigned i) {
    static const int v[] = {0, 0, -1};
    return v[i];
  }
  static unsigned src_id(unsigned i) {
    static const unsigned v[] = {1};
    return v[i];
  }
  static int src_cluster(unsigned i) {
    static const int v[] = {0};
    return v[i];
  }
};

// forward (a bypass): kernel 33 of cluster 1, 2 -> 8 (here), 3 -> kernel 9 of cluster 0
struct fwd_params {
  static const unsigned id = 33;
  static const unsigned cluster = 1;
  static const unsigned num_dests = 2;
  static const unsigned num_srcs = 2;
  static const unsigned seq_len = 4;
  static const atoll_op op = ATOLL_FORWARD;
  static const unsigned in_row_bytes = 16;
  static unsigned dest_id(unsigned i) {
    static const unsigned v[] = {8, 9};
    return v[i];
  }
  static int dest_cluster(unsigned i) {
    static const int v[] = {1, 0};
    return v[i];
  }
  static unsigned src_id(unsigned i) {
    static const unsigned v[] = {2, 3};
    return v[i];
  }
  static int src_cluster(unsigned i) {
    static const int v[] = {1, 1};
    return v[i];
  }
};

// kernel 0 of cluster 0
struct gmi_params {
  static const unsigned id = 0;
  static const unsigned cluster = 0;
  static const unsigned num_dests = 0;
  static const unsigned num_srcs = 0;
  static const unsigned seq_len = 4;
};

// virtual broadcast 40: from the host (its packets carry TID 0) to 1 and 2
struct virtual_40_params {
  static const unsigned id = 40;
  static const unsigned cluster = 0;
  static const unsigned num_dests = 2;
  static const unsigned num_srcs = 1;
  static const unsigned seq_len = 4;
  static const atoll_op op = ATOLL_BROADCAST;
  static const unsigned in_row_bytes = 16;
  static unsigned dest_id(unsigned i) {
    static const unsigned v[] = {1, 2};
    return v[i];
  }
  static int dest_cluster(unsigned i) {
    static const int v[] = {0, 0};
    return v[i];
  }
  static unsigned src_id(unsigned i) {
    static const unsigned v[] = {32};
    return v[i];
  }
  static int src_cluster(unsigned i) {
    static const int v[] = {-1};
    return v[i];
  }
};

// virtual gather 41: from kernel 7 of cluster 1 and kernel 8 of cluster 2, to 3
struct virtual_41_params {
  static const unsigned id = 41;
  static const unsigned cluster = 0;
  static const unsigned num_dests = 1;
  static const unsigned num_srcs = 2;
  static const unsigned seq_len = 4;
  static const atoll_op op = ATOLL_GATHER;
  static const unsigned in_row_bytes = 8;
  static unsigned dest_id(unsigned i) {
    static const unsigned v[] = {3};
    return v[i];
  }
  static int dest_cluster(unsigned i) {
    static const int v[] = {0};
    return v[i];
  }
  static unsigned src_id(unsigned i) {
    static const unsigned v[] = {7, 8};
    return v[i];
  }
  static int src_cluster(unsigned i) {
    static const int v[] = {1, 2};
    return v[i];
  }
};

}  // namespace tiny
