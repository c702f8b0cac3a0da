// ModelConfig: the shape of an integer transformer encoder (I-BERT base/large), read from the
// YAML files in examples/models/.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace atl::model {

struct ModelConfig {
  std::string name;                  // e.g. "ibert-base"
  std::int64_t layers = 12;          // encoder layers
  std::int64_t hidden = 768;         // model width H
  std::int64_t heads = 12;           // attention heads A (head_dim = H / A)
  std::int64_t intermediate = 3072;  // FFN width I
  std::int64_t seq_len = 128;        // tokens per sequence (the hardware's maximum)

  std::int64_t head_dim() const { return hidden / heads; }
};

// Limits of a model shape (README "Limits"), checked before anything is sized by them: the
// largest published encoders and decoders are well inside (Llama 3 405B: 126 layers, hidden
// 16384, FFN 53248).
inline constexpr std::int64_t kMaxLayers = 1024;
inline constexpr std::int64_t kMaxHidden = 32768;
inline constexpr std::int64_t kMaxIntermediate = 131072;
inline constexpr std::int64_t kMaxSeqLen = 4096;

// Reads and validates a model YAML; errors name the file and the field.
ModelConfig load_model_config(const std::filesystem::path& path);
// The same from the YAML text; `where` names it in errors and is the default name.
ModelConfig parse_model_config(const std::string& text, const std::filesystem::path& where);

// Throws core::Error (naming `where`) unless the shape is usable by the kernels and within the
// limits above.
void validate(const ModelConfig& config, const std::string& where);

// Throws core::Error (naming `what`, e.g. "--tokens") unless 1 <= tokens <= config.seq_len: an
// input holds at most seq_len token rows. Call it before sizing an input by `tokens`.
void validate_tokens(const ModelConfig& config, std::int64_t tokens, const std::string& what);

}  // namespace atl::model
