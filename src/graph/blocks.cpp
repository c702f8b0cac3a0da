#include "graph/blocks.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>

namespace atl::graph {

std::int64_t elem_bytes(core::DType t) {
  return static_cast<std::int64_t>(core::dtype_size(t));
}

GraphBuilder::GraphBuilder(const model::ModelConfig& c, const KnobMap& knobs)
    : c_(c), knobs_(knobs) {
  g_.model = c.name;
  g_.architecture = c.architecture;
  g_.seq_len = c.seq_len;
  g_.hidden = c.hidden;
  g_.heads = c.heads;
  g_.intermediate = c.intermediate;
  g_.layers = c.layers;
  if (c.decoder) {
    g_.kv_heads = c.decoder->kv_heads;
    g_.vocab = c.decoder->vocab;
  }
}

Kernel GraphBuilder::kernel(std::string name, Role role, int layer, core::DType out,
                            std::int64_t rows) const {
  Kernel k;
  k.name = std::move(name);
  k.role = role;
  k.layer = layer;
  k.out_dtype = out;
  k.out_bytes_per_token = rows * elem_bytes(out);
  return k;
}

int GraphBuilder::add(Kernel k) {
  g_.kernels.push_back(std::move(k));
  return static_cast<int>(g_.kernels.size()) - 1;
}

std::vector<Slice> GraphBuilder::add_linear(const std::string& prefix, int layer, Role role,
                                            std::int64_t rows, std::int64_t width,
                                            core::DType out) {
  const RoleKnobs& rk = knobs_[role];
  const std::int64_t part_rows = rows / rk.partition;
  const std::string label = to_string(role);
  std::vector<Slice> slices;
  for (int part = 0; part < rk.partition; ++part) {
    Kernel k =
        kernel(rk.partition == 1 ? prefix + label : fmt::format("{}{}.p{}", prefix, label, part),
               role, layer, out, part_rows);
    k.part = part;
    k.parts = rk.partition;
    k.stages = stages(role, part_rows, width);
    slices.push_back({add(std::move(k)), part * part_rows, (part + 1) * part_rows});
  }
  return slices;
}

int GraphBuilder::add_head(const std::string& prefix, int layer, int head, Role role,
                           std::int64_t rows, core::DType out) {
  Kernel k = kernel(fmt::format("{}h{}.{}", prefix, head, to_string(role)), role, layer, out, rows);
  k.head = head;
  k.stages = stages(role, rows, c_.head_dim());
  return add(std::move(k));
}

int GraphBuilder::add_single(const std::string& prefix, int layer, Role role, std::int64_t rows,
                             std::int64_t width, core::DType out) {
  Kernel k = kernel(prefix + to_string(role), role, layer, out, rows);
  k.stages = stages(role, rows, width);
  return add(std::move(k));
}

std::vector<Stage> GraphBuilder::stages(Role role, std::int64_t rows, std::int64_t width) const {
  const RoleKnobs& rk = knobs_[role];
  const auto& types = stage_types(role);
  std::vector<Stage> out;
  for (std::size_t i = 0; i < types.size(); ++i) {
    Stage s{.type = types[i], .m = rows, .k = 0, .knobs = rk.stages[i]};
    switch (s.type) {
      case StageType::linear:
      case StageType::embedding:
        s.k = width;
        break;
      case StageType::w8a8_linear:
        s.k = width;
        // SwiGLU's linear computes the gate and the up rows of its channels.
        if (std::find(types.begin(), types.end(), StageType::swiglu) != types.end()) s.m = 2 * rows;
        break;
      case StageType::attention_matmul:
      case StageType::softmax_matmul:
      case StageType::decoder_attention:
        s.m = c_.seq_len;
        s.k = c_.head_dim();
        break;
      case StageType::softmax:
        s.m = c_.seq_len;
        break;
      case StageType::residual_act:
        // The residual identity arrives a whole attention (or FFN) block ahead of the main
        // input: up to a sequence of rows waits in this stage.
        s.k = c_.seq_len;
        break;
      case StageType::rope:
        s.k = c_.seq_len * c_.head_dim() / 2;  // (cos, sin) pairs: positions x head_dim / 2
        break;
      default:
        break;
    }
    out.push_back(s);
  }
  return out;
}

void GraphBuilder::feed_slice(const std::vector<Slice>& producers, int consumer, std::int64_t lo,
                              std::int64_t hi, int port, std::int64_t bytes_per_elem) {
  for (const Slice& s : producers) {
    const std::int64_t a = std::max(lo, s.begin), b = std::min(hi, s.end);
    if (a < b) connect(s.kernel, consumer, (b - a) * bytes_per_elem, port);
  }
}

void GraphBuilder::connect(int producer, int consumer, std::int64_t bytes, int port,
                           std::int64_t offset) {
  g_.streams.push_back({.producer = producer,
                        .consumer = consumer,
                        .pattern = Pattern::send,
                        .bytes_per_token = bytes,
                        .port = port,
                        .offset = offset});
}

// The GMI collective of each stream follows from the fan-in of its consumer port and the
// fan-out of its producer: several producers into one port are gathered (concatenated in
// producer order); one producer sending whole rows to several consumers broadcasts; sending
// parts of its row scatters; one to one is a send.
Graph GraphBuilder::finish() && {
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
  return std::move(g_);
}

}  // namespace atl::graph
