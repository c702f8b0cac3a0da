#include "graph/architecture.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "core/error.h"
#include "graph/arch_gpt2.h"
#include "graph/arch_ibert.h"
#include "graph/arch_llama.h"

namespace atl::graph {

RoleKnobs& KnobMap::operator[](Role role) {
  return const_cast<RoleKnobs&>(std::as_const(*this)[role]);
}

const RoleKnobs& KnobMap::operator[](Role role) const {
  auto it = roles.find(role);
  if (it == roles.end()) throw core::Error(fmt::format("role '{}' has no knobs", to_string(role)));
  return it->second;
}

const Builder& builder(model::Architecture architecture) {
  // One table per architecture, built on first use and immutable after.
  switch (architecture) {
    case model::Architecture::ibert_encoder: {
      static const Builder b = ibert::make_builder();
      return b;
    }
    case model::Architecture::llama_decoder: {
      static const Builder b = llama::make_builder();
      return b;
    }
    case model::Architecture::gpt2_decoder: {
      static const Builder b = gpt2::make_builder();
      return b;
    }
  }
  throw core::Error(core::ErrorKind::internal,
                    fmt::format("architecture {} has no builder", static_cast<int>(architecture)));
}

const RoleInfo& role_info(Role role) {
  const std::vector<RoleInfo>& roles = builder(role.architecture).roles;
  if (role.index < 0 || role.index >= static_cast<int>(roles.size())) {
    throw core::Error(core::ErrorKind::internal,
                      fmt::format("role {} is outside the {} roles of a {}", role.index,
                                  roles.size(), model::to_string(role.architecture)));
  }
  return roles[static_cast<std::size_t>(role.index)];
}

std::vector<Role> compute_roles(model::Architecture architecture) {
  std::vector<Role> out;
  const auto n = static_cast<int>(builder(architecture).roles.size());
  for (int i = 0; i < n; ++i) {
    if (i != kSourceRole && i != kSinkRole) out.push_back({architecture, i});
  }
  return out;
}

const std::vector<StageType>& stage_types(Role role) {
  return role_info(role).stages;
}

std::int64_t split_rows(Role role, const model::ModelConfig& c) {
  switch (role_info(role).split) {
    case Split::none:
      return 0;
    case Split::hidden:
      return c.hidden;
    case Split::intermediate:
      return c.intermediate;
    case Split::kv:
      return c.decoder ? c.decoder->kv_heads * c.head_dim() : c.hidden;
    case Split::vocab:
      return c.decoder ? c.decoder->vocab : 0;
  }
  return 0;
}

void validate(const KnobMap& knobs, const model::ModelConfig& c) {
  for (const auto& [role, rk] : knobs.roles) {
    if (role.architecture != c.architecture || is_endpoint(role)) {
      throw core::Error(fmt::format("knobs of role '{}': not a compute role of a {}",
                                    to_string(role), model::to_string(c.architecture)));
    }
  }
  for (Role role : compute_roles(c.architecture)) {
    auto fail = [&](const std::string& what) {
      throw core::Error(fmt::format("knobs of role '{}': {}", to_string(role), what));
    };
    if (!knobs.roles.contains(role)) fail("missing");
    const RoleKnobs& rk = knobs[role];
    const RoleInfo& info = role_info(role);
    const auto& types = info.stages;
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
    const std::int64_t rows = info.split == Split::none ? 1 : split_rows(role, c);
    if (info.split == Split::none && rk.partition != 1) {
      fail(fmt::format("partition must be 1 (got {}): only linear roles split", rk.partition));
    }
    if (rk.partition < 1 || rows % rk.partition != 0) {
      fail(fmt::format("partition {} must divide the {} output rows", rk.partition, rows));
    }
    // Slices of whole-head roles must hold whole heads so each head is scattered from one
    // kernel per operand (grouped-query K/V: whole kv heads).
    if (info.whole_heads) {
      const std::int64_t heads =
          info.split == Split::kv && c.decoder ? c.decoder->kv_heads : c.heads;
      if (heads % rk.partition != 0) {
        fail(fmt::format("partition {} must divide the {} heads", rk.partition, heads));
      }
    }
  }
}

namespace {

// Only the shape checks the graph itself needs; model::validate holds the kernels' own limits.
void check_shape(const model::ModelConfig& config) {
  if (config.layers < 1 || config.hidden < 1 || config.heads < 1 || config.intermediate < 1 ||
      config.seq_len < 1 || config.hidden % config.heads != 0) {
    throw core::Error(fmt::format(
        "model '{}': layers {}, hidden {}, heads {}, intermediate {}, seq_len {} must be positive "
        "and hidden a multiple of heads",
        config.name, config.layers, config.hidden, config.heads, config.intermediate,
        config.seq_len));
  }
  if (config.is_decoder() != config.decoder.has_value()) {
    throw core::Error(
        core::ErrorKind::internal,
        fmt::format("model '{}': a {} with{} decoder fields", config.name,
                    model::to_string(config.architecture), config.decoder ? "" : "out"));
  }
}

}  // namespace

Graph build_graph(const model::ModelConfig& config, const KnobMap& knobs) {
  check_shape(config);
  validate(knobs, config);
  Graph g = builder(config.architecture).build(config, knobs);
  validate(g);
  return g;
}

Graph build_graph(const model::ModelConfig& config) {
  return build_graph(config, builder(config.architecture).default_knobs);
}

std::int64_t kernel_count(const model::ModelConfig& config, const KnobMap& knobs) {
  return builder(config.architecture).kernel_count(config, knobs);
}

KnobMap knobs_of(const Graph& graph) {
  KnobMap knobs;
  // From layer 0 (or the model's own kernels outside the layers, layer -1).
  for (Role role : compute_roles(graph.architecture)) {
    auto it = std::find_if(graph.kernels.begin(), graph.kernels.end(),
                           [&](const Kernel& k) { return k.role == role && k.layer <= 0; });
    if (it == graph.kernels.end()) {
      throw core::Error(
          fmt::format("graph '{}': no layer-0 kernel of role '{}'", graph.model, to_string(role)));
    }
    RoleKnobs& rk = knobs.roles[role];
    rk.partition = it->parts;
    for (const Stage& s : it->stages) rk.stages.push_back(s.knobs);
  }
  return knobs;
}

model::ModelConfig model_config(const Graph& g) {
  model::ModelConfig c;
  c.name = g.model;
  c.architecture = g.architecture;
  c.layers = g.layers;
  c.hidden = g.hidden;
  c.heads = g.heads;
  c.intermediate = g.intermediate;
  c.seq_len = g.seq_len;
  if (c.is_decoder()) {
    // What the graph depends on; the rest (RoPE theta, eps, ...) keeps the decoder defaults.
    model::DecoderConfig d;
    d.name = g.model;
    d.architecture = g.architecture;
    d.layers = g.layers;
    d.dim = g.hidden;
    d.heads = g.heads;
    d.kv_heads = g.kv_heads;
    d.hidden_dim = g.intermediate;
    d.vocab = g.vocab;
    d.max_seq = g.seq_len;
    if (g.architecture == model::Architecture::gpt2_decoder) {
      d.norm = model::NormKind::layernorm;
      d.ffn = model::FfnKind::gelu;
    }
    c.decoder = d;
  }
  return c;
}

}  // namespace atl::graph
