#include "model/hf_decoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <set>

#include "core/error.h"
#include "core/file.h"
#include "core/json_field.h"
#include "model/config.h"

namespace atl::model {
namespace {

// Integer field `key` of config.json in [1, hi]; `fallback` when absent or null (< 0: required).
std::int64_t int_field(const nlohmann::json& j, const char* key, std::int64_t fallback,
                       std::int64_t hi, const std::string& at) {
  if ((!j.contains(key) || j[key].is_null()) && fallback >= 0) return fallback;
  return core::json_int(j, key, at, 1, hi);
}

float float_field(const nlohmann::json& j, const char* key, float fallback, double lo, double hi,
                  const std::string& at) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_number() || !(j[key].get<double>() >= lo && j[key].get<double>() <= hi)) {
    throw core::Error(fmt::format("{}.{}: expected a number in [{}, {}], got {}", at, key, lo, hi,
                                  core::shown(j[key])));
  }
  return j[key].get<float>();
}

bool bool_field(const nlohmann::json& j, const char* key, bool fallback, const std::string& at) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_boolean()) {
    throw core::Error(
        fmt::format("{}.{}: expected true or false, got {}", at, key, core::shown(j[key])));
  }
  return j[key].get<bool>();
}

std::string string_field(const nlohmann::json& j, const char* key, const std::string& fallback,
                         const std::string& at) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_string()) {
    throw core::Error(
        fmt::format("{}.{}: expected a string, got {}", at, key, core::shown(j[key])));
  }
  return j[key].get<std::string>();
}

// The tensors of a checkpoint by name: their shapes, and how to read each (from a file, or a copy
// of one in memory).
struct StoredTensor {
  core::Shape shape;
  std::function<std::vector<float>()> read;
};
using TensorIndex = std::map<std::string, StoredTensor>;

// Hands out the tensors of an index as they are mapped, checking each one's shape; what is never
// taken is unknown.
class TensorTaker {
 public:
  TensorTaker(const TensorIndex& tensors, std::string where)
      : tensors_(tensors), where_(std::move(where)) {}

  bool has(const std::string& name) const { return tensors_.count(name) != 0; }

  // Checks that `name` is there with `shape`; reads it into *to unless `to` is null (a check).
  void take(const std::string& name, const core::Shape& shape, std::vector<float>* to) {
    auto it = tensors_.find(name);
    if (it == tensors_.end()) {
      throw core::Error(
          fmt::format("{}: missing tensor '{}' (shape {})", where_, name, core::to_string(shape)));
    }
    if (it->second.shape != shape) {
      throw core::Error(fmt::format("{}: tensor '{}' has shape {}, expected {}", where_, name,
                                    core::to_string(it->second.shape), core::to_string(shape)));
    }
    taken_.insert(name);
    if (to != nullptr) *to = it->second.read();
  }

  // Throws for the first tensor not taken that `ignored` does not match.
  void check_all_taken(const std::regex& ignored) const {
    for (const auto& [name, t] : tensors_) {
      if (taken_.count(name) == 0 && !std::regex_match(name, ignored)) {
        throw core::Error(fmt::format("{}: unknown tensor '{}'", where_, name));
      }
    }
  }

 private:
  const TensorIndex& tensors_;
  std::set<std::string> taken_;
  std::string where_;
};

// [rows][cols] -> [cols][rows].
std::vector<float> transpose(const std::vector<float>& w, std::int64_t rows, std::int64_t cols) {
  std::vector<float> t(w.size());
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::int64_t c = 0; c < cols; ++c) t[c * rows + r] = w[r * cols + c];
  }
  return t;
}

