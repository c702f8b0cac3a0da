#include "map/decoder_mapper.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

#include "core/error.h"
#include "cost/decode_fit.h"
#include "cost/decode_step.h"
#include "graph/architecture.h"
#include "graph/decoder_blocks.h"

namespace atl::map {
namespace {

using cost::Memory;

// Linear tiles tried: powers of two up to this (tile x 64 MACs per cycle per PE).
constexpr int kMaxTile = 64;
// Tensor-parallel degrees tried: powers of two up to this. Beyond, every linear's slice is a few
// rows and the graph (each out_proj and ffn_down slice fed by every head and FFN slice) grows as
// t^2 streams per layer.
constexpr int kMaxTensorParallel = 64;

struct Shape {
  int t = 1, s = 1, tile = 1;
};

// Element-wise stages (norms, RoPE, SwiGLU, residuals, reductions, top1/argmax) at 16 channels
// per cycle: one int32 flit, their widest (cost/kernel_cost.cpp).
constexpr int kUnroll = 16;

// The knobs of a candidate: every splitting role at the largest power of two <= t its rows (and
// heads) allow, linears at `tile`, attention pe 1 (its cheapest), element-wise stages kUnroll.
graph::KnobMap candidate_knobs(const model::ModelConfig& config, int t, int tile) {
  graph::KnobMap knobs = graph::builder(config.architecture).default_knobs;
  for (auto& [role, rk] : knobs.roles) {
    const std::vector<graph::StageType>& types = graph::role_info(role).stages;
    for (std::size_t i = 0; i < rk.stages.size(); ++i) {
      switch (types[i]) {
        case graph::StageType::w8a8_linear:
        case graph::StageType::w8a8_partial:
          rk.stages[i].tile = tile;
          break;
        case graph::StageType::decoder_attention:
          rk.stages[i].pe = 1;
          break;
        default:
          rk.stages[i].unroll = kUnroll;
          break;
      }
    }
    if (graph::role_info(role).split == graph::Split::none) continue;
    for (int p = t; p >= 1; p /= 2) {
      rk.partition = p;
      try {
        graph::validate(knobs, config);
        break;
      } catch (const core::Error&) {
        if (p == 1) throw;
      }
    }
  }
  return knobs;
}

std::vector<int> place(const graph::Graph& g, const model::ModelConfig& config, const Shape& c) {
  std::vector<int> node_of(g.kernels.size());
  for (std::size_t k = 0; k < g.kernels.size(); ++k) {
    const graph::Kernel& kernel = g.kernels[k];
    int stage = 0;
    if (kernel.layer >= 0) {
      stage = static_cast<int>(std::int64_t{kernel.layer} * c.s / config.layers);
    } else if (!graph::is_source(kernel.role) && kernel.role.index != graph::decoder::embed) {
      stage = c.s - 1;  // final norm, LM head, argmax, sink
    }
    int board = 0;
    if (kernel.head >= 0) {
      board = static_cast<int>(std::int64_t{kernel.head} * c.t / config.heads);
    } else if (kernel.parts > 1) {
      board = static_cast<int>(std::int64_t{kernel.part} * c.t / kernel.parts);
    }
    node_of[k] = stage * c.t + board;
  }
  return node_of;
}

// On chip where it fits within the caps: per node, the largest weights and then the largest
// caches move off chip until the node's URAM + BRAM budget holds the rest. nullopt when a node's
// logic, DSPs or off-chip memory cannot hold its kernels.
std::optional<std::vector<cost::KernelMemory>> place_memory(const graph::Graph& g,
                                                            const hw::Cluster& cluster,
                                                            const std::vector<int>& node_of,
                                                            const Caps& caps, std::string& why) {
  const cost::DecodeModel all_on = cost::decode_model(g, cluster, node_of, {}, false, false);
  std::vector<cost::NodeUse> use = cost::node_use(all_on, cluster.nodes.size());
  std::vector<cost::KernelMemory> memory(g.kernels.size());
  std::vector<std::vector<int>> on_node(cluster.nodes.size());
  for (std::size_t k = 0; k < g.kernels.size(); ++k) on_node[node_of[k]].push_back(k);
  for (std::size_t n = 0; n < cluster.nodes.size(); ++n) {
    const hw::Device& d = cluster.nodes[n].device;
    const Resources b = budget(d, caps);
    cost::NodeUse& u = use[n];
    for (hw::Resource r : {hw::Resource::lut, hw::Resource::ff, hw::Resource::dsp}) {
      if (u.on_chip[r] > b[r]) {
        why = fmt::format("node '{}': {} {} of {} within the caps", cluster.nodes[n].name,
                          hw::to_string(r), hw::format_amount(r, u.on_chip[r]),
                          hw::format_amount(r, b[r]));
        return std::nullopt;
      }
    }
    std::int64_t over = u.on_chip.uram_bytes + u.on_chip.bram_bytes - b.uram_bytes - b.bram_bytes;
    std::vector<int> order = on_node[n];
    std::stable_sort(order.begin(), order.end(), [&](int a, int c) {
      return all_on.kernels[a].weight_bytes > all_on.kernels[c].weight_bytes;
    });
    for (int k : order) {
      if (over <= 0 || all_on.kernels[k].weight_bytes == 0) break;
      memory[k].weights = Memory::off_chip;
      over -= all_on.kernels[k].weight_bytes;
      u.offchip_bytes += all_on.kernels[k].weight_bytes;
    }
    for (int k : on_node[n]) {
      if (over <= 0) break;
      if (all_on.kernels[k].kv_bytes == 0) continue;
      memory[k].kv = Memory::off_chip;
      over -= all_on.kernels[k].kv_bytes;
      u.offchip_bytes += all_on.kernels[k].kv_bytes;
    }
    if (over > 0 || u.offchip_bytes > d.offchip_bytes) {
      why = fmt::format(
          "node '{}': weights and KV cache need {} B more URAM + BRAM than the caps allow even "
          "with everything off chip, or {} B off chip of {} B",
          cluster.nodes[n].name, std::max<std::int64_t>(over, 0), u.offchip_bytes, d.offchip_bytes);
      return std::nullopt;
    }
  }
  return memory;
}

// The largest tile whose DSPs fit every node of the placement (estimated linearly from tile 1:
// a linear's DSPs are tile x (64 / MACs per DSP + 4), cost/kernel_cost.cpp's w8a8 formula).
int fitting_tile(const graph::Graph& g, const hw::Cluster& cluster, const std::vector<int>& node_of,
                 const Caps& caps) {
  std::vector<std::int64_t> fixed(cluster.nodes.size()), linears(cluster.nodes.size());
  std::map<graph::Role, std::int64_t> dsp_of;
  for (std::size_t k = 0; k < g.kernels.size(); ++k) {
    const graph::Kernel& kernel = g.kernels[k];
    if (graph::is_endpoint(kernel.role)) continue;
    const hw::Device& d = cluster.nodes[node_of[k]].device;
    auto it = dsp_of.find(kernel.role);
    if (it == dsp_of.end())
      it = dsp_of.emplace(kernel.role, cost::kernel_cost(kernel, d).resources.dsp).first;
    fixed[node_of[k]] += it->second;
    for (const graph::Stage& s : kernel.stages) {
      if (s.type == graph::StageType::w8a8_linear || s.type == graph::StageType::w8a8_partial) {
        ++linears[node_of[k]];
      }
    }
  }
  int best = 1;
  for (int tile = 2; tile <= kMaxTile; tile *= 2) {
    bool fits = true;
    for (std::size_t n = 0; n < cluster.nodes.size() && fits; ++n) {
      const hw::Device& d = cluster.nodes[n].device;
      const double per_tile = 64.0 / d.dsp_int8_macs_per_cycle + 4;
      const double need =
          static_cast<double>(fixed[n]) + static_cast<double>(linears[n]) * per_tile * (tile - 1);
      fits = need <= static_cast<double>(budget(d, caps).dsp);
    }
    if (!fits) break;
    best = tile;
  }
  return best;
}

struct Timed {
  DecoderMapping m;
  double score = 0;  // lower is better
};

hw::Cluster first_nodes(const hw::Cluster& cluster, int n) {
  hw::Cluster c = cluster;
  c.nodes.resize(static_cast<std::size_t>(n));
  return c;
}

}  // namespace

DecoderObjective parse_decoder_objective(const std::string& text) {
  if (text == "latency") return DecoderObjective::latency;
  if (text == "ttft") return DecoderObjective::ttft;
  if (text == "throughput") return DecoderObjective::throughput;
  throw core::Error(fmt::format("objective '{}': expected latency, ttft or throughput", text));
}

const char* to_string(DecoderObjective objective) {
  switch (objective) {
    case DecoderObjective::latency:
      return "latency";
    case DecoderObjective::ttft:
      return "ttft";
    case DecoderObjective::throughput:
      return "throughput";
  }
  return "?";
}

DecoderMapping map_decoder(const model::ModelConfig& config, const hw::Cluster& cluster,
                           const DecoderTarget& target, const Caps& caps) {
  const int boards = static_cast<int>(cluster.nodes.size());
  if (boards == 0) throw core::Error(fmt::format("cluster '{}': no nodes", cluster.name));
  const std::int64_t context = config.seq_len;
  const std::int64_t prompt = target.prompt == 0 ? context : target.prompt;
  if (prompt < 1 || prompt > context || target.batch < 1) {
    throw core::Error(
        fmt::format("decoder objective: prompt {} must be in 1..{} (the context) and "
                    "batch {} at least 1",
                    prompt, context, target.batch));
  }
  const cost::Pass decode{context / 2, 1, 1};
  const cost::Pass prefill{0, prompt, 1};
  const cost::Pass batch{context / 2, 1, target.batch};

  std::optional<Timed> best;
  std::string why;
  int candidates = 0;
  for (int t = 1; t <= std::min(boards, kMaxTensorParallel); t *= 2) {
    std::vector<int> stages;
    for (int s = 1; s <= config.layers && s * t <= boards; s *= 2) stages.push_back(s);
    const int most = std::min<int>(static_cast<int>(config.layers), boards / t);
    if (stages.empty()) break;
    if (stages.back() != most) stages.push_back(most);
    const graph::Graph tile1 = graph::build_graph(config, candidate_knobs(config, t, 1));
    for (int s : stages) {
      Shape shape{t, s, 1};
      const hw::Cluster used = first_nodes(cluster, t * s);
      graph::Graph g = tile1;
      std::vector<int> node_of = place(g, config, shape);
      shape.tile = fitting_tile(g, used, node_of, caps);
      if (shape.tile > 1) {
        g = graph::build_graph(config, candidate_knobs(config, t, shape.tile));
        node_of = place(g, config, shape);
      }
      auto memory = place_memory(g, used, node_of, caps, why);
      if (!memory) continue;
      ++candidates;
      const cost::DecodeModel model = cost::decode_model(g, used, node_of, *memory);
      Timed c;
      c.m.decode_ms = cost::time_pass(g, model, decode).seconds * 1e3;
      c.m.ttft_ms = cost::time_pass(g, model, prefill).seconds * 1e3;
      c.m.tokens_per_s =
          static_cast<double>(target.batch) / cost::time_pass(g, model, batch).seconds;
      c.score = target.objective == DecoderObjective::latency ? c.m.decode_ms
                : target.objective == DecoderObjective::ttft  ? c.m.ttft_ms
                                                              : -c.m.tokens_per_s;
      if (best && !(c.score < best->score)) continue;
      c.m.tensor_parallel = t;
      c.m.pipeline_stages = s;
      c.m.tile = shape.tile;
      const std::vector<cost::NodeUse> use = cost::node_use(model, cluster.nodes.size());
      for (const cost::NodeUse& u : use) c.m.estimate.nodes.push_back({u.on_chip, 0});
      c.m.estimate.latency_us = c.m.decode_ms * 1e3;
      c.m.estimate.throughput_seq_per_s = c.m.tokens_per_s;
      c.m.graph = std::move(g);
      c.m.node_of_kernel = std::move(node_of);
      c.m.memory = std::move(*memory);
      best = std::move(c);
    }
  }
  if (!best) {
    throw core::Error(core::ErrorKind::does_not_fit,
                      fmt::format("model '{}' ({} layers) does not fit on cluster '{}' ({} nodes) "
                                  "with any tensor-parallel degree and pipeline: {}",
                                  config.name, config.layers, cluster.name, boards, why));
  }
  best->m.candidates = candidates;
  return std::move(best->m);
}

}  // namespace atl::map
