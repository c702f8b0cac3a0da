#include "map/knob_search.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "core/error.h"
#include "cost/cost.h"
#include "graph/knob_rules.h"

namespace atl::map {
namespace {

// Candidate knob values. Linear tiles are even (two int8 rows share one DSP48E2, so tiles come
// in pairs); attention PEs are multiples of 2 (one 64-wide packed PE = pe 2); element-wise
// stages take powers of two up to a 64-channel flit per cycle. The cost model rejects what a
// device cannot build.
constexpr int kTiles[] = {2, 4, 6, 8, 12, 16, 24, 32};
constexpr int kAttentionPes[] = {2, 4, 8, 16, 32, 64};
constexpr int kUnrolls[] = {1, 2, 4, 8, 16, 32, 64};
// Tensor-parallel slices of a linear's output rows; a slice keeps whole 64-channel flits.
constexpr int kPartitions[] = {1, 2, 3, 4, 6, 8, 12, 16};
constexpr std::int64_t kFlitChannels = 64;
// AI Engine tiles a linear or attention matmul may take (when the budget has tiles): powers of
// two and their halfway points up to most of a VC1902's 400-tile array.
constexpr int kAieTiles[] = {1, 2, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 320};

std::vector<graph::Knobs> stage_candidates(const graph::Stage& s, bool aie) {
  std::vector<graph::Knobs> out;
  switch (s.type) {
    case graph::StageType::linear:
    case graph::StageType::w8a8_linear:
    case graph::StageType::w8a8_partial: {
      const std::int64_t chunks = s.k / kFlitChannels;  // pe must divide the K/64 input flits
      for (int tile : kTiles) {
        for (std::int64_t pe = 1; pe <= chunks; ++pe) {
          if (chunks % pe == 0) out.push_back({tile, static_cast<int>(pe), 1});
        }
      }
      break;
    }
    case graph::StageType::attention_matmul:
    case graph::StageType::softmax_matmul:
    case graph::StageType::decoder_attention:
      for (int pe : kAttentionPes) out.push_back({1, pe, 1});
      break;
    default:
      for (int unroll : kUnrolls) out.push_back({1, 1, unroll});
      break;
  }
  // Only what the generated hardware can honour: a plan `atoll map` writes can be built.
  std::erase_if(out, [&](const graph::Knobs& kn) {
    graph::Stage trial = s;
    trial.knobs = kn;
    return !graph::knobs_honoured(trial);
  });
  const bool matmul = s.type == graph::StageType::linear ||
                      s.type == graph::StageType::attention_matmul ||
                      s.type == graph::StageType::softmax_matmul;
  if (aie && matmul) {
    for (int tiles : kAieTiles) out.push_back({1, 1, 1, tiles});
  }
  return out;
}

}  // namespace

double KnobSearch::score(const Resources& r) const {
  double s = 0;
  for (Resource res : kResources) {
    if (r[res] == 0) continue;
    if (budget_[res] == 0) return std::numeric_limits<double>::infinity();
    s += static_cast<double>(r[res]) / static_cast<double>(budget_[res]);
  }
  return s;
}

KnobSearch::KnobSearch(const model::ModelConfig& config, const hw::Device& device, const Caps& caps)
    : config_(config), device_(device), budget_(budget(device, caps)) {
  model::ModelConfig one_layer = config;
  one_layer.layers = 1;
  const graph::Builder& builder = graph::builder(config.architecture);
  for (graph::Role role : graph::compute_roles(config.architecture)) {
    const graph::RoleInfo& info = graph::role_info(role);
    const std::int64_t rows = graph::split_rows(role, config);
    // Whole-head roles split in whole (kv) heads: rows / head_dim of them.
    const std::int64_t heads = info.whole_heads ? rows / config.head_dim() : 0;
    for (int p : kPartitions) {
      // AI Engine tiles are a matmul's own parallelism; roles split in whole heads (q, k, v) get
      // them unsplit only: their partitions must stay equal for the Galapagos numbering, and
      // the per-role refinement could otherwise split one of them alone. Other roles split
      // too: an FFN's element-wise stages take at most one int32 flit a cycle per kernel.
      const bool aie = budget_.aie_tiles > 0 && (p == 1 || !info.whole_heads);
      if (p > 1 && (rows == 0 || rows % p != 0 || (rows / p) % kFlitChannels != 0)) continue;
      if (info.whole_heads && heads % p != 0) continue;
      graph::KnobMap knobs = builder.default_knobs;
      knobs[role].partition = p;
      const graph::Graph g = graph::build_graph(one_layer, knobs);
      auto it = std::find_if(g.kernels.begin(), g.kernels.end(), [&](const graph::Kernel& k) {
        return k.role == role && k.part == 0 && k.head <= 0;
      });
      if (it == g.kernels.end()) {
        throw core::Error(fmt::format("knob search: no kernel of role '{}' in the {} graph",
                                      graph::to_string(role),
                                      model::to_string(config.architecture)));
      }
      RoleShape shape{role, p, *it, {}};
      for (std::size_t i = 0; i < shape.kernel.stages.size(); ++i) {
        std::vector<Option> options;
        for (const graph::Knobs& kn : stage_candidates(shape.kernel.stages[i], aie)) {
          graph::Kernel trial = shape.kernel;
          trial.stages[i].knobs = kn;
          cost::KernelCost c;
          try {
            c = cost::kernel_cost(trial, device);
          } catch (const core::Error& e) {
            if (e.kind() != core::ErrorKind::unsupported) throw;
            continue;  // knobs this device cannot build
          }
          const cost::StageCost& sc = c.stages.at(i);
          options.push_back({kn, sc.cycles_per_token, score(sc.resources)});
          rates_.push_back(sc.cycles_per_token);
        }
        if (options.empty()) {
          throw core::Error(
              fmt::format("knob search: no buildable knobs for stage {} ({}) of role "
                          "'{}' on '{}'",
                          i, graph::to_string(shape.kernel.stages[i].type), graph::to_string(role),
                          device.name));
        }
        shape.stages.push_back(std::move(options));
      }
      shapes_.push_back(std::move(shape));
    }
  }
  std::sort(rates_.begin(), rates_.end());
  rates_.erase(std::unique(rates_.begin(), rates_.end()), rates_.end());
}

std::optional<graph::RoleKnobs> KnobSearch::role_knobs(graph::Role role, std::int64_t rate) const {
  std::optional<graph::RoleKnobs> chosen;
  double best = std::numeric_limits<double>::infinity();
  for (const RoleShape& shape : shapes_) {
    if (shape.role != role) continue;
    graph::Kernel kernel = shape.kernel;
    bool reachable = true;
    for (std::size_t i = 0; i < shape.stages.size() && reachable; ++i) {
      const Option* pick = nullptr;
      for (const Option& o : shape.stages[i]) {
        // Strict '<' keeps the first (enumeration order) of equal scores: deterministic.
        if (o.cycles <= rate && (pick == nullptr || o.score < pick->score)) pick = &o;
      }
      reachable = pick != nullptr;
      if (pick) kernel.stages[i].knobs = pick->knobs;
    }
    if (!reachable) continue;
    const Resources r = cost::kernel_cost(kernel, device_).resources;
    if (!fits(r, budget_)) continue;
    const double total = shape.partition * score(r);
    if (total < best) {
      best = total;
      chosen = graph::RoleKnobs{shape.partition, {}};
      for (const graph::Stage& s : kernel.stages) chosen->stages.push_back(s.knobs);
    }
  }
  return chosen;
}

std::optional<graph::KnobMap> KnobSearch::knobs_for(std::int64_t rate) const {
  graph::KnobMap knobs;
  for (graph::Role role : graph::compute_roles(config_.architecture)) {
    auto rk = role_knobs(role, rate);
    if (!rk) return std::nullopt;
    knobs.roles[role] = std::move(*rk);
  }
  return knobs;
}

std::string KnobSearch::oversized_role() const {
  for (graph::Role role : graph::compute_roles(config_.architecture)) {
    bool any_fits = false, any = false;
    int widest = 0;
    Resources widest_need;  // of the most-split shape, at its cheapest knobs
    for (const RoleShape& shape : shapes_) {
      if (shape.role != role) continue;
      graph::Kernel kernel = shape.kernel;
      for (std::size_t i = 0; i < shape.stages.size(); ++i) {
        const Option* pick = &shape.stages[i].front();
        for (const Option& o : shape.stages[i]) {
          if (o.score < pick->score) pick = &o;
        }
        kernel.stages[i].knobs = pick->knobs;
      }
      const Resources r = cost::kernel_cost(kernel, device_).resources;
      any = true;
      any_fits = any_fits || fits(r, budget_);
      if (shape.partition >= widest) {
        widest = shape.partition;
        widest_need = r;
      }
    }
    if (any_fits || !any) continue;
    for (Resource res : kResources) {
      if (widest_need[res] <= budget_[res]) continue;
      return fmt::format(
          "a kernel of role '{}' split {} ways still needs {} {} but one {} offers "
          "{} within its cap",
          graph::to_string(role), widest, format_amount(res, widest_need[res]), to_string(res),
          device_.name, format_amount(res, budget_[res]));
    }
  }
  return {};
}

}  // namespace atl::map
