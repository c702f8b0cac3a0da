#include "model/config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/file.h"

namespace atl::model {
namespace {

// The text of scalar field `key`, or `fallback` when it is absent.
std::string text_field(const YAML::Node& root, const char* key, const std::string& fallback,
                       const std::string& file) {
  const YAML::Node node = root[key];
  if (!node) return fallback;
  if (!node.IsScalar()) {
    throw core::Error(
        fmt::format("{}: field '{}' must be a string, got a list or mapping", file, key));
  }
  return node.Scalar();
}

// Integer field `key` in [1, hi], or `fallback` when it is absent.
std::int64_t positive_field(const YAML::Node& root, const char* key, std::int64_t fallback,
                            std::int64_t hi, const std::string& file) {
  const YAML::Node node = root[key];
  if (!node) return fallback;
  std::int64_t v = 0;
  try {
    v = node.as<std::int64_t>();
  } catch (const YAML::Exception&) {
    throw core::Error(fmt::format("{}: field '{}' must be an integer, got '{}'", file, key,
                                  node.IsScalar() ? node.Scalar() : std::string("a non-scalar")));
  }
  if (v <= 0)
    throw core::Error(fmt::format("{}: field '{}' must be positive, got {}", file, key, v));
  if (v > hi) {
    throw core::Error(
        fmt::format("{}: field '{}' is {}, more than the supported {}", file, key, v, hi));
  }
  return v;
}

// Float field `key` in [lo, hi], or `fallback` when it is absent.
float float_field(const YAML::Node& root, const char* key, float fallback, double lo, double hi,
                  const std::string& file) {
  const YAML::Node node = root[key];
  if (!node) return fallback;
  double v = 0;
  try {
    v = node.as<double>();
  } catch (const YAML::Exception&) {
    throw core::Error(fmt::format("{}: field '{}' must be a number, got '{}'", file, key,
                                  node.IsScalar() ? node.Scalar() : std::string("a non-scalar")));
  }
  if (!(v >= lo && v <= hi)) {
    throw core::Error(
        fmt::format("{}: field '{}' must be in [{}, {}], got {}", file, key, lo, hi, v));
  }
  return static_cast<float>(v);
}

bool bool_field(const YAML::Node& root, const char* key, bool fallback, const std::string& file) {
  const YAML::Node node = root[key];
  if (!node) return fallback;
  try {
    return node.as<bool>();
  } catch (const YAML::Exception&) {
    throw core::Error(fmt::format("{}: field '{}' must be true or false, got '{}'", file, key,
                                  node.IsScalar() ? node.Scalar() : std::string("a non-scalar")));
  }
}

// Field `key` as one of `names` (the enum value of the same index), or `fallback` when absent.
template <class E, std::size_t N>
E enum_field(const YAML::Node& root, const char* key, E fallback, const char* const (&names)[N],
             const std::string& file) {
  const std::string text = text_field(root, key, "", file);
  if (text.empty() && !root[key]) return fallback;
  for (std::size_t i = 0; i < N; ++i) {
    if (text == names[i]) return static_cast<E>(i);
  }
  std::string list;
  for (std::size_t i = 0; i < N; ++i) list += fmt::format("{}'{}'", i ? ", " : "", names[i]);
  throw core::Error(
      fmt::format("{}: field '{}' must be one of {}, got '{}'", file, key, list, text));
}

constexpr const char* kArchitectures[] = {"ibert-encoder", "llama-decoder", "gpt2-decoder"};
constexpr const char* kNorms[] = {"rmsnorm", "layernorm"};
constexpr const char* kFfns[] = {"swiglu", "gelu"};
constexpr const char* kRopes[] = {"interleaved", "halves"};

YAML::Node parse_yaml_map(const std::string& text, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw core::Error(fmt::format("{}: invalid YAML: {}", file, e.what()));
  }
  if (!root.IsMap())
    throw core::Error(fmt::format("{}: expected a YAML mapping of model fields", file));
  return root;
}

template <std::size_t N>
void check_known_fields(const YAML::Node& root, const char* const (&known)[N],
                        const std::string& file) {
  for (const auto& kv : root) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "a list or mapping";
    if (std::find(std::begin(known), std::end(known), key) == std::end(known)) {
      throw core::Error(fmt::format("{}: unknown field '{}'", file, key));
    }
  }
}

Architecture architecture_of(const YAML::Node& root, const std::string& file) {
  return enum_field(root, "architecture", Architecture::ibert_encoder, kArchitectures, file);
}

}  // namespace

