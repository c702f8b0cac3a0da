#include "graph/decoder_blocks.h"

#include <fmt/format.h>

#include "graph/blocks.h"

namespace atl::graph::decoder {
namespace {

constexpr core::DType kAct = core::DType::i32;  // int32 fixed point between kernels
constexpr std::int64_t kActBytes = 4;

}  // namespace

std::vector<RoleInfo> roles(StageType norm, bool with_rope, const std::vector<StageType>& ffn_up) {
  using enum StageType;
  const std::vector<StageType> qk =
      with_rope ? std::vector<StageType>{w8a8_linear, StageType::rope} : std::vector{w8a8_linear};
  // name, stages, ports, split, whole_heads, per_head, group (no Galapagos groups yet: -1).
  return {
      {"source", {}, 0, Split::none, false, false, -1},
      {"sink", {}, 1, Split::none, false, false, -1},
      {"embed", {embedding}, 1, Split::hidden, false, false, -1},
      {"attn_norm", {norm}, 1, Split::none, false, false, -1},
      {"q", qk, 1, Split::hidden, true, false, -1},
      {"k", qk, 1, Split::kv, true, false, -1},
      {"v", {w8a8_linear}, 1, Split::kv, true, false, -1},
      {"attention", {decoder_attention}, 2, Split::none, false, true, -1},
      {"out_proj", {w8a8_linear}, 1, Split::hidden, false, false, -1},
      {"res_attn", {residual_add}, 2, Split::none, false, false, -1},
      {"ffn_norm", {norm}, 1, Split::none, false, false, -1},
      {"ffn_up", ffn_up, 1, Split::intermediate, false, false, -1},
      {"ffn_down", {w8a8_linear}, 1, Split::hidden, false, false, -1},
      {"res_ffn", {residual_add}, 2, Split::none, false, false, -1},
      {"final_norm", {norm}, 1, Split::none, false, false, -1},
      {"lm_head", {w8a8_linear}, 1, Split::vocab, false, false, -1},
      {"argmax", {argmax}, 1, Split::none, false, false, -1},
  };
}

KnobMap default_knobs(model::Architecture architecture, const std::vector<RoleInfo>& roles) {
  KnobMap m;
  for (int i = embed; i < static_cast<int>(roles.size()); ++i) {
    RoleKnobs& rk = m.roles[Role{architecture, i}];
    for (StageType t : roles[static_cast<std::size_t>(i)].stages) {
      switch (t) {
        case StageType::w8a8_linear:
          rk.stages.push_back({2, 1, 1});
          break;
        case StageType::decoder_attention:
          rk.stages.push_back({1, 2, 1});
          break;
        default:
          rk.stages.push_back({1, 1, 4});
          break;
      }
    }
  }
  return m;
}

Graph build(const model::ModelConfig& c, const KnobMap& knobs) {
  const model::Architecture a = c.architecture;
  auto role = [a](int index) { return Role{a, index}; };
  const model::DecoderConfig& d = *c.decoder;
  const std::int64_t h = c.hidden, hd = c.head_dim(), kv = d.kv_heads * hd;
  const std::int64_t group = c.heads / d.kv_heads;  // query heads per K/V head
  const std::int64_t row = h * kActBytes;
  GraphBuilder b(c, knobs);

  const int source = b.add(b.kernel("source", role(kSourceRole), -1, kAct, 1));  // token ids
  // GPT-2's table holds the learned positions after the tokens.
  const std::int64_t table_rows =
      d.vocab + (a == model::Architecture::gpt2_decoder ? c.seq_len : 0);
  std::vector<Slice> x = b.add_linear("", -1, role(embed), h, table_rows, kAct);
  for (const Slice& s : x) b.connect(source, s.kernel, kActBytes, 0);

  for (int layer = 0; layer < c.layers; ++layer) {
    const std::string at = fmt::format("l{}.", layer);
    const int norm1 = b.add_single(at, layer, role(attn_norm), h, h, kAct);
    b.feed_slice(x, norm1, 0, h, 0, kActBytes);
    const std::vector<Slice> qs = b.add_linear(at, layer, role(q), h, h, kAct);
    const std::vector<Slice> ks = b.add_linear(at, layer, role(k), kv, h, kAct);
    const std::vector<Slice> vs = b.add_linear(at, layer, role(v), kv, h, kAct);
    for (const auto* proj : {&qs, &ks, &vs}) {
      for (const Slice& s : *proj) b.connect(norm1, s.kernel, row, 0);
    }
    std::vector<Slice> heads_out;
    for (int head = 0; head < c.heads; ++head) {
      const std::int64_t lo = head * hd, kv_lo = head / group * hd;
      const int attn = b.add_head(at, layer, head, role(attention), hd, kAct);
      b.feed_slice(qs, attn, lo, lo + hd, 0, kActBytes);
      b.feed_slice(ks, attn, kv_lo, kv_lo + hd, 1, kActBytes);  // port 1 gathers [K | V]
      b.feed_slice(vs, attn, kv_lo, kv_lo + hd, 1, kActBytes);
      heads_out.push_back({attn, lo, lo + hd});
    }
    const std::vector<Slice> out = b.add_linear(at, layer, role(out_proj), h, h, kAct);
    for (const Slice& s : out) b.feed_slice(heads_out, s.kernel, 0, h, 0, kActBytes);
    const int res1 = b.add_single(at, layer, role(res_attn), h, h, kAct);
    b.feed_slice(out, res1, 0, h, 0, kActBytes);
    b.feed_slice(x, res1, 0, h, 1, kActBytes);  // the layer input

    const int norm2 = b.add_single(at, layer, role(ffn_norm), h, h, kAct);
    b.connect(res1, norm2, row, 0);
    std::vector<Slice> up = b.add_linear(at, layer, role(ffn_up), c.intermediate, h, kAct);
    for (const Slice& s : up) b.connect(norm2, s.kernel, row, 0);
    const std::vector<Slice> down =
        b.add_linear(at, layer, role(ffn_down), h, c.intermediate, kAct);
    for (const Slice& s : down) b.feed_slice(up, s.kernel, 0, c.intermediate, 0, kActBytes);
    const int res2 = b.add_single(at, layer, role(res_ffn), h, h, kAct);
    b.feed_slice(down, res2, 0, h, 0, kActBytes);
    b.connect(res1, res2, row, 1);
    x = {{res2, 0, h}};
  }

  const int norm = b.add_single("", -1, role(final_norm), h, h, kAct);
  b.feed_slice(x, norm, 0, h, 0, kActBytes);
  const std::vector<Slice> logits = b.add_linear("", -1, role(lm_head), d.vocab, h, kAct);
  for (const Slice& s : logits) b.connect(norm, s.kernel, row, 0);
  Kernel pick = b.kernel("argmax", role(argmax), -1, kAct, 1);
  pick.stages = b.stages(role(argmax), d.vocab, 0);  // searches the vocabulary's logits
  const int token = b.add(std::move(pick));
  b.feed_slice(logits, token, 0, d.vocab, 0, kActBytes);
  const int sink = b.add(b.kernel("sink", role(kSinkRole), -1, kAct, 0));
  b.connect(token, sink, kActBytes, 0);
  return std::move(b).finish();
}

std::int64_t kernel_count(const model::ModelConfig& c, const KnobMap& knobs) {
  std::int64_t per_layer = 0, total = 0;
  for (int i = attn_norm; i <= res_ffn; ++i) {
    const Role role{c.architecture, i};
    const std::int64_t n = role_info(role).per_head ? c.heads : knobs[role].partition;
    if (__builtin_add_overflow(per_layer, n, &per_layer)) return -1;
  }
  // + source, sink, the embedding and LM head parts, final norm and argmax.
  const std::int64_t outside = 4 + knobs[Role{c.architecture, embed}].partition +
                               knobs[Role{c.architecture, lm_head}].partition;
  if (__builtin_mul_overflow(per_layer, c.layers, &total) ||
      __builtin_add_overflow(total, outside, &total)) {
    return -1;
  }
  return total;
}

}  // namespace atl::graph::decoder
