#include "graph/encoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>

#include "core/error.h"

namespace atl::graph {
namespace {

std::int64_t elem_bytes(core::DType t) {
  return static_cast<std::int64_t>(core::dtype_size(t));
}

Kernel make_kernel(std::string name, Role role, int layer, core::DType out, std::int64_t bytes) {
  Kernel k;
  k.name = std::move(name);
  k.role = role;
  k.layer = layer;
  k.out_dtype = out;
  k.out_bytes_per_token = bytes;
  return k;
}

// A run of output channels [begin, end) of one kernel: how row slices meet across a
// tensor-parallel split (q parts -> heads, ffn1 parts -> ffn2 parts).
struct Slice {
  int kernel;
  std::int64_t begin, end;
};

class Builder {
 public:
  Builder(const model::ModelConfig& c, const SublayerKnobs& knobs) : c_(c), knobs_(knobs) {
    g_.model = c.name;
    g_.seq_len = c.seq_len;
    g_.hidden = c.hidden;
    g_.heads = c.heads;
    g_.intermediate = c.intermediate;
    g_.layers = c.layers;
  }

  Graph build() && {
    int input = add(make_kernel("source", Role::source, -1, core::DType::i8, c_.hidden));
    for (int layer = 0; layer < c_.layers; ++layer) input = add_layer(layer, input);
    int sink = add(make_kernel("sink", Role::sink, -1, core::DType::i8, 0));
    connect(input, sink, c_.hidden, 0);
    assign_patterns();
    return std::move(g_);
  }

 private:
  // Adds one encoder layer fed by kernel `input`; returns its last kernel (ln_ffn).
  int add_layer(int layer, int input) {
    const std::int64_t h = c_.hidden, d = c_.head_dim();
    std::vector<Slice> q = add_linear(layer, Role::q, h, h, core::DType::i8);
    std::vector<Slice> k = add_linear(layer, Role::k, h, h, core::DType::i8);
    std::vector<Slice> v = add_linear(layer, Role::v, h, h, core::DType::i8);
    for (const auto* role : {&q, &k, &v}) {
      for (const Slice& s : *role) connect(input, s.kernel, h, 0);
    }
    std::vector<Slice> heads_out;
    for (int head = 0; head < c_.heads; ++head) {
      const std::int64_t lo = head * d, hi = lo + d;
      int attn = add(per_head(layer, head, Role::attention, c_.seq_len, core::DType::u8));
      int ctx = add(per_head(layer, head, Role::context, d, core::DType::i8));
      feed_slice(q, attn, lo, hi, 0, 1);
      feed_slice(k, attn, lo, hi, 1, 1);  // K is the second operand of Q.K^T
      connect(attn, ctx, c_.seq_len, 0);  // one probability byte per key column
      feed_slice(v, ctx, lo, hi, 1, 1);   // V is the second operand of P.V
      heads_out.push_back({ctx, lo, hi});
    }
    std::vector<Slice> out = add_linear(layer, Role::out_proj, h, h, core::DType::i32);
    for (const Slice& s : out) feed_slice(heads_out, s.kernel, 0, h, 0, 1);

    int ln_attn = add(layer_norm(layer, Role::ln_attn));
    feed_slice(out, ln_attn, 0, h, 0, 4);
    connect(input, ln_attn, h, 1);  // residual identity: the layer input

    std::vector<Slice> ffn1 = add_linear(layer, Role::ffn1, c_.intermediate, h, core::DType::i8);
    for (const Slice& s : ffn1) connect(ln_attn, s.kernel, h, 0);
    std::vector<Slice> ffn2 = add_linear(layer, Role::ffn2, h, c_.intermediate, core::DType::i32);
    for (const Slice& s : ffn2) feed_slice(ffn1, s.kernel, 0, c_.intermediate, 0, 1);

    int ln_ffn = add(layer_norm(layer, Role::ln_ffn));
    feed_slice(ffn2, ln_ffn, 0, h, 0, 4);
    connect(ln_attn, ln_ffn, h, 1);  // residual identity: the attention block's output
    return ln_ffn;
  }

  // The `partition` kernels of a linear role, each computing rows/partition output channels.
  std::vector<Slice> add_linear(int layer, Role role, std::int64_t rows, std::int64_t width,
                                core::DType out) {
    const RoleKnobs& rk = knobs_[role];
    const std::int64_t part_rows = rows / rk.partition;
    std::vector<Slice> slices;
    for (int part = 0; part < rk.partition; ++part) {
      Kernel k =
          make_kernel(rk.partition == 1 ? fmt::format("l{}.{}", layer, to_string(role))
                                        : fmt::format("l{}.{}.p{}", layer, to_string(role), part),
                      role, layer, out, part_rows * elem_bytes(out));
      k.part = part;
      k.parts = rk.partition;
      k.stages = stages(role, part_rows, width);
      slices.push_back({add(std::move(k)), part * part_rows, (part + 1) * part_rows});
    }
    return slices;
  }

