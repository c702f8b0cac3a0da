// The integer decoder's calibrated tables as the software nodes' kernels cut them: int8 weight
// rows with their multipliers and biases, norm gains, the embedding and RoPE tables and the
// kernels' constants, computed from the float weights exactly as model::IntDecoder computes them
// (model/quantize_decoder.h), so that the nodes' tokens equal `atoll generate`'s. Linears are
// kept one matrix each (IntDecoder stacks q, k, v and gate, up: every scale is per row, so the
// integers are the same).
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/decoder_attention.h"
#include "kernels/decoder_gelu.h"
#include "kernels/rmsnorm.h"
#include "kernels/rope.h"
#include "kernels/swiglu.h"
#include "kernels/w8a8.h"
#include "model/decoder.h"
#include "model/decoder_model.h"

namespace atl::platform {

struct DecoderLinear {
  std::int64_t out = 0, in = 0;
  std::vector<std::int8_t> w;            // [out][in]
  std::vector<kernels::Multiplier> mul;  // [out] ~ scale / 127
  std::vector<std::int32_t> bias;        // [out] Q F, empty when absent
};

struct DecoderNorm {
  std::vector<std::int32_t> gain, bias;  // bias: LayerNorm only
  kernels::NormParams scalars;           // without the pointers
  kernels::NormParams params() const {
    kernels::NormParams p = scalars;
    p.gain = gain.data();
    p.bias = bias.empty() ? nullptr : bias.data();
    return p;
  }
};

struct DecoderLayerTables {
  DecoderNorm attn_norm, ffn_norm;
  DecoderLinear wq, wk, wv, wo, w1, w3, w2;  // w3: SwiGLU only
};

struct DecoderTables {
  static constexpr int kFracBits = 16;  // as model::IntDecoder
  model::DecoderConfig config;
  std::vector<std::int16_t> embedding;  // [vocab][dim]
  std::vector<kernels::Multiplier> embedding_mul;
  std::vector<std::int16_t> positions;  // GPT-2: [max_seq][dim]
  std::vector<kernels::Multiplier> positions_mul;
  std::vector<DecoderLayerTables> layers;
  DecoderNorm final_norm;
  DecoderLinear head;  // the LM head (the token embedding as int8 rows when tied)
  kernels::RopePairs rope_pairs = kernels::RopePairs::interleaved;
  std::vector<std::int16_t> rope_cos, rope_sin;  // [max_seq][head_dim / 2]
  kernels::AttentionParams attention;
  kernels::SigmoidParams sigmoid;
  kernels::DecoderGeluParams gelu;
};

// Reads the weights one piece at a time and calibrates them. Throws core::Error naming the field
// when a weight has the wrong size or the config is out of the integer model's range.
DecoderTables calibrate_decoder(const model::DecoderWeightReader& weights);

}  // namespace atl::platform
