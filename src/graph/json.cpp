#include "graph/json.h"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file.h"
#include "core/json_field.h"
#include "model/config.h"

namespace atl::graph {
namespace {

using nlohmann::json;

// The longest stage dimension: a decoder's embedding table (vocabulary + learned positions).
constexpr std::int64_t kMaxStageDimension = model::kMaxVocab + model::kMaxSeqLen;

core::DType dtype_from_string(const std::string& s, const std::string& at) {
  using core::DType;
  for (DType t : {DType::i8, DType::u8, DType::i16, DType::u16, DType::i32, DType::u32, DType::i64,
                  DType::u64}) {
    if (core::to_string(t) == s) return t;
  }
  throw core::Error(
      fmt::format("{}: unknown dtype '{}' (expected int8, uint8, int32, ...)", at, s));
}

}  // namespace

json to_json(const Graph& g) {
  json kernels = json::array();
  for (const Kernel& k : g.kernels) {
    json stages = json::array();
    for (const Stage& s : k.stages) {
      json stage = {{"type", to_string(s.type)}, {"m", s.m},         {"k", s.k},
                    {"tile", s.knobs.tile},      {"pe", s.knobs.pe}, {"unroll", s.knobs.unroll}};
      if (s.knobs.aie > 0) stage["aie"] = s.knobs.aie;  // absent: DSP fabric (older plans)
      stages.push_back(std::move(stage));
    }
    kernels.push_back({{"name", k.name},
                       {"role", to_string(k.role)},
                       {"layer", k.layer},
                       {"head", k.head},
                       {"part", k.part},
                       {"parts", k.parts},
                       {"out_dtype", core::to_string(k.out_dtype)},
                       {"out_bytes_per_token", k.out_bytes_per_token},
                       {"stages", std::move(stages)}});
  }
  json streams = json::array();
  for (const Stream& s : g.streams) {
    // Kernels are named, not numbered, so a hand-edited file stays readable.
    json js{{"producer", g.kernels.at(s.producer).name},
            {"consumer", g.kernels.at(s.consumer).name},
            {"pattern", to_string(s.pattern)},
            {"bytes_per_token", s.bytes_per_token},
            {"port", s.port}};
    if (s.offset != 0) js["offset"] = s.offset;  // decoders only: encoder files are unchanged
    streams.push_back(std::move(js));
  }
  json j{{"model", g.model},
         {"seq_len", g.seq_len},
         {"hidden", g.hidden},
         {"heads", g.heads},
         {"intermediate", g.intermediate},
         {"layers", g.layers},
         {"kernels", std::move(kernels)},
         {"streams", std::move(streams)}};
  // An encoder's file stays as it was before architectures (absent = ibert-encoder).
  if (g.architecture != model::Architecture::ibert_encoder) {
    j["architecture"] = model::to_string(g.architecture);
    j["kv_heads"] = g.kv_heads;
    j["vocab"] = g.vocab;
  }
  return j;
}

Graph graph_from_json(const json& j, const std::string& where) {
  if (!j.is_object()) throw core::Error(fmt::format("{}: expected a JSON object (a graph)", where));
  Graph g;
  g.model = core::json_field<std::string>(j, "model", where);
  g.seq_len = core::json_int(j, "seq_len", where, 1, model::kMaxSeqLen);
  g.hidden = core::json_int(j, "hidden", where, 1, model::kMaxHidden);
  g.heads = core::json_int(j, "heads", where, 1, g.hidden);
  g.intermediate = core::json_int(j, "intermediate", where, 1, model::kMaxIntermediate);
  g.layers = core::json_int(j, "layers", where, 1, model::kMaxLayers);
  if (j.contains("architecture")) {
    g.architecture = model::parse_architecture_name(
        core::json_field<std::string>(j, "architecture", where), where + ".architecture");
  }
  if (g.architecture != model::Architecture::ibert_encoder) {
    g.kv_heads = core::json_int(j, "kv_heads", where, 1, g.heads);
    g.vocab = core::json_int(j, "vocab", where, 1, model::kMaxVocab);
  }
  // The widest row: an int64 element per FFN channel.
  constexpr std::int64_t kMaxRowBytes = 8 * model::kMaxIntermediate;
  auto int_field = [](const json& o, const char* key, const std::string& at, std::int64_t lo,
                      std::int64_t hi) {
    return static_cast<int>(core::json_int(o, key, at, lo, hi));
  };

  std::map<std::string, int> index;
  const json& kernels = core::json_array(j, "kernels", where);
  for (std::size_t i = 0; i < kernels.size(); ++i) {
    const std::string at = fmt::format("{}: kernels[{}]", where, i);
    const json& jk = kernels[i];
    Kernel k;
    k.name = core::json_field<std::string>(jk, "name", at);
    k.role = role_from_string(g.architecture, core::json_field<std::string>(jk, "role", at),
                              at + ".role");
    k.layer = int_field(jk, "layer", at, -1, g.layers - 1);
    k.head = int_field(jk, "head", at, -1, g.heads - 1);
    k.parts = int_field(jk, "parts", at, 1, model::kMaxIntermediate);
    k.part = int_field(jk, "part", at, 0, k.parts - 1);
    k.out_dtype =
        dtype_from_string(core::json_field<std::string>(jk, "out_dtype", at), at + ".out_dtype");
    k.out_bytes_per_token = core::json_int(jk, "out_bytes_per_token", at, 0, kMaxRowBytes);
    const json& stages = core::json_array(jk, "stages", at);
    for (std::size_t s = 0; s < stages.size(); ++s) {
      const std::string sat = fmt::format("{}.stages[{}]", at, s);
      Stage st;
      st.type = stage_type_from_string(core::json_field<std::string>(stages[s], "type", sat),
                                       sat + ".type");
      st.m = core::json_int(stages[s], "m", sat, 0, kMaxStageDimension);
      st.k = core::json_int(stages[s], "k", sat, 0, kMaxStageDimension);
      st.knobs.tile = int_field(stages[s], "tile", sat, 1, kMaxKnob);
      st.knobs.pe = int_field(stages[s], "pe", sat, 1, kMaxKnob);
      st.knobs.unroll = int_field(stages[s], "unroll", sat, 1, kMaxKnob);
      if (stages[s].contains("aie")) st.knobs.aie = int_field(stages[s], "aie", sat, 1, kMaxKnob);
      k.stages.push_back(st);
    }
    if (!index.emplace(k.name, static_cast<int>(i)).second) {
      throw core::Error(fmt::format("{}.name: duplicate kernel name '{}'", at, k.name));
    }
    g.kernels.push_back(std::move(k));
  }

  const json& streams = core::json_array(j, "streams", where);
  for (std::size_t i = 0; i < streams.size(); ++i) {
    const std::string at = fmt::format("{}: streams[{}]", where, i);
    auto kernel = [&](const char* key) {
      const auto name = core::json_field<std::string>(streams[i], key, at);
      auto it = index.find(name);
      if (it == index.end())
        throw core::Error(fmt::format("{}.{}: unknown kernel '{}'", at, key, name));
      return it->second;
    };
    Stream s;
    s.producer = kernel("producer");
    s.consumer = kernel("consumer");
    s.pattern = pattern_from_string(core::json_field<std::string>(streams[i], "pattern", at),
                                    at + ".pattern");
    s.bytes_per_token = core::json_int(streams[i], "bytes_per_token", at, 1, kMaxRowBytes);
    s.port = int_field(streams[i], "port", at, 0, 1);
    if (streams[i].contains("offset")) {
      s.offset = core::json_int(streams[i], "offset", at, 0, kMaxRowBytes);
    }
    g.streams.push_back(s);
  }
  try {
    validate(g);
  } catch (const core::Error& e) {
    throw core::Error(fmt::format("{}: {}", where, e.what()));
  }
  return g;
}

void save_graph(const Graph& graph, const std::filesystem::path& path) {
  core::write_text_file(path, to_json(graph).dump(1) + '\n');
}

Graph load_graph(const std::filesystem::path& path) {
  return graph_from_json(core::read_json_file(path, "graph file"), path.string());
}

}  // namespace atl::graph