// Columns [begin, begin + n) of a [rows][cols] matrix as a [n][rows] matrix (Conv1D slice).
std::vector<float> columns_as_rows(const std::vector<float>& w, std::int64_t rows,
                                   std::int64_t cols, std::int64_t begin, std::int64_t n) {
  std::vector<float> t(static_cast<std::size_t>(n * rows));
  for (std::int64_t o = 0; o < n; ++o) {
    for (std::int64_t r = 0; r < rows; ++r) t[o * rows + r] = w[r * cols + begin + o];
  }
  return t;
}

// The mapping of one piece (a part, or layer i) from the checkpoint's tensors. With a null
// output it only checks that the tensors are there with their shapes.
using Field = std::vector<float> DecoderLayerWeights::*;

void llama_part(TensorTaker& t, const DecoderConfig& c, WeightPart part, std::vector<float>* v) {
  if (part == WeightPart::token_embedding) t.take("model.embed_tokens.weight", {c.vocab, c.dim}, v);
  if (part == WeightPart::final_norm) t.take("model.norm.weight", {c.dim}, v);
  if (part == WeightPart::lm_head && !c.tied_embeddings) {
    t.take("lm_head.weight", {c.vocab, c.dim}, v);
  }
}

void llama_layer(TensorTaker& t, const DecoderConfig& c, std::int64_t i, DecoderLayerWeights* l) {
  const std::int64_t d = c.dim, h = c.hidden_dim, kv = c.kv_heads * c.head_dim();
  const std::string p = fmt::format("model.layers.{}.", i);
  const auto get = [&](const char* name, const core::Shape& shape, Field field) {
    t.take(p + name, shape, l != nullptr ? &(l->*field) : nullptr);
  };
  get("input_layernorm.weight", {d}, &DecoderLayerWeights::attn_norm);
  get("self_attn.q_proj.weight", {d, d}, &DecoderLayerWeights::wq);
  get("self_attn.k_proj.weight", {kv, d}, &DecoderLayerWeights::wk);
  get("self_attn.v_proj.weight", {kv, d}, &DecoderLayerWeights::wv);
  get("self_attn.o_proj.weight", {d, d}, &DecoderLayerWeights::wo);
  get("post_attention_layernorm.weight", {d}, &DecoderLayerWeights::ffn_norm);
  get("mlp.gate_proj.weight", {h, d}, &DecoderLayerWeights::w1);
  get("mlp.up_proj.weight", {h, d}, &DecoderLayerWeights::w3);
  get("mlp.down_proj.weight", {d, h}, &DecoderLayerWeights::w2);
}

std::string gpt2_prefix(const TensorTaker& t) {
  return t.has("transformer.wte.weight") ? "transformer." : "";
}

void gpt2_part(TensorTaker& t, const DecoderConfig& c, WeightPart part, std::vector<float>* v) {
  const std::string prefix = gpt2_prefix(t);
  if (part == WeightPart::token_embedding) t.take(prefix + "wte.weight", {c.vocab, c.dim}, v);
  if (part == WeightPart::position_embedding) t.take(prefix + "wpe.weight", {c.max_seq, c.dim}, v);
  if (part == WeightPart::final_norm) t.take(prefix + "ln_f.weight", {c.dim}, v);
  if (part == WeightPart::final_norm_bias) t.take(prefix + "ln_f.bias", {c.dim}, v);
}

