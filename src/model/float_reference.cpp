#include "model/float_reference.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <oneapi/dnnl/dnnl.hpp>

#include "core/error.h"

namespace atl::model {
namespace {

using F = core::Tensor<float>;

// y [M, N] = x [M, K] * W^T + b with W [N, K] (oneDNN f32 matmul; the reference only needs to
// be accurate, and a plain loop would take seconds per encoder).
F matmul_bt(const F& x, const F& w, const std::vector<float>* bias) {
  using namespace dnnl;
  const auto M = x.dim(0), K = x.dim(1), N = w.dim(0);
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  memory::desc a_md({M, K}, memory::data_type::f32, memory::format_tag::ab);
  memory::desc b_md({K, N}, memory::data_type::f32, memory::format_tag::ba);
  memory::desc c_md({M, N}, memory::data_type::f32, memory::format_tag::ab);
  matmul::primitive_desc pd(matmul::desc(a_md, b_md, c_md), eng);
  F y({M, N});
  memory a(a_md, eng, const_cast<float*>(x.data()));
  memory b(b_md, eng, const_cast<float*>(w.data()));
  memory c(c_md, eng, y.data());
  matmul(pd).execute(s, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, c}});
  s.wait();
  if (bias) {
    for (std::int64_t r = 0; r < M; ++r) {
      for (std::int64_t n = 0; n < N; ++n) y(r, n) += (*bias)[static_cast<std::size_t>(n)];
    }
  }
  return y;
}

// Real weights and bias of an integer linear whose input has scale s_in.
F dequantise(const Linear& l, const std::vector<double>& w_scale, double s_in,
             std::vector<float>& bias) {
  F w(l.weight.shape());
  const auto in = l.weight.dim(1);
  bias.resize(l.bias.size());
  for (std::int64_t o = 0; o < l.weight.dim(0); ++o) {
    const double s = w_scale[static_cast<std::size_t>(o)];
    for (std::int64_t i = 0; i < in; ++i) w(o, i) = static_cast<float>(l.weight(o, i) * s);
    bias[static_cast<std::size_t>(o)] = static_cast<float>(l.bias[static_cast<std::size_t>(o)] * s * s_in);
  }
  return w;
}

F linear(const F& x, const Linear& l, const std::vector<double>& w_scale, double s_in) {
  std::vector<float> bias;
  F w = dequantise(l, w_scale, s_in, bias);
  return matmul_bt(x, w, &bias);
}

void layernorm(F& x, const std::vector<double>& gamma, const std::vector<double>& beta) {
  const auto n = x.dim(1);
  for (std::int64_t r = 0; r < x.dim(0); ++r) {
    auto row = x.row(r);
    double mean = 0, var = 0;
    for (float v : row) mean += v;
    mean /= static_cast<double>(n);
    for (float v : row) var += (v - mean) * (v - mean);
    const double inv = 1.0 / std::sqrt(var / static_cast<double>(n) + 1e-12);
    for (std::int64_t c = 0; c < n; ++c) {
      const auto i = static_cast<std::size_t>(c);
      row[i] = static_cast<float>((row[i] - mean) * inv * gamma[i] + beta[i]);
    }
  }
}

}  // namespace

F float_forward(const EncoderWeights& w, const core::Tensor<std::int8_t>& x_int) {
  if (!w.scales) {
    throw core::Error("float reference: these weights carry no scales (scales.json), so their "
                      "real values are unknown");
  }
  const auto& cfg = w.config;
  const std::int64_t T = x_int.dim(0), H = cfg.hidden, heads = cfg.heads, d = cfg.head_dim();
  F x({T, H});
  const double s0 = (*w.scales)[0].input;
  for (std::int64_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(x_int[i] * s0);

  for (std::size_t li = 0; li < w.layers.size(); ++li) {
    const LayerWeights& l = w.layers[li];
    const LayerScales& s = (*w.scales)[li];
    F q = linear(x, l.q, s.w_q, s.input), k = linear(x, l.k, s.w_k, s.input),
      v = linear(x, l.v, s.w_v, s.input);
    F ctx({T, H});
    const double inv_sqrt_d = 1.0 / std::sqrt(static_cast<double>(d));
    std::vector<double> p(static_cast<std::size_t>(T));
    for (std::int64_t h = 0; h < heads; ++h) {
      for (std::int64_t i = 0; i < T; ++i) {
        double mx = -1e300;
        for (std::int64_t j = 0; j < T; ++j) {
          double dot = 0;
          for (std::int64_t t = 0; t < d; ++t) dot += q(i, h * d + t) * k(j, h * d + t);
          p[static_cast<std::size_t>(j)] = dot * inv_sqrt_d;
          mx = std::max(mx, p[static_cast<std::size_t>(j)]);
        }
        double sum = 0;
        for (auto& e : p) sum += (e = std::exp(e - mx));
        for (std::int64_t t = 0; t < d; ++t) {
          double acc = 0;
          for (std::int64_t j = 0; j < T; ++j) acc += p[static_cast<std::size_t>(j)] * v(j, h * d + t);
          ctx(i, h * d + t) = static_cast<float>(acc / sum);
        }
      }
    }
    // The integer path feeds the output projection with the int8 context at scale s.context;
    // its bias is expressed on that scale.
    F a = linear(ctx, l.out, s.w_out, s.context);
    for (std::int64_t i = 0; i < a.size(); ++i) a[i] += x[i];
    layernorm(a, s.gamma_attn, s.beta_attn);
    F f = linear(a, l.ffn1, s.w_ffn1, s.ln_attn);
    for (std::int64_t i = 0; i < f.size(); ++i) {
      const double z = f[i];
      f[i] = static_cast<float>(0.5 * z * (1 + std::erf(z / std::sqrt(2.0))));
    }
    F o = linear(f, l.ffn2, s.w_ffn2, s.gelu);
    for (std::int64_t i = 0; i < o.size(); ++i) o[i] += a[i];
    layernorm(o, s.gamma_ffn, s.beta_ffn);
    x = std::move(o);
  }
  return x;
}

ErrorStats compare(const core::Tensor<std::int8_t>& y_int, double out_scale, const F& y_float) {
  if (y_int.shape() != y_float.shape()) {
    throw core::Error(fmt::format("compare: integer output {} vs float output {}",
                                  core::to_string(y_int.shape()), core::to_string(y_float.shape())));
  }
  ErrorStats e;
  e.out_scale = out_scale;
  double diff2 = 0, ref2 = 0, sum_abs = 0;
  for (std::int64_t i = 0; i < y_int.size(); ++i) {
    const double diff = y_int[i] * out_scale - y_float[i];
    e.max_abs = std::max(e.max_abs, std::abs(diff));
    sum_abs += std::abs(diff);
    diff2 += diff * diff;
    ref2 += static_cast<double>(y_float[i]) * y_float[i];
  }
  e.mean_abs = y_int.size() ? sum_abs / static_cast<double>(y_int.size()) : 0;
  e.rel_l2 = ref2 > 0 ? std::sqrt(diff2 / ref2) : 0;
  e.max_lsb = out_scale > 0 ? e.max_abs / out_scale : 0;
  return e;
}

}  // namespace atl::model
