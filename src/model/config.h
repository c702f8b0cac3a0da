// Model YAML files (examples/models/): `architecture` says which kind of model a file holds:
// ibert-encoder (the default: the shape of an integer encoder, I-BERT base/large),
// llama-decoder or gpt2-decoder (DecoderConfig, model/decoder.h). One ModelConfig holds any of
// them: its architecture, the shape every architecture has (layers, widths, heads, the tokens
// of one mapped sequence) and, for a decoder, the whole DecoderConfig (vocabulary, kv heads,
// RoPE theta, context, norm and FFN kind). docs/model.md and docs/decoders.md list the fields.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "model/decoder.h"

namespace atl::model {

struct ModelConfig {
  std::string name;  // e.g. "ibert-base"
  Architecture architecture = Architecture::ibert_encoder;
  std::int64_t layers = 12;          // encoder (decoder) layers
  std::int64_t hidden = 768;         // model width H
  std::int64_t heads = 12;           // attention heads A (head_dim = H / A)
  std::int64_t intermediate = 3072;  // FFN width I
  std::int64_t seq_len = 128;        // tokens per sequence (the hardware's maximum); a decoder's
                                     // prefill of seq_len tokens is the unit it is mapped for
  // Set exactly when the architecture is a decoder: its full description (layers, hidden,
  // heads and intermediate above are copies of its layers, dim, heads and hidden_dim).
  std::optional<DecoderConfig> decoder;

  std::int64_t head_dim() const { return hidden / heads; }
  bool is_decoder() const { return architecture != Architecture::ibert_encoder; }
};

// The ModelConfig of a decoder: its shape and the decoder itself; seq_len is the context
// (max_seq) up to kMaxSeqLen tokens.
ModelConfig model_config(const DecoderConfig& decoder);

// Limits of a model shape (README "Limits"), checked before anything is sized by them: the
// largest published encoders and decoders are well inside (Llama 3 405B: 126 layers, hidden
// 16384, FFN 53248).
inline constexpr std::int64_t kMaxLayers = 1024;
inline constexpr std::int64_t kMaxHidden = 32768;
inline constexpr std::int64_t kMaxIntermediate = 131072;
inline constexpr std::int64_t kMaxSeqLen = 4096;

// Decoder limits beyond the encoder ones: Llama 3 has a vocabulary of 128256 and a context of
// 131072 (Llama 3.1); Gemma's vocabulary is 256000.
inline constexpr std::int64_t kMaxVocab = std::int64_t{1} << 20;
inline constexpr std::int64_t kMaxContext = std::int64_t{1} << 20;

// The YAML spelling of each enum value ("llama-decoder", "rmsnorm", "swiglu", "halves", ...).
std::string to_string(Architecture architecture);
std::string to_string(NormKind norm);
std::string to_string(FfnKind ffn);
std::string to_string(RopeLayout rope);

// "ibert-encoder", "llama-decoder" or "gpt2-decoder" -> the architecture; anything else is an
// error naming `where` and the choices.
Architecture parse_architecture_name(const std::string& name, const std::string& where);

// The architecture a model YAML declares (ibert-encoder when it has no `architecture` field);
// an unknown one is an error naming the file and the field.
Architecture parse_architecture(const std::string& yaml_text, const std::filesystem::path& where);

// Which architectures a caller can handle: the verbs that run an encoder (infer, run, demo, ...)
// take encoders only; `atoll map` maps any architecture the registry (graph/architecture.h) has.
enum class Accept { encoders, any };

// Reads and validates a model YAML; errors name the file and the field. With Accept::encoders a
// decoder YAML is ErrorKind::unsupported ("decoders on the cluster: not yet").
ModelConfig load_model_config(const std::filesystem::path& path, Accept accept = Accept::encoders);
// The same from the YAML text; `where` names it in errors and is the default name.
ModelConfig parse_model_config(const std::string& text, const std::filesystem::path& where,
                               Accept accept = Accept::encoders);

// Reads and validates a decoder model YAML (llama-decoder or gpt2-decoder); an encoder YAML is
// an error. Errors name the file and the field.
DecoderConfig load_decoder_config(const std::filesystem::path& path);
DecoderConfig parse_decoder_config(const std::string& text, const std::filesystem::path& where);

// Throws core::Error (naming `where`) unless the decoder shape is consistent (dim % heads,
// heads % kv_heads, an even head size for RoPE, norm/FFN kinds of the architecture) and within
// the limits above.
void validate(const DecoderConfig& config, const std::string& where);

// Throws core::Error (naming `what`) unless 0 <= token < config.vocab.
void validate_token(const DecoderConfig& config, std::int64_t token, const std::string& what);

// Throws core::Error (naming `where`) unless the shape is usable by the kernels and within the
// limits above.
void validate(const ModelConfig& config, const std::string& where);

// Throws core::Error (naming `what`, e.g. "--tokens") unless 1 <= tokens <= config.seq_len: an
// input holds at most seq_len token rows. Call it before sizing an input by `tokens`.
void validate_tokens(const ModelConfig& config, std::int64_t tokens, const std::string& what);

}  // namespace atl::model
