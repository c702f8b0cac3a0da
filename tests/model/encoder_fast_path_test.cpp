// Encoder::layer runs the fast kernels (oneDNN linears and batched attention, 64-bit vectorised
// non-linear rows, fused stages, OpenMP rows). Here it is compared with the same layer written
// out stage by stage as the graph's kernels describe it (graph::stage_types), from the plain
// definitions only (*_ref kernels, per-head loops), including a padded input, and for 1 and 2
// threads.
#include <gtest/gtest.h>
#include <omp.h>

#include "kernels/attention_matmul.h"
#include "kernels/concat.h"
#include "kernels/gelu.h"
#include "kernels/identity_add.h"
#include "kernels/layernorm.h"
#include "kernels/linear.h"
#include "kernels/quant_act.h"
#include "kernels/softmax.h"
#include "kernels/softmax_matmul.h"
#include "model/encoder.h"
#include "model/synthetic.h"
#include "test_models.h"

namespace atl::model {
namespace {

using testing::tiny_config;
namespace k = kernels;

I8 act_ref(const I32& x, const k::QuantActParams& p) {
  I8 y(x.shape());
  for (std::int64_t i = 0; i < x.rows(); ++i)
    k::quant_act_row_ref<std::int32_t, std::int8_t>(x.row(i), p, y.row(i));
  return y;
}

// A linear's int32 output requantised to int32 (out_proj, ffn2: golden act_linear/output0).
I32 act32_ref(const I32& x, const k::QuantActParams& p) {
  I32 y(x.shape());
  for (std::int64_t i = 0; i < x.rows(); ++i)
    k::quant_act_row_ref<std::int32_t, std::int32_t>(x.row(i), p, y.row(i));
  return y;
}

// ln_attn / ln_ffn stage by stage: residual_act (identity_add), layernorm, quant_act.
I8 ln_ref(const I32& x, const I8& id, const k::QuantActParams& identity,
          const k::LayerNormParams& ln, const k::QuantActParams& act) {
  I32 sum(x.shape()), norm(x.shape());
  for (std::int64_t i = 0; i < x.rows(); ++i) {
    k::identity_add_row_ref(x.row(i), id.row(i), identity, sum.row(i));
    k::layernorm_row_ref(sum.row(i), ln, norm.row(i));
  }
  return act_ref(norm, act);
}

I8 layer_ref(const LayerWeights& w, const ModelConfig& c, const I8& x, std::int64_t valid) {
  const I8 q = act_ref(k::linear_ref(x, w.q.weight, w.q.bias), w.act_q);
  const I8 kk = act_ref(k::linear_ref(x, w.k.weight, w.k.bias), w.act_k);
  const I8 v = act_ref(k::linear_ref(x, w.v.weight, w.v.bias), w.act_v);
  std::vector<I32> heads;
  for (std::int64_t h = 0; h < c.heads; ++h) {
    I32 s =
        k::attention_matmul(head_columns(q, h, c.head_dim()), head_columns(kk, h, c.head_dim()));
    k::mask_scores(s, valid);
    U8 p(s.shape());
    for (std::int64_t i = 0; i < s.rows(); ++i) k::softmax_row_ref(s.row(i), w.softmax, p.row(i));
    heads.push_back(k::softmax_matmul(p, head_columns(v, h, c.head_dim())));
  }
  const I8 ctx = act_ref(k::concat(heads), w.act_out);
  const I32 proj = act32_ref(k::linear_ref(ctx, w.out.weight, w.out.bias), w.res_attn.main);
  const I8 a = ln_ref(proj, x, w.res_attn.identity, w.ln_attn, w.act_ln_attn);
  const I32 f1 = k::linear_ref(a, w.ffn1.weight, w.ffn1.bias);
  I32 g(f1.shape());
  for (std::int64_t i = 0; i < f1.rows(); ++i) k::gelu_row_ref(f1.row(i), w.gelu, g.row(i));
  const I8 f2in = act_ref(g, w.act_gelu);
  const I32 f2 = act32_ref(k::linear_ref(f2in, w.ffn2.weight, w.ffn2.bias), w.res_ffn.main);
  return ln_ref(f2, a, w.res_ffn.identity, w.ln_ffn, w.act_ln_ffn);
}

TEST(EncoderFastPath, EqualsThePlainDefinitionsForAnyThreadCount) {
  const ModelConfig c = tiny_config(2);
  const Encoder enc(synthetic_weights(c, 5));
  for (const std::int64_t valid : {0, 19}) {  // 0: all 32 rows are tokens; 19: 13 padding rows
    const I8 x = random_input(32, c.hidden, 6);
    I8 ref = x;
    for (std::size_t l = 0; l < enc.weights().layers.size(); ++l) {
      ref = layer_ref(enc.weights().layers[l], c, ref, valid > 0 ? valid : 32);
    }
    const int threads = omp_get_max_threads();
    for (const int t : {1, 2}) {
      omp_set_num_threads(t);
      EXPECT_EQ(enc.forward(x, nullptr, valid), ref) << "valid " << valid << ", threads " << t;
    }
    omp_set_num_threads(threads);
  }
}

}  // namespace
}  // namespace atl::model
