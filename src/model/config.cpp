#include "model/config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/error.h"

namespace atl::model {
namespace {

std::int64_t positive_field(const YAML::Node& root, const char* key, std::int64_t fallback,
                            const std::string& file) {
  const YAML::Node node = root[key];
  if (!node) return fallback;
  try {
    auto v = node.as<std::int64_t>();
    if (v <= 0) throw core::Error(fmt::format("{}: field '{}' must be positive, got {}", file, key, v));
    return v;
  } catch (const YAML::Exception&) {
    throw core::Error(fmt::format("{}: field '{}' must be an integer, got '{}'", file, key,
                                  node.IsScalar() ? node.Scalar() : std::string("a non-scalar")));
  }
}

}  // namespace

void validate(const ModelConfig& c, const std::string& where) {
  auto fail = [&](const std::string& what) { throw core::Error(fmt::format("{}: {}", where, what)); };
  if (c.hidden % c.heads != 0) {
    fail(fmt::format("hidden ({}) must be a multiple of heads ({})", c.hidden, c.heads));
  }
  // One 64-byte flit carries 64 int8 values: rows and heads travel in whole flits.
  if (c.hidden % 64 != 0 || c.intermediate % 64 != 0 || c.head_dim() % 64 != 0) {
    fail(fmt::format("hidden ({}), intermediate ({}) and head_dim ({}) must be multiples of 64 "
                     "(one 64-byte flit)", c.hidden, c.intermediate, c.head_dim()));
  }
  if (c.seq_len > 4096) fail(fmt::format("seq_len {} exceeds the supported 4096", c.seq_len));
}

ModelConfig load_model_config(const std::filesystem::path& path) {
  const std::string file = path.string();
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    throw core::Error(fmt::format("{}: cannot open model config", file));
  } catch (const YAML::Exception& e) {
    throw core::Error(fmt::format("{}: invalid YAML: {}", file, e.what()));
  }
  if (!root.IsMap()) throw core::Error(fmt::format("{}: expected a YAML mapping of model fields", file));
  const YAML::Node arch = root["architecture"];
  if (!arch || arch.as<std::string>() != "ibert-encoder") {
    throw core::Error(fmt::format("{}: field 'architecture' must be 'ibert-encoder'", file));
  }
  static const char* known[] = {"name", "architecture", "layers", "hidden", "heads",
                                "intermediate", "seq_len", "description", "source"};
  for (const auto& kv : root) {
    auto key = kv.first.as<std::string>();
    if (std::find(std::begin(known), std::end(known), key) == std::end(known)) {
      throw core::Error(fmt::format("{}: unknown field '{}'", file, key));
    }
  }
  ModelConfig c;
  c.name = root["name"] ? root["name"].as<std::string>() : path.stem().string();
  c.layers = positive_field(root, "layers", c.layers, file);
  c.hidden = positive_field(root, "hidden", c.hidden, file);
  c.heads = positive_field(root, "heads", c.heads, file);
  c.intermediate = positive_field(root, "intermediate", c.intermediate, file);
  c.seq_len = positive_field(root, "seq_len", c.seq_len, file);
  validate(c, file);
  return c;
}

}  // namespace atl::model
