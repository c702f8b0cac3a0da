#include "model/synthetic.h"

#include <algorithm>
#include <cmath>

#include "core/random.h"
#include "kernels/attention_matmul.h"
#include "kernels/concat.h"
#include "kernels/gelu.h"
#include "kernels/layernorm.h"
#include "kernels/linear.h"
#include "kernels/residual_act.h"
#include "kernels/softmax.h"
#include "kernels/softmax_matmul.h"
#include "model/encoder.h"
#include "model/quantize.h"

namespace atl::model {
namespace {

constexpr double kMargin = 1.25;      // calibration headroom over the largest value seen
constexpr double kInt8Max = 127;
constexpr double kQkGain = 1.5;
constexpr double kInt22Max = (1 << 21) - 1;  // residual sums feed LayerNorm as 22-bit values

// Row o of a linear quantised with scale s (int8, symmetric).
void quantise_row(Linear& l, const core::Tensor<double>& real, std::int64_t o, double s) {
  for (std::int64_t i = 0; i < real.dim(1); ++i) {
    l.weight(o, i) =
        static_cast<std::int8_t>(std::clamp(std::nearbyint(real(o, i) / s), -kInt8Max, kInt8Max));
  }
}

// A real linear layer W ~ N(0, 1/in) quantised per output channel: returns the int8 weights,
// w_scale, the real weights and a real bias ~ N(0, 0.02^2).
Linear quantised_linear(core::Rng& rng, std::int64_t out, std::int64_t in,
                        std::vector<double>& w_scale, std::vector<double>& bias_real,
                        core::Tensor<double>* real_out = nullptr, double gain = 1.0) {
  Linear l;
  l.weight = core::Tensor<std::int8_t>({out, in});
  l.bias.assign(static_cast<std::size_t>(out), 0);
  w_scale.assign(static_cast<std::size_t>(out), 0);
  bias_real.assign(static_cast<std::size_t>(out), 0);
  const double std_dev = gain / std::sqrt(static_cast<double>(in));
  core::Tensor<double> real({out, in});
  for (std::int64_t o = 0; o < out; ++o) {
    double max_abs = 1e-12;
    for (double& w : real.row(o)) {
      w = rng.normal() * std_dev;
      max_abs = std::max(max_abs, std::abs(w));
    }
    w_scale[static_cast<std::size_t>(o)] = max_abs / kInt8Max;
    quantise_row(l, real, o, w_scale[static_cast<std::size_t>(o)]);
    bias_real[static_cast<std::size_t>(o)] = rng.normal() * 0.02;
  }
  if (real_out) *real_out = std::move(real);
  return l;
}

// The hardware GELU returns int32 (golden data): |x * (y + shift)| <= |x| * 2|shift| must stay
// below 2^31. |shift| ~ 1/s^2, so the bound falls with the cube of the accumulator scale s: a
// channel whose scale is too fine gets a coarser weight scale (fewer int8 weight levels) until
// its largest calibration input, with margin, fits.
void fit_gelu_range(Linear& l, const core::Tensor<double>& real, std::vector<double>& w_scale,
                    const core::Tensor<std::int32_t>& acc, double s_in) {
  for (std::int64_t o = 0; o < acc.dim(1); ++o) {
    const auto i = static_cast<std::size_t>(o);
    double x_max = 0;  // real value
    for (std::int64_t r = 0; r < acc.dim(0); ++r) {
      x_max = std::max(x_max, std::abs(acc(r, o) * w_scale[i] * s_in));
    }
    double s = w_scale[i] * s_in;
    const auto bound = [&](double scale) {
      const GeluChannel g = gelu_channel(scale);
      return x_max * kMargin / scale * 2.0 * std::abs(static_cast<double>(g.shift));
    };
    if (bound(s) < 0x1p31) continue;
    while (bound(s) >= 0x1p31) s *= 1.02;
    w_scale[i] = s / s_in;
    quantise_row(l, real, o, w_scale[i]);
  }
}

// Integer bias for input scale s_in: bias_int = round(b / (w_scale * s_in)).
void set_bias(Linear& l, const std::vector<double>& w_scale, const std::vector<double>& bias_real,
              double s_in) {
  for (std::size_t o = 0; o < l.bias.size(); ++o) {
    l.bias[o] = static_cast<std::int32_t>(std::nearbyint(bias_real[o] / (w_scale[o] * s_in)));
  }
}

// Largest |x[r][c] * scale[c]| (scale per channel, or one value).
template <class T>
double max_real(const core::Tensor<T>& x, const std::vector<double>& scale) {
  double m = 0;
  const std::int64_t cols = x.dim(1);
  for (std::int64_t r = 0; r < x.dim(0); ++r) {
    for (std::int64_t c = 0; c < cols; ++c) {
      const double s = scale.size() == 1 ? scale[0] : scale[static_cast<std::size_t>(c)];
      m = std::max(m, std::abs(static_cast<double>(x(r, c)) * s));
    }
  }
  return m;
}

// Per-channel QuantAct from input scales to one output scale.
kernels::QuantActParams act_params(const std::vector<double>& in_scale, double out_scale,
                                   int out_bits) {
  kernels::QuantActParams p;
  p.out_bits = out_bits;
  for (double s : in_scale) {
    const Dyadic d = dyadic(s / out_scale);
    p.m.push_back(d.m);
    p.e.push_back(d.e);
  }
  return p;
}

std::vector<double> times(const std::vector<double>& v, double f) {
  std::vector<double> r(v);
  for (auto& x : r) x *= f;
  return r;
}

// Smallest shift keeping every row's sum of squared (shifted) deviations below 2^31.
int layernorm_shift(const core::Tensor<std::int32_t>& x) {
  for (int shift = 0; shift < 24; ++shift) {
    bool ok = true;
    for (std::int64_t r = 0; r < x.dim(0) && ok; ++r) {
      auto row = x.row(r);
      std::int64_t sum = 0;
      for (auto v : row) sum += v;
      const std::int64_t mean = sum / static_cast<std::int64_t>(row.size());
      std::int64_t var = 0;
      for (auto v : row) {
        const std::int64_t d = (static_cast<std::int64_t>(v) - mean) >> shift;
        var += d * d;
      }
      ok = var < (std::int64_t{1} << 31);
    }
    if (ok) return shift;
  }
  throw core::Error("synthetic model: LayerNorm input too wide for any shift below 24");
}

// LayerNorm tables from gamma/beta; returns the per-channel output scale.
std::vector<double> layernorm_tables(kernels::LayerNormParams& ln, const std::vector<double>& gamma,
                                     const std::vector<double>& beta) {
  const double unit = layernorm_unit(static_cast<std::int64_t>(gamma.size()));
  std::vector<double> out_scale(gamma.size());
  ln.bias.resize(gamma.size());
  for (std::size_t c = 0; c < gamma.size(); ++c) {
    ln.bias[c] = static_cast<std::int64_t>(std::floor(beta[c] / gamma[c] / unit));
    out_scale[c] = unit * gamma[c];
  }
  return out_scale;
}

// Residual act from a per-channel accumulator scale and an identity scale to a 22-bit sum.
kernels::ResidualActParams residual_params(const core::Tensor<std::int32_t>& acc,
                                           const std::vector<double>& acc_scale,
                                           const core::Tensor<std::int8_t>& identity,
                                           double id_scale) {
  double m = 0;
  for (std::int64_t r = 0; r < acc.dim(0); ++r) {
    for (std::int64_t c = 0; c < acc.dim(1); ++c) {
      m = std::max(m, std::abs(acc(r, c) * acc_scale[static_cast<std::size_t>(c)] +
                               identity(r, c) * id_scale));
    }
  }
  const double s_r = m * kMargin / kInt22Max;
  kernels::ResidualActParams p;
  p.main = act_params(times(acc_scale, 1.0 / s_r), 1.0, 32);
  p.identity = act_params({id_scale / s_r}, 1.0, 32);
  return p;
}

}  // namespace

core::Tensor<std::int8_t> random_input(std::int64_t tokens, std::int64_t hidden,
                                       std::uint64_t seed) {
  core::Rng rng(seed ^ 0x1a2b3c4d5e6f7788ull);
  core::Tensor<std::int8_t> x({tokens, hidden});
  for (std::int64_t i = 0; i < x.size(); ++i) {
    x[i] = static_cast<std::int8_t>(
        std::clamp(std::nearbyint(rng.normal() / kInputScale), -kInt8Max, kInt8Max));
  }
  return x;
}

EncoderWeights synthetic_weights(const ModelConfig& config, std::uint64_t seed) {
  validate(config, "synthetic model '" + config.name + "'");
  const std::int64_t H = config.hidden, I = config.intermediate, heads = config.heads,
                     d = config.head_dim(), T = config.seq_len;
  core::Rng rng(seed);
  EncoderWeights w;
  w.config = config;
  std::vector<LayerScales> scales;

  core::Tensor<std::int8_t> x = random_input(T, H, seed + 1);
  double s_in = kInputScale;
  for (std::int64_t layer = 0; layer < config.layers; ++layer) {
    LayerWeights l;
    LayerScales s;
    s.input = s_in;
    std::vector<double> bq, bk, bv, bo, b1, b2;

    // Q, K, V.
    // Q and K get a gain so that scores q.k/sqrt(d) have a standard deviation of about
    // kQkGain^2: attention is peaked as in trained models instead of nearly uniform (a uniform
    // row of 128 probabilities is 2/256 each, which the 8-bit softmax output cannot resolve).
    l.q = quantised_linear(rng, H, H, s.w_q, bq, nullptr, kQkGain);
    l.k = quantised_linear(rng, H, H, s.w_k, bk, nullptr, kQkGain);
    l.v = quantised_linear(rng, H, H, s.w_v, bv);
    auto qkv = [&](Linear& lin, const std::vector<double>& ws, const std::vector<double>& b,
                   double& out_scale, kernels::QuantActParams& act) {
      set_bias(lin, ws, b, s_in);
      auto acc = kernels::linear(x, lin.weight, lin.bias);
      const auto acc_scale = times(ws, s_in);
      out_scale = max_real(acc, acc_scale) * kMargin / kInt8Max;
      act = act_params(acc_scale, out_scale, 8);
      return kernels::quant_act<std::int8_t>(acc, act);
    };
    auto q = qkv(l.q, s.w_q, bq, s.q, l.act_q);
    auto k = qkv(l.k, s.w_k, bk, s.k, l.act_k);
    auto v = qkv(l.v, s.w_v, bv, s.v, l.act_v);

    // Attention: scores carry s_q * s_k / sqrt(d); probabilities carry 1/256.
    l.softmax = softmax_params(s.q * s.k / std::sqrt(static_cast<double>(d)));
    std::vector<core::Tensor<std::int32_t>> ctx_heads;
    for (std::int64_t h = 0; h < heads; ++h) {
      auto p = attention_head(head_columns(q, h, d), head_columns(k, h, d), l.softmax, T);
      ctx_heads.push_back(kernels::softmax_matmul(p, head_columns(v, h, d)));
    }
    auto ctx_acc = kernels::concat(ctx_heads);
    const double ctx_in = s.v / 256;
    s.context = max_real(ctx_acc, {ctx_in}) * kMargin / kInt8Max;
    l.act_out = act_params({ctx_in}, s.context, 8);
    auto ctx = kernels::quant_act<std::int8_t>(ctx_acc, l.act_out);

    // Output projection + residual + LayerNorm 1.
    l.out = quantised_linear(rng, H, H, s.w_out, bo);
    set_bias(l.out, s.w_out, bo, s.context);
    auto proj = kernels::linear(ctx, l.out.weight, l.out.bias);
    const auto proj_scale = times(s.w_out, s.context);
    l.res_attn = residual_params(proj, proj_scale, x, s_in);
    auto r1 = kernels::residual_act(proj, x, l.res_attn).output;
    for (std::int64_t c = 0; c < H; ++c) {
      s.gamma_attn.push_back(rng.uniform(0.6, 1.4));
      s.beta_attn.push_back(rng.normal() * 0.05);
    }
    l.ln_attn.shift = layernorm_shift(r1);
    auto ln1_scale = layernorm_tables(l.ln_attn, s.gamma_attn, s.beta_attn);
    auto ln1 = kernels::layernorm(r1, l.ln_attn);
    s.ln_attn = max_real(ln1, ln1_scale) * kMargin / kInt8Max;
    l.act_ln_attn = act_params(ln1_scale, s.ln_attn, 8);
    auto a = kernels::quant_act<std::int8_t>(ln1, l.act_ln_attn);

    // FFN1 + GELU.
    core::Tensor<double> ffn1_real;
    l.ffn1 = quantised_linear(rng, I, H, s.w_ffn1, b1, &ffn1_real);
    set_bias(l.ffn1, s.w_ffn1, b1, s.ln_attn);
    fit_gelu_range(l.ffn1, ffn1_real, s.w_ffn1, kernels::linear(a, l.ffn1.weight, l.ffn1.bias),
                   s.ln_attn);
    set_bias(l.ffn1, s.w_ffn1, b1, s.ln_attn);
    auto f1 = kernels::linear(a, l.ffn1.weight, l.ffn1.bias);
    std::vector<double> gelu_scale;
    for (std::int64_t c = 0; c < I; ++c) {
      const GeluChannel g = gelu_channel(s.w_ffn1[static_cast<std::size_t>(c)] * s.ln_attn);
      l.gelu.b.push_back(g.b);
      l.gelu.c.push_back(g.c);
      l.gelu.shift.push_back(g.shift);
      gelu_scale.push_back(g.out_scale);
    }
    auto gl = kernels::gelu(f1, l.gelu);
    s.gelu = max_real(gl, gelu_scale) * kMargin / kInt8Max;
    l.act_gelu = act_params(gelu_scale, s.gelu, 8);
    auto g = kernels::quant_act<std::int8_t>(gl, l.act_gelu);

    // FFN2 + residual + LayerNorm 2.
    l.ffn2 = quantised_linear(rng, H, I, s.w_ffn2, b2);
    set_bias(l.ffn2, s.w_ffn2, b2, s.gelu);
    auto f2 = kernels::linear(g, l.ffn2.weight, l.ffn2.bias);
    const auto f2_scale = times(s.w_ffn2, s.gelu);
    l.res_ffn = residual_params(f2, f2_scale, a, s.ln_attn);
    auto r2 = kernels::residual_act(f2, a, l.res_ffn).output;
    for (std::int64_t c = 0; c < H; ++c) {
      s.gamma_ffn.push_back(rng.uniform(0.6, 1.4));
      s.beta_ffn.push_back(rng.normal() * 0.05);
    }
    l.ln_ffn.shift = layernorm_shift(r2);
    auto ln2_scale = layernorm_tables(l.ln_ffn, s.gamma_ffn, s.beta_ffn);
    auto ln2 = kernels::layernorm(r2, l.ln_ffn);
    s.output = max_real(ln2, ln2_scale) * kMargin / kInt8Max;
    l.act_ln_ffn = act_params(ln2_scale, s.output, 8);
    x = kernels::quant_act<std::int8_t>(ln2, l.act_ln_ffn);
    s_in = s.output;

    w.layers.push_back(std::move(l));
    scales.push_back(std::move(s));
  }
  w.scales = std::move(scales);
  validate(w);
  return w;
}

}  // namespace atl::model
