#include "graph/cluster_builder.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file.h"
#include "core/json_field.h"
#include "graph/json.h"

namespace atl::graph {
namespace {

using nlohmann::json;

// The eight sub-layers of one encoder, in Cluster Builder's names, and the role whose knobs each
// sets. attention_0 sets q, k and v alike (one entry builds all three kernels in the tool).
struct Sublayer {
  const char* name;
  Role role;
};
constexpr Sublayer kSublayers[] = {
    {"attention_0", Role::q},
    {"attention_1", Role::attention},
    {"attention_2", Role::context},
    {"attention_output_0", Role::out_proj},
    {"attention_output_1", Role::ln_attn},
    {"intermediate_0", Role::ffn1},
    {"intermediate_output_0", Role::ffn2},
    {"intermediate_output_1", Role::ln_ffn},
};

const json& member(const json& j, const std::string& key, const std::string& at) {
  auto it = j.find(key);
  if (it == j.end()) throw core::Error(fmt::format("{}: missing field '{}'", at, key));
  return *it;
}

// A positive integer no larger than `hi` (a knob's or the model shape's limit): a value cut to
// int would run as a different one.
std::int64_t integer(const json& j, const std::string& key, const std::string& at,
                     std::int64_t hi) {
  const json& v = member(j, key, at);
  if (!v.is_number_integer() ||
      (v.is_number_unsigned() ? v.get<std::uint64_t>() == 0 : v.get<std::int64_t>() <= 0)) {
    throw core::Error(
        fmt::format("{}.{}: expected a positive integer, got {}", at, key, core::shown(v)));
  }
  if (v.is_number_unsigned() ? v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi)
                             : v.get<std::int64_t>() > hi) {
    throw core::Error(
        fmt::format("{}.{}: expected at most {}, got {}", at, key, hi, core::shown(v)));
  }
  return v.get<std::int64_t>();
}

// A knob (tile, pe, unroll, partition) in [1, kMaxKnob].
int knob(const json& j, const std::string& key, const std::string& at) {
  return static_cast<int>(integer(j, key, at, kMaxKnob));
}

std::string text(const json& j, const std::string& key, const std::string& at) {
  const json& v = member(j, key, at);
  if (!v.is_string())
    throw core::Error(fmt::format("{}.{}: expected a string, got {}", at, key, core::shown(v)));
  return v.get<std::string>();
}

// Cluster Builder stage names -> ours ("act" is QuantAct).
StageType stage_of(const std::string& name, const std::string& at) {
  if (name == "act") return StageType::quant_act;
  return stage_type_from_string(name, at);
}

// Fills `rk` from one sub-layer entry. The config lists only the configurable stages: the
// residual stage of the LayerNorm sub-layers (IdentityQuantAct) keeps its default knobs.
void read_sublayer(const json& entry, Role role, const model::ModelConfig& model, RoleKnobs& rk,
                   const std::string& at) {
  if (!entry.is_object()) throw core::Error(fmt::format("{}: expected an object", at));
  rk.partition = knob(entry, "partition", at);
  const json& config = member(entry, "config", at);
  if (!config.is_array()) throw core::Error(fmt::format("{}.config: expected an array", at));
  const auto& types = stage_types(role);
  std::size_t next = 0;  // stages of the role not yet matched
  for (std::size_t i = 0; i < config.size(); ++i) {
    const std::string sat = fmt::format("{}.config[{}]", at, i);
    const StageType type = stage_of(text(config[i], "name", sat), sat + ".name");
    while (next < types.size() && types[next] != type) ++next;
    if (next == types.size()) {
      throw core::Error(fmt::format("{}: stage '{}' is not part of a {} kernel (or out of order)",
                                    sat, to_string(type), to_string(role)));
    }
    const json& dim = member(config[i], "dim", sat);
    const std::string dat = sat + ".dim";
    Knobs& k = rk.stages[next];
    if (type == StageType::linear) {
      k.tile = knob(dim, "tile", dat);
      k.pe = knob(dim, "pe", dat);
      // M and K restate the model shape; a mismatch means the file is for another model.
      const std::int64_t m = integer(dim, "M", dat, model::kMaxIntermediate);
      const std::int64_t kk = integer(dim, "K", dat, model::kMaxIntermediate);
      const std::int64_t want_m = role == Role::ffn1 ? model.intermediate : model.hidden;
      const std::int64_t want_k = role == Role::ffn2 ? model.intermediate : model.hidden;
      if (m != want_m || kk != want_k) {
        throw core::Error(
            fmt::format("{}: M={} K={} but the model gives M={} K={}", dat, m, kk, want_m, want_k));
      }
    } else if (type == StageType::attention_matmul || type == StageType::softmax_matmul) {
      k.pe = knob(dim, "pe", dat);
    } else {
      k.unroll = knob(dim, "unroll", dat);
    }
    ++next;
  }
}

}  // namespace

ClusterBuilderConfig load_cluster_builder_config(const std::filesystem::path& path) {
  return cluster_builder_config_from_json(core::read_json_file(path, "Cluster Builder config"),
                                          path);
}

ClusterBuilderConfig cluster_builder_config_from_json(const json& j,
                                                      const std::filesystem::path& path) {
  const std::string file = path.string();
  if (!j.is_object()) throw core::Error(fmt::format("{}: expected a JSON object", file));

  ClusterBuilderConfig cb;
  model::ModelConfig& m = cb.model;
  m.name = path.stem().string();
  m.seq_len = integer(j, "max_sentence_len", file, model::kMaxSeqLen);
  m.hidden = integer(j, "hidden_size", file, model::kMaxHidden);
  m.layers = integer(j, "num_hidden_layers", file, model::kMaxLayers);
  m.heads = integer(j, "num_attention_heads", file, model::kMaxHidden);
  m.intermediate = integer(j, "intermediate_size", file, model::kMaxIntermediate);
  constexpr auto kCount = static_cast<std::int64_t>(std::size(kSublayers));
  if (integer(j, "num_layer_per_encoder", file, kCount) != kCount) {
    throw core::Error(
        fmt::format("{}.num_layer_per_encoder: expected {} (the I-BERT sub-layers)", file, kCount));
  }
  for (const Sublayer& s : kSublayers) {
    const std::string at = fmt::format("{}: {}", file, s.name);
    const json& entry = member(j, s.name, file);
    read_sublayer(entry, s.role, m, cb.knobs[s.role], at);
    if (cb.board.empty()) {
      cb.board = text(entry, "board", at);
      cb.part = text(entry, "part", at);
    }
  }
  cb.knobs.k = cb.knobs.q;  // attention_0 describes each of the Q, K and V kernels
  cb.knobs.v = cb.knobs.q;
  try {
    validate(cb.knobs, m);
  } catch (const core::Error& e) {
    throw core::Error(fmt::format("{}: {}", file, e.what()));
  }
  return cb;
}

Graph import_cluster_builder(const std::filesystem::path& path) {
  const ClusterBuilderConfig cb = load_cluster_builder_config(path);
  return build_encoder_graph(cb.model, cb.knobs);
}

}  // namespace atl::graph