void validate(const ModelConfig& c, const std::string& where) {
  auto fail = [&](const std::string& what) {
    throw core::Error(fmt::format("{}: {}", where, what));
  };
  auto check = [&](const char* field, std::int64_t v, std::int64_t hi) {
    if (v <= 0 || v > hi) fail(fmt::format("{} must be in [1, {}], got {}", field, hi, v));
  };
  check("layers", c.layers, kMaxLayers);
  check("hidden", c.hidden, kMaxHidden);
  check("heads", c.heads, c.hidden);
  check("intermediate", c.intermediate, kMaxIntermediate);
  check("seq_len", c.seq_len, kMaxSeqLen);
  if (c.hidden % c.heads != 0) {
    fail(fmt::format("hidden ({}) must be a multiple of heads ({})", c.hidden, c.heads));
  }
  // One 64-byte flit carries 64 int8 values: rows and heads travel in whole flits.
  if (c.hidden % 64 != 0 || c.intermediate % 64 != 0 || c.head_dim() % 64 != 0) {
    fail(
        fmt::format("hidden ({}), intermediate ({}) and head_dim ({}) must be multiples of 64 "
                    "(one 64-byte flit)",
                    c.hidden, c.intermediate, c.head_dim()));
  }
}

void validate_tokens(const ModelConfig& c, std::int64_t tokens, const std::string& what) {
  if (tokens < 1 || tokens > c.seq_len) {
    throw core::Error(fmt::format("{}: expected 1 to {} tokens (the seq_len of model '{}'), got {}",
                                  what, c.seq_len, c.name, tokens));
  }
}

std::string to_string(Architecture a) {
  return kArchitectures[static_cast<int>(a)];
}
std::string to_string(NormKind n) {
  return kNorms[static_cast<int>(n)];
}
std::string to_string(FfnKind f) {
  return kFfns[static_cast<int>(f)];
}
std::string to_string(RopeLayout r) {
  return kRopes[static_cast<int>(r)];
}

ModelConfig load_model_config(const std::filesystem::path& path, Accept accept) {
  return parse_model_config(core::read_text_file(path, "model config"), path, accept);
}

ModelConfig model_config(const DecoderConfig& d) {
  ModelConfig c;
  c.name = d.name;
  c.architecture = d.architecture;
  c.layers = d.layers;
  c.hidden = d.dim;
  c.heads = d.heads;
  c.intermediate = d.hidden_dim;
  c.seq_len = std::min(d.max_seq, kMaxSeqLen);
  c.decoder = d;
  return c;
}

Architecture parse_architecture_name(const std::string& name, const std::string& where) {
  for (std::size_t i = 0; i < std::size(kArchitectures); ++i) {
    if (name == kArchitectures[i]) return static_cast<Architecture>(i);
  }
  throw core::Error(fmt::format(
      "{}: unknown architecture '{}' (expected ibert-encoder, llama-decoder or gpt2-decoder)",
      where, name));
}

Architecture parse_architecture(const std::string& yaml_text, const std::filesystem::path& path) {
  return architecture_of(parse_yaml_map(yaml_text, path.string()), path.string());
}

ModelConfig parse_model_config(const std::string& text, const std::filesystem::path& path,
                               Accept accept) {
  const std::string file = path.string();
  const YAML::Node root = parse_yaml_map(text, file);
  const Architecture arch = architecture_of(root, file);
  if (arch != Architecture::ibert_encoder && accept == Accept::any) {
    return model_config(parse_decoder_config(text, path));
  }
  if (arch != Architecture::ibert_encoder) {
    throw core::Error(core::ErrorKind::unsupported,
                      fmt::format("{}: architecture '{}': decoders on the cluster: not yet (run "
                                  "them on one machine with `atoll generate`)",
                                  file, to_string(arch)));
  }
  static const char* const known[] = {"name",    "architecture", "layers",
                                      "hidden",  "heads",        "intermediate",
                                      "seq_len", "description",  "source"};
  check_known_fields(root, known, file);
  ModelConfig c;
  c.name = text_field(root, "name", path.stem().string(), file);
  c.layers = positive_field(root, "layers", c.layers, kMaxLayers, file);
  c.hidden = positive_field(root, "hidden", c.hidden, kMaxHidden, file);
  c.heads = positive_field(root, "heads", c.heads, kMaxHidden, file);
  c.intermediate = positive_field(root, "intermediate", c.intermediate, kMaxIntermediate, file);
  c.seq_len = positive_field(root, "seq_len", c.seq_len, kMaxSeqLen, file);
  validate(c, file);
  return c;
}