void gpt2_layer(TensorTaker& t, const DecoderConfig& c, std::int64_t i, DecoderLayerWeights* l) {
  const std::int64_t d = c.dim, h = c.hidden_dim;
  const std::string p = fmt::format("{}h.{}.", gpt2_prefix(t), i);
  std::vector<float> qkv, qkv_bias, wo, w1, w2;
  const auto get = [&](const char* name, const core::Shape& shape, std::vector<float>* to) {
    t.take(p + name, shape, l != nullptr ? to : nullptr);
  };
  DecoderLayerWeights unused;
  DecoderLayerWeights& out = l != nullptr ? *l : unused;
  get("ln_1.weight", {d}, &out.attn_norm);
  get("ln_1.bias", {d}, &out.attn_norm_bias);
  get("attn.c_attn.weight", {d, 3 * d}, &qkv);
  get("attn.c_attn.bias", {3 * d}, &qkv_bias);
  get("attn.c_proj.weight", {d, d}, &wo);
  get("attn.c_proj.bias", {d}, &out.bo);
  get("ln_2.weight", {d}, &out.ffn_norm);
  get("ln_2.bias", {d}, &out.ffn_norm_bias);
  get("mlp.c_fc.weight", {d, h}, &w1);
  get("mlp.c_fc.bias", {h}, &out.b1);
  get("mlp.c_proj.weight", {h, d}, &w2);
  get("mlp.c_proj.bias", {d}, &out.b2);
  if (l == nullptr) return;
  l->wq = columns_as_rows(qkv, d, 3 * d, 0, d);
  l->wk = columns_as_rows(qkv, d, 3 * d, d, d);
  l->wv = columns_as_rows(qkv, d, 3 * d, 2 * d, d);
  l->bq.assign(qkv_bias.begin(), qkv_bias.begin() + d);
  l->bk.assign(qkv_bias.begin() + d, qkv_bias.begin() + 2 * d);
  l->bv.assign(qkv_bias.begin() + 2 * d, qkv_bias.end());
  l->wo = transpose(wo, d, d);
  l->w1 = transpose(w1, d, h);
  l->w2 = transpose(w2, h, d);
}

void map_part(TensorTaker& t, const DecoderConfig& c, WeightPart part, std::vector<float>* v) {
  if (c.architecture == Architecture::llama_decoder) {
    llama_part(t, c, part, v);
  } else {
    gpt2_part(t, c, part, v);
  }
}

void map_layer(TensorTaker& t, const DecoderConfig& c, std::int64_t i, DecoderLayerWeights* l) {
  if (c.architecture == Architecture::llama_decoder) {
    llama_layer(t, c, i, l);
  } else {
    gpt2_layer(t, c, i, l);
  }
}

constexpr WeightPart kParts[] = {WeightPart::token_embedding, WeightPart::position_embedding,
                                 WeightPart::final_norm, WeightPart::final_norm_bias,
                                 WeightPart::lm_head};

// A reader over `index`: every tensor's presence and shape, and that no tensor is unknown, are
// checked here, before any is read; each piece is read when asked for.
DecoderWeightReader hf_reader(const DecoderConfig& config, std::shared_ptr<const TensorIndex> index,
                              const std::string& where) {
  TensorTaker check(*index, where);
  for (WeightPart part : kParts) map_part(check, config, part, nullptr);
  for (std::int64_t i = 0; i < config.layers; ++i) map_layer(check, config, i, nullptr);
  const bool tied_head = config.tied_embeddings && check.has("lm_head.weight");
  if (tied_head) check.take("lm_head.weight", {config.vocab, config.dim}, nullptr);
  check.check_all_taken(config.architecture == Architecture::llama_decoder
                            ? std::regex(R"(model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq)")
                            : std::regex(R"((transformer\.)?h\.\d+\.attn\.(masked_)?bias)"));
  DecoderWeightReader r;
  r.config = config;
  r.part = [config, index, where, tied_head](WeightPart part) {
    TensorTaker t(*index, where);
    std::vector<float> v;
    map_part(t, config, part, &v);
    // A tied checkpoint may still store the LM head: it must then be the embedding.
    if (part == WeightPart::token_embedding && tied_head &&
        index->at("lm_head.weight").read() != v) {
      throw core::Error(
          fmt::format("{}: tensor 'lm_head.weight' differs from the token "
                      "embedding, but the embeddings are tied",
                      where));
    }
    validate_part(config, part, v, where);
    return v;
  };
  r.layer = [config, index, where](std::int64_t i) {
    TensorTaker t(*index, where);
    DecoderLayerWeights l;
    map_layer(t, config, i, &l);
    validate_layer(config, i, l, where);
    return l;
  };
  return r;
}

