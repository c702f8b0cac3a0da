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

// Linear tiles tried: up to this (tile x 64 MACs per cycle per PE).
constexpr int kMaxTile = 64;

struct Shape {
  int t = 1, s = 1, tile = 1;
};

// Element-wise stages (norms, RoPE, SwiGLU, residuals, reductions, top1/argmax) at 16 channels
// per cycle: one int32 flit, their widest (cost/kernel_cost.cpp).
constexpr int kUnroll = 16;

// Query heads per attention kernel: the heads one board of a stage holds (heads / t), or the
// largest count below that divides the heads and divides, or is a multiple of, the query heads
// of one KV head. One kernel per board and layer: its engines loop over the heads, so the
// per-kernel logic (wrapper, control, softmax) is paid once, not per head.
int heads_per_kernel(const model::ModelConfig& config, int t) {
  const std::int64_t group = config.heads / config.decoder->kv_heads;
  for (std::int64_t g = std::max<std::int64_t>(1, config.heads / t); g > 1; --g) {
    if (config.heads % g == 0 && (g % group == 0 || group % g == 0)) return static_cast<int>(g);
  }
  return 1;
}

// The knobs of a candidate: every splitting role at the largest power of two <= t its rows (and
// heads) allow, linears at `tile`, attention at `attention_pe` over heads_per_kernel heads,
// element-wise stages kUnroll.
graph::KnobMap candidate_knobs(const model::ModelConfig& config, int t, int tile,
                               int attention_pe) {
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
          rk.stages[i].pe = attention_pe;
          rk.stages[i].tile = heads_per_kernel(config, t);
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

// Attention engines get at most this share of a board's DSPs: its pe (key columns per cycle) is
// the largest power of two up to kMaxAttentionPe within it.
constexpr int kAttentionDspShare = 8;  // 1/8
constexpr int kMaxAttentionPe = 16;

// DSPs of the engines on each node (decode_step.h: one per role and board) with linears at tile
// `tile` and attention at pe `pe`, estimated linearly from the tile 1, pe 1 graph: a linear's DSPs
// are tile x (64 / MACs per DSP + 4), cost/kernel_cost.cpp's w8a8 formula; attention's grow
// with pe.
struct EngineDsps {
  std::vector<std::int64_t> fixed, linears, attention;  // per node
  double need(const hw::Device& d, std::size_t n, int tile, int pe) const {
    const double per_tile = 64.0 / d.dsp_int8_macs_per_cycle + 4;
    return static_cast<double>(fixed[n]) + static_cast<double>(linears[n]) * per_tile * (tile - 1) +
           static_cast<double>(attention[n]) * (pe - 1);
  }
};

EngineDsps engine_dsps(const graph::Graph& g, const hw::Cluster& cluster,
                       const std::vector<int>& node_of) {
  EngineDsps e;
  e.fixed.assign(cluster.nodes.size(), 0);
  e.linears = e.attention = e.fixed;
  std::map<std::pair<graph::Role, std::string>, std::int64_t> dsp_of;
  std::map<std::pair<int, graph::Role>, std::int64_t> engines;
  for (std::size_t k = 0; k < g.kernels.size(); ++k) {
    const graph::Kernel& kernel = g.kernels[k];
    if (graph::is_endpoint(kernel.role)) continue;
    const int n = node_of[k];
    const hw::Device& d = cluster.nodes[n].device;
    auto it = dsp_of.find({kernel.role, d.name});
    if (it == dsp_of.end())
      it =
          dsp_of.emplace(std::pair{kernel.role, d.name}, cost::kernel_cost(kernel, d).resources.dsp)
              .first;
    const auto [engine, added] = engines.emplace(std::pair{n, kernel.role}, it->second);
    if (!added) {
      if (it->second > engine->second) e.fixed[n] += it->second - engine->second;
      engine->second = std::max(engine->second, it->second);
      continue;
    }
    e.fixed[n] += it->second;
    for (const graph::Stage& s : kernel.stages) {
      if (s.type == graph::StageType::w8a8_linear || s.type == graph::StageType::w8a8_partial) {
        ++e.linears[n];
      }
      if (s.type == graph::StageType::decoder_attention) e.attention[n] += it->second;
    }
  }
  return e;
}

// The attention pe, then the largest linear tile, whose engines' DSPs fit every node.
std::pair<int, int> fitting_pe_and_tile(const graph::Graph& g, const hw::Cluster& cluster,
                                        const std::vector<int>& node_of, const Caps& caps) {
  const EngineDsps e = engine_dsps(g, cluster, node_of);
  // share: the attention engines within 1/kAttentionDspShare of the DSPs too.
  auto fits = [&](int tile, int pe, bool share) {
    for (std::size_t n = 0; n < cluster.nodes.size(); ++n) {
      const hw::Device& d = cluster.nodes[n].device;
      const auto dsp = static_cast<double>(budget(d, caps).dsp);
      if (e.need(d, n, tile, pe) > dsp ||
          (share && static_cast<double>(e.attention[n] * pe) > dsp / kAttentionDspShare)) {
        return false;
      }
    }
    return true;
  };
  int pe = 1;
  while (pe < kMaxAttentionPe && fits(1, pe * 2, true)) pe *= 2;
  int tile = 1;  // any count of 64-MAC rows (a tile need not divide the outputs)
  for (int step = kMaxTile; step >= 1; step /= 2) {
    if (tile + step <= kMaxTile && fits(tile + step, pe, false)) tile += step;
  }
  return {pe, tile};
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
  const int forced = target.tensor_parallel;
  if (forced != 0 && (forced < 1 || (forced & (forced - 1)) != 0 || forced > kMaxTensorParallel ||
                      forced > boards)) {
    throw core::Error(fmt::format(
        "tensor-parallel degree {}: expected a power of two of at most {} (the cluster's boards) "
        "and {}",
        forced, boards, kMaxTensorParallel));
  }
  const cost::Pass decode{context / 2, 1, 1};
  const cost::Pass prefill{0, prompt, 1};
  const cost::Pass batch{context / 2, 1, target.batch};

  std::optional<Timed> best;
  std::string why;
  int candidates = 0;
  for (int t = 1; t <= std::min(boards, kMaxTensorParallel); t *= 2) {
    if (forced != 0 && t != forced) continue;
    std::vector<int> stages;
    for (int s = 1; s <= config.layers && s * t <= boards; s *= 2) stages.push_back(s);
    const int most = std::min<int>(static_cast<int>(config.layers), boards / t);
    if (stages.empty()) break;
    if (stages.back() != most) stages.push_back(most);
    // Graphs by (attention pe, tile): the stage counts of one t often share them.
    std::map<std::pair<int, int>, graph::Graph> graphs;
    graphs.emplace(std::pair{1, 1}, graph::build_graph(config, candidate_knobs(config, t, 1, 1)));
    for (int s : stages) {
      Shape shape{t, s, 1};
      const hw::Cluster used = first_nodes(cluster, t * s);
      const auto [pe, tile] = fitting_pe_and_tile(graphs.at({1, 1}), used,
                                                  place(graphs.at({1, 1}), config, shape), caps);
      shape.tile = tile;
      auto it = graphs.find({pe, tile});
      if (it == graphs.end()) {
        it = graphs
                 .emplace(std::pair{pe, tile},
                          graph::build_graph(config, candidate_knobs(config, t, tile, pe)))
                 .first;
      }
      const graph::Graph& g = it->second;
      std::vector<int> node_of = place(g, config, shape);
      auto memory = place_memory(g, used, node_of, caps, why);
      if (!memory) continue;
      ++candidates;
      const cost::DecodeModel model = cost::decode_model(g, used, node_of, *memory);
      // The objective's pass first; the others only for a candidate that wins.
      const auto time = [&](DecoderObjective o) {
        switch (o) {
          case DecoderObjective::latency:
            return cost::time_pass(g, model, decode).seconds * 1e3;
          case DecoderObjective::ttft:
            return cost::time_pass(g, model, prefill).seconds * 1e3;
          case DecoderObjective::throughput:
            break;
        }
        return -static_cast<double>(target.batch) / cost::time_pass(g, model, batch).seconds;
      };
      Timed c;
      c.score = time(target.objective);
      if (best && !(c.score < best->score)) continue;
      c.m.decode_ms = time(DecoderObjective::latency);
      c.m.ttft_ms = time(DecoderObjective::ttft);
      c.m.tokens_per_s = -time(DecoderObjective::throughput);
      c.m.tensor_parallel = t;
      c.m.pipeline_stages = s;
      c.m.tile = shape.tile;
      const std::vector<cost::NodeUse> use = cost::node_use(model, cluster.nodes.size());
      for (const cost::NodeUse& u : use) c.m.estimate.nodes.push_back({u.on_chip, 0});
      c.m.estimate.latency_us = c.m.decode_ms * 1e3;
      c.m.estimate.throughput_seq_per_s = c.m.tokens_per_s;
      c.m.graph = g;
      c.m.node_of_kernel = std::move(node_of);
      c.m.memory = std::move(*memory);
      best = std::move(c);
    }
  }
  if (!best) {
    throw core::Error(core::ErrorKind::does_not_fit,
                      fmt::format("model '{}' ({} layers) does not fit on cluster '{}' ({} nodes) "
                                  "with {} and any pipeline: {}",
                                  config.name, config.layers, cluster.name, boards,
                                  forced == 0 ? std::string("any tensor-parallel degree")
                                              : fmt::format("tensor-parallel degree {}", forced),
                                  why));
  }
  best->m.candidates = candidates;
  return std::move(best->m);
}

}  // namespace atl::map
