// Encoder::layer runs the fast kernels (oneDNN linears and batched attention, 64-bit vectorised
// non-linear rows, fused stages, OpenMP rows). Here it is compared with the same layer written
// out from the plain definitions only (*_ref kernels, per-head loops), including a padded input,
// and for 1 and 2 threads.
#include <gtest/gtest.h>
#include <omp.h>

#include "kernels/attention_matmul.h"
#include "kernels/concat.h"
#include "kernels/gelu.h"
#include "kernels/layernorm.h"
#include "kernels/linear.h"
#include "kernels/quant_act.h"
#include "kernels/residual_act.h"
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

I8 ln_ref(const I32& x, const I8& id, const k::ResidualActParams& res, const k::LayerNormParams& ln,
          const k::QuantActParams& act) {
  I32 sum(x.shape()), norm(x.shape());
  for (std::int64_t i = 0; i < x.rows(); ++i) {
    k::residual_act_row_ref(x.row(i), id.row(i), res, sum.row(i));
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
  const I8 a =
      ln_ref(k::linear_ref(ctx, w.out.weight, w.out.bias), x, w.res_attn, w.ln_attn, w.act_ln_attn);
  const I32 f1 = k::linear_ref(a, w.ffn1.weight, w.ffn1.bias);
  I32 g(f1.shape());
  for (std::int64_t i = 0; i < f1.rows(); ++i) k::gelu_row_ref(f1.row(i), w.gelu, g.row(i));
  const I8 f2in = act_ref(g, w.act_gelu);
  return ln_ref(k::linear_ref(f2in, w.ffn2.weight, w.ffn2.bias), a, w.res_ffn, w.ln_ffn,
                w.act_ln_ffn);
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

// The role functions the software FPGA nodes run, chained head by head (with and without the
// one-head AttentionPlan), equal the plain definitions too.
TEST(EncoderFastPath, RoleFunctionsEqualThePlainDefinitions) {
  const ModelConfig c = tiny_config(1);
  const EncoderWeights weights = synthetic_weights(c, 5);
  const LayerWeights& w = weights.layers[0];
  const k::LinearPlan q(w.q.weight, w.q.bias), kk(w.k.weight, w.k.bias), v(w.v.weight, w.v.bias),
      out(w.out.weight, w.out.bias), ffn1(w.ffn1.weight, w.ffn1.bias),
      ffn2(w.ffn2.weight, w.ffn2.bias);
  const k::AttentionPlan head(1, c.head_dim());
  const std::int64_t valid = 19;
  const I8 x = random_input(32, c.hidden, 6);
  const I8 qi = linear_act(q, w.act_q, x), ki = linear_act(kk, w.act_k, x),
           vi = linear_act(v, w.act_v, x);
  std::vector<I8> plain, planned;
  for (std::int64_t h = 0; h < c.heads; ++h) {
    const I8 qh = head_columns(qi, h, c.head_dim()), kh = head_columns(ki, h, c.head_dim()),
             vh = head_columns(vi, h, c.head_dim());
    const U8 p = attention_head(qh, kh, w.softmax, valid);
    EXPECT_EQ(attention_head(head, qh, kh, w.softmax, valid), p) << "head " << h;
    plain.push_back(context_head(p, vh, w.act_out));
    planned.push_back(context_head(head, p, vh, w.act_out));
  }
  EXPECT_EQ(planned, plain);
  const I8 ctx = k::concat(plain);
  const I8 a = residual_layernorm(linear_only(out, ctx), x, w.res_attn, w.ln_attn, w.act_ln_attn);
  const I8 y = residual_layernorm(linear_only(ffn2, linear_gelu_act(ffn1, w.gelu, w.act_gelu, a)),
                                  a, w.res_ffn, w.ln_ffn, w.act_ln_ffn);
  EXPECT_EQ(y, layer_ref(w, c, x, valid));
}

}  // namespace
}  // namespace atl::model
