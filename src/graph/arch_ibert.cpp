#include "graph/arch_ibert.h"

#include <fmt/format.h>

#include <vector>

#include "graph/blocks.h"
#include "graph/sublayer.h"

namespace atl::graph::ibert {
namespace {

constexpr int group(Sublayer s) {
  return static_cast<int>(s);
}

std::vector<RoleInfo> roles() {
  using enum StageType;
  // Each compute role belongs to one of Cluster Builder's eight sub-layers (graph/sublayer.h).
  const std::vector<StageType> linear_act{linear, quant_act};
  const std::vector<StageType> norm{residual_act, layernorm, quant_act};
  // name, stages, ports, split, whole_heads, per_head, group: indices as in arch_ibert.h.
  return {
      {"source", {}, 0, Split::none, false, false, -1},
      {"sink", {}, 1, Split::none, false, false, -1},
      {"q", linear_act, 1, Split::hidden, true, false, group(Sublayer::attention_0)},
      {"k", linear_act, 1, Split::hidden, true, false, group(Sublayer::attention_0)},
      {"v", linear_act, 1, Split::hidden, true, false, group(Sublayer::attention_0)},
      {"attention",
       {attention_matmul, softmax},
       2,
       Split::none,
       false,
       true,
       group(Sublayer::attention_1)},
      {"context",
       {softmax_matmul, quant_act},
       2,
       Split::none,
       false,
       true,
       group(Sublayer::attention_2)},
      {"out_proj", linear_act, 1, Split::hidden, false, false, group(Sublayer::attention_output_0)},
      {"ln_attn", norm, 2, Split::none, false, false, group(Sublayer::attention_output_1)},
      {"ffn1",
       {linear, gelu, quant_act},
       1,
       Split::intermediate,
       false,
       false,
       group(Sublayer::intermediate_0)},
      {"ffn2", linear_act, 1, Split::hidden, false, false, group(Sublayer::intermediate_output_0)},
      {"ln_ffn", norm, 2, Split::none, false, false, group(Sublayer::intermediate_output_1)},
  };
}

// Adds one encoder layer fed by kernel `input`; returns its last kernel (ln_ffn).
int add_layer(GraphBuilder& b, int layer, int input) {
  const model::ModelConfig& c = b.config();
  const std::int64_t h = c.hidden, d = c.head_dim();
  const std::string at = fmt::format("l{}.", layer);
  std::vector<Slice> qs = b.add_linear(at, layer, q, h, h, core::DType::i8);
  std::vector<Slice> ks = b.add_linear(at, layer, k, h, h, core::DType::i8);
  std::vector<Slice> vs = b.add_linear(at, layer, v, h, h, core::DType::i8);
  for (const auto* role : {&qs, &ks, &vs}) {
    for (const Slice& s : *role) b.connect(input, s.kernel, h, 0);
  }
  std::vector<Slice> heads_out;
  for (int head = 0; head < c.heads; ++head) {
    const std::int64_t lo = head * d, hi = lo + d;
    const int attn = b.add_head(at, layer, head, attention, c.seq_len, core::DType::u8);
    const int ctx = b.add_head(at, layer, head, context, d, core::DType::i8);
    b.feed_slice(qs, attn, lo, hi, 0, 1);
    b.feed_slice(ks, attn, lo, hi, 1, 1);  // K is the second operand of Q.K^T
    b.connect(attn, ctx, c.seq_len, 0);    // one probability byte per key column
    b.feed_slice(vs, ctx, lo, hi, 1, 1);   // V is the second operand of P.V
    heads_out.push_back({ctx, lo, hi});
  }
  std::vector<Slice> out = b.add_linear(at, layer, out_proj, h, h, core::DType::i32);
  for (const Slice& s : out) b.feed_slice(heads_out, s.kernel, 0, h, 0, 1);

  const int ln1 = b.add_single(at, layer, ln_attn, h, h, core::DType::i8);
  b.feed_slice(out, ln1, 0, h, 0, 4);
  b.connect(input, ln1, h, 1);  // residual identity: the layer input

  std::vector<Slice> up = b.add_linear(at, layer, ffn1, c.intermediate, h, core::DType::i8);
  for (const Slice& s : up) b.connect(ln1, s.kernel, h, 0);
  std::vector<Slice> down = b.add_linear(at, layer, ffn2, h, c.intermediate, core::DType::i32);
  for (const Slice& s : down) b.feed_slice(up, s.kernel, 0, c.intermediate, 0, 1);

  const int ln2 = b.add_single(at, layer, ln_ffn, h, h, core::DType::i8);
  b.feed_slice(down, ln2, 0, h, 0, 4);
  b.connect(ln1, ln2, h, 1);  // residual identity: the attention block's output
  return ln2;
}

std::vector<std::string> group_names() {
  std::vector<std::string> names;
  for (Sublayer s : all_sublayers()) names.push_back(to_string(s));
  return names;
}

}  // namespace

KnobMap default_knobs() {
  KnobMap m;
  m.roles = {
      {q, {1, {{2, 6, 1}, {1, 1, 4}}}},                     // linear, quant_act
      {k, {1, {{2, 6, 1}, {1, 1, 4}}}},                     // linear, quant_act
      {v, {1, {{2, 6, 1}, {1, 1, 4}}}},                     // linear, quant_act
      {attention, {1, {{1, 2, 1}, {1, 1, 2}}}},             // attention_matmul, softmax
      {context, {1, {{1, 2, 1}, {1, 1, 4}}}},               // softmax_matmul, quant_act
      {out_proj, {1, {{4, 12, 1}, {1, 1, 4}}}},             // linear, quant_act (int32 out)
      {ln_attn, {1, {{1, 1, 16}, {1, 1, 16}, {1, 1, 4}}}},  // residual_act, layernorm, quant_act
      {ffn1, {1, {{4, 12, 1}, {1, 1, 4}, {1, 1, 4}}}},      // linear, gelu, quant_act
      {ffn2, {1, {{4, 12, 1}, {1, 1, 4}}}},                 // linear, quant_act (int32 out)
      {ln_ffn, {1, {{1, 1, 16}, {1, 1, 4}, {1, 1, 4}}}},    // residual_act, layernorm, quant_act
  };
  return m;
}

Graph build(const model::ModelConfig& config, const KnobMap& knobs) {
  GraphBuilder b(config, knobs);
  int input = b.add(b.kernel("source", source, -1, core::DType::i8, config.hidden));
  for (int layer = 0; layer < config.layers; ++layer) input = add_layer(b, layer, input);
  const int out = b.add(b.kernel("sink", sink, -1, core::DType::i8, 0));
  b.connect(input, out, config.hidden, 0);
  return std::move(b).finish();
}

std::int64_t kernel_count(const model::ModelConfig& config, const KnobMap& knobs) {
  std::int64_t per_layer = 0, total = 0;
  for (Role role : compute_roles(model::Architecture::ibert_encoder)) {
    // One kernel per head for the per-head roles, one per tensor-parallel part for the others.
    const std::int64_t n = role_info(role).per_head ? config.heads : knobs[role].partition;
    if (__builtin_add_overflow(per_layer, n, &per_layer)) return -1;
  }
  if (__builtin_mul_overflow(per_layer, config.layers, &total) ||
      __builtin_add_overflow(total, 2, &total)) {  // + source and sink
    return -1;
  }
  return total;
}

Builder make_builder() {
  return {.architecture = model::Architecture::ibert_encoder,
          .roles = roles(),
          .groups = group_names(),
          .default_knobs = default_knobs(),
          .build = build,
          .kernel_count = kernel_count};
}

}  // namespace atl::graph::ibert