  Kernel per_head(int layer, int head, Role role, std::int64_t rows, core::DType out) {
    Kernel k = make_kernel(fmt::format("l{}.h{}.{}", layer, head, to_string(role)), role, layer,
                           out, rows * elem_bytes(out));
    k.head = head;
    k.stages = stages(role, rows, c_.head_dim());
    return k;
  }

  Kernel layer_norm(int layer, Role role) {
    Kernel k = make_kernel(fmt::format("l{}.{}", layer, to_string(role)), role, layer,
                           core::DType::i8, c_.hidden);
    k.stages = stages(role, c_.hidden, c_.hidden);
    return k;
  }

  // Stage shapes: linear M x K; attention stages span the seq_len key columns of one head of
  // width head_dim; element-wise stages work on the kernel's `rows` output channels.
  std::vector<Stage> stages(Role role, std::int64_t rows, std::int64_t width) const {
    const RoleKnobs& rk = knobs_[role];
    const auto& types = stage_types(role);
    std::vector<Stage> out;
    for (std::size_t i = 0; i < types.size(); ++i) {
      Stage s{.type = types[i], .m = rows, .k = 0, .knobs = rk.stages[i]};
      if (s.type == StageType::linear) s.k = width;
      if (s.type == StageType::attention_matmul || s.type == StageType::softmax_matmul) {
        s.m = c_.seq_len;
        s.k = c_.head_dim();
      }
      if (s.type == StageType::softmax) s.m = c_.seq_len;
      // The residual identity arrives a whole attention (or FFN) block ahead of the main input:
      // up to a sequence of rows waits in this stage.
      if (s.type == StageType::residual_act) s.k = c_.seq_len;
      out.push_back(s);
    }
    return out;
  }

  // Feeds channels [lo, hi) of the producers' concatenated output to port `port` of `consumer`;
  // one stream per producer whose slice overlaps, carrying the overlap.
  void feed_slice(const std::vector<Slice>& producers, int consumer, std::int64_t lo,
                  std::int64_t hi, int port, std::int64_t bytes_per_elem) {
    for (const Slice& s : producers) {
      const std::int64_t a = std::max(lo, s.begin), b = std::min(hi, s.end);
      if (a < b) connect(s.kernel, consumer, (b - a) * bytes_per_elem, port);
    }
  }

  int add(Kernel k) {
    g_.kernels.push_back(std::move(k));
    return static_cast<int>(g_.kernels.size()) - 1;
  }

  void connect(int producer, int consumer, std::int64_t bytes, int port) {
    g_.streams.push_back({.producer = producer,
                          .consumer = consumer,
                          .pattern = Pattern::send,
                          .bytes_per_token = bytes,
                          .port = port});
  }

  // The GMI collective of each stream follows from the fan-in of its consumer port and the
  // fan-out of its producer: several producers into one port are gathered (concatenated in
  // producer order); one producer sending whole rows to several consumers broadcasts; sending
  // parts of its row scatters; one to one is a send.
  void assign_patterns() {
    std::map<std::pair<int, int>, int> fan_in;
    std::map<int, int> fan_out;
    for (const Stream& s : g_.streams) {
      ++fan_in[{s.consumer, s.port}];
      ++fan_out[s.producer];
    }
    for (Stream& s : g_.streams) {
      if (fan_in[{s.consumer, s.port}] > 1) {
        s.pattern = Pattern::gather;
      } else if (fan_out[s.producer] == 1) {
        s.pattern = Pattern::send;
      } else if (s.bytes_per_token == g_.kernels[s.producer].out_bytes_per_token) {
        s.pattern = Pattern::bcast;
      } else {
        s.pattern = Pattern::scatter;
      }
    }
  }