// Reorders the rows of each head of a [heads * hs][cols] matrix (or bias, cols = 1):
// to_interleaved: new row 2i + p <- old row p * hs/2 + i; otherwise the inverse.
void permute_heads(std::vector<float>& w, std::int64_t heads, std::int64_t hs, std::int64_t cols,
                   bool to_interleaved) {
  if (w.empty()) return;
  std::vector<float> out(w.size());
  for (std::int64_t h = 0; h < heads; ++h) {
    for (std::int64_t i = 0; i < hs / 2; ++i) {
      for (std::int64_t p = 0; p < 2; ++p) {
        const std::int64_t inter = h * hs + 2 * i + p, halves = h * hs + p * hs / 2 + i;
        const std::int64_t to = to_interleaved ? inter : halves;
        const std::int64_t from = to_interleaved ? halves : inter;
        std::copy_n(w.begin() + from * cols, cols, out.begin() + to * cols);
      }
    }
  }
  w = std::move(out);
}

void convert_rope(DecoderModel& m, RopeLayout target) {
  DecoderConfig& c = m.config;
  if (c.architecture != Architecture::llama_decoder || c.rope == target) return;
  const bool to_interleaved = target == RopeLayout::interleaved;
  for (DecoderLayerWeights& l : m.weights.layers) {
    permute_heads(l.wq, c.heads, c.head_dim(), c.dim, to_interleaved);
    permute_heads(l.bq, c.heads, c.head_dim(), 1, to_interleaved);
    permute_heads(l.wk, c.kv_heads, c.head_dim(), c.dim, to_interleaved);
    permute_heads(l.bk, c.kv_heads, c.head_dim(), 1, to_interleaved);
  }
  c.rope = target;
}

}  // namespace

DecoderConfig parse_hf_config(const std::string& text, const std::string& where) {
  const std::string at = where + "/config.json";
  const nlohmann::json j = core::parse_json(text, at);
  if (!j.is_object()) throw core::Error(fmt::format("{}: expected a JSON object", at));
  const std::string type = string_field(j, "model_type", "", at);
  DecoderConfig c;
  if (type == "llama") {
    c.architecture = Architecture::llama_decoder;
    c.dim = int_field(j, "hidden_size", -1, kMaxHidden, at);
    c.hidden_dim = int_field(j, "intermediate_size", -1, kMaxIntermediate, at);
    c.layers = int_field(j, "num_hidden_layers", -1, kMaxLayers, at);
    c.heads = int_field(j, "num_attention_heads", -1, kMaxHidden, at);
    c.kv_heads = int_field(j, "num_key_value_heads", c.heads, kMaxHidden, at);
    c.max_seq = int_field(j, "max_position_embeddings", -1, kMaxContext, at);
    c.norm_eps = float_field(j, "rms_norm_eps", 1e-6f, 1e-12, 0.1, at);
    c.rope_theta = float_field(j, "rope_theta", 10000.0f, 1.0, 1e9, at);
    c.tied_embeddings = bool_field(j, "tie_word_embeddings", false, at);
    c.rope = RopeLayout::halves;
    const std::string act = string_field(j, "hidden_act", "silu", at);
    if (act != "silu") {
      throw core::Error(
          core::ErrorKind::unsupported,
          fmt::format("{}.hidden_act: '{}' is not supported (expected silu)", at, act));
    }
    if (j.contains("rope_scaling") && !j["rope_scaling"].is_null()) {
      throw core::Error(
          core::ErrorKind::unsupported,
          fmt::format("{}.rope_scaling: RoPE scaling is not supported (expected null)", at));
    }
    if (j.contains("head_dim") && !j["head_dim"].is_null() &&
        core::json_int(j, "head_dim", at, 1, kMaxHidden) * c.heads != c.dim) {
      throw core::Error(fmt::format("{}.head_dim: must be hidden_size / num_attention_heads", at));
    }
  } else if (type == "gpt2") {
    c.architecture = Architecture::gpt2_decoder;
    c.dim = int_field(j, "n_embd", -1, kMaxHidden, at);
    c.hidden_dim = int_field(j, "n_inner", 4 * c.dim, kMaxIntermediate, at);
    c.layers = int_field(j, "n_layer", -1, kMaxLayers, at);
    c.heads = int_field(j, "n_head", -1, kMaxHidden, at);
    c.kv_heads = c.heads;
    c.max_seq = int_field(j, "n_positions", -1, kMaxContext, at);
    c.norm_eps = float_field(j, "layer_norm_epsilon", 1e-5f, 1e-12, 0.1, at);
    c.tied_embeddings = bool_field(j, "tie_word_embeddings", true, at);
    c.norm = NormKind::layernorm;
    c.ffn = FfnKind::gelu;
    const std::string act = string_field(j, "activation_function", "gelu_new", at);
    if (act != "gelu_new" && act != "gelu_pytorch_tanh") {
      throw core::Error(core::ErrorKind::unsupported,
                        fmt::format("{}.activation_function: '{}' is not supported (expected "
                                    "gelu_new, GPT-2's tanh GELU)",
                                    at, act));
    }
  } else {
    throw core::Error(
        core::ErrorKind::unsupported,
        fmt::format("{}.model_type: '{}' is not supported (expected llama or gpt2)", at, type));
  }
  c.vocab = int_field(j, "vocab_size", -1, kMaxVocab, at);
  c.bos = int_field(j, "bos_token_id", c.architecture == Architecture::gpt2_decoder ? 50256 : 1,
                    kMaxVocab, at);
  validate(c, at);
  return c;
}