void validate(const DecoderConfig& c, const std::string& where) {
  auto fail = [&](const std::string& what) {
    throw core::Error(fmt::format("{}: {}", where, what));
  };
  auto check = [&](const char* field, std::int64_t v, std::int64_t hi) {
    if (v <= 0 || v > hi) fail(fmt::format("{} must be in [1, {}], got {}", field, hi, v));
  };
  if (c.architecture == Architecture::ibert_encoder)
    fail("not a decoder (architecture ibert-encoder)");
  check("layers", c.layers, kMaxLayers);
  check("hidden", c.dim, kMaxHidden);
  check("intermediate", c.hidden_dim, kMaxIntermediate);
  check("heads", c.heads, c.dim);
  check("kv_heads", c.kv_heads, c.heads);
  check("vocab", c.vocab, kMaxVocab);
  check("max_seq", c.max_seq, kMaxContext);
  if (c.bos < 0 || c.bos >= c.vocab) fail(fmt::format("bos must be in [0, vocab), got {}", c.bos));
  if (c.dim % c.heads != 0) {
    fail(fmt::format("hidden ({}) must be a multiple of heads ({})", c.dim, c.heads));
  }
  if (c.heads % c.kv_heads != 0) {
    fail(fmt::format("heads ({}) must be a multiple of kv_heads ({})", c.heads, c.kv_heads));
  }
  if (c.architecture == Architecture::llama_decoder && c.head_dim() % 2 != 0) {
    fail(fmt::format("head size hidden/heads ({}) must be even: RoPE rotates pairs", c.head_dim()));
  }
  if (!(c.rope_theta > 1.0f && std::isfinite(c.rope_theta))) {
    fail(fmt::format("rope_theta must be a finite number above 1, got {}", c.rope_theta));
  }
  if (!(c.norm_eps > 0.0f && c.norm_eps < 1.0f)) {
    fail(fmt::format("norm_eps must be in (0, 1), got {}", c.norm_eps));
  }
}

void validate_token(const DecoderConfig& c, std::int64_t token, const std::string& what) {
  if (token < 0 || token >= c.vocab) {
    throw core::Error(fmt::format("{}: token id {} is outside the vocabulary [0, {}) of model '{}'",
                                  what, token, c.vocab, c.name));
  }
}

DecoderConfig load_decoder_config(const std::filesystem::path& path) {
  return parse_decoder_config(core::read_text_file(path, "model config"), path);
}

DecoderConfig parse_decoder_config(const std::string& text, const std::filesystem::path& path) {
  const std::string file = path.string();
  const YAML::Node root = parse_yaml_map(text, file);
  DecoderConfig c;
  c.architecture = architecture_of(root, file);
  if (c.architecture == Architecture::ibert_encoder) {
    throw core::Error(fmt::format(
        "{}: field 'architecture' is ibert-encoder (or absent); expected llama-decoder or "
        "gpt2-decoder",
        file));
  }
  static const char* const known[] = {
      "name",         "architecture", "layers",          "hidden",     "heads",       "kv_heads",
      "intermediate", "vocab",        "max_seq",         "rope_theta", "norm_eps",    "norm",
      "ffn",          "rope",         "tied_embeddings", "bos",        "description", "source"};
  check_known_fields(root, known, file);
  const bool gpt2 = c.architecture == Architecture::gpt2_decoder;
  c.name = text_field(root, "name", path.stem().string(), file);
  c.layers = positive_field(root, "layers", 0, kMaxLayers, file);
  c.dim = positive_field(root, "hidden", 0, kMaxHidden, file);
  c.heads = positive_field(root, "heads", 0, kMaxHidden, file);
  c.kv_heads = positive_field(root, "kv_heads", c.heads, kMaxHidden, file);
  c.hidden_dim = positive_field(root, "intermediate", 0, kMaxIntermediate, file);
  c.vocab = positive_field(root, "vocab", 0, kMaxVocab, file);
  c.max_seq = positive_field(root, "max_seq", 0, kMaxContext, file);
  for (const char* key : {"layers", "hidden", "heads", "intermediate", "vocab", "max_seq"}) {
    if (!root[key]) throw core::Error(fmt::format("{}: missing field '{}'", file, key));
  }
  c.rope_theta = float_field(root, "rope_theta", c.rope_theta, 1.0, 1e9, file);
  c.norm_eps = float_field(root, "norm_eps", gpt2 ? 1e-5f : c.norm_eps, 1e-12, 0.1, file);
  c.norm = enum_field(root, "norm", gpt2 ? NormKind::layernorm : NormKind::rmsnorm, kNorms, file);
  c.ffn = enum_field(root, "ffn", gpt2 ? FfnKind::gelu : FfnKind::swiglu, kFfns, file);
  c.rope = enum_field(root, "rope", RopeLayout::interleaved, kRopes, file);
  c.tied_embeddings = bool_field(root, "tied_embeddings", gpt2, file);
  c.bos = positive_field(root, "bos", c.bos, kMaxVocab, file);
  validate(c, file);
  return c;
}

}  // namespace atl::model
