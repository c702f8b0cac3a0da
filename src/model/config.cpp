#include "model/config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

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

ModelConfig load_model_config(const std::filesystem::path& path) {
  return parse_model_config(core::read_text_file(path, "model config"), path);
}

ModelConfig parse_model_config(const std::string& text, const std::filesystem::path& path) {
  const std::string file = path.string();
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw core::Error(fmt::format("{}: invalid YAML: {}", file, e.what()));
  }
  if (!root.IsMap())
    throw core::Error(fmt::format("{}: expected a YAML mapping of model fields", file));
  static const char* known[] = {"name",         "architecture", "layers",      "hidden", "heads",
                                "intermediate", "seq_len",      "description", "source"};
  for (const auto& kv : root) {
    const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "a list or mapping";
    if (std::find(std::begin(known), std::end(known), key) == std::end(known)) {
      throw core::Error(fmt::format("{}: unknown field '{}'", file, key));
    }
  }
  if (text_field(root, "architecture", "", file) != "ibert-encoder") {
    throw core::Error(fmt::format("{}: field 'architecture' must be 'ibert-encoder'", file));
  }
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

}  // namespace atl::model