DecoderModel hf_decoder(const DecoderConfig& config, NamedTensors tensors,
                        const std::string& where) {
  auto held = std::make_shared<NamedTensors>(std::move(tensors));
  auto index = std::make_shared<TensorIndex>();
  for (const auto& entry : *held) {
    const core::Tensor<float>* t = &entry.second;
    index->emplace(entry.first, StoredTensor{t->shape(), [held, t] { return t->values(); }});
  }
  return read_all(hf_reader(config, index, where));
}

DecoderWeightReader open_hf_decoder(const std::filesystem::path& dir) {
  const std::string where = dir.string();
  if (!std::filesystem::is_directory(dir)) {
    throw core::Error(fmt::format(
        "{}: expected a Hugging Face checkpoint directory (config.json and *.safetensors)", where));
  }
  DecoderConfig config =
      parse_hf_config(core::read_text_file(dir / "config.json", "Hugging Face config"), where);
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".safetensors") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) throw core::Error(fmt::format("{}: no *.safetensors file", where));
  auto index = std::make_shared<TensorIndex>();
  for (const auto& path : files) {
    auto file = std::make_shared<const SafetensorsFile>(open_safetensors(path));
    for (const auto& entry : file->entries) {
      const std::string& name = entry.first;
      const StoredTensor t{entry.second.shape,
                           [file, name] { return read_tensor(*file, name).values(); }};
      if (!index->emplace(name, t).second) {
        throw core::Error(fmt::format("{}: tensor '{}' appears in two files", path.string(), name));
      }
    }
  }
  std::filesystem::path norm = dir.lexically_normal();
  if (norm.filename().empty()) norm = norm.parent_path();
  config.name = norm.filename().string();
  return hf_reader(config, index, where);
}

DecoderModel load_hf_decoder(const std::filesystem::path& dir) {
  return read_all(open_hf_decoder(dir));
}

void to_interleaved_rope(DecoderModel& m) {
  convert_rope(m, RopeLayout::interleaved);
}
void to_halves_rope(DecoderModel& m) {
  convert_rope(m, RopeLayout::halves);
}

}  // namespace atl::model
