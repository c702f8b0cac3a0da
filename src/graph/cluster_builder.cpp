#include "graph/cluster_builder.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file.h"
#include "core/json_field.h"
#include "graph/arch_ibert.h"
#include "graph/json.h"

namespace atl::graph {
namespace {

using nlohmann::json;

// The role whose knobs each sub-layer sets. attention_0 sets q, k and v alike (one entry builds
// all three kernels in the tool).
Role role_of(Sublayer s) {
  switch (s) {
    case Sublayer::attention_0:
      return ibert::q;
    case Sublayer::attention_1:
      return ibert::attention;
    case Sublayer::attention_2:
      return ibert::context;
    case Sublayer::attention_output_0:
      return ibert::out_proj;
    case Sublayer::attention_output_1:
      return ibert::ln_attn;
    case Sublayer::intermediate_0:
      return ibert::ffn1;
    case Sublayer::intermediate_output_0:
      return ibert::ffn2;
    case Sublayer::intermediate_output_1:
      return ibert::ln_ffn;
  }
  throw core::Error(core::ErrorKind::internal, "unknown sub-layer");
}

// Why atoll reads these fields but does not act on them.
constexpr const char* kDeviceReason = "atoll places on the devices of --cluster";
constexpr const char* kUnknownReason = "not a Cluster Builder field";

// A JSON value as IgnoredField::value shows it: strings without their quotes.
std::string value_text(const json& v) {
  return v.is_string() ? v.get<std::string>() : core::shown(v);
}

// Adds every key of `object` not in `known` to `ignored`, as `prefix` + key.
void note_unknown(const json& object, const std::vector<std::string>& known,
                  const std::string& prefix, std::vector<IgnoredField>& ignored) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      ignored.push_back({prefix + key, value_text(value), kUnknownReason});
    }
  }
}

// The distinct values of `values`, comma-separated, in first-seen order.
std::string distinct(const std::vector<std::string>& values) {
  std::vector<std::string> seen;
  for (const std::string& v : values) {
    if (std::find(seen.begin(), seen.end(), v) == seen.end()) seen.push_back(v);
  }
  return fmt::format("{}", fmt::join(seen, ","));
}

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
                   const std::string& at, const std::string& field,
                   std::vector<IgnoredField>& ignored) {
  if (!entry.is_object()) throw core::Error(fmt::format("{}: expected an object", at));
  rk.partition = knob(entry, "partition", at);
  const json& config = member(entry, "config", at);
  if (!config.is_array()) throw core::Error(fmt::format("{}.config: expected an array", at));
  const auto& types = stage_types(role);
  std::size_t next = 0;  // stages of the role not yet matched
  for (std::size_t i = 0; i < config.size(); ++i) {
    const std::string sat = fmt::format("{}.config[{}]", at, i);
    const StageType type = stage_of(text(config[i], "name", sat), sat + ".name");
    const std::string sfield = fmt::format("{}.config[{}].", field, i);
    if (auto c = config[i].find("cluster"); c != config[i].end()) {
      ignored.push_back({sfield + "cluster", value_text(*c),
                         "Cluster Builder does not read it either; the top-level 'cluster' "
                         "groups the sub-layers"});
    }
    note_unknown(config[i], {"name", "dim", "cluster"}, sfield, ignored);
    while (next < types.size() && types[next] != type) ++next;
    if (next == types.size()) {
      throw core::Error(fmt::format("{}: stage '{}' is not part of a {} kernel (or out of order)",
                                    sat, to_string(type), to_string(role)));
    }
    const json& dim = member(config[i], "dim", sat);
    const std::string dat = sat + ".dim";
    Knobs& k = rk.stages[next];
    if (!dim.is_object()) throw core::Error(fmt::format("{}: expected an object", dat));
    if (type == StageType::linear) {
      note_unknown(dim, {"M", "K", "tile", "pe"}, sfield + "dim.", ignored);
      k.tile = knob(dim, "tile", dat);
      k.pe = knob(dim, "pe", dat);
      // M and K restate the model shape; a mismatch means the file is for another model.
      const std::int64_t m = integer(dim, "M", dat, model::kMaxIntermediate);
      const std::int64_t kk = integer(dim, "K", dat, model::kMaxIntermediate);
      const std::int64_t want_m = role == ibert::ffn1 ? model.intermediate : model.hidden;
      const std::int64_t want_k = role == ibert::ffn2 ? model.intermediate : model.hidden;
      if (m != want_m || kk != want_k) {
        throw core::Error(
            fmt::format("{}: M={} K={} but the model gives M={} K={}", dat, m, kk, want_m, want_k));
      }
    } else if (type == StageType::attention_matmul || type == StageType::softmax_matmul) {
      note_unknown(dim, {"pe"}, sfield + "dim.", ignored);
      k.pe = knob(dim, "pe", dat);
    } else {
      note_unknown(dim, {"unroll"}, sfield + "dim.", ignored);
      k.unroll = knob(dim, "unroll", dat);
    }
    ++next;
  }
}

