#include "graph/decoder_blocks.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"
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
  // out_proj and ffn_down split their input rows (hidden, intermediate), port 1 the row maxima.
  return {
      {"source", {}, 0, Split::none, false, false, -1},
      {"sink", {}, 1, Split::none, false, false, -1},
      {"embed", {embedding}, 1, Split::hidden, false, false, -1},
      {"attn_norm", {norm}, 1, Split::none, false, false, -1},
      {"q", qk, 1, Split::hidden, true, false, -1},
      {"k", qk, 1, Split::kv, true, false, -1},
      {"v", {w8a8_linear}, 1, Split::kv, true, false, -1},
      {"attention", {decoder_attention}, 2, Split::none, false, true, -1},
      {"out_proj", {w8a8_partial}, 2, Split::hidden, false, false, -1},
      {"res_attn", {w8a8_reduce, residual_add}, 2, Split::none, false, false, -1},
      {"ffn_norm", {norm}, 1, Split::none, false, false, -1},
      {"ffn_up", ffn_up, 1, Split::intermediate, false, false, -1},
      {"ffn_down", {w8a8_partial}, 2, Split::intermediate, false, false, -1},
      {"res_ffn", {w8a8_reduce, residual_add}, 2, Split::none, false, false, -1},
      {"final_norm", {norm}, 1, Split::none, false, false, -1},
      {"lm_head", {w8a8_linear, top1}, 1, Split::vocab, false, false, -1},
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
        case StageType::w8a8_partial:
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

namespace {

// The decoder's graph under construction: the builder plus the knobs, and the slices feeding.
class Layout {
 public:
  Layout(const model::ModelConfig& c, const KnobMap& knobs) : c_(c), knobs_(knobs), b_(c, knobs) {}

  Role role(int index) const { return Role{c_.architecture, index}; }
  GraphBuilder& builder() { return b_; }

  // What each part of a split role sends per row.
  enum class Out {
    channels,          // its channels
    channels_and_max,  // its channels, then their max |x| (one int32)
    pair,              // (max logit, index): two int32
  };

  // The parts of a role that splits its `rows` output channels (each `width` inputs).
  std::vector<Slice> parts(const std::string& at, int layer, int index, std::int64_t rows,
                           std::int64_t width, Out sends) {
    const int n = knobs_[role(index)].partition;
    const std::int64_t each = rows / n;
    const std::int64_t out_rows =
        sends == Out::pair ? 2 : each + (sends == Out::channels_and_max ? 1 : 0);
    std::vector<Slice> out;
    for (int part = 0; part < n; ++part) {
      const std::string label = to_string(role(index));
      Kernel k = b_.kernel(n == 1 ? at + label : fmt::format("{}{}.p{}", at, label, part),
                           role(index), layer, kAct, out_rows);
      k.part = part;
      k.parts = n;
      k.stages = b_.stages(role(index), each, width);
      out.push_back({b_.add(std::move(k)), part * each, (part + 1) * each});
    }
    return out;
  }

  // A linear split by input rows: part p takes input channels [p K/n, (p+1) K/n) of `in` (port
  // 0) and the row maxima of every producer of `in` (port 1); it emits `out` partial sums and
  // the max: (out + 1) int32.
  std::vector<int> row_split(const std::string& at, int layer, int index, std::int64_t out,
                             const std::vector<Slice>& in, std::int64_t width) {
    const int n = knobs_[role(index)].partition;
    const std::int64_t each = width / n;
    std::vector<int> parts;
    for (int part = 0; part < n; ++part) {
      const std::string label = to_string(role(index));
      Kernel k = b_.kernel(n == 1 ? at + label : fmt::format("{}{}.p{}", at, label, part),
                           role(index), layer, kAct, out + 1);
      k.part = part;
      k.parts = n;
      k.stages = {{StageType::w8a8_partial, out, each, knobs_[role(index)].stages[0]}};
      const int kernel = b_.add(std::move(k));
      feed(in, kernel, part * each, (part + 1) * each, 0);
      for (const Slice& s : in) {
        b_.connect(s.kernel, kernel, kActBytes, 1, (s.end - s.begin) * kActBytes);
      }
      parts.push_back(kernel);
    }
    return parts;
  }

  // The reduce of a row-split linear's parts (port 0) plus the residual (port 1).
  int reduce(const std::string& at, int layer, int index, const std::vector<int>& parts,
             const std::vector<Slice>& residual) {
    Kernel k = b_.kernel(at + to_string(role(index)), role(index), layer, kAct, c_.hidden);
    k.stages = b_.stages(role(index), c_.hidden, 0);
    k.stages[0].k = static_cast<std::int64_t>(parts.size());  // partial rows summed
    const int kernel = b_.add(std::move(k));
    for (int p : parts) b_.connect(p, kernel, (c_.hidden + 1) * kActBytes, 0);
    feed(residual, kernel, 0, c_.hidden, 1);
    reduced_.insert(reduced_.end(), parts.begin(), parts.end());
    return kernel;
  }

  // The argmax over the LM head parts' (max logit, index) pairs.
  int argmax_of(const std::vector<Slice>& heads) {
    Kernel k = b_.kernel("argmax", role(argmax), -1, kAct, 1);
    k.stages = b_.stages(role(argmax), static_cast<std::int64_t>(heads.size()), 0);  // pairs
    const int kernel = b_.add(std::move(k));
    for (const Slice& s : heads) {
      b_.connect(s.kernel, kernel, 2 * kActBytes, 0);
      reduced_.push_back(s.kernel);
    }
    return kernel;
  }

  // Channels [lo, hi) of the producers' concatenated channels to port `port` of `consumer`:
  // one stream per overlapping producer, from the overlap's first byte in its row.
  void feed(const std::vector<Slice>& producers, int consumer, std::int64_t lo, std::int64_t hi,
            int port) {
    for (const Slice& s : producers) {
      const std::int64_t a = std::max(lo, s.begin), e = std::min(hi, s.end);
      if (a < e)
        b_.connect(s.kernel, consumer, (e - a) * kActBytes, port, (a - s.begin) * kActBytes);
    }
  }

  // The graph with the GMI pattern of every stream; partial sums and the LM head's pairs are
  // reduce streams.
  Graph finish() && {
    Graph g = std::move(b_).finish();
    for (Stream& s : g.streams) {
      if (s.port == 0 &&
          std::find(reduced_.begin(), reduced_.end(), s.producer) != reduced_.end()) {
        s.pattern = Pattern::reduce;
      }
    }
    return g;
  }

 private:
  const model::ModelConfig& c_;
  const KnobMap& knobs_;
  GraphBuilder b_;
  std::vector<int> reduced_;  // kernels whose port-0 rows are summed
};

}  // namespace

std::int64_t heads_per_kernel(const model::ModelConfig& c, const KnobMap& knobs) {
  const std::int64_t served = knobs[Role{c.architecture, attention}].stages.at(0).tile;
  const std::int64_t group = c.heads / c.decoder->kv_heads;
  if (c.heads % served != 0 || (served % group != 0 && group % served != 0)) {
    throw core::Error(fmt::format(
        "knobs of role 'attention': tile {} (query heads per kernel) must divide the {} heads "
        "and divide or be a multiple of the {} query heads of one KV head",
        served, c.heads, group));
  }
  return served;
}

KvSpan kv_span(const model::ModelConfig& c, std::int64_t first_head, std::int64_t served) {
  const std::int64_t group = c.heads / c.decoder->kv_heads;
  return {first_head / group, std::max<std::int64_t>(1, served / group)};
}

Graph build(const model::ModelConfig& c, const KnobMap& knobs) {
  const model::Architecture a = c.architecture;
  const model::DecoderConfig& d = *c.decoder;
  const std::int64_t h = c.hidden, hd = c.head_dim(), kv = d.kv_heads * hd;
  const std::int64_t served = heads_per_kernel(c, knobs);
  const std::int64_t row = h * kActBytes;
  Layout l(c, knobs);
  GraphBuilder& b = l.builder();

  const int source = b.add(b.kernel("source", l.role(kSourceRole), -1, kAct, 1));  // token ids
  // GPT-2's table holds the learned positions after the tokens.
  const std::int64_t table_rows =
      d.vocab + (a == model::Architecture::gpt2_decoder ? c.seq_len : 0);
  std::vector<Slice> x = l.parts("", -1, embed, h, table_rows, Layout::Out::channels);
  for (const Slice& s : x) b.connect(source, s.kernel, kActBytes, 0);

  for (int layer = 0; layer < c.layers; ++layer) {
    const std::string at = fmt::format("l{}.", layer);
    const int norm1 = b.add_single(at, layer, l.role(attn_norm), h, h, kAct);
    l.feed(x, norm1, 0, h, 0);
    const std::vector<Slice> qs = l.parts(at, layer, q, h, h, Layout::Out::channels);
    const std::vector<Slice> ks = l.parts(at, layer, k, kv, h, Layout::Out::channels);
    const std::vector<Slice> vs = l.parts(at, layer, v, kv, h, Layout::Out::channels);
    for (const auto* proj : {&qs, &ks, &vs}) {
      for (const Slice& s : *proj) b.connect(norm1, s.kernel, row, 0);
    }
    std::vector<Slice> heads_out;
    for (int head = 0; head < c.heads; head += static_cast<int>(served)) {
      const KvSpan span = kv_span(c, head, served);
      const std::int64_t lo = head * hd, hi = lo + served * hd;
      const std::int64_t kv_lo = span.first * hd, kv_hi = kv_lo + span.count * hd;
      const int attn = b.add_head(at, layer, head, l.role(attention), served * hd + 1, kAct);
      l.feed(qs, attn, lo, hi, 0);
      l.feed(ks, attn, kv_lo, kv_hi, 1);  // port 1 gathers [K of its KV heads | V of them]
      l.feed(vs, attn, kv_lo, kv_hi, 1);
      heads_out.push_back({attn, lo, hi});
    }
    const int res1 =
        l.reduce(at, layer, res_attn, l.row_split(at, layer, out_proj, h, heads_out, h), x);

    const int norm2 = b.add_single(at, layer, l.role(ffn_norm), h, h, kAct);
    b.connect(res1, norm2, row, 0);
    const std::vector<Slice> up =
        l.parts(at, layer, ffn_up, c.intermediate, h, Layout::Out::channels_and_max);
    for (const Slice& s : up) b.connect(norm2, s.kernel, row, 0);
    const int res2 =
        l.reduce(at, layer, res_ffn, l.row_split(at, layer, ffn_down, h, up, c.intermediate),
                 {{res1, 0, h}});
    x = {{res2, 0, h}};
  }

  const int norm = b.add_single("", -1, l.role(final_norm), h, h, kAct);
  l.feed(x, norm, 0, h, 0);
  const std::vector<Slice> logits = l.parts("", -1, lm_head, d.vocab, h, Layout::Out::pair);
  for (const Slice& s : logits) b.connect(norm, s.kernel, row, 0);
  const int pick = l.argmax_of(logits);
  const int sink = b.add(b.kernel("sink", l.role(kSinkRole), -1, kAct, 0));
  b.connect(pick, sink, kActBytes, 0);
  return std::move(l).finish();
}

std::int64_t kernel_count(const model::ModelConfig& c, const KnobMap& knobs) {
  std::int64_t per_layer = 0, total = 0;
  for (int i = attn_norm; i <= res_ffn; ++i) {
    const Role role{c.architecture, i};
    const std::int64_t n =
        role_info(role).per_head ? c.heads / heads_per_kernel(c, knobs) : knobs[role].partition;
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
