#include "platform/decoder_kernel.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <span>

#include "core/error.h"
#include "graph/architecture.h"
#include "graph/decoder_blocks.h"
#include "kernels/argmax.h"

namespace atl::platform {
namespace {

namespace dec = graph::decoder;
constexpr int kF = DecoderTables::kFracBits;

// Rows [lo, hi) of a linear, packed.
kernels::Int8Matrix rows_of(const DecoderLinear& l, std::int64_t lo, std::int64_t hi) {
  return kernels::Int8Matrix(std::span(l.w).subspan(static_cast<std::size_t>(lo * l.in),
                                                    static_cast<std::size_t>((hi - lo) * l.in)),
                             hi - lo, l.in);
}

// Rows [lo, hi) of `a`, then rows [lo, hi) of `b` (the same inputs), packed as one matrix.
kernels::Int8Matrix stacked_rows(const DecoderLinear& a, const DecoderLinear& b, std::int64_t lo,
                                 std::int64_t hi) {
  std::vector<std::int8_t> w(a.w.begin() + lo * a.in, a.w.begin() + hi * a.in);
  w.insert(w.end(), b.w.begin() + lo * b.in, b.w.begin() + hi * b.in);
  return kernels::Int8Matrix(w, 2 * (hi - lo), a.in);
}

// Columns [lo, hi) of a linear (every output row), packed: a part of a split by input rows.
kernels::Int8Matrix columns_of(const DecoderLinear& l, std::int64_t lo, std::int64_t hi) {
  std::vector<std::int8_t> w;
  w.reserve(static_cast<std::size_t>(l.out * (hi - lo)));
  for (std::int64_t o = 0; o < l.out; ++o) {
    const auto row = l.w.begin() + o * l.in;
    w.insert(w.end(), row + lo, row + hi);
  }
  return kernels::Int8Matrix(w, l.out, hi - lo);
}

template <class T>
std::vector<T> cut(const std::vector<T>& v, std::int64_t lo, std::int64_t hi) {
  if (v.empty()) return {};
  return {v.begin() + lo, v.begin() + hi};
}

// The row max |x| as it travels (an int32 holding the uint32 value: |INT32_MIN| fits).
std::int32_t max_word(const std::int32_t* x, std::int64_t n) {
  return std::bit_cast<std::int32_t>(static_cast<std::uint32_t>(kernels::max_abs(x, n)));
}
std::int64_t word_max(std::int32_t w) {
  return std::bit_cast<std::uint32_t>(w);
}

}  // namespace

DecoderKernel::DecoderKernel(const graph::Kernel& kernel, const DecoderTables& tables)
    : kernel_(kernel), t_(tables), index_(kernel.role.index) {
  const model::DecoderConfig& c = t_.config;
  const std::int64_t hd = c.head_dim(), kv_dim = c.kv_heads * hd;
  if (kernel.role.architecture != c.architecture) {
    throw core::Error(fmt::format("kernel '{}': a {} kernel, the weights are a {}", kernel.name,
                                  model::to_string(kernel.role.architecture),
                                  model::to_string(c.architecture)));
  }
  std::vector<graph::StageType> types;
  for (const graph::Stage& s : kernel.stages) types.push_back(s.type);
  if (types != graph::stage_types(kernel.role)) {
    throw core::Error(fmt::format("kernel '{}': its stages are not those of role {}", kernel.name,
                                  graph::to_string(kernel.role)));
  }
  const bool layered = index_ >= dec::attn_norm && index_ <= dec::res_ffn;
  if (layered && (kernel.layer < 0 || kernel.layer >= c.layers)) {
    throw core::Error(fmt::format("kernel '{}': layer {} but the weights hold {} layers",
                                  kernel.name, kernel.layer, c.layers));
  }
  const DecoderLayerTables* layer =
      layered ? &t_.layers[static_cast<std::size_t>(kernel.layer)] : nullptr;
  // The channel slice [lo, hi) of part `part` of `parts` over `width`.
  auto slice = [&](std::int64_t width) {
    if (kernel.parts < 1 || kernel.part < 0 || kernel.part >= kernel.parts ||
        width % kernel.parts != 0) {
      throw core::Error(fmt::format("kernel '{}': part {} of {} does not divide its {} channels",
                                    kernel.name, kernel.part, kernel.parts, width));
    }
    lo_ = kernel.part * (width / kernel.parts);
    hi_ = lo_ + width / kernel.parts;
  };
  auto take_rows = [&](const DecoderLinear& l) {
    w_.emplace(rows_of(l, lo_, hi_));
    mul_ = cut(l.mul, lo_, hi_);
    bias_ = cut(l.bias, lo_, hi_);
  };
  auto take_columns = [&](const DecoderLinear& l) {
    w_.emplace(columns_of(l, lo_, hi_));
    in_width_ = hi_ - lo_;
  };
  in_width_ = c.dim;
  switch (index_) {
    case dec::embed:
      slice(c.dim);
      in_width_ = 1;
      break;
    case dec::attn_norm:
      norm_ = &layer->attn_norm;
      break;
    case dec::ffn_norm:
      norm_ = &layer->ffn_norm;
      break;
    case dec::final_norm:
      norm_ = &t_.final_norm;
      break;
    case dec::q:
      slice(c.dim);
      take_rows(layer->wq);
      break;
    case dec::k:
      slice(kv_dim);
      take_rows(layer->wk);
      break;
    case dec::v:
      slice(kv_dim);
      take_rows(layer->wv);
      break;
    case dec::attention: {
      served_ = kernel.stages[0].knobs.tile;
      const std::int64_t group = c.heads / c.kv_heads;
      if (kernel.head < 0 || served_ < 1 || kernel.head % served_ != 0 ||
          kernel.head + served_ > c.heads || (served_ % group != 0 && group % served_ != 0)) {
        throw core::Error(fmt::format(
            "kernel '{}': query heads {}..{} are not a group of {} heads (the attention tile "
            "knob) of 0..{} within or across whole KV heads of {}",
            kernel.name, kernel.head, kernel.head + served_ - 1, served_, c.heads - 1, group));
      }
      kv_heads_ = std::max<std::int64_t>(1, served_ / group);
      in_width_ = served_ * hd;
      const auto n = static_cast<std::size_t>(c.max_seq);
      k_cache_.resize(n * static_cast<std::size_t>(kv_heads_ * hd));
      v_cache_.resize(k_cache_.size());
      k_scale_.resize(n * static_cast<std::size_t>(kv_heads_));
      v_scale_.resize(k_scale_.size());
      break;
    }
    case dec::out_proj:
      slice(c.dim);
      take_columns(layer->wo);
      break;
    case dec::ffn_down:
      slice(c.hidden_dim);
      take_columns(layer->w2);
      break;
    case dec::res_attn:
    case dec::res_ffn: {
      const DecoderLinear& l = index_ == dec::res_attn ? layer->wo : layer->w2;
      mul_ = l.mul;
      bias_ = l.bias;
      parts_ = kernel.stages[0].k;
      in_width_ = parts_ * (c.dim + 1);
      break;
    }
    case dec::ffn_up:
      slice(c.hidden_dim);
      if (c.ffn == model::FfnKind::swiglu) {
        // Gate rows, then up rows, in one matrix (IntDecoder's w13): the input is quantised
        // and prepared once per row, not once per matrix.
        w_.emplace(stacked_rows(layer->w1, layer->w3, lo_, hi_));
        mul_ = cut(layer->w1.mul, lo_, hi_);
        const std::vector<kernels::Multiplier> up_mul = cut(layer->w3.mul, lo_, hi_);
        mul_.insert(mul_.end(), up_mul.begin(), up_mul.end());
        bias_ = cut(layer->w1.bias, lo_, hi_);
        if (!bias_.empty()) {
          const std::vector<std::int32_t> up_bias = cut(layer->w3.bias, lo_, hi_);
          bias_.insert(bias_.end(), up_bias.begin(), up_bias.end());
        }
      } else {
        take_rows(layer->w1);
      }
      break;
    case dec::lm_head:
      slice(c.vocab);
      take_rows(t_.head);
      break;
    case dec::argmax:
      in_width_ = 2 * kernel.stages[0].m;
      break;
    default:
      throw core::Error(fmt::format("kernel '{}': {} kernels compute nothing", kernel.name,
                                    graph::to_string(kernel.role)));
  }
}

void DecoderKernel::linear_rows(const kernels::Int8Matrix& w, const std::int32_t* x, std::int64_t n,
                                const std::vector<kernels::Multiplier>& mul,
                                const std::vector<std::int32_t>& bias, std::int64_t rows,
                                std::int32_t* y, std::int64_t y_stride,
                                DecoderScratch& scratch) const {
  const std::int64_t out = w.out_features();
  std::vector<std::int8_t>& x8 = scratch.x8;
  std::vector<kernels::ActScale>& scales = scratch.scales;
  x8.resize(static_cast<std::size_t>(rows * n));
  scales.resize(static_cast<std::size_t>(rows));
  for (std::int64_t r = 0; r < rows; ++r) {
    scales[static_cast<std::size_t>(r)] =
        kernels::quantize_row_dynamic_fast(x + r * n, n, x8.data() + r * n);
  }
  std::vector<std::int32_t>& acc = scratch.acc;
  acc.resize(static_cast<std::size_t>(rows * out));
  w.multiply(x8.data(), rows, acc.data());
  for (std::int64_t r = 0; r < rows; ++r) {
    kernels::w8a8_requantize_fast(acc.data() + r * out, out, scales[static_cast<std::size_t>(r)],
                                  mul.data(), bias.empty() ? nullptr : bias.data(),
                                  y + r * y_stride);
  }
}

void DecoderKernel::attend(Step step, const std::vector<std::int32_t>& q,
                           const std::vector<std::int32_t>& kv, DecoderScratch& scratch) {
  const model::DecoderConfig& c = t_.config;
  const std::int64_t hd = c.head_dim(), kv_width = kv_heads_ * hd, width = served_ * hd;
  const std::int64_t group = c.heads / c.kv_heads;
  if (step.first > cached_) {
    throw core::Error(fmt::format("step at position {}, cache holds {}", step.first, cached_));
  }
  if (static_cast<std::int64_t>(kv.size()) != step.rows * 2 * kv_width) {
    throw core::Error(fmt::format("port 1 holds {} int32 for {} rows, expected [K | V] of {} each",
                                  kv.size(), step.rows, 2 * kv_width));
  }
  std::vector<std::int32_t>& out = scratch.out;
  std::vector<std::int8_t>& x8 = scratch.x8;
  out.resize(static_cast<std::size_t>(step.rows * (width + 1)));
  x8.resize(static_cast<std::size_t>(hd));
  scratch.scores.resize(static_cast<std::size_t>(c.max_seq + hd));
  for (std::int64_t r = 0; r < step.rows; ++r) {
    const std::int64_t pos = step.first + r;
    const std::int32_t* k = kv.data() + r * 2 * kv_width;
    // Each KV head's new row is quantised at its own scale, as IntDecoder caches it.
    for (std::int64_t j = 0; j < kv_heads_; ++j) {
      const auto p = static_cast<std::size_t>(pos * kv_heads_ + j);
      k_scale_[p] = kernels::quantize_row_dynamic_fast(k + j * hd, hd,
                                                       k_cache_.data() + pos * kv_width + j * hd);
      v_scale_[p] = kernels::quantize_row_dynamic_fast(k + kv_width + j * hd, hd,
                                                       v_cache_.data() + pos * kv_width + j * hd);
    }
    std::int32_t* o = out.data() + r * (width + 1);
    // The engine loops over its query heads; head h reads KV head h / group of the kernel's.
    for (std::int64_t h = 0; h < served_; ++h) {
      const std::int64_t j = (kernel_.head + h) / group - kernel_.head / group;
      const kernels::ActScale sq =
          kernels::quantize_row_dynamic_fast(q.data() + r * width + h * hd, hd, x8.data());
      const kernels::KvView view{k_cache_.data() + j * hd,
                                 v_cache_.data() + j * hd,
                                 k_scale_.data() + j,
                                 v_scale_.data() + j,
                                 kv_width,
                                 kv_heads_};
      kernels::attention_head_fast(x8.data(), sq, view, pos + 1, hd, t_.attention,
                                   scratch.scores.data(), o + h * hd);
    }
    o[width] = max_word(o, width);
  }
  cached_ = step.first + step.rows;
}

void DecoderKernel::partial(Step step, const std::vector<std::int32_t>& x,
                            const std::vector<std::int32_t>& maxima,
                            DecoderScratch& scratch) const {
  const std::int64_t n = in_width_, out = w_->out_features();
  if (step.rows == 0 || maxima.size() % static_cast<std::size_t>(step.rows) != 0) {
    throw core::Error(
        fmt::format("port 1 holds {} row maxima for {} rows", maxima.size(), step.rows));
  }
  const std::int64_t producers = static_cast<std::int64_t>(maxima.size()) / step.rows;
  std::vector<std::int8_t>& x8 = scratch.x8;
  std::vector<std::int32_t>& y = scratch.out;
  std::vector<std::int32_t>& acc = scratch.acc;
  std::vector<std::int32_t>& a = scratch.a;
  x8.resize(static_cast<std::size_t>(step.rows * n));
  y.resize(static_cast<std::size_t>(step.rows * (out + 1)));
  a.resize(static_cast<std::size_t>(step.rows));
  for (std::int64_t r = 0; r < step.rows; ++r) {
    // The whole row's max |x| is the largest of its producers' maxima.
    std::int64_t m = 0;
    for (std::int64_t p = 0; p < producers; ++p)
      m = std::max(m, word_max(maxima[r * producers + p]));
    a[static_cast<std::size_t>(r)] = std::bit_cast<std::int32_t>(static_cast<std::uint32_t>(m));
    kernels::quantize_row_fast(x.data() + r * n, n, kernels::act_scale(m), x8.data() + r * n);
  }
  acc.resize(static_cast<std::size_t>(step.rows * out));
  w_->multiply(x8.data(), step.rows, acc.data());
  for (std::int64_t r = 0; r < step.rows; ++r) {
    std::copy_n(acc.begin() + r * out, out, y.begin() + r * (out + 1));
    y[static_cast<std::size_t>(r * (out + 1) + out)] = a[static_cast<std::size_t>(r)];
  }
}

void DecoderKernel::reduce(Step step, const std::vector<std::int32_t>& partials,
                           const std::vector<std::int32_t>& residual,
                           DecoderScratch& scratch) const {
  const std::int64_t dim = t_.config.dim, width = dim + 1;
  if (static_cast<std::int64_t>(residual.size()) != step.rows * dim) {
    throw core::Error(
        fmt::format("port 1 holds {} int32 for {} rows of {}", residual.size(), step.rows, dim));
  }
  std::vector<std::int32_t>& y = scratch.out;
  std::vector<std::int32_t>& a = scratch.a;
  std::vector<std::int32_t>& b = scratch.b;
  y.assign(residual.begin(), residual.end());
  a.resize(static_cast<std::size_t>(dim));
  b.resize(static_cast<std::size_t>(dim));
  for (std::int64_t r = 0; r < step.rows; ++r) {
    const std::int32_t* row = partials.data() + r * parts_ * width;
    for (std::int64_t o = 0; o < dim; ++o) {
      // The parts' accumulators add up to the whole product's, which fits int32.
      std::int64_t s = 0;
      for (std::int64_t p = 0; p < parts_; ++p) s += row[p * width + o];
      a[static_cast<std::size_t>(o)] = static_cast<std::int32_t>(s);
    }
    const kernels::ActScale scale = kernels::act_scale(word_max(row[dim]));
    kernels::w8a8_requantize_fast(a.data(), dim, scale, mul_.data(),
                                  bias_.empty() ? nullptr : bias_.data(), b.data());
    kernels::add_row_fast(b.data(), dim, y.data() + r * dim);
  }
}

const std::vector<std::int32_t>& DecoderKernel::run(Step step,
                                                    std::span<const std::vector<std::int32_t>> in,
                                                    DecoderScratch& scratch) {
  const model::DecoderConfig& c = t_.config;
  if (step.rows < 1 || step.first < 0 || step.first + step.rows > c.max_seq) {
    throw core::Error(fmt::format("step of {} rows at position {} outside the context 0..{}",
                                  step.rows, step.first, c.max_seq - 1));
  }
  const int ports = graph::role_info(kernel_.role).ports;
  if (static_cast<int>(in.size()) != ports ||
      static_cast<std::int64_t>(in[0].size()) != step.rows * in_width_) {
    throw core::Error(fmt::format("port 0 holds {} int32 for {} rows, expected {} each",
                                  in.empty() ? 0 : in[0].size(), step.rows, in_width_));
  }
  const std::int64_t rows = step.rows, hd = c.head_dim();
  const std::int64_t width = hi_ - lo_;
  std::vector<std::int32_t>& y = scratch.out;
  switch (index_) {
    case dec::embed: {
      y.resize(static_cast<std::size_t>(rows * width));
      scratch.a.resize(static_cast<std::size_t>(width));
      for (std::int64_t r = 0; r < rows; ++r) {
        const std::int64_t token = in[0][static_cast<std::size_t>(r)];
        model::validate_token(c, token, fmt::format("row {}", r));
        std::int32_t* out = y.data() + r * width;
        kernels::dequantize_row(t_.embedding.data() + token * c.dim + lo_, width,
                                t_.embedding_mul[static_cast<std::size_t>(token)], out);
        if (c.architecture == model::Architecture::gpt2_decoder) {
          const std::int64_t p = step.first + r;
          kernels::dequantize_row(t_.positions.data() + p * c.dim + lo_, width,
                                  t_.positions_mul[static_cast<std::size_t>(p)], scratch.a.data());
          kernels::add_row_fast(scratch.a.data(), width, out);
        }
      }
      return y;
    }
    case dec::attn_norm:
    case dec::ffn_norm:
    case dec::final_norm:
      y.resize(in[0].size());
      for (std::int64_t r = 0; r < rows; ++r) {
        kernels::norm_row_fast(in[0].data() + r * c.dim, c.dim, norm_->params(),
                               y.data() + r * c.dim);
      }
      return y;
    case dec::q:
    case dec::k:
    case dec::v:
      y.resize(static_cast<std::size_t>(rows * width));
      linear_rows(*w_, in[0].data(), c.dim, mul_, bias_, rows, y.data(), width, scratch);
      if (index_ != dec::v && c.architecture == model::Architecture::llama_decoder) {
        for (std::int64_t r = 0; r < rows; ++r) {
          const std::int64_t p = step.first + r;
          for (std::int64_t h = 0; h < width / hd; ++h) {
            kernels::rope_row(y.data() + r * width + h * hd, hd, t_.rope_cos.data() + p * (hd / 2),
                              t_.rope_sin.data() + p * (hd / 2), t_.rope_pairs);
          }
        }
      }
      return y;
    case dec::attention:
      attend(step, in[0], in[1], scratch);
      return y;
    case dec::out_proj:
    case dec::ffn_down:
      partial(step, in[0], in[1], scratch);
      return y;
    case dec::res_attn:
    case dec::res_ffn:
      reduce(step, in[0], in[1], scratch);
      return y;
    case dec::ffn_up: {
      y.resize(static_cast<std::size_t>(rows * (width + 1)));
      if (c.ffn == model::FfnKind::swiglu) {
        scratch.a.resize(static_cast<std::size_t>(rows * 2 * width));  // [rows][gate | up]
        linear_rows(*w_, in[0].data(), c.dim, mul_, bias_, rows, scratch.a.data(), 2 * width,
                    scratch);
        for (std::int64_t r = 0; r < rows; ++r) {
          const std::int32_t* gate = scratch.a.data() + r * 2 * width;
          kernels::swiglu_row_fast(gate, gate + width, width, kF, t_.sigmoid,
                                   y.data() + r * (width + 1));
        }
      } else {
        linear_rows(*w_, in[0].data(), c.dim, mul_, bias_, rows, y.data(), width + 1, scratch);
        for (std::int64_t r = 0; r < rows; ++r) {
          kernels::decoder_gelu_row(y.data() + r * (width + 1), width, kF, t_.gelu);
        }
      }
      for (std::int64_t r = 0; r < rows; ++r) {
        std::int32_t* row = y.data() + r * (width + 1);
        row[width] = max_word(row, width);
      }
      return y;
    }
    case dec::lm_head: {
      std::vector<std::int32_t>& logits = scratch.a;
      logits.resize(static_cast<std::size_t>(rows * width));
      linear_rows(*w_, in[0].data(), c.dim, mul_, bias_, rows, logits.data(), width, scratch);
      y.resize(static_cast<std::size_t>(rows * 2));
      for (std::int64_t r = 0; r < rows; ++r) {
        const std::int64_t i = kernels::argmax(logits.data() + r * width, width);
        y[static_cast<std::size_t>(2 * r)] = logits[static_cast<std::size_t>(r * width + i)];
        y[static_cast<std::size_t>(2 * r + 1)] = static_cast<std::int32_t>(lo_ + i);
      }
      return y;
    }
    case dec::argmax: {
      // The parts in vocabulary order: a later part wins only with a strictly larger logit, so
      // ties go to the lowest index, as kernels::argmax over the whole row.
      const std::int64_t parts = in_width_ / 2;
      y.resize(static_cast<std::size_t>(rows));
      for (std::int64_t r = 0; r < rows; ++r) {
        const std::int32_t* pair = in[0].data() + r * 2 * parts;
        std::int64_t best = 0;
        for (std::int64_t p = 1; p < parts; ++p) {
          if (pair[2 * p] > pair[2 * best]) best = p;
        }
        y[static_cast<std::size_t>(r)] = pair[2 * best + 1];
      }
      return y;
    }
    default:
      break;
  }
  throw core::Error(core::ErrorKind::internal,
                    fmt::format("kernel '{}': no decoder kernel for role {}", kernel_.name,
                                graph::to_string(kernel_.role)));
}

}  // namespace atl::platform
