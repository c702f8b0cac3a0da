// The integer parameters of an I-BERT encoder, one LayerWeights per layer, named after the
// kernel folders of the golden data (encoder/<layer>/<sub-layer>/<kernel>/<file>.npy) so that a
// directory in that layout can be loaded and written back unchanged.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "core/tensor.h"
#include "kernels/gelu.h"
#include "kernels/layernorm.h"
#include "kernels/quant_act.h"
#include "kernels/residual_act.h"
#include "kernels/softmax.h"
#include "model/config.h"

namespace atl::model {

struct Linear {
  core::Tensor<std::int8_t> weight;  // [out, in]
  std::vector<std::int32_t> bias;    // [out]

  // Output rows [begin, end): the slice a tensor-parallel part computes.
  Linear rows(std::int64_t begin, std::int64_t end) const;
};

struct LayerWeights {
  Linear q, k, v;                   // self_attention/linear_{q,k,v}
  kernels::QuantActParams act_q, act_k, act_v;  // -> int8
  kernels::SoftmaxParams softmax;   // self_attention/softmax
  kernels::QuantActParams act_out;  // self_attention/act_out: context -> int8 (per tensor)
  Linear out;                       // self_output/linear
  kernels::ResidualActParams res_attn;  // self_output/act_linear (identity = layer input)
  kernels::LayerNormParams ln_attn;     // self_output/layernorm
  kernels::QuantActParams act_ln_attn;  // self_output/act_layernorm -> int8
  Linear ffn1;                      // intermediate/linear
  kernels::GeluParams gelu;         // intermediate/gelu
  kernels::QuantActParams act_gelu; // intermediate/act -> int8
  Linear ffn2;                      // output/linear
  kernels::ResidualActParams res_ffn;   // output/act_linear (identity = act_ln_attn output)
  kernels::LayerNormParams ln_ffn;      // output/layernorm
  kernels::QuantActParams act_ln_ffn;   // output/act_layernorm -> int8 (the layer output)
};

// Real-valued scales of a model (known for synthetic models, absent for integer-only dumps):
// what the float reference needs to dequantise weights and compare outputs.
struct LayerScales {
  double input = 0;                          // scale of the int8 layer input
  std::vector<double> w_q, w_k, w_v, w_out, w_ffn1, w_ffn2;  // per output channel
  double q = 0, k = 0, v = 0;                // int8 Q/K/V
  double context = 0;                        // int8 act_out output
  std::vector<double> gamma_attn, beta_attn; // LayerNorm 1 affine
  double ln_attn = 0;                        // int8 act_ln_attn output
  double gelu = 0;                           // int8 act_gelu output
  std::vector<double> gamma_ffn, beta_ffn;   // LayerNorm 2 affine
  double output = 0;                         // int8 layer output
};

struct EncoderWeights {
  ModelConfig config;
  std::vector<LayerWeights> layers;
  std::optional<std::vector<LayerScales>> scales;  // per layer, when known
};

// Checks every tensor and table against the config; errors name layer, kernel and field.
void validate(const EncoderWeights& w);

// Loads `dir` in the golden layout (dir/encoder/<layer>/...), `config.layers` layers. Scales are
// read from dir/scales.json when present. Errors name the missing or malformed file.
EncoderWeights load_weights(const std::filesystem::path& dir, const ModelConfig& config);

// Writes the golden layout (weights and quantisation parameters only) plus scales.json.
void save_weights(const EncoderWeights& w, const std::filesystem::path& dir);

}  // namespace atl::model