// "cluster": a list of groups of sub-layer names, a partition of the eight sub-layers.
Grouping read_grouping(const json& j, const std::string& file) {
  const json& cluster = member(j, "cluster", file);
  const std::string at = file + ": cluster";
  if (!cluster.is_array()) {
    throw core::Error(fmt::format("{}: expected a list of lists of sub-layer names, got {}", at,
                                  core::shown(cluster)));
  }
  Grouping grouping;
  for (std::size_t g = 0; g < cluster.size(); ++g) {
    const std::string gat = fmt::format("{}[{}]", at, g);
    if (!cluster[g].is_array()) {
      throw core::Error(fmt::format("{}: expected a list of sub-layer names, got {}", gat,
                                    core::shown(cluster[g])));
    }
    std::vector<Sublayer>& group = grouping.emplace_back();
    for (std::size_t i = 0; i < cluster[g].size(); ++i) {
      const std::string iat = fmt::format("{}[{}]", gat, i);
      if (!cluster[g][i].is_string()) {
        throw core::Error(
            fmt::format("{}: expected a sub-layer name, got {}", iat, core::shown(cluster[g][i])));
      }
      group.push_back(sublayer_from_string(cluster[g][i].get<std::string>(), iat));
    }
  }
  validate(grouping, at);
  return grouping;
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
  const auto count = static_cast<std::int64_t>(all_sublayers().size());
  if (integer(j, "num_layer_per_encoder", file, count) != count) {
    throw core::Error(
        fmt::format("{}.num_layer_per_encoder: expected {} (the I-BERT sub-layers)", file, count));
  }
  cb.grouping = read_grouping(j, file);
  std::vector<IgnoredField> stages;  // ignored fields inside the sub-layers, after the others
  std::vector<std::string> boards, parts;
  std::vector<std::string> known{
      "num_build_thread",    "max_sentence_len",  "hidden_size",           "num_hidden_layers",
      "num_attention_heads", "intermediate_size", "num_layer_per_encoder", "cluster"};
  for (Sublayer s : all_sublayers()) {
    const std::string name = to_string(s);
    known.push_back(name);
    const std::string at = fmt::format("{}: {}", file, name);
    const json& entry = member(j, name, file);
    read_sublayer(entry, role_of(s), m, cb.knobs[role_of(s)], at, name, stages);
    boards.push_back(text(entry, "board", at));
    parts.push_back(text(entry, "part", at));
    note_unknown(entry, {"partition", "part", "board", "config"}, name + ".", stages);
  }
  cb.board = boards.front();
  cb.part = parts.front();
  cb.ignored.push_back({"board", distinct(boards), kDeviceReason});
  cb.ignored.push_back({"part", distinct(parts), kDeviceReason});
  if (auto t = j.find("num_build_thread"); t != j.end()) {
    cb.ignored.push_back({"num_build_thread", value_text(*t),
                          "threads for Vivado HLS builds, which atoll does not run"});
  }
  note_unknown(j, known, "", cb.ignored);
  cb.ignored.insert(cb.ignored.end(), stages.begin(), stages.end());
  cb.knobs[ibert::k] = cb.knobs[ibert::q];  // attention_0 describes each of the Q, K and V kernels
  cb.knobs[ibert::v] = cb.knobs[ibert::q];
  try {
    validate(cb.knobs, m);
  } catch (const core::Error& e) {
    throw core::Error(fmt::format("{}: {}", file, e.what()));
  }
  return cb;
}

Graph import_cluster_builder(const std::filesystem::path& path) {
  const ClusterBuilderConfig cb = load_cluster_builder_config(path);
  return build_graph(cb.model, cb.knobs);
}

}  // namespace atl::graph
