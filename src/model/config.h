// ModelConfig: the shape of an integer transformer encoder (I-BERT base/large), read from the
// YAML files in examples/models/.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace atl::model {

struct ModelConfig {
  std::string name;              // e.g. "ibert-base"
  std::int64_t layers = 12;      // encoder layers
  std::int64_t hidden = 768;     // model width H
  std::int64_t heads = 12;       // attention heads A (head_dim = H / A)
  std::int64_t intermediate = 3072;  // FFN width I
  std::int64_t seq_len = 128;    // tokens per sequence (the hardware's maximum)

  std::int64_t head_dim() const { return hidden / heads; }
};

// Reads and validates a model YAML; errors name the file and the field.
ModelConfig load_model_config(const std::filesystem::path& path);

// Throws core::Error (naming `where`) unless the shape is usable by the kernels.
void validate(const ModelConfig& config, const std::string& where);

}  // namespace atl::model