  const model::ModelConfig& c_;
  const SublayerKnobs& knobs_;
  Graph g_;
};

}  // namespace

RoleKnobs& SublayerKnobs::operator[](Role role) {
  return const_cast<RoleKnobs&>(std::as_const(*this)[role]);
}

const RoleKnobs& SublayerKnobs::operator[](Role role) const {
  switch (role) {
    case Role::q:
      return q;
    case Role::k:
      return k;
    case Role::v:
      return v;
    case Role::attention:
      return attention;
    case Role::context:
      return context;
    case Role::out_proj:
      return out_proj;
    case Role::ln_attn:
      return ln_attn;
    case Role::ffn1:
      return ffn1;
    case Role::ffn2:
      return ffn2;
    case Role::ln_ffn:
      return ln_ffn;
    case Role::source:
    case Role::sink:
      break;
  }
  throw core::Error(fmt::format("role '{}' has no knobs", to_string(role)));
}

const std::vector<Role>& layer_roles() {
  static const std::vector<Role> roles{
      Role::q,        Role::k,       Role::v,    Role::attention, Role::context,
      Role::out_proj, Role::ln_attn, Role::ffn1, Role::ffn2,      Role::ln_ffn};
  return roles;
}

const std::vector<StageType>& stage_types(Role role) {
  using enum StageType;
  static const std::vector<StageType> none;
  static const std::vector<StageType> linear_act{linear, quant_act};
  static const std::vector<StageType> attention{attention_matmul, softmax};
  static const std::vector<StageType> context{softmax_matmul, quant_act};
  static const std::vector<StageType> norm{residual_act, layernorm, quant_act};
  static const std::vector<StageType> ffn1{linear, gelu, quant_act};
  switch (role) {
    case Role::q:
    case Role::k:
    case Role::v:
    case Role::out_proj:
    case Role::ffn2:
      return linear_act;
    case Role::attention:
      return attention;
    case Role::context:
      return context;
    case Role::ln_attn:
    case Role::ln_ffn:
      return norm;
    case Role::ffn1:
      return ffn1;
    case Role::source:
    case Role::sink:
      break;
  }
  return none;
}

void validate(const SublayerKnobs& knobs, const model::ModelConfig& c) {
  for (Role role : layer_roles()) {
    const RoleKnobs& rk = knobs[role];
    auto fail = [&](const std::string& what) {
      throw core::Error(fmt::format("knobs of role '{}': {}", to_string(role), what));
    };
    const auto& types = stage_types(role);
    if (rk.stages.size() != types.size()) {
      fail(fmt::format("{} stages given, its kernels have {}", rk.stages.size(), types.size()));
    }
    for (std::size_t i = 0; i < types.size(); ++i) {
      const Knobs& k = rk.stages[i];
      if (k.tile < 1 || k.pe < 1 || k.unroll < 1) {
        fail(fmt::format("stage {} ({}): tile/pe/unroll must be >= 1, got {}/{}/{}", i,
                         to_string(types[i]), k.tile, k.pe, k.unroll));
      }
    }
    std::int64_t rows = 0;  // the output rows a partition splits
    switch (role) {
      case Role::q:
      case Role::k:
      case Role::v:
      case Role::out_proj:
      case Role::ffn2:
        rows = c.hidden;
        break;
      case Role::ffn1:
        rows = c.intermediate;
        break;
      default:
        rows = 1;
        break;
    }
    if (rows == 1 && rk.partition != 1) {
      fail(fmt::format("partition must be 1 (got {}): only linear roles split", rk.partition));
    }
    if (rk.partition < 1 || rows % rk.partition != 0) {
      fail(fmt::format("partition {} must divide the {} output rows", rk.partition, rows));
    }
    // Q/K/V slices must hold whole heads so each head is scattered from one kernel per operand.
    if ((role == Role::q || role == Role::k || role == Role::v) && c.heads % rk.partition != 0) {
      fail(fmt::format("partition {} must divide the {} heads", rk.partition, c.heads));
    }
  }
}

std::int64_t encoder_kernel_count(const model::ModelConfig& config, const SublayerKnobs& knobs) {
  std::int64_t per_layer = 0, total = 0;
  for (Role role : layer_roles()) {
    // One kernel per head for the per-head roles, one per tensor-parallel part for the others.
    const std::int64_t n =
        role == Role::attention || role == Role::context ? config.heads : knobs[role].partition;
    if (__builtin_add_overflow(per_layer, n, &per_layer)) return -1;
  }
  if (__builtin_mul_overflow(per_layer, config.layers, &total) ||
      __builtin_add_overflow(total, 2, &total)) {  // + source and sink
    return -1;
  }
  return total;
}

Graph build_encoder_graph(const model::ModelConfig& config, const SublayerKnobs& knobs) {
  // Only the shape checks the graph itself needs; model::validate holds the kernels' own limits.
  if (config.layers < 1 || config.hidden < 1 || config.heads < 1 || config.intermediate < 1 ||
      config.seq_len < 1 || config.hidden % config.heads != 0) {
    throw core::Error(fmt::format(
        "model '{}': layers {}, hidden {}, heads {}, intermediate {}, seq_len {} must be positive "
        "and hidden a multiple of heads",
        config.name, config.layers, config.hidden, config.heads, config.intermediate,
        config.seq_len));
  }
  validate(knobs, config);
  Graph g = Builder(config, knobs).build();
  validate(g);
  return g;
}

SublayerKnobs knobs_of(const Graph& graph) {
  SublayerKnobs knobs;
  for (Role role : layer_roles()) {
    auto it = std::find_if(graph.kernels.begin(), graph.kernels.end(),
                           [&](const Kernel& k) { return k.role == role && k.layer == 0; });
    if (it == graph.kernels.end()) {
      throw core::Error(
          fmt::format("graph '{}': no layer-0 kernel of role '{}'", graph.model, to_string(role)));
    }
    RoleKnobs& rk = knobs[role];
    rk.partition = it->parts;
    rk.stages.clear();
    for (const Stage& s : it->stages) rk.stages.push_back(s.knobs);
  }
  return knobs;
}

model::ModelConfig model_config(const Graph& g) {
  model::ModelConfig c;
  c.name = g.model;
  c.layers = g.layers;
  c.hidden = g.hidden;
  c.heads = g.heads;
  c.intermediate = g.intermediate;
  c.seq_len = g.seq_len;
  return c;
}

}  // namespace atl::graph
